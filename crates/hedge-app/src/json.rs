//! Reading typed fields out of a JSON object with errors that name the field and the value.

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

/// A short rendering of a JSON value for error messages.
pub(crate) fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// A number (or a numeric string) as an exact decimal, from its JSON text.
pub(crate) fn decimal(field: &str, v: &Value) -> Result<Decimal, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        other => {
            return Err(format!(
                "field \"{field}\" must be a number, got {}",
                show(other)
            ))
        }
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("field \"{field}\" must be a number, got {}", show(v)))
}

pub(crate) fn string(field: &str, v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!(
            "field \"{field}\" must be a string, got {}",
            show(other)
        )),
    }
}

pub(crate) fn boolean(field: &str, v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!(
            "field \"{field}\" must be true or false, got {}",
            show(other)
        )),
    }
}

/// A whole number > 0 (leverage), refusing fractions rather than truncating them.
pub(crate) fn whole_positive(field: &str, d: Decimal) -> Result<u32, String> {
    if d <= Decimal::ZERO {
        return Err(format!("field \"{field}\" must be > 0, got {d}"));
    }
    if d.fract() != Decimal::ZERO {
        return Err(format!(
            "field \"{field}\" must be a whole number (venues take integer leverage), got {d}"
        ));
    }
    rust_decimal::prelude::ToPrimitive::to_u32(&d)
        .ok_or_else(|| format!("field \"{field}\" is too large: {d}"))
}

/// Parses the top level of a config file as an object.
pub(crate) fn object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(format!(
            "expected a JSON object at the top level, got {}",
            show(&other)
        )),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

/// Keys starting with `comment` are notes for people and ignored (the seed's convention).
pub(crate) fn is_comment(key: &str) -> bool {
    key.starts_with("comment")
}
