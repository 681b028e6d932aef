//! Number, time and table formatting shared by the commands (behavior-spec 3.2: money 2
//! decimals, sizes 6, rates 6, APRs 2 with a percent sign, times `YYYY-MM-DD HH:MM:SS UTC`).
//! JSON output carries exact decimals as strings.

use chrono::{DateTime, Utc};
use comfy_table::{presets, Table};
use rust_decimal::Decimal;
use serde_json::Value;

pub fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

pub fn size(d: Decimal) -> String {
    format!("{:.6}", d.round_dp(6))
}

pub fn rate(d: Decimal) -> String {
    format!("{:.6}", d.round_dp(6))
}

pub fn apr(d: Decimal) -> String {
    format!("{:.2}%", d.round_dp(2))
}

pub fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_else(|| "N/A".to_string())
}

/// Microseconds as milliseconds with one decimal, in integer arithmetic.
pub fn millis(us: u64) -> String {
    format!("{}.{} ms", us / 1000, (us % 1000) / 100)
}

pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// An exact decimal for JSON.
pub fn js(d: Decimal) -> Value {
    Value::String(d.normalize().to_string())
}

pub fn js_opt(d: Option<Decimal>) -> Value {
    d.map(js).unwrap_or(Value::Null)
}

/// A two-column box with a title, like the seed's boxed sections.
pub fn boxed(title: &str, rows: Vec<(String, String)>) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![title.to_string(), String::new()]);
    for (k, v) in rows {
        t.add_row(vec![k, v]);
    }
    t
}

/// A table with a header row.
pub fn grid(header: Vec<&str>, rows: Vec<Vec<String>>) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(header);
    for r in rows {
        t.add_row(r);
    }
    t
}

/// Prints JSON to stdout.
pub fn print_json(v: &Value) {
    crate::outln!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn formats() {
        assert_eq!(money(dec!(1.005)), "1.00");
        assert_eq!(money(dec!(2)), "2.00");
        assert_eq!(millis(12_345), "12.3 ms");
        assert_eq!(size(dec!(0.1234567)), "0.123457");
        assert_eq!(apr(dec!(123.05391)), "123.05%");
        assert_eq!(js(dec!(5.000)), Value::String("5".into()));
        assert_eq!(time(DateTime::<Utc>::UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
    }
}
