//! Checks an EdgeX signing-vector file (the format of `edgex-vectors.json`).
//!
//! `cargo run -q -p venue-edgex --example check_vectors -- PATH`
//! Prints one line per failing check, then `N passed, M failed` (cases); exits 1 on any
//! failure and 2 when the file cannot be read as a vector file.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: check_vectors PATH");
        return ExitCode::from(2);
    };
    match venue_edgex::vectors::check_vectors_file(&path) {
        Ok(report) => {
            for line in &report.failures {
                println!("{line}");
            }
            println!("{}", report.summary());
            if report.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
