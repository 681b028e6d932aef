//! Configuration layers: the file, then the environment, then command-line `--set KEY=VALUE`,
//! each later layer replacing a key of an earlier one, and every key remembering where its
//! value came from so that an error names the right place ("environment
//! ROTATION_BOT_LEVERAGE", "--set leverage", or the file).
//!
//! Why not the `config` or `figment` crates: both carry numbers as `f64` between layers (money
//! and sizes here are exact decimals, and `0.1` must stay `0.1`), neither refuses an unknown
//! key while naming it and its layer, and the seed's files need their own rules (comment keys
//! ignored, missing keys defaulted and listed). What they would add over this module (file
//! formats other than JSON, nested keys) is not needed: the configs are flat JSON objects.
//!
//! Environment variables use a prefix owned by one config (`ROTATION_BOT_`, `HEDGE_CONFIG_`),
//! so a variable with that prefix that names no key is refused: a typo never passes silently.
//! A value is read as JSON when it parses as JSON (`200`, `true`, `["BTC","ETH"]`), else as a
//! string (`BTC`); list keys also take a comma-separated list (`BTC,ETH`).

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where a key's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The config file (its display name).
    File(String),
    /// An environment variable (its name).
    Env(String),
    /// A `--set KEY=VALUE` flag.
    Flag(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File(name) => write!(f, "{name}"),
            Origin::Env(var) => write!(f, "environment {var}"),
            Origin::Flag(key) => write!(f, "--set {key}"),
        }
    }
}

/// A flat JSON object built from layers, with the origin of every key.
#[derive(Debug, Clone, Default)]
pub struct Layered {
    /// The merged object.
    pub object: Map<String, Value>,
    /// Where each key of `object` came from.
    pub origins: BTreeMap<String, Origin>,
}

/// How one config is layered.
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a> {
    /// Every key the config knows.
    pub keys: &'a [&'a str],
    /// The keys whose value is a list.
    pub list_keys: &'a [&'a str],
    /// The environment prefix owned by this config, e.g. `ROTATION_BOT_`.
    pub env_prefix: &'a str,
}

impl Schema<'_> {
    /// The environment variable of `key`.
    pub fn env_var(&self, key: &str) -> String {
        format!("{}{}", self.env_prefix, key.to_ascii_uppercase())
    }
}

/// A layer that cannot be applied: names the variable or flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct LayerError {
    /// The variable or flag at fault.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

fn value_of(schema: &Schema<'_>, key: &str, text: &str) -> Value {
    let trimmed = text.trim();
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        return v;
    }
    if schema.list_keys.contains(&key) {
        return Value::Array(
            trimmed
                .split(',')
                .map(|s| Value::String(s.trim().to_string()))
                .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                .collect(),
        );
    }
    Value::String(trimmed.to_string())
}

impl Layered {
    /// The file layer: `object` as read from `file_name` (validated by the config's parser).
    pub fn from_file(object: Map<String, Value>, file_name: &str) -> Self {
        let origins = object
            .keys()
            .map(|k| (k.clone(), Origin::File(file_name.to_string())))
            .collect();
        Self { object, origins }
    }

    /// The environment layer: every `<prefix><KEY>` variable in `vars` (name, value) replaces
    /// `key`; a prefixed variable naming no key is refused.
    pub fn apply_env<'v>(
        &mut self,
        schema: &Schema<'_>,
        vars: impl IntoIterator<Item = (&'v str, &'v str)>,
    ) -> Result<(), LayerError> {
        let mut vars: Vec<(&str, &str)> = vars
            .into_iter()
            .filter(|(name, _)| name.starts_with(schema.env_prefix))
            .collect();
        vars.sort_unstable();
        for (name, text) in vars {
            let key = schema
                .keys
                .iter()
                .find(|k| schema.env_var(k) == name)
                .ok_or_else(|| LayerError {
                    origin: format!("environment {name}"),
                    message: format!(
                        "no such setting (settings: {})",
                        schema
                            .keys
                            .iter()
                            .map(|k| schema.env_var(k))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })?;
            self.object
                .insert((*key).to_string(), value_of(schema, key, text));
            self.origins
                .insert((*key).to_string(), Origin::Env(name.to_string()));
        }
        Ok(())
    }

    /// The flag layer: each `KEY=VALUE` replaces `key`.
    pub fn apply_flags<'f>(
        &mut self,
        schema: &Schema<'_>,
        flags: impl IntoIterator<Item = &'f str>,
    ) -> Result<(), LayerError> {
        for flag in flags {
            let (key, text) = flag.split_once('=').ok_or_else(|| LayerError {
                origin: format!("--set {flag}"),
                message: "expected KEY=VALUE".to_string(),
            })?;
            let key = key.trim();
            if !schema.keys.contains(&key) {
                return Err(LayerError {
                    origin: format!("--set {key}"),
                    message: format!("no such setting (settings: {})", schema.keys.join(", ")),
                });
            }
            self.object
                .insert(key.to_string(), value_of(schema, key, text));
            self.origins
                .insert(key.to_string(), Origin::Flag(key.to_string()));
        }
        Ok(())
    }

    /// The origin of the key an error message is about (`field "key"` in the parsers' errors),
    /// or `fallback` when the message names none. A message naming several keys (e.g. two
    /// fields that conflict) is put on the latest layer among them: a flag before an
    /// environment variable before the file, since that is the value that changed.
    pub fn origin_of_message(&self, message: &str, fallback: &str) -> String {
        let rank = |o: &Origin| match o {
            Origin::Flag(_) => 2,
            Origin::Env(_) => 1,
            Origin::File(_) => 0,
        };
        self.origins
            .iter()
            .filter(|(k, _)| message.contains(&format!("\"{k}\"")))
            .max_by_key(|(_, o)| rank(o))
            .map(|(_, o)| o.to_string())
            .unwrap_or_else(|| fallback.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema<'static> = Schema {
        keys: &[
            "leverage",
            "symbols_to_monitor",
            "enable_stop_loss",
            "quote",
        ],
        list_keys: &["symbols_to_monitor"],
        env_prefix: "ROTATION_BOT_",
    };

    fn file() -> Layered {
        let obj = serde_json::json!({"leverage": 3, "quote": "USD"});
        Layered::from_file(obj.as_object().cloned().unwrap_or_default(), "bot.json")
    }

    #[test]
    fn later_layers_win_and_remember_their_origin() {
        let mut l = file();
        l.apply_env(
            &SCHEMA,
            [
                ("ROTATION_BOT_LEVERAGE", "4"),
                ("ROTATION_BOT_SYMBOLS_TO_MONITOR", "BTC, ETH"),
                ("ROTATION_BOT_ENABLE_STOP_LOSS", "false"),
                ("PATH", "/usr/bin"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        l.apply_flags(&SCHEMA, ["leverage=5", "quote=USDC"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.object["leverage"], serde_json::json!(5));
        assert_eq!(l.object["quote"], serde_json::json!("USDC"));
        assert_eq!(
            l.object["symbols_to_monitor"],
            serde_json::json!(["BTC", "ETH"])
        );
        assert_eq!(l.object["enable_stop_loss"], serde_json::json!(false));
        assert_eq!(l.origins["leverage"], Origin::Flag("leverage".into()));
        assert_eq!(
            l.origins["symbols_to_monitor"],
            Origin::Env("ROTATION_BOT_SYMBOLS_TO_MONITOR".into())
        );
        assert_eq!(
            l.origin_of_message("field \"symbols_to_monitor\" lists \"BTC\" twice", "f"),
            "environment ROTATION_BOT_SYMBOLS_TO_MONITOR"
        );
        assert_eq!(
            l.origin_of_message("something else", "bot.json"),
            "bot.json"
        );
        // Two keys named: the later layer is blamed.
        assert_eq!(
            l.origin_of_message("fields \"enable_stop_loss\" and \"quote\" conflict", "f"),
            "--set quote"
        );
        assert_eq!(
            l.origin_of_message("fields \"enable_stop_loss\" and \"leverage\" conflict", "f"),
            "--set leverage"
        );
    }

    #[test]
    fn decimals_keep_their_text() {
        let mut l = file();
        l.apply_env(&SCHEMA, [("ROTATION_BOT_LEVERAGE", "0.1")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.object["leverage"].to_string(), "0.1");
    }

    #[test]
    fn unknown_prefixed_variables_and_flags_are_refused_by_name() {
        let err = file()
            .apply_env(&SCHEMA, [("ROTATION_BOT_LEVRAGE", "4")])
            .unwrap_err();
        assert_eq!(err.origin, "environment ROTATION_BOT_LEVRAGE");
        assert!(err.message.contains("ROTATION_BOT_LEVERAGE"), "{err}");
        let err = file().apply_flags(&SCHEMA, ["levrage=4"]).unwrap_err();
        assert_eq!(err.origin, "--set levrage");
        let err = file().apply_flags(&SCHEMA, ["leverage"]).unwrap_err();
        assert!(err.to_string().contains("expected KEY=VALUE"), "{err}");
    }
}
