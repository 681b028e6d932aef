//! Checks a file of Lighter signing vectors (the official format) against this crate's
//! builder and signer. Prints one line per failing case and check, then `N passed, M failed`;
//! exits 1 on any failure, 2 on bad usage.
//!
//! `cargo run -q -p venue-lighter --example check_vectors -- PATH`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: check_vectors PATH");
        return ExitCode::from(2);
    };
    let report = venue_lighter::signing::vectors::check_file(std::path::Path::new(&path));
    for line in &report.failures {
        println!("FAIL {line}");
    }
    println!("{}", report.summary());
    if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
