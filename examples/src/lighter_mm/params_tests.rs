//! Parameter file: search order, required keys, checks, the refresh cache.

use super::*;
use rust_decimal_macros::dec;

const GOOD: &str = r#"{"gamma": 0.1, "tau": 30, "beta_alpha": "0.5", "latest_volatility": 0.02,
  "k_bid": 1.5, "k_ask": 2.5, "c_AS_bid": 0.01, "c_AS_ask": 0.03, "maker_fee_bps": 0.2,
  "timestamp": "ignored"}"#;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default()
}

#[test]
fn good_file_parses_exactly() {
    let p = SpreadParams::parse(GOOD).unwrap();
    assert_eq!(
        p,
        SpreadParams {
            gamma: dec!(0.1),
            tau: dec!(30),
            beta_alpha: dec!(0.5),
            latest_volatility: dec!(0.02),
            k_bid: dec!(1.5),
            k_ask: dec!(2.5),
            c_as_bid: dec!(0.01),
            c_as_ask: dec!(0.03),
            maker_fee_bps: dec!(0.2),
        }
    );
}

#[test]
fn missing_and_bad_keys_are_named() {
    let with = |key: &str, value: &str| -> String {
        let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        if value == "REMOVE" {
            v.as_object_mut().unwrap().remove(key);
        } else {
            v[key] = serde_json::from_str(value).unwrap();
        }
        SpreadParams::parse(&v.to_string()).unwrap_err()
    };
    let cases = [
        ("gamma", "REMOVE", "gamma is missing"),
        ("c_AS_ask", "REMOVE", "c_AS_ask is missing"),
        ("gamma", "0", "gamma = 0 must be > 0"),
        ("tau", "-1", "tau = -1 must be >= 0"),
        ("k_bid", "0", "k_bid = 0 must be > 0"),
        ("c_AS_bid", "-0.5", "c_AS_bid = -0.5 must be >= 0"),
        ("maker_fee_bps", "250", "maker_fee_bps = 250"),
        ("latest_volatility", "\"high\"", "\"high\" is not a decimal"),
        ("beta_alpha", "null", "beta_alpha = null is not a number"),
    ];
    for (key, value, shows) in cases {
        let e = with(key, value);
        assert!(e.contains(shows), "{key}={value}: {e}");
    }
    assert!(SpreadParams::parse("[1]").unwrap_err().contains("object"));
}

#[test]
fn search_order_is_params_dir_then_params() {
    let p = search_paths(Path::new("/x/p"), "PAXG");
    assert_eq!(
        p,
        vec![
            PathBuf::from("/x/p/spread_parameters_PAXG.json"),
            PathBuf::from("params/spread_parameters_PAXG.json")
        ]
    );
    assert_eq!(search_paths(Path::new("params"), "PAXG").len(), 1);
}

#[test]
fn cache_keeps_a_loaded_file_for_the_refresh_time_then_rereads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spread_parameters_ZZTEST.json");
    let mut cache = ParamsCache::new(dir.path(), "ZZTEST", Duration::from_secs(900));
    // no file: Missing, naming both places
    let e = cache.get(at(0)).unwrap_err();
    assert!(matches!(&e, ParamsError::Missing(p) if p.len() == 2), "{e}");
    std::fs::write(&file, GOOD).unwrap();
    let (p, path, reread) = cache.get(at(1)).unwrap();
    assert_eq!((p.gamma, path, reread), (dec!(0.1), file.as_path(), true));
    // a changed (even broken) file is not seen within 900 s of the load
    std::fs::write(&file, "{broken").unwrap();
    let (p, _, reread) = cache.get(at(900)).unwrap();
    assert_eq!((p.gamma, reread), (dec!(0.1), false));
    // at 901 s it is read again: the broken file is an error, naming the file
    let e = cache.get(at(901)).unwrap_err();
    assert!(
        matches!(&e, ParamsError::Bad { path, .. } if path == &file),
        "{e}"
    );
    std::fs::write(&file, GOOD.replace("0.1,", "0.2,")).unwrap();
    let (p, _, reread) = cache.get(at(902)).unwrap();
    assert_eq!((p.gamma, reread), (dec!(0.2), true));
}
