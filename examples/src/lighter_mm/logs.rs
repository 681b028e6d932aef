//! The maker's user-visible lines: the `QUOTING` line of every cycle (EX30) and the
//! `balance_log.txt` portfolio line (EX31), formatted exactly as the seed printed them.

use chrono::NaiveDateTime;
use rust_decimal::{Decimal, RoundingStrategy};
use std::io::Write;
use std::path::Path;

fn signed(v: Decimal, dp: u32) -> String {
    let r = v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let body = format!("{:.*}", dp as usize, r.abs());
    if r.is_sign_negative() && !r.is_zero() {
        format!("-{body}")
    } else {
        format!("+{body}")
    }
}

/// `(price - mid) / mid` in percent with a sign and 4 decimals (`-0.0350`).
pub fn pct_from_mid(price: Decimal, mid: Decimal) -> String {
    if mid.is_zero() {
        return "+0.0000".into();
    }
    signed((price - mid) / mid * Decimal::ONE_HUNDRED, 4)
}

/// `QUOTING | Inventory: +q.qq | Mid: $m | Bid: $b (-x.xxxx%) | Ask: $a (+x.xxxx%)`, with
/// `q` the position in clips; a withheld side shows `-`.
pub fn quoting_line(
    inventory: Decimal,
    mid: Decimal,
    bid: Option<Decimal>,
    ask: Option<Decimal>,
) -> String {
    let side = |p: Option<Decimal>| match p {
        Some(p) => format!("${} ({}%)", p.normalize(), pct_from_mid(p, mid)),
        None => "-".to_string(),
    };
    format!(
        "QUOTING | Inventory: {} | Mid: ${} | Bid: {} | Ask: {}",
        signed(inventory, 2),
        mid.normalize(),
        side(bid),
        side(ask)
    )
}

/// `1234.5` -> `1,234.50` (two decimals, half away from zero, thousands separated).
pub fn usd(v: Decimal) -> String {
    let r = v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.2}", r.abs());
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if r.is_sign_negative() && !r.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

/// `[YYYY-MM-DD HH:MM:SS] Portfolio Value: $1,234.56` (local time, as the seed).
pub fn portfolio_line(at: NaiveDateTime, value: Decimal) -> String {
    format!(
        "[{}] Portfolio Value: ${}",
        at.format("%Y-%m-%d %H:%M:%S"),
        usd(value)
    )
}

/// Appends one line to `file` (created with its folder; never truncated or rotated, as the
/// seed's `balance_log.txt`).
pub fn append_line(file: &Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    writeln!(f, "{line}")?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn quoting_line_matches_the_seed_format() {
        // mid 2650, bid 2649.07: (2649.07 - 2650)/2650 = -0.000350943.. -> -0.0351 %
        let l = quoting_line(
            dec!(0.5),
            dec!(2650),
            Some(dec!(2649.07)),
            Some(dec!(2650.93)),
        );
        assert_eq!(
            l,
            "QUOTING | Inventory: +0.50 | Mid: $2650 | Bid: $2649.07 (-0.0351%) | Ask: $2650.93 (+0.0351%)"
        );
        let l = quoting_line(dec!(-1.234), dec!(100.005), None, Some(dec!(100.10)));
        assert_eq!(
            l,
            "QUOTING | Inventory: -1.23 | Mid: $100.005 | Bid: - | Ask: $100.1 (+0.0950%)"
        );
    }

    #[test]
    fn usd_amounts_are_grouped_and_rounded() {
        let cases = [
            (dec!(1234.565), "1,234.57"),
            (dec!(0), "0.00"),
            (dec!(999.994), "999.99"),
            (dec!(1000000), "1,000,000.00"),
            (dec!(-12345.5), "-12,345.50"),
        ];
        for (v, want) in cases {
            assert_eq!(usd(v), want, "{v}");
        }
    }

    #[test]
    fn portfolio_line_and_append() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(9, 5, 7))
            .unwrap_or_default();
        let line = portfolio_line(at, dec!(1234.5));
        assert_eq!(line, "[2026-12-01 09:05:07] Portfolio Value: $1,234.50");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("logs/balance_log.txt");
        append_line(&file, &line).unwrap();
        append_line(&file, "second").unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, format!("{line}\nsecond\n"));
    }
}
