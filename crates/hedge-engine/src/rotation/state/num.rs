//! Field codecs of the state file: numbers read exactly from their JSON text (the seed wrote
//! floats) and written as decimal strings; times read as RFC 3339 and written as the seed did
//! (UTC, microseconds, trailing `Z`); market ids read from a string or a number.

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;
use std::str::FromStr;

fn decimal_of<E: serde::de::Error>(v: &Value) -> Result<Option<Decimal>, E> {
    let text = match v {
        Value::Null => return Ok(None),
        // serde_json prints a float with the shortest text that reads back the same, so the
        // decimal equals what the file says (190.05 stays 190.05).
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        other => return Err(E::custom(format!("expected a number, got {other}"))),
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map(Some)
        .map_err(|_| E::custom(format!("expected a number, got {text:?}")))
}

/// A required decimal.
pub mod dec {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.normalize().to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let v = Value::deserialize(d)?;
        super::decimal_of::<D::Error>(&v)?
            .ok_or_else(|| D::Error::custom("expected a number, got null"))
    }
}

/// An optional decimal (`null` is `None`).
pub mod opt_dec {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&d.normalize().to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        let v = Value::deserialize(d)?;
        super::decimal_of::<D::Error>(&v)
    }
}

fn parse_time<E: serde::de::Error>(s: &str) -> Result<DateTime<Utc>, E> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        // The seed's naive form without an offset.
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map(|n| n.and_utc())
        })
        .map_err(|_| E::custom(format!("expected an ISO-8601 UTC time, got {s:?}")))
}

fn show_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A required time.
pub mod time {
    use super::*;

    pub fn serialize<S: Serializer>(v: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::show_time(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_time::<D::Error>(&s)
    }
}

/// An optional time.
pub mod opt_time {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&super::show_time(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => super::parse_time::<D::Error>(&s).map(Some),
            None => Ok(None),
        }
    }
}

/// A market id: a string, or a number written by an older tool.
pub mod id_string {
    use super::*;

    pub fn serialize<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Null => Ok(String::new()),
            other => Err(D::Error::custom(format!(
                "expected a market id, got {other}"
            ))),
        }
    }
}
