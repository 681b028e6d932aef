//! Drawing primitives of the report: escaping, number formatting from `Decimal`, linear
//! scales, "nice" axis ticks for amounts and for time, colours. All arithmetic is
//! `Decimal` (no floating point); coordinates are written with one decimal.

use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt::Write;

/// Text escaped for XML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids most control characters even escaped
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate: one decimal, no trailing zeros.
pub fn px(v: Decimal) -> String {
    v.round_dp(1).normalize().to_string()
}

/// `v` with `dp` decimals and thousands separators (`-1,234.50`).
pub fn num(v: Decimal, dp: u32) -> String {
    let r = v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", dp as usize, r.abs());
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
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
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// An amount with two decimals, or `n/a`.
pub fn money(v: Option<Decimal>) -> String {
    v.map_or_else(|| "n/a".into(), |v| num(v, 2))
}

/// A percentage with two decimals and `%`, or `n/a`.
pub fn pct(v: Option<Decimal>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{} %", num(v, 2)))
}

/// Maps `[d0, d1]` onto `[r0, r1]` linearly (a point domain maps to the middle).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    d0: Decimal,
    d1: Decimal,
    r0: Decimal,
    r1: Decimal,
}

impl Scale {
    /// A scale from the domain to the range.
    pub fn new(d0: Decimal, d1: Decimal, r0: Decimal, r1: Decimal) -> Self {
        Self { d0, d1, r0, r1 }
    }

    /// The range coordinate of `v`.
    pub fn at(&self, v: Decimal) -> Decimal {
        if self.d1 == self.d0 {
            return (self.r0 + self.r1) / Decimal::TWO;
        }
        self.r0 + (v - self.d0) * (self.r1 - self.r0) / (self.d1 - self.d0)
    }
}

/// Axis ticks at 1, 2 or 5 x 10^k covering `[lo, hi]` with about `target` intervals;
/// returns (first tick, last tick, step). A flat domain is widened to show it.
pub fn nice_ticks(lo: Decimal, hi: Decimal, target: u32) -> (Decimal, Decimal, Decimal) {
    let (lo, hi) = if lo > hi { (hi, lo) } else { (lo, hi) };
    let (lo, hi) = if lo == hi {
        let pad = (lo.abs() / Decimal::TEN).max(Decimal::ONE);
        (lo - pad, hi + pad)
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / Decimal::from(target.max(1));
    let mut mag = Decimal::ONE;
    for _ in 0..28 {
        if mag * Decimal::TEN > raw {
            break;
        }
        mag *= Decimal::TEN;
    }
    for _ in 0..28 {
        if mag <= raw {
            break;
        }
        mag /= Decimal::TEN;
    }
    let step = [1u32, 2, 5, 10]
        .iter()
        .map(|m| mag * Decimal::from(*m))
        .find(|s| *s >= raw)
        .unwrap_or(mag * Decimal::TEN);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    (first, last, step)
}

/// The values of the ticks from [`nice_ticks`].
pub fn tick_values(first: Decimal, last: Decimal, step: Decimal) -> Vec<Decimal> {
    let mut out = Vec::new();
    let mut v = first;
    while v <= last && out.len() < 50 && step > Decimal::ZERO {
        out.push(v.normalize());
        v += step;
    }
    out
}

/// Decimals a tick label needs for `step`.
pub fn step_decimals(step: Decimal) -> u32 {
    step.normalize().scale().min(8)
}

/// Time ticks: a step from 1 hour to 30 days giving at most `max` ticks in `[from, to]`,
/// the ticks on whole multiples of the step (UTC), and whether labels need the hour.
pub fn time_ticks(from: DateTime<Utc>, to: DateTime<Utc>, max: i64) -> (Vec<DateTime<Utc>>, bool) {
    const STEPS_H: [i64; 11] = [1, 2, 3, 6, 12, 24, 48, 96, 168, 336, 720];
    let span_h = (to - from).num_hours().max(1);
    let step_h = STEPS_H
        .iter()
        .copied()
        .find(|s| span_h / s <= max.max(1))
        .unwrap_or(720);
    let step = step_h * 3600;
    let start = from.timestamp().div_euclid(step) * step;
    let mut out = Vec::new();
    let mut t = start;
    while t <= to.timestamp() && out.len() < 60 {
        if t >= from.timestamp() {
            if let Some(d) = DateTime::from_timestamp(t, 0) {
                out.push(d);
            }
        }
        t += step;
    }
    (out, step_h < 24)
}

/// A time tick label: `06-01` or `06-01 12:00`.
pub fn time_label(t: DateTime<Utc>, with_hour: bool) -> String {
    if with_hour {
        t.format("%m-%d %H:%M").to_string()
    } else {
        t.format("%m-%d").to_string()
    }
}

/// Seconds since the epoch as a `Decimal` (the time axis domain).
pub fn secs(t: DateTime<Utc>) -> Decimal {
    Decimal::from(t.timestamp())
}

/// Line colours: the run, then each further series.
pub const PALETTE: [&str; 6] = [
    "#2563eb", "#6b7280", "#d97706", "#16a34a", "#9333ea", "#db2777",
];

/// A diverging colour for `v` in `[-extent, extent]`: red below 0, green above, white at 0.
pub fn diverging(v: Decimal, extent: Decimal) -> String {
    let t = if extent.is_zero() {
        Decimal::ZERO
    } else {
        (v / extent).clamp(-Decimal::ONE, Decimal::ONE)
    };
    // white (247,247,247) towards red (200,40,40) or green (30,140,70)
    let (r, g, b) = if t.is_sign_negative() {
        (200, 40, 40)
    } else {
        (30, 140, 70)
    };
    let a = t.abs();
    let mix = |to: i64, from: i64| {
        (Decimal::from(from) + (Decimal::from(to) - Decimal::from(from)) * a)
            .round()
            .to_i64()
            .unwrap_or(from)
            .clamp(0, 255)
    };
    let mut s = String::from("#");
    for c in [mix(r, 247), mix(g, 247), mix(b, 247)] {
        let _ = write!(s, "{c:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use rust_decimal_macros::dec;

    #[test]
    fn numbers_are_formatted_from_decimal() {
        let cases = [
            (dec!(0), 2, "0.00"),
            (dec!(1234.5), 2, "1,234.50"),
            (dec!(-1234567.891), 2, "-1,234,567.89"),
            (dec!(-0.001), 2, "0.00"),
            (dec!(999), 0, "999"),
            (dec!(1000), 0, "1,000"),
        ];
        for (v, dp, want) in cases {
            assert_eq!(num(v, dp), want, "{v}");
        }
        assert_eq!(money(None), "n/a");
        assert_eq!(pct(Some(dec!(12.345))), "12.35 %");
    }

    #[test]
    fn ticks_are_nice_and_cover_the_domain() {
        // (lo, hi, first, last, step)
        let cases = [
            (dec!(0), dec!(97), dec!(0), dec!(100), dec!(20)),
            (dec!(-3.2), dec!(7.9), dec!(-5), dec!(10), dec!(5)),
            (dec!(-3.2), dec!(5.9), dec!(-4), dec!(6), dec!(2)),
            (
                dec!(0.0012),
                dec!(0.0049),
                dec!(0.001),
                dec!(0.005),
                dec!(0.001),
            ),
            (dec!(5), dec!(5), dec!(4), dec!(6), dec!(0.5)),
            (dec!(-250), dec!(-10), dec!(-250), dec!(0), dec!(50)),
        ];
        for (lo, hi, first, last, step) in cases {
            assert_eq!(nice_ticks(lo, hi, 5), (first, last, step), "[{lo}, {hi}]");
        }
        assert_eq!(tick_values(dec!(0), dec!(1), dec!(0.5)).len(), 3);
    }

    #[test]
    fn time_ticks_pick_a_step_that_fits() {
        let from = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let cases = [
            (Duration::hours(6), 8, 7, true),
            (Duration::days(3), 8, 7, true),
            (Duration::days(30), 8, 7, false),
            (Duration::days(90), 8, 7, false),
        ];
        for (span, max, n, hourly) in cases {
            let (ticks, with_hour) = time_ticks(from, from + span, max);
            assert_eq!((ticks.len(), with_hour), (n, hourly), "{span:?}");
            assert!(ticks.len() as i64 <= max + 1);
        }
        assert_eq!(time_label(from, true), "06-01 00:00");
    }

    #[test]
    fn scale_and_colours() {
        let s = Scale::new(dec!(0), dec!(10), dec!(100), dec!(0));
        assert_eq!(s.at(dec!(2.5)), dec!(75));
        assert_eq!(
            Scale::new(dec!(1), dec!(1), dec!(0), dec!(8)).at(dec!(1)),
            dec!(4)
        );
        assert_eq!(diverging(dec!(0), dec!(5)), "#f7f7f7");
        assert_eq!(diverging(dec!(5), dec!(5)), "#1e8c46");
        assert_eq!(diverging(dec!(-9), dec!(5)), "#c82828");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(px(dec!(12.345)), "12.3");
    }
}
