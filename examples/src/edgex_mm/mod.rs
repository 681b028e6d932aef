//! `edgex-market-maker`: a two-sided Avellaneda-Stoikov maker on one EdgeX contract.
//!
//! Re-implements the seed's EdgeX maker (examples-spec A) with the weaknesses of section F
//! fixed: mid from the book, never the last trade (EX-W1); an unknown symbol stops at start
//! (EX-W2); sizes rounded down (EX-W7); quotes replaced only past `requote_ticks` (EX-W5);
//! the volume cap counted from our own fills, kept across restarts, an unreadable total an
//! error (EX-W8); only our own orders cancelled, at start and at shutdown, checked with
//! `open_orders` (EX-W10, EX-W16). It quotes both sides (the seed alternated one buy and one
//! sell) and bounds the inventory. The maths is in [`crate::quoting`], the order handling in
//! [`crate::mm`]; the user's guide is `examples/edgex-market-maker.md`.

pub mod config;
pub mod files;
pub mod run;

pub use config::{Config, ConfigError};
pub use run::{run, Outcome};

/// Why the maker stopped with an error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MakerError {
    /// A bad config value (exit 2).
    /// Example: `leverage = 50: at most the market's maximum 20`.
    #[error("config: {0}")]
    Config(#[from] ConfigError),
    /// A venue call that start-up or shutdown cannot do without (exit 1).
    /// Example: `market DOGEX: unknown market`.
    #[error("{0}")]
    Venue(String),
    /// The maker's own file (exit 1).
    /// Example: the volume file exists but is not JSON.
    #[error("file {0}")]
    File(#[from] files::FileError),
    /// The account cannot run the maker (exit 1).
    /// Example: 10 USD available and no position (the seed's capital gate).
    #[error("refused: {0}")]
    Refused(String),
}

impl From<crate::quoting::QuoteError> for MakerError {
    fn from(e: crate::quoting::QuoteError) -> Self {
        MakerError::Venue(format!("quoting: {e}"))
    }
}

impl MakerError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            MakerError::Config(_) => hedge_app::exit::CONFIG_ERROR,
            _ => hedge_app::exit::VENUE_ERROR,
        }
    }
}
