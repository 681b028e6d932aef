//! Where the bot's files are, for `run` and for the commands that only read or request
//! (`status`, `pause`, `resume`): one rule, so they always agree.

use crate::args::Args;
use hedge_app::bot_config;
use std::path::PathBuf;

/// The bot state file and the engine state file.
#[derive(Debug, Clone)]
pub struct Paths {
    pub bot_state: PathBuf,
    pub engine_state: PathBuf,
}

impl Paths {
    pub fn of(args: &Args) -> Self {
        if args.paper {
            return Self {
                bot_state: args.paper_dir.join("bot_state.json"),
                engine_state: args.paper_dir.join("hedge_state.json"),
            };
        }
        let config = args
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from(bot_config::DEFAULT_PATH));
        Self {
            bot_state: args
                .state_file
                .clone()
                .unwrap_or_else(|| PathBuf::from("bot_state.json")),
            engine_state: hedge_app::wiring::live_state_path(
                args.engine_state_file.clone(),
                Some(&config),
            ),
        }
    }
}
