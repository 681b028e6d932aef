//! `--metrics-addr` and `--alert-webhook`: the loop's events become deduplicated alerts, its
//! saved states become gauges and the health probe. Both run beside the loop and never block
//! it.

use hedge_app::alerts::{AlertKind, Alerter};
use hedge_app::metrics::Metrics;
use hedge_engine::rotation::machine::{BotEvent, EventKind};
use hedge_engine::rotation::state::{BotState, BotStatus};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};

const ERRORS: &str = "rotation_bot_errors_total";
const ERRORS_HELP: &str = "Errors by kind (venue request errors by error kind; bot events: \
     read_failed, naked_leg, halted, error, operation_failed)";

/// Counts the loop's events: errors by kind, and each engine operation's leg skew and
/// naked-leg time (histograms by operation kind).
pub fn count_events(metrics: Arc<Metrics>, mut events: broadcast::Receiver<BotEvent>) {
    tokio::spawn(async move {
        loop {
            let e = match events.recv().await {
                Ok(e) => e,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("metrics hook lagged {n} events");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            record_event(&metrics, &e);
        }
    });
}

fn record_event(m: &Metrics, e: &BotEvent) {
    let error = match e.kind {
        EventKind::ReadFailed => Some("read_failed"),
        EventKind::NakedLeg => Some("naked_leg"),
        EventKind::Halted => Some("halted"),
        EventKind::Error => Some("error"),
        _ => None,
    };
    if let Some(kind) = error {
        m.inc_counter(ERRORS, ERRORS_HELP, &[("kind", kind)], 1);
    }
    let Some(op) = &e.operation else {
        return;
    };
    let labels = [("operation", op.kind.as_str())];
    m.inc_counter(
        "rotation_bot_operations_total",
        "Engine operations by kind and outcome",
        &[
            ("operation", op.kind.as_str()),
            ("outcome", op.outcome.as_str()),
        ],
        1,
    );
    if !op.ok {
        m.inc_counter(ERRORS, ERRORS_HELP, &[("kind", "operation_failed")], 1);
    }
    if let Some(us) = op.leg_skew_us {
        m.observe(
            "rotation_bot_leg_skew_seconds",
            "Gap between the starts of the two legs' sends, per operation",
            &labels,
            Duration::from_micros(us),
        );
    }
    m.observe(
        "rotation_bot_naked_seconds",
        "How long one leg stood without its hedge, per operation (naked_ms of the report)",
        &labels,
        Duration::from_millis(op.naked_ms),
    );
}

/// Every second: seconds since the last successful read of each venue (unset before the
/// first read).
pub fn publish_read_ages(
    metrics: Arc<Metrics>,
    venues: Vec<(&'static str, Arc<Mutex<Option<Instant>>>)>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            for (id, last) in &venues {
                let at = *last.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(at) = at {
                    let ms = u64::try_from(at.elapsed().as_millis()).unwrap_or(u64::MAX);
                    m_set_age(&metrics, id, Decimal::from(ms) / Decimal::from(1000));
                }
            }
        }
    });
}

fn m_set_age(m: &Metrics, venue: &str, secs: Decimal) {
    m.set_gauge(
        "rotation_bot_seconds_since_last_read",
        "Seconds since the last successful read of each venue",
        &[("venue", venue)],
        secs,
    );
}

/// Forwards events to the alerter (subject: the symbol, else "bot").
pub fn forward_alerts(alerter: Arc<Alerter>, mut events: broadcast::Receiver<BotEvent>) {
    tokio::spawn(async move {
        loop {
            let e = match events.recv().await {
                Ok(e) => e,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("alert hook lagged {n} events");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let subject = e.symbol.clone().unwrap_or_else(|| "bot".into());
            let details = serde_json::to_value(&e).unwrap_or_default();
            match e.kind {
                EventKind::Halted => {
                    alerter.raise("bot", AlertKind::Halted, &e.message, details);
                }
                EventKind::Error => {
                    alerter.raise("bot", AlertKind::Error, &e.message, details);
                }
                EventKind::Paused => {
                    alerter.raise("bot", AlertKind::Paused, &e.message, details);
                }
                EventKind::BudgetTripped => {
                    alerter.raise("bot", AlertKind::BudgetTripped, &e.message, details);
                }
                EventKind::StopLoss => {
                    alerter.raise(&subject, AlertKind::StopLoss, &e.message, details);
                }
                EventKind::NakedLeg => {
                    alerter.raise(&subject, AlertKind::NakedLeg, &e.message, details);
                }
                EventKind::Recovery => {
                    alerter.event(&subject, AlertKind::Recovery, &e.message, details)
                }
                EventKind::Recovered => {
                    for k in [
                        AlertKind::Paused,
                        AlertKind::BudgetTripped,
                        AlertKind::Halted,
                        AlertKind::Error,
                    ] {
                        alerter.clear("bot", k, &e.message);
                    }
                }
                EventKind::CycleClosed => {
                    for k in [AlertKind::StopLoss, AlertKind::NakedLeg] {
                        alerter.clear(&subject, k, "position closed");
                    }
                }
                EventKind::ReadFailed | EventKind::Operation => {}
            }
        }
    });
}

const STATES: [BotStatus; 9] = [
    BotStatus::Idle,
    BotStatus::Analyzing,
    BotStatus::Opening,
    BotStatus::Holding,
    BotStatus::Closing,
    BotStatus::Waiting,
    BotStatus::Error,
    BotStatus::Halted,
    BotStatus::Paused,
];

fn flag(b: bool) -> Decimal {
    if b {
        Decimal::ONE
    } else {
        Decimal::ZERO
    }
}

/// Updates gauges and the health probe after every save.
pub fn publish_metrics(
    metrics: Arc<Metrics>,
    mut states: watch::Receiver<Arc<BotState>>,
    max_age: Duration,
) {
    tokio::spawn(async move {
        loop {
            let s = states.borrow_and_update().clone();
            update(&metrics, &s, max_age);
            if states.changed().await.is_err() {
                return;
            }
        }
    });
}

fn update(m: &Metrics, s: &BotState, max_age: Duration) {
    for st in STATES {
        m.set_gauge(
            "rotation_bot_state",
            "1 for the bot's current state",
            &[("state", st.as_str())],
            flag(s.state == st),
        );
    }
    let c = &s.cumulative_stats;
    m.set_gauge(
        "rotation_bot_cycles_completed",
        "Cycles closed successfully",
        &[],
        Decimal::from(c.successful_cycles),
    );
    m.set_gauge(
        "rotation_bot_cycles_failed",
        "Cycles that failed",
        &[],
        Decimal::from(c.failed_cycles),
    );
    m.set_gauge(
        "rotation_bot_realized_pnl_usd",
        "Realised PnL of all cycles",
        &[],
        c.total_realized_pnl,
    );
    m.set_gauge(
        "rotation_bot_funding_settled_usd",
        "Funding settled over all cycles",
        &[],
        c.total_funding_pnl,
    );
    m.set_gauge(
        "rotation_bot_fees_paid_usd",
        "Fees paid over all cycles",
        &[],
        c.total_fees_paid,
    );
    if let Some(r) = s
        .completed_cycles
        .last()
        .and_then(|c| c.ledger.as_ref())
        .and_then(|l| l.capture_ratio)
    {
        m.set_gauge(
            "rotation_bot_last_capture_ratio",
            "Funding settled / expected of the last cycle",
            &[],
            r,
        );
    }
    if let Some(cap) = &s.capital_status {
        for (slot, usage) in [
            ("a", cap.edgex_margin_usage),
            ("b", cap.lighter_margin_usage),
        ] {
            if let Some(u) = usage {
                m.set_gauge(
                    "rotation_bot_margin_usage",
                    "Margin usage per venue slot (0..1)",
                    &[("slot", slot)],
                    u,
                );
            }
        }
    }
    match &s.current_position {
        Some(p) => {
            m.set_gauge(
                "rotation_bot_position_size",
                "Size per leg of the held hedge (base units)",
                &[("symbol", &p.symbol)],
                p.entry.size_base,
            );
            if let Some(u) = p.current_pnl.as_ref().and_then(|c| c.total_unrealized_pnl) {
                m.set_gauge(
                    "rotation_bot_unrealized_pnl_usd",
                    "Unrealised PnL of the held hedge",
                    &[],
                    u,
                );
            }
            if let Some(f) = p.expected_funding.expected_funding_usd {
                m.set_gauge(
                    "rotation_bot_expected_funding_usd",
                    "Funding expected at entry over the hold",
                    &[],
                    f,
                );
            }
        }
        None => m.set_gauge(
            "rotation_bot_unrealized_pnl_usd",
            "Unrealised PnL of the held hedge",
            &[],
            Decimal::ZERO,
        ),
    }
    if s.state == BotStatus::Halted {
        m.set_halted(Some("the engine is HALTED".into()));
    } else {
        m.set_halted(None);
        if s.state != BotStatus::Error {
            m.checked(max_age);
        }
    }
}
