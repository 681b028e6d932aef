//! Config parsing: defaults, strict decimals and leverage, unknown keys, ranges.

use super::*;
use rust_decimal_macros::dec;

fn parse(json: &str) -> Result<LmmConfig, ConfigError> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(m)) => LmmConfig::from_map(&m),
        other => panic!("test input is not an object: {other:?}"),
    }
}

#[test]
fn empty_object_gives_the_documented_defaults() {
    let c = parse("{}").unwrap();
    assert_eq!(c, LmmConfig::default());
    assert_eq!(c.symbol, "PAXG");
    assert_eq!(c.static_spread, dec!(0.00035));
    assert_eq!(c.capital_usage, dec!(0.1188));
    assert_eq!(c.params_refresh_secs, 900);
    assert_eq!(c.leverage, dec!(1));
}

#[test]
fn values_from_strings_and_numbers_are_exact() {
    let c = parse(
        r#"{"symbol": "btc", "leverage": "3", "static_spread": 0.0005, "min_spread": "1e-5",
            "max_inventory": "0.0123", "requote_ticks": 4, "require_params": "yes",
            "trend_source": "trades", "flip": true, "comment": "x"}"#,
    )
    .unwrap();
    assert_eq!(c.symbol, "BTC");
    assert_eq!(c.leverage, dec!(3));
    assert_eq!(c.static_spread, dec!(0.0005));
    assert_eq!(c.min_spread, dec!(0.00001));
    assert_eq!(c.max_inventory, Some(dec!(0.0123)));
    assert_eq!(c.requote_ticks, 4);
    assert!(c.require_params);
    assert_eq!(c.trend_source, TrendSource::Trades);
}

#[test]
fn bad_values_name_their_key_and_value() {
    let cases = [
        (r#"{"leverage": "2.5"}"#, "leverage", "2.5"),
        (r#"{"leverage": 0}"#, "leverage", "0"),
        (r#"{"leverage": "2x"}"#, "leverage", "2x"),
        (r#"{"leverage": "NaN"}"#, "leverage", "NaN"),
        (r#"{"margin_mode": "isolated"}"#, "margin_mode", "isolated"),
        (r#"{"static_spread": "-0.1"}"#, "static_spread", "-0.1"),
        (r#"{"capital_usage": "1.5"}"#, "capital_usage", "1.5"),
        (
            r#"{"usage_start": "0.9", "usage_stop": "0.8"}"#,
            "usage_stop",
            "0.8",
        ),
        (r#"{"max_inventory": "0"}"#, "max_inventory", "0"),
        (r#"{"refresh_ms": 50}"#, "refresh_ms", "50"),
        (r#"{"refresh_ms": -1}"#, "refresh_ms", "-1"),
        (r#"{"candle_secs": 0}"#, "candle_secs", "at least 1"),
        (
            r#"{"supertrend_multiplier": "0"}"#,
            "supertrend_multiplier",
            "0",
        ),
        (r#"{"bias_strength": 2}"#, "bias_strength", "2"),
        (r#"{"trend_source": "ticks"}"#, "trend_source", "ticks"),
        (r#"{"require_params": "maybe"}"#, "require_params", "maybe"),
        (r#"{"symbol": "BTC-USD"}"#, "symbol", "BTC-USD"),
        (r#"{"max_inventroy": "1"}"#, "max_inventroy", "unknown key"),
        (r#"{"gamma": [1]}"#, "gamma", "unknown key"),
        (r#"{"static_spread": [1]}"#, "static_spread", "[1]"),
    ];
    for (json, key, shows) in cases {
        let e = parse(json).expect_err(json);
        assert_eq!(e.key, key, "{json}: {e}");
        assert!(e.to_string().contains(shows), "{json}: {e}");
    }
}

#[test]
fn load_reads_a_file_and_reports_the_file_on_bad_json() {
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.json");
    std::fs::write(&ok, r#"{"symbol": "ETH", "leverage": 2}"#).unwrap();
    let c = LmmConfig::load(&ok).unwrap();
    assert_eq!((c.symbol.as_str(), c.leverage), ("ETH", dec!(2)));
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let e = LmmConfig::load(&broken).unwrap_err();
    assert!(
        e.key.ends_with("broken.json") && e.reason.contains("JSON"),
        "{e}"
    );
    let e = LmmConfig::load(&dir.path().join("missing.json")).unwrap_err();
    assert!(e.reason.contains("cannot read"), "{e}");
}
