//! The CLI's and the monitor's `hedge_config.json`, in the seed's format, validated at load
//! before any network call (fixes W16).
//!
//! Keys: `symbol` (required, upper-cased), `long_exchange` and `short_exchange` (required,
//! `edgex`/`lighter`, different), `leverage` (required, whole number > 0), `quote` (default
//! `USD`, upper-cased), `notional` (default 40, > 0). Keys starting with `comment` are
//! ignored; any other key is refused so that a typo cannot silently fall back to a default.
//!
//! Layers (see [`crate::layers`]), each later one replacing a key of the earlier: the file
//! (or the built-in paper defaults), then the environment `HEDGE_CONFIG_<KEY>` (e.g.
//! `HEDGE_CONFIG_SYMBOL=BTC`), then `--set KEY=VALUE` flags, then the CLI's own override
//! flags (`--symbol`, `--leverage`, ...). A prefixed variable or a `--set` naming no key is
//! refused; an invalid value is reported with the layer it came from.

use crate::json;
use crate::layers::{self, Layered};
use crate::venues::VenueKind;
use crate::ConfigError;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The default config path, relative to the working directory.
pub const DEFAULT_PATH: &str = "hedge_config.json";

/// The shipped example (`configs/hedge_config.json`); also the paper-mode default.
pub const EXAMPLE: &str = include_str!("../../../configs/hedge_config.json");

const KNOWN_KEYS: [&str; 6] = [
    "symbol",
    "quote",
    "long_exchange",
    "short_exchange",
    "leverage",
    "notional",
];

/// A validated hedge configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HedgeConfig {
    /// Base asset, upper case.
    pub symbol: String,
    /// Quote currency, upper case.
    pub quote: String,
    /// Venue of the long leg.
    pub long_exchange: VenueKind,
    /// Venue of the short leg.
    pub short_exchange: VenueKind,
    /// Leverage set on both venues.
    pub leverage: u32,
    /// Default `open` size in quote currency.
    pub notional: Decimal,
}

/// Values from the command line that replace the file's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HedgeOverrides {
    /// `--symbol`.
    pub symbol: Option<String>,
    /// `--quote`.
    pub quote: Option<String>,
    /// `--long-exchange`.
    pub long_exchange: Option<String>,
    /// `--short-exchange`.
    pub short_exchange: Option<String>,
    /// `--leverage`.
    pub leverage: Option<Decimal>,
    /// `--notional`.
    pub notional: Option<Decimal>,
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum ConfigOrigin {
    /// A file.
    File(PathBuf),
    /// The built-in paper-mode defaults (no file found).
    PaperDefaults,
}

/// A loaded configuration and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedHedgeConfig {
    /// The validated configuration.
    pub config: HedgeConfig,
    /// Its origin.
    pub origin: ConfigOrigin,
    /// A one-line notice for the operator, when defaults were used.
    pub notice: Option<String>,
    /// Keys set by a layer above the file: (key, layer), e.g. ("symbol", "environment
    /// HEDGE_CONFIG_SYMBOL"), in key order. The CLI's override flags are not listed.
    pub layered: Vec<(String, String)>,
}

/// The environment prefix of the hedge config: `HEDGE_CONFIG_<KEY>` replaces a key.
pub const ENV_PREFIX: &str = "HEDGE_CONFIG_";

/// How the hedge config is layered (see [`crate::layers`]).
pub const SCHEMA: layers::Schema<'static> = layers::Schema {
    keys: &KNOWN_KEYS,
    list_keys: &[],
    env_prefix: ENV_PREFIX,
};

/// Loads the config for a command: [`load_layered`] with the process environment and no
/// `--set` flags.
pub fn load(
    explicit: Option<&Path>,
    paper: bool,
    overrides: &HedgeOverrides,
) -> Result<LoadedHedgeConfig, ConfigError> {
    load_layered(
        explicit,
        paper,
        overrides,
        &crate::bot_config::process_env(),
        &[],
    )
}

/// Loads the config for a command through its layers (module docs): `env` holds the
/// environment (name, value), `sets` the `--set KEY=VALUE` flags.
///
/// `explicit` is `--config`; without it `./hedge_config.json` is used. In paper mode a missing
/// default file gives the built-in defaults (equal to the shipped example) with a notice; a
/// missing file given with `--config`, or a missing file in live mode, is an error naming the
/// path.
pub fn load_layered(
    explicit: Option<&Path>,
    paper: bool,
    overrides: &HedgeOverrides,
    env: &[(String, String)],
    sets: &[String],
) -> Result<LoadedHedgeConfig, ConfigError> {
    let path = explicit
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH));
    let source = path.display().to_string();
    let (text, origin, notice, source) = match std::fs::read_to_string(&path) {
        Ok(text) => (text, ConfigOrigin::File(path), None, source),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && paper && explicit.is_none() => (
            EXAMPLE.to_string(),
            ConfigOrigin::PaperDefaults,
            Some(format!(
                "PAPER: no {source} found; using the built-in defaults (same as configs/hedge_config.json)"
            )),
            "built-in paper defaults".to_string(),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::new(
                &source,
                "config file not found (give --config PATH, or copy configs/hedge_config.json here)",
            ))
        }
        Err(e) => {
            return Err(ConfigError::new(
                &source,
                format!("cannot read config file: {e}"),
            ))
        }
    };
    let object = json::object(&text).map_err(|m| ConfigError::new(&source, m))?;
    let mut layered = Layered::from_file(object, &source);
    layered
        .apply_env(&SCHEMA, env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| ConfigError::new(e.origin, e.message))?;
    layered
        .apply_flags(&SCHEMA, sets.iter().map(String::as_str))
        .map_err(|e| ConfigError::new(e.origin, e.message))?;
    let config = parse_attributed(&layered, overrides, &source)?;
    let layered_keys = layered
        .origins
        .iter()
        .filter(|(_, o)| !matches!(o, layers::Origin::File(_)))
        .map(|(k, o)| (k.clone(), o.to_string()))
        .collect();
    Ok(LoadedHedgeConfig {
        config,
        origin,
        notice,
        layered: layered_keys,
    })
}

/// Parses with overrides; on failure, says which layer is at fault: the override flags, or
/// the layer of the key the message names (else the file).
fn parse_attributed(
    layered: &Layered,
    overrides: &HedgeOverrides,
    source: &str,
) -> Result<HedgeConfig, ConfigError> {
    parse_object(&layered.object, overrides).map_err(|message| {
        match parse_object(&layered.object, &HedgeOverrides::default()) {
            Ok(_) => ConfigError::new("command line", message),
            Err(m) => ConfigError::new(layered.origin_of_message(&m, source), m),
        }
    })
}

/// Parses and validates the JSON text of a config file, applying `overrides` first.
pub fn parse(text: &str, overrides: &HedgeOverrides) -> Result<HedgeConfig, String> {
    parse_object(&json::object(text)?, overrides)
}

/// Validates a config object (file and layers merged), applying `overrides` first.
fn parse_object(
    obj: &Map<String, Value>,
    overrides: &HedgeOverrides,
) -> Result<HedgeConfig, String> {
    if let Some(unknown) = obj
        .keys()
        .find(|k| !json::is_comment(k) && !KNOWN_KEYS.contains(&k.as_str()))
    {
        return Err(format!(
            "unknown field \"{unknown}\" (known fields: {})",
            KNOWN_KEYS.join(", ")
        ));
    }
    let text_field =
        |name: &str, over: &Option<String>, default: Option<&str>| -> Result<String, String> {
            let raw = match (over, obj.get(name), default) {
                (Some(o), _, _) => o.clone(),
                (None, Some(v), _) => json::string(name, v)?,
                (None, None, Some(d)) => d.to_string(),
                (None, None, None) => return Err(format!("missing required field \"{name}\"")),
            };
            let trimmed = raw.trim().to_string();
            if trimmed.is_empty() {
                return Err(format!("field \"{name}\" must not be empty"));
            }
            Ok(trimmed)
        };
    let venue = |name: &str, over: &Option<String>| -> Result<VenueKind, String> {
        let raw = text_field(name, over, None)?;
        raw.parse::<VenueKind>()
            .map_err(|e| format!("field \"{name}\": {e}"))
    };
    let number =
        |name: &str, over: Option<Decimal>, default: Option<Decimal>| -> Result<Decimal, String> {
            match (over, obj.get(name), default) {
                (Some(o), _, _) => Ok(o),
                (None, Some(v), _) => json::decimal(name, v),
                (None, None, Some(d)) => Ok(d),
                (None, None, None) => Err(format!("missing required field \"{name}\"")),
            }
        };

    let symbol = text_field("symbol", &overrides.symbol, None)?.to_ascii_uppercase();
    let quote = text_field("quote", &overrides.quote, Some("USD"))?.to_ascii_uppercase();
    let long_exchange = venue("long_exchange", &overrides.long_exchange)?;
    let short_exchange = venue("short_exchange", &overrides.short_exchange)?;
    if long_exchange == short_exchange {
        return Err(format!(
            "fields \"long_exchange\" and \"short_exchange\" are both \"{}\"; the legs must be on different venues",
            long_exchange.id()
        ));
    }
    let leverage = json::whole_positive("leverage", number("leverage", overrides.leverage, None)?)?;
    let notional = number("notional", overrides.notional, Some(Decimal::from(40)))?;
    if notional <= Decimal::ZERO {
        return Err(format!("field \"notional\" must be > 0, got {notional}"));
    }
    Ok(HedgeConfig {
        symbol,
        quote,
        long_exchange,
        short_exchange,
        leverage,
        notional,
    })
}

/// What [`rewrite_direction`] changed.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectionChange {
    /// `long_exchange` before (as written in the file, `None` when absent).
    pub old_long: Option<serde_json::Value>,
    /// `short_exchange` before.
    pub old_short: Option<serde_json::Value>,
    /// Where the previous file was kept.
    pub backup: Option<PathBuf>,
}

/// Rewrites `long_exchange` / `short_exchange` of the config file at `path` (`funding
/// --apply`): atomically, every other key kept in its place (comment keys included), the
/// previous file kept as `<file>.bak`. A file that is not a JSON object is refused, unchanged.
pub fn rewrite_direction(
    path: &Path,
    long: VenueKind,
    short: VenueKind,
) -> Result<DirectionChange, ConfigError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::new(&name, e.to_string()))?;
    let mut obj: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| ConfigError::new(&name, e.to_string()))?;
    let old_long = obj.insert("long_exchange".into(), long.id().into());
    let old_short = obj.insert("short_exchange".into(), short.id().into());
    let mut new_text = serde_json::to_string_pretty(&serde_json::Value::Object(obj))
        .map_err(|e| ConfigError::new(&name, e.to_string()))?;
    new_text.push('\n');
    let backup = hedge_engine::store::write_atomic_with_backup(path, new_text.as_bytes())
        .map_err(|e| ConfigError::new(&name, format!("cannot write: {e}")))?;
    Ok(DirectionChange {
        old_long,
        old_short,
        backup,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    #[test]
    fn shipped_example_loads() {
        let c = parse(EXAMPLE, &HedgeOverrides::default()).unwrap();
        assert_eq!(
            c,
            HedgeConfig {
                symbol: "HYPE".into(),
                quote: "USD".into(),
                long_exchange: VenueKind::Lighter,
                short_exchange: VenueKind::Edgex,
                leverage: 5,
                notional: dec!(200),
            }
        );
    }

    #[test]
    fn defaults_and_case_normalisation() {
        let c = parse(r#"{"symbol":" paxg","long_exchange":"EdgeX","short_exchange":"LIGHTER","leverage":3.0}"#, &HedgeOverrides::default())
            .unwrap();
        assert_eq!(c.symbol, "PAXG");
        assert_eq!(c.quote, "USD");
        assert_eq!(c.notional, dec!(40));
        assert_eq!(c.leverage, 3);
        assert_eq!(c.long_exchange, VenueKind::Edgex);
    }

    #[test]
    fn overrides_win_and_are_validated_too() {
        let o = HedgeOverrides {
            symbol: Some("btc".into()),
            leverage: Some(dec!(2)),
            notional: Some(dec!(75.5)),
            ..Default::default()
        };
        let c = parse(EXAMPLE, &o).unwrap();
        assert_eq!(
            (c.symbol.as_str(), c.leverage, c.notional),
            ("BTC", 2, dec!(75.5))
        );
        let bad = HedgeOverrides {
            short_exchange: Some("lighter".into()),
            ..Default::default()
        };
        assert!(parse(EXAMPLE, &bad)
            .unwrap_err()
            .contains("both \"lighter\""));
    }

    #[rstest]
    #[case::unknown_venue(
        r#"{"symbol":"HYPE","long_exchange":"binance","short_exchange":"edgex","leverage":5}"#,
        "field \"long_exchange\": unknown venue \"binance\""
    )]
    #[case::same_venue(
        r#"{"symbol":"HYPE","long_exchange":"edgex","short_exchange":"EDGEX","leverage":5}"#,
        "both \"edgex\""
    )]
    #[case::zero_leverage(
        r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":0}"#,
        "field \"leverage\" must be > 0, got 0"
    )]
    #[case::negative_leverage(
        r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":-2}"#,
        "field \"leverage\" must be > 0, got -2"
    )]
    #[case::fractional_leverage(
        r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":2.5}"#,
        "must be a whole number"
    )]
    #[case::zero_notional(r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":5,"notional":0}"#, "field \"notional\" must be > 0, got 0")]
    #[case::negative_notional(r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":5,"notional":-10}"#, "field \"notional\" must be > 0, got -10")]
    #[case::missing_symbol(
        r#"{"long_exchange":"lighter","short_exchange":"edgex","leverage":5}"#,
        "missing required field \"symbol\""
    )]
    #[case::missing_leverage(
        r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex"}"#,
        "missing required field \"leverage\""
    )]
    #[case::typo(r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":5,"notinal":9}"#, "unknown field \"notinal\"")]
    #[case::text_leverage(
        r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":"five"}"#,
        "field \"leverage\" must be a number, got \"five\""
    )]
    #[case::not_json("{symbol: HYPE", "invalid JSON")]
    #[case::not_object("[1,2]", "expected a JSON object")]
    fn invalid_configs_fail_with_a_clear_message(#[case] text: &str, #[case] expected: &str) {
        let err = parse(text, &HedgeOverrides::default()).unwrap_err();
        assert!(
            err.contains(expected),
            "{err:?} does not contain {expected:?}"
        );
        assert!(!err.contains('\n'), "one line: {err:?}");
    }

    #[test]
    fn comment_keys_are_ignored() {
        let c = parse(
            r#"{"comment_":"x","symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":5}"#,
            &HedgeOverrides::default(),
        );
        assert!(c.is_ok());
    }

    #[test]
    fn missing_file_paper_vs_live() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        // Explicit --config that does not exist: an error even in paper mode.
        let e = load(Some(&missing), true, &HedgeOverrides::default()).unwrap_err();
        assert!(
            e.to_string().contains("nope.json") && e.to_string().contains("not found"),
            "{e}"
        );
        let e = load(Some(&missing), false, &HedgeOverrides::default()).unwrap_err();
        assert!(e.to_string().contains("not found"));
    }

    #[test]
    fn override_errors_blame_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hedge_config.json");
        std::fs::write(&p, EXAMPLE).unwrap();
        let o = HedgeOverrides {
            leverage: Some(dec!(2.5)),
            ..Default::default()
        };
        let e = load(Some(&p), false, &o).unwrap_err();
        assert_eq!(e.source_name, "command line");
        assert!(e.message.contains("2.5"), "{e}");
    }

    #[test]
    fn file_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hedge_config.json");
        std::fs::write(
            &p,
            r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":0}"#,
        )
        .unwrap();
        let e = load(Some(&p), false, &HedgeOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&p.display().to_string()) && e.contains("\"leverage\""),
            "{e}"
        );
    }

    #[test]
    fn rewrite_direction_keeps_every_other_key_and_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hedge_config.json");
        let before = r#"{"comment_a":"keep me","symbol":"HYPE","long_exchange":"edgex","short_exchange":"lighter","leverage":3}"#;
        std::fs::write(&p, before).unwrap();
        let c = rewrite_direction(&p, VenueKind::Lighter, VenueKind::Edgex).unwrap();
        assert_eq!(c.old_long, Some("edgex".into()));
        assert_eq!(c.old_short, Some("lighter".into()));
        assert_eq!(std::fs::read_to_string(c.backup.unwrap()).unwrap(), before);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(v["long_exchange"], "lighter");
        assert_eq!(v["short_exchange"], "edgex");
        assert_eq!(v["comment_a"], "keep me");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys[0], "comment_a", "order kept");
        std::fs::write(&p, "[1]").unwrap();
        let e = rewrite_direction(&p, VenueKind::Lighter, VenueKind::Edgex).unwrap_err();
        assert!(e.to_string().contains("hedge_config.json"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "[1]", "unchanged");
    }
}

#[cfg(test)]
#[path = "hedge_config_layers_tests.rs"]
mod layers_tests;
