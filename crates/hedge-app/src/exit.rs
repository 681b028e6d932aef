//! Exit codes, defined once for the three binaries (README, "Exit codes").
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success: the command did what it promises |
//! | 1 | a venue or read error; another trader holds the account lock |
//! | 2 | usage or configuration error |
//! | 3 | positions are not as they should be: HALTED, a naked or unbalanced leg, positions left after close, an unfinished operation, or positions no state file explains |
//! | 4 | open: nothing opened (refused before trading on a balanced existing hedge, or both legs unfilled/unwound) |
//! | 5 | open: a clean hedge, smaller than requested |
//! | 130 / 143 | interrupted by a second SIGINT / SIGTERM (HALTED "operation N interrupted") |

/// Success.
pub const OK: u8 = 0;
/// A venue or read error (or the account lock is held by another trader).
pub const VENUE_ERROR: u8 = 1;
/// Usage or configuration error.
pub const CONFIG_ERROR: u8 = 2;
/// Positions are not as they should be (HALTED, naked or unbalanced, unfinished operation).
pub const NOT_HEDGED: u8 = 3;
/// Open: nothing opened.
pub const NOTHING_OPENED: u8 = 4;
/// Open: a clean hedge smaller than requested.
pub const SMALLER_HEDGE: u8 = 5;
/// A second SIGINT aborted an operation (128 + 2).
pub const INTERRUPTED: u8 = 130;
/// A second SIGTERM aborted an operation (128 + 15).
pub const TERMINATED: u8 = 143;

/// The exit-code table for `--help` of every binary.
pub const HELP: &str = "\
Exit codes:
  0  success: the command did what it promises (a verified hedge, flat on both venues, ...)
  1  a venue or read error; another trader holds the account lock
  2  usage or configuration error (bad flag, bad config file, missing credentials)
  3  positions are not as they should be: a naked leg was left (engine HALTED),
     positions remain after close, status found an unhedged/imbalanced position, an
     unfinished operation, or positions that no state file explains; open refused
     because unbalanced positions exist
  4  open: nothing was opened (refused before trading, e.g. a hedge already exists
     and --add was not given, or both legs unfilled/unwound)
  5  open: a clean hedge, but smaller than requested (both legs equal; see the report)
  130/143  a second SIGINT/SIGTERM aborted an operation (HALTED: operation N interrupted)";
