//! `status`, `pause`, `resume`: read the state files or write a request file; never touch
//! the venues.

use crate::args::Args;
use crate::code;
use crate::paths::Paths;
use chrono::Utc;
use hedge_engine::rotation::machine::ControlFiles;
use hedge_engine::rotation::state::file::{BotStateError, BotStateFile};
use hedge_engine::rotation::state::{board, BotStatus};
use hedge_engine::state::{FileStore, StateStore};

fn tag(args: &Args) -> &'static str {
    if args.paper {
        "PAPER "
    } else {
        ""
    }
}

/// The board from the state files (exit 0; 3 when HALTED or ERROR; 1 unreadable).
pub fn status(args: &Args, json: bool) -> u8 {
    let paths = Paths::of(args);
    let state = match BotStateFile::new(&paths.bot_state).load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}error: {e}", tag(args));
            return match e {
                BotStateError::Corrupt { .. } => code::CONFIG_ERROR,
                BotStateError::Io { .. } => code::VENUE_ERROR,
            };
        }
    };
    let engine = FileStore::new(&paths.engine_state).load();
    let (halt, engine_error) = match engine {
        Ok(s) => (s.halted, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let control = ControlFiles::beside(&paths.bot_state);
    let pending_pause = control.pending_pause();
    // The state's own clock (paper runs at --speed) when it is ahead of the wall clock.
    let now = state.last_updated.map_or(Utc::now(), |t| t.max(Utc::now()));
    if json {
        let doc = serde_json::json!({
            "mode": if args.paper { "paper" } else { "live" },
            "state_file": paths.bot_state.display().to_string(),
            "engine_state_file": paths.engine_state.display().to_string(),
            "state": state.state,
            "completed_cycles": state.completed_cycles.len(),
            "engine_halted": halt,
            "engine_state_error": engine_error,
            "pending_pause": pending_pause,
            "pending_resume": control.pending_resume(),
            "bot": state,
        });
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&doc)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        );
    } else {
        crate::outln!("{}", board::render(&state, halt.as_ref(), now));
        crate::outln!(
            "{}state file {}; engine state {}",
            tag(args),
            paths.bot_state.display(),
            paths.engine_state.display()
        );
        if let Some(e) = &engine_error {
            crate::outln!("{}WARNING: engine state unreadable: {e}", tag(args));
        }
        if let Some(p) = pending_pause {
            crate::outln!(
                "{}pause requested: {} (the running bot applies it at its next turn)",
                tag(args),
                p.reason
            );
        }
        if control.pending_resume() {
            crate::outln!(
                "{}resume requested (the bot applies it at its next turn or start)",
                tag(args)
            );
        }
        for d in state.decisions.iter().rev().take(5).rev() {
            crate::outln!(
                "  {} {:<11} {:<8} {}",
                board::time(d.time),
                d.kind,
                d.symbol.as_deref().unwrap_or("-"),
                d.reason
            );
        }
    }
    if halt.is_some() || matches!(state.state, BotStatus::Error | BotStatus::Halted) {
        code::NOT_HEDGED
    } else {
        code::OK
    }
}

/// `pause`: writes the pause request.
pub fn pause(args: &Args, reason: &str) -> u8 {
    let paths = Paths::of(args);
    match ControlFiles::beside(&paths.bot_state).request_pause(reason, Utc::now()) {
        Ok(()) => {
            crate::outln!(
                "{}pause requested ({}): nothing new opens once the bot reads it; a held position is still watched and closed on schedule. `rotation-bot resume` ends it.",
                tag(args),
                reason
            );
            code::OK
        }
        Err(e) => {
            eprintln!(
                "{}error: cannot write the pause request beside {}: {e}",
                tag(args),
                paths.bot_state.display()
            );
            code::VENUE_ERROR
        }
    }
}

/// `resume`: writes the resume request (clears a pause or acknowledges an ERROR).
pub fn resume(args: &Args) -> u8 {
    let paths = Paths::of(args);
    match ControlFiles::beside(&paths.bot_state).request_resume(Utc::now()) {
        Ok(()) => {
            crate::outln!(
                "{}resume requested: the bot leaves PAUSED (or ERROR, at its next start) when it reads it. An engine HALT is cleared only by `hedge-cli resume`.",
                tag(args)
            );
            code::OK
        }
        Err(e) => {
            eprintln!(
                "{}error: cannot write the resume request beside {}: {e}",
                tag(args),
                paths.bot_state.display()
            );
            code::VENUE_ERROR
        }
    }
}
