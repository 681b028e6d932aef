//! `report`: the HTML report of the bot's completed cycles from its state file (issue 18),
//! written by `hedge_app::report_html`. Reads the state only, never the venues.

use crate::args::Args;
use crate::code;
use crate::paths::Paths;
use chrono::Utc;
use hedge_app::report_html::{from_state::report_from_state, write_report};
use hedge_engine::rotation::state::file::{BotStateError, BotStateFile};
use std::path::Path;

/// Writes the report to `out` (exit 0; 1 when the state file is missing or unreadable or
/// the report cannot be written; 2 when the state file is corrupt).
pub fn report(args: &Args, out: &Path) -> u8 {
    let paths = Paths::of(args);
    let tag = if args.paper { "PAPER " } else { "" };
    if !paths.bot_state.exists() {
        eprintln!(
            "{tag}error: no bot state file at {} (nothing to report; --state-file, or \
             --paper --paper-dir DIR)",
            paths.bot_state.display()
        );
        return code::VENUE_ERROR;
    }
    let state = match BotStateFile::new(&paths.bot_state).load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{tag}error: {e}");
            return match e {
                BotStateError::Corrupt { .. } => code::CONFIG_ERROR,
                BotStateError::Io { .. } => code::VENUE_ERROR,
            };
        }
    };
    let source = format!(
        "{}state file {}",
        if args.paper { "PAPER " } else { "live " },
        paths.bot_state.display()
    );
    let input = report_from_state(&state, &source, Utc::now());
    if let Err(e) = write_report(out, &input) {
        eprintln!("{tag}error: {e}");
        return code::VENUE_ERROR;
    }
    crate::outln!(
        "{tag}report written: {} ({} completed cycle(s) from {})",
        out.display(),
        input.cycles.len(),
        paths.bot_state.display()
    );
    code::OK
}
