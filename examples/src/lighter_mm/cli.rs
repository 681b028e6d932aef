//! The command line of `lighter-market-maker` and its logs (console INFO, and a DEBUG file
//! `<log_dir>/market_maker_debug.txt` recreated at each start, as the seed's, EX30).
//!
//! Settings come from, lowest to highest: the defaults, `--config FILE`, then each flag or
//! its environment variable (the seed's names: `MARKET_SYMBOL`, `LEVERAGE`, `MARGIN_MODE`,
//! `PARAMS_DIR`, `REQUIRE_PARAMS`, `LOG_DIR`; `FLIP` is accepted and ignored, EX18).

use super::config::{parse_bool, parse_leverage, ConfigError, LmmConfig};
use crate::common::CommonArgs;
use clap::Parser;
use std::path::{Path, PathBuf};

/// Exit codes, for `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    stopped after --duration (every order of ours cancelled)
  1    venue error (no first book or account read within 30 s, orders of ours left open)
  2    usage or configuration error (bad flag, config file, credentials, unknown symbol)
  130  stopped by SIGINT, 143 by SIGTERM (every order of ours cancelled)";

/// A two-sided post-only market maker on one Lighter market, leaning with a SuperTrend bias.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "lighter-market-maker",
    version,
    about = "Two-sided post-only market maker on one Lighter market (Avellaneda-Stoikov quotes, SuperTrend bias)",
    long_about = "Quotes one post-only bid and one post-only ask on a Lighter market, priced by the \
Avellaneda-Stoikov model from the seed's parameter file (else a static spread), leaning with a \
SuperTrend directional bias: in an up-trend both quotes move up (the maker leans long), in a \
down-trend down. Never lets a fill take the position past the inventory bound, stops quoting on a \
stale book, and cancels only its own orders (client-id tag), at start-up and on shutdown. Live \
credentials come from .env (the hedge CLI's variables); --paper runs against the in-process \
simulator. See examples/lighter-market-maker.md.",
    after_help = EXIT_CODES
)]
pub struct Args {
    /// JSON config file (keys in examples/lighter-market-maker.md; unknown keys are refused).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Market symbol (base asset), e.g. PAXG.
    #[arg(long, env = "MARKET_SYMBOL", value_name = "SYM")]
    pub symbol: Option<String>,

    /// Leverage (a whole number >= 1).
    #[arg(long, env = "LEVERAGE", value_name = "X")]
    pub leverage: Option<String>,

    /// Margin mode (only "cross").
    #[arg(long = "margin-mode", env = "MARGIN_MODE", value_name = "MODE")]
    pub margin_mode: Option<String>,

    /// Folder searched first for spread_parameters_<SYM>.json (then ./params).
    #[arg(long = "params-dir", env = "PARAMS_DIR", value_name = "DIR")]
    pub params_dir: Option<PathBuf>,

    /// No quotes without a usable parameter file (instead of the static spread).
    #[arg(
        long = "require-params",
        env = "REQUIRE_PARAMS",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub require_params: Option<String>,

    /// Folder of market_maker_debug.txt and balance_log.txt (default ./logs; paper:
    /// <paper-dir>/logs).
    #[arg(long = "log-dir", env = "LOG_DIR", value_name = "DIR")]
    pub log_dir: Option<PathBuf>,

    /// The seed's dead flip switch: accepted, no effect (the SuperTrend decides).
    #[arg(long, env = "FLIP", value_name = "BOOL", hide = true)]
    pub flip: Option<String>,

    /// Paper/live, duration and simulator options shared by the examples.
    #[command(flatten)]
    pub common: CommonArgs,
}

impl Args {
    /// The settings: defaults, then the config file, then flags and their variables.
    pub fn settings(&self) -> Result<LmmConfig, ConfigError> {
        let mut c = match &self.config {
            Some(p) => LmmConfig::load(p)?,
            None => LmmConfig::default(),
        };
        if let Some(s) = &self.symbol {
            c.symbol = s.trim().to_ascii_uppercase();
        }
        if let Some(l) = &self.leverage {
            c.leverage = parse_leverage("--leverage", l)?;
        }
        if let Some(m) = &self.margin_mode {
            c.margin_mode = m.trim().to_ascii_lowercase();
        }
        if let Some(d) = &self.params_dir {
            c.params_dir = d.clone();
        }
        if let Some(r) = &self.require_params {
            c.require_params = parse_bool("--require-params", r)?;
        }
        if let Some(f) = &self.flip {
            parse_bool("FLIP", f)?;
        }
        if let Some(d) = &self.log_dir {
            c.log_dir = Some(d.clone());
        }
        if c.log_dir.is_none() {
            c.log_dir = Some(if self.common.paper {
                self.common.paper_dir("lighter-market-maker").join("logs")
            } else {
                PathBuf::from("logs")
            });
        }
        c.validate()?;
        Ok(c)
    }
}

/// Console INFO (or `RUST_LOG`) and the DEBUG file `<log_dir>/market_maker_debug.txt`
/// (recreated). Returns the file's path.
pub fn init_logging(log_dir: &Path) -> std::io::Result<PathBuf> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{fmt, EnvFilter, Layer};
    std::fs::create_dir_all(log_dir)?;
    let path = log_dir.join("market_maker_debug.txt");
    let file = std::fs::File::create(&path)?;
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();
    let console = fmt::layer()
        .with_target(false)
        .with_ansi(colour)
        .with_writer(std::io::stdout)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")));
    let quiet = "debug,hyper=info,hyper_util=info,reqwest=info,rustls=info,h2=info,tungstenite=info,tokio_tungstenite=info";
    let debug_file = fmt::layer()
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .with_filter(EnvFilter::new(quiet));
    // a second init (tests embedding the maker) keeps the first subscriber
    let _ = tracing_subscriber::registry()
        .with(console)
        .with(debug_file)
        .try_init();
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn args(list: &[&str]) -> Args {
        let mut all = vec!["lighter-market-maker"];
        all.extend_from_slice(list);
        Args::try_parse_from(all).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn flags_override_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.json");
        std::fs::write(
            &file,
            r#"{"symbol": "ETH", "leverage": 3, "require_params": true}"#,
        )
        .unwrap();
        let path = file.to_string_lossy().to_string();
        let c = args(&[
            "--config",
            &path,
            "--symbol",
            "btc",
            "--require-params",
            "false",
        ])
        .settings()
        .unwrap();
        assert_eq!(
            (c.symbol.as_str(), c.leverage, c.require_params),
            ("BTC", dec!(3), false)
        );
        assert_eq!(c.log_dir, Some(PathBuf::from("logs")));
        let c = args(&["--paper", "--paper-dir", "/tmp/x", "--require-params"])
            .settings()
            .unwrap();
        assert!(c.require_params);
        assert_eq!(c.log_dir, Some(PathBuf::from("/tmp/x/logs")));
    }

    #[test]
    fn bad_flags_name_themselves() {
        let e = args(&["--leverage", "2.5"]).settings().unwrap_err();
        assert_eq!(e.key, "--leverage");
        let e = args(&["--margin-mode", "isolated"]).settings().unwrap_err();
        assert_eq!(e.key, "margin_mode");
        assert!(Args::try_parse_from(["lighter-market-maker", "--bogus"]).is_err());
    }
}
