//! `hedge_config.json` through its layers: file, `HEDGE_CONFIG_<KEY>`, `--set KEY=VALUE`, the
//! CLI's override flags; each error names the layer, the key and the value.

use super::*;
use rust_decimal_macros::dec;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn file(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("hedge_config.json");
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    p
}

/// (override --leverage, --set flags, environment, leverage expected).
type Precedence<'a> = (Option<Decimal>, &'a [String], &'a [(String, String)], u32);

/// (file, environment, --set flags, the error starts with, and contains).
type Refusal<'a> = (
    &'a PathBuf,
    Vec<(String, String)>,
    Vec<String>,
    String,
    &'a str,
);

const FILE: &str = r#"{"comment": "x", "symbol": "HYPE", "long_exchange": "lighter",
    "short_exchange": "edgex", "leverage": 5, "notional": 200}"#;

#[test]
fn later_layers_win_in_order() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = file(dir.path(), FILE);
    let vars = env(&[
        ("HEDGE_CONFIG_LEVERAGE", "4"),
        ("HEDGE_CONFIG_SYMBOL", "btc"),
        ("HEDGE_CONFIG_NOTIONAL", "0.1"),
        ("HOME", "/root"),
    ]);
    let sets = ["leverage=3".to_string()];
    // (override --leverage, --set flags, environment) -> leverage
    let cases: [Precedence<'_>; 4] = [
        (None, &[], &[], 5),
        (None, &[], &vars, 4),
        (None, &sets, &vars, 3),
        (Some(dec!(2)), &sets, &vars, 2),
    ];
    for (lev, sets, vars, want) in cases {
        let overrides = HedgeOverrides {
            leverage: lev,
            ..HedgeOverrides::default()
        };
        let loaded = load_layered(Some(&path), false, &overrides, vars, sets)
            .unwrap_or_else(|e| panic!("{e}"));
        let c = loaded.config;
        if !sets.is_empty() {
            assert!(loaded
                .layered
                .contains(&("leverage".into(), "--set leverage".into())));
            assert!(loaded
                .layered
                .contains(&("symbol".into(), "environment HEDGE_CONFIG_SYMBOL".into())));
        } else if vars.is_empty() {
            assert!(loaded.layered.is_empty(), "{:?}", loaded.layered);
        }
        assert_eq!(c.leverage, want, "{lev:?} {sets:?} {vars:?}");
        if !vars.is_empty() {
            assert_eq!(c.symbol, "BTC");
            assert_eq!(c.notional, dec!(0.1), "decimals stay exact");
        }
    }
}

#[test]
fn paper_defaults_are_layered_too() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("none.json");
    let err = load_layered(Some(&missing), true, &HedgeOverrides::default(), &[], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not found"),
        "an explicit file must exist: {err}"
    );
    let sets = ["symbol=ETH".to_string()];
    let cwd_default = load_layered(None, true, &HedgeOverrides::default(), &[], &sets);
    // The working directory may hold a hedge_config.json of a developer; only check when not.
    if !Path::new(DEFAULT_PATH).exists() {
        let l = cwd_default.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.origin, ConfigOrigin::PaperDefaults);
        assert_eq!(l.config.symbol, "ETH");
    }
}

#[test]
fn errors_name_the_layer_the_key_and_the_value() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = file(dir.path(), FILE);
    let sub = dir.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
    let bad_file = file(
        &sub,
        r#"{"symbol": "HYPE", "long_exchange": "lighter", "short_exchange": "edgex",
            "leverage": 5, "levrage": 4}"#,
    );
    // (file, environment, --set flags, the error starts with, and contains)
    let cases: Vec<Refusal<'_>> = vec![
        (
            &path,
            env(&[("HEDGE_CONFIG_LEVERAGE", "x")]),
            vec![],
            "environment HEDGE_CONFIG_LEVERAGE:".into(),
            "\"x\"",
        ),
        (
            &path,
            env(&[("HEDGE_CONFIG_LEVRAGE", "4")]),
            vec![],
            "environment HEDGE_CONFIG_LEVRAGE:".into(),
            "HEDGE_CONFIG_LEVERAGE",
        ),
        (
            &path,
            vec![],
            vec!["leverage=0".into()],
            "--set leverage:".into(),
            "got 0",
        ),
        (
            &path,
            vec![],
            vec!["levrage=4".into()],
            "--set levrage:".into(),
            "no such setting",
        ),
        (
            &path,
            env(&[("HEDGE_CONFIG_NOTIONAL", "-1")]),
            vec![],
            "environment HEDGE_CONFIG_NOTIONAL:".into(),
            "got -1",
        ),
        (
            &path,
            vec![],
            vec!["short_exchange=lighter".into()],
            "--set short_exchange:".into(),
            "\"lighter\"",
        ),
        (
            &bad_file,
            env(&[("HEDGE_CONFIG_LEVERAGE", "4")]),
            vec![],
            format!("{}:", bad_file.display()),
            "unknown field \"levrage\"",
        ),
    ];
    for (p, vars, sets, starts, contains) in cases {
        let err = load_layered(Some(p), false, &HedgeOverrides::default(), &vars, &sets)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&starts), "{starts}: {err}");
        assert!(err.contains(contains), "{contains}: {err}");
    }
    // A bad override flag is the command line's fault, not the file's.
    let overrides = HedgeOverrides {
        leverage: Some(dec!(1.5)),
        ..HedgeOverrides::default()
    };
    let err = load_layered(Some(&path), false, &overrides, &[], &[])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("command line:"), "{err}");
}
