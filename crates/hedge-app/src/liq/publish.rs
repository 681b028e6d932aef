//! What each check tells the outside: alerts through the webhook and Prometheus gauges.
//!
//! Alerts (deduplicated per subject and kind by the [`Alerter`]):
//! - a ladder level is its own kind (`warn`, `reduce`, `flatten`) about the venue: a crossing
//!   fires the new level (the previous level's alert is replaced without a message), a
//!   reminder while the level persists is posted again at the ladder's cadence per level
//!   (escalation), and back to OK posts one "recovered";
//! - a broken hedge fires `naked_leg` about the symbol once, "recovered" when it is sound;
//! - repeated read failures fire `read_failure` about the venue once, "recovered" when the
//!   venue reads again;
//! - HALTED fires `halted` about "engine", "recovered" when cleared;
//! - a venue shrink (liquidation, ADL) and a held reading are one-off events.
//!
//! Metrics (per venue label): `liq_equity`, `liq_maintenance_requirement`,
//! `liq_margin_usage`, `liq_runway_pct`, `liq_liquidation_distance_pct`, `liq_level`,
//! `liq_read_failures` (in a row), `liq_read_failures_total`, `liq_read_latency_ms`,
//! `liq_seconds_since_good_read`; per symbol `liq_net_delta`; `/health` through
//! [`Metrics::checked`] and [`Metrics::set_halted`].

use super::CheckReport;
use crate::alerts::{AlertKind, Alerter};
use crate::metrics::Metrics;
use serde_json::Value;
use std::time::Duration;

/// The alert kind of an [`super::AlertLine`] kind.
pub fn alert_kind(kind: &str) -> AlertKind {
    match kind {
        "warn" => AlertKind::Warn,
        "reduce" => AlertKind::Reduce,
        "flatten" => AlertKind::Flatten,
        "naked_leg" | "venue_shrink" => AlertKind::NakedLeg,
        "read_failure" => AlertKind::ReadFailure,
        "halted" => AlertKind::Halted,
        _ => AlertKind::Error,
    }
}

/// Posts the check's alerts and clears what recovered (module docs).
pub fn alerts(report: &CheckReport, alerter: &Alerter) {
    for a in &report.alerts {
        let kind = alert_kind(&a.kind);
        match a.kind.as_str() {
            "warn" | "reduce" | "flatten" if a.reminder => {
                alerter.event(&a.subject, kind, &a.message, Value::Null);
            }
            "warn" | "reduce" | "flatten" => {
                if let Some(prev) = &a.replaces {
                    alerter.forget(&a.subject, alert_kind(prev));
                }
                alerter.raise(&a.subject, kind, &a.message, Value::Null);
            }
            "recovered" => {
                if let Some(prev) = &a.replaces {
                    alerter.clear(&a.subject, alert_kind(prev), &a.message);
                }
            }
            "naked_leg" | "read_failure" => {
                alerter.raise(&a.subject, kind, &a.message, Value::Null);
            }
            _ => alerter.event(&a.subject, kind, &a.message, Value::Null),
        }
    }
    for s in &report.symbols {
        if s.class.is_sound() {
            alerter.clear(&s.symbol, AlertKind::NakedLeg, "hedged (or flat) again");
        }
    }
    for v in &report.venues {
        if v.read_error.is_none() {
            alerter.clear(&v.venue, AlertKind::ReadFailure, "the venue reads again");
        }
    }
    match &report.halted {
        Some(h) => {
            alerter.raise("engine", AlertKind::Halted, h, Value::Null);
        }
        None => {
            alerter.clear("engine", AlertKind::Halted, "no longer HALTED");
        }
    }
}

/// The one start-up summary (after the first check): a line for people, figures for machines.
/// E.g. `liq-monitor started: HEALTHY; lighter OK (1 position), edgex OK (1 position); HYPE
/// hedged`.
pub fn startup_summary(report: &CheckReport) -> (String, Value) {
    let venues: Vec<String> = report
        .venues
        .iter()
        .map(|v| match (&v.read_error, &v.runway) {
            (Some(_), _) => format!("{} UNREADABLE", v.venue),
            (None, Some(rw)) => format!(
                "{} {:?} ({} position(s))",
                v.venue,
                v.level,
                rw.positions.len()
            ),
            (None, None) => format!("{} {:?}", v.venue, v.level),
        })
        .collect();
    let symbols: Vec<String> = report
        .symbols
        .iter()
        .map(|s| {
            let class = serde_json::to_value(&s.class)
                .ok()
                .and_then(|c| c["class"].as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{:?}", s.class));
            format!("{} {class}", s.symbol)
        })
        .collect();
    let mut message = format!(
        "liq-monitor started: {:?}, {} venue(s) read, {} symbol(s); {}",
        report.health,
        report
            .venues
            .iter()
            .filter(|v| v.read_error.is_none())
            .count(),
        report.symbols.len(),
        venues.join(", ")
    );
    if !symbols.is_empty() {
        message.push_str(&format!("; {}", symbols.join(", ")));
    }
    if let Some(h) = &report.halted {
        message.push_str(&format!("; HALTED: {h}"));
    }
    let details = serde_json::json!({
        "health": report.health,
        "venues": report.venues.iter().map(|v| serde_json::json!({
            "venue": v.venue,
            "level": v.level,
            "read_error": v.read_error,
            "equity": v.runway.as_ref().map(|r| r.equity.to_string()),
            "positions": v.runway.as_ref().map(|r| r.positions.len()),
        })).collect::<Vec<_>>(),
        "symbols": symbols,
        "halted": report.halted,
    });
    (message, details)
}

/// Sets the check's gauges (module docs); `/health` stays good for `max_age` after a check
/// that read both venues.
pub fn metrics(report: &CheckReport, metrics: &Metrics, max_age: Duration) {
    metrics.set_halted(report.halted.clone());
    for v in &report.venues {
        let l = [("venue", v.venue.as_str())];
        metrics.set_gauge(
            "liq_read_failures",
            "Consecutive failed reads",
            &l,
            v.read_failures.into(),
        );
        metrics.inc_counter(
            "liq_read_failures_total",
            "Failed reads",
            &l,
            u64::from(v.read_error.is_some()),
        );
        metrics.set_gauge(
            "liq_read_latency_ms",
            "Read latency of the last check, ms",
            &l,
            v.read_ms.into(),
        );
        if let Some(s) = v.seconds_since_good {
            metrics.set_gauge(
                "liq_seconds_since_good_read",
                "Seconds since the last good read",
                &l,
                s.into(),
            );
        }
        metrics.set_gauge(
            "liq_level",
            "Ladder level (0 OK, 1 WARN, 2 REDUCE, 3 FLATTEN)",
            &l,
            (v.level as u8).into(),
        );
        let Some(rw) = &v.runway else { continue };
        metrics.set_gauge("liq_equity", "Equity, quote currency", &l, rw.equity);
        if let Some(m) = &rw.maintenance {
            metrics.set_gauge(
                "liq_maintenance_requirement",
                "Maintenance requirement, quote currency",
                &l,
                m.amount,
            );
        }
        if let Some(u) = &rw.margin_usage {
            metrics.set_gauge("liq_margin_usage", "Margin usage fraction", &l, u.fraction);
        }
        match rw.min_runway_pct() {
            Some(x) => metrics.set_gauge("liq_runway_pct", "Shortest runway, percent", &l, x),
            None => metrics.remove("liq_runway_pct", &l),
        }
        let venue_distance = rw
            .positions
            .iter()
            .filter_map(|p| match &p.runway {
                hedge_engine::monitor::runway::Runway::Known { venue_check, .. } => {
                    venue_check.venue_move_pct()
                }
                hedge_engine::monitor::runway::Runway::Unknown { .. } => None,
            })
            .min();
        match venue_distance {
            Some(x) => metrics.set_gauge(
                "liq_liquidation_distance_pct",
                "Shortest distance from the mark to the venue's own liquidation price, percent",
                &l,
                x,
            ),
            None => metrics.remove("liq_liquidation_distance_pct", &l),
        }
    }
    for (symbol, d) in &report.net_delta {
        metrics.set_gauge(
            "liq_net_delta",
            "Net base delta (A + B)",
            &[("symbol", symbol.as_str())],
            *d,
        );
    }
    // `/health` counts a check as good only when both venues were read.
    if report.venues.iter().all(|v| v.read_error.is_none()) {
        metrics.checked(max_age);
    }
}
