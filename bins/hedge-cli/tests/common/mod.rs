//! What the end-to-end tests of the binary share: `hedge-cli` started in a directory with a
//! clean environment (only `PATH`, so a developer's real credentials or filters never leak
//! into a test), and its output read as one text.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The real binary, run in `dir`, with nothing from the environment but `PATH`.
pub fn hedge_cli(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hedge-cli"));
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c
}

/// Standard output then standard error.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
