//! Alerts of the long-running binaries: `--alert-webhook URL` posts one JSON message per event
//! (HALTED, ERROR, PAUSED, stop-loss, naked leg, recovery findings, budget tripped).
//!
//! - **Deduplicated per subject and kind.** [`Alerter::raise`] posts only when that
//!   (subject, kind) is not already firing; [`Alerter::clear`] posts one "recovered" message when
//!   it was. The subject is what the alert is about: a position ("HYPE"), a venue, or "bot".
//! - **Never in the way of trading.** Posting happens on a background task with a bounded
//!   queue; a slow or failing webhook is retried a few times with backoff, then logged and
//!   counted, and never blocks nor fails the caller. [`Alerter::flush`] waits (bounded) for the
//!   queue to drain before a process exits.
//! - **No secret in a log.** Webhook URLs often carry a token in their path (Slack, Discord):
//!   logs name the host only.
//!
//! The message has a `text` field (so Slack/Discord-style hooks show it as is) and typed
//! fields for machines: `source`, `event`, `status` (`firing` / `recovered`), `subject`,
//! `message`, `details`, `time`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The engine is HALTED: a leg may need an operator.
    Halted,
    /// The process is in ERROR.
    Error,
    /// The bot paused itself (or was paused).
    Paused,
    /// The stop-loss closed (or is closing) a position.
    StopLoss,
    /// A leg stands without its hedge.
    NakedLeg,
    /// Start-up recovery found something.
    Recovery,
    /// A budget (fees, failed opens) tripped.
    BudgetTripped,
    /// The liquidation monitor's ladder: a venue at WARN (runway or margin usage).
    Warn,
    /// The ladder at REDUCE: both legs are being reduced.
    Reduce,
    /// The ladder at FLATTEN: both legs are being closed.
    Flatten,
    /// A venue could not be read, repeatedly, while a position is open.
    ReadFailure,
}

impl AlertKind {
    /// The `event` name in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Halted => "halted",
            AlertKind::Error => "error",
            AlertKind::Paused => "paused",
            AlertKind::StopLoss => "stop_loss",
            AlertKind::NakedLeg => "naked_leg",
            AlertKind::Recovery => "recovery",
            AlertKind::BudgetTripped => "budget_tripped",
            AlertKind::Warn => "warn",
            AlertKind::Reduce => "reduce",
            AlertKind::Flatten => "flatten",
            AlertKind::ReadFailure => "read_failure",
        }
    }
}

/// A bad `--alert-webhook`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--alert-webhook: {0}")]
pub struct AlertConfigError(String);

/// The message posted to the webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertMessage {
    /// Human-readable one-liner (Slack/Discord show this).
    pub text: String,
    /// The binary that sent it.
    pub source: String,
    /// [`AlertKind::as_str`].
    pub event: String,
    /// `firing` or `recovered`.
    pub status: String,
    /// What it is about (a symbol, a venue, "bot").
    pub subject: String,
    /// What happened.
    pub message: String,
    /// Figures behind it.
    pub details: serde_json::Value,
    /// When (UTC, RFC 3339).
    pub time: String,
}

#[derive(Debug)]
struct Target {
    url: String,
    host: String,
    client: reqwest::Client,
}

/// Posts alerts to one webhook (or only logs them when none is configured).
#[derive(Debug)]
pub struct Alerter {
    source: String,
    firing: Mutex<BTreeMap<(String, AlertKind), String>>,
    queue: Option<mpsc::Sender<AlertMessage>>,
    host: Option<String>,
    stats: Arc<Stats>,
}

#[derive(Debug, Default)]
struct Stats {
    queued: AtomicU64,
    done: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

const QUEUE: usize = 256;
const ATTEMPTS: u32 = 4;

fn host_of(url: &str) -> Result<String, AlertConfigError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            AlertConfigError(format!(
                "the URL must start with http:// or https:// (got {:?}...)",
                url.chars().take(8).collect::<String>()
            ))
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    // user:password@host must not reach a log either.
    let host = host.rsplit('@').next().unwrap_or("");
    if host.is_empty() {
        return Err(AlertConfigError("the URL has no host".into()));
    }
    Ok(host.to_string())
}

impl Alerter {
    /// An alerter for `source` (the binary's name). `url = None`: alerts are only logged.
    /// Must be called inside a tokio runtime when a URL is given.
    pub fn new(source: &str, url: Option<&str>) -> Result<Self, AlertConfigError> {
        let stats = Arc::new(Stats::default());
        let (queue, host) = match url {
            None => (None, None),
            Some(url) => {
                let host = host_of(url)?;
                venue_transport::install_tls_provider();
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .connect_timeout(Duration::from_secs(5))
                    .user_agent(concat!("delta-neutral-alerts/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| AlertConfigError(format!("cannot build HTTP client: {e}")))?;
                let (tx, rx) = mpsc::channel(QUEUE);
                let target = Target {
                    url: url.to_string(),
                    host: host.clone(),
                    client,
                };
                tokio::spawn(deliver(target, rx, stats.clone()));
                (Some(tx), Some(host))
            }
        };
        Ok(Self {
            source: source.to_string(),
            firing: Mutex::new(BTreeMap::new()),
            queue,
            host,
            stats,
        })
    }

    /// The webhook's host (for the start-up banner), if any.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// Raises `kind` about `subject`. Posts (and returns true) only when it was not already
    /// firing; a changed message while firing is logged, not re-posted.
    pub fn raise(
        &self,
        subject: &str,
        kind: AlertKind,
        message: &str,
        details: serde_json::Value,
    ) -> bool {
        let key = (subject.to_string(), kind);
        {
            let mut firing = self
                .firing
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if firing.contains_key(&key) {
                tracing::debug!(subject, event = kind.as_str(), "alert already firing");
                return false;
            }
            firing.insert(key, message.to_string());
        }
        tracing::warn!(subject, event = kind.as_str(), "ALERT: {message}");
        self.post(subject, kind, "firing", message, details);
        true
    }

    /// Posts a one-off event that has no "recovered" (e.g. start-up recovery findings).
    pub fn event(&self, subject: &str, kind: AlertKind, message: &str, details: serde_json::Value) {
        tracing::warn!(subject, event = kind.as_str(), "ALERT: {message}");
        self.post(subject, kind, "firing", message, details);
    }

    /// Clears `kind` about `subject`: posts one "recovered" message (and returns true) when it
    /// was firing.
    pub fn clear(&self, subject: &str, kind: AlertKind, message: &str) -> bool {
        let was = self
            .firing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(subject.to_string(), kind));
        if was.is_none() {
            return false;
        }
        tracing::info!(subject, event = kind.as_str(), "recovered: {message}");
        self.post(subject, kind, "recovered", message, serde_json::Value::Null);
        true
    }

    /// Forgets that `kind` about `subject` is firing, posting nothing: for an alert replaced
    /// by another (a ladder level crossing to the next level). Returns true when it was.
    pub fn forget(&self, subject: &str, kind: AlertKind) -> bool {
        self.firing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(subject.to_string(), kind))
            .is_some()
    }

    /// What is firing now: (subject, kind, message).
    pub fn firing(&self) -> Vec<(String, AlertKind, String)> {
        self.firing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|((s, k), m)| (s.clone(), *k, m.clone()))
            .collect()
    }

    /// Messages delivered, and messages given up (failed after retries, or dropped because the
    /// queue was full).
    pub fn delivery_counts(&self) -> (u64, u64) {
        (
            self.stats.done.load(Ordering::Relaxed),
            self.stats.failed.load(Ordering::Relaxed) + self.stats.dropped.load(Ordering::Relaxed),
        )
    }

    /// Waits up to `timeout` for every queued message to be delivered or given up. Returns
    /// true when the queue drained.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let s = &self.stats;
            let settled = s.done.load(Ordering::Relaxed) + s.failed.load(Ordering::Relaxed);
            if settled >= s.queued.load(Ordering::Relaxed) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn post(
        &self,
        subject: &str,
        kind: AlertKind,
        status: &str,
        message: &str,
        details: serde_json::Value,
    ) {
        let Some(queue) = &self.queue else {
            return;
        };
        let now: DateTime<Utc> = Utc::now();
        let mark = if status == "recovered" {
            "RECOVERED"
        } else {
            "ALERT"
        };
        let msg = AlertMessage {
            text: format!(
                "[{}] {mark} {} {subject}: {message}",
                self.source,
                kind.as_str()
            ),
            source: self.source.clone(),
            event: kind.as_str().to_string(),
            status: status.to_string(),
            subject: subject.to_string(),
            message: message.to_string(),
            details,
            time: now.to_rfc3339_opts(SecondsFormat::Millis, true),
        };
        match queue.try_send(msg) {
            Ok(()) => {
                self.stats.queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::error!(
                    host = self.host.as_deref().unwrap_or(""),
                    "alert queue full or closed: alert dropped"
                );
            }
        }
    }
}

async fn deliver(target: Target, mut rx: mpsc::Receiver<AlertMessage>, stats: Arc<Stats>) {
    while let Some(msg) = rx.recv().await {
        let body = serde_json::to_vec(&msg).unwrap_or_default();
        let mut delay = Duration::from_millis(500);
        let mut last_error = String::new();
        let mut delivered = false;
        for attempt in 1..=ATTEMPTS {
            let request = target
                .client
                .post(&target.url)
                .header("content-type", "application/json")
                .body(body.clone());
            match request.send().await {
                Ok(resp) if resp.status().is_success() => {
                    delivered = true;
                    break;
                }
                Ok(resp) => last_error = format!("HTTP {}", resp.status().as_u16()),
                // reqwest's error text includes the URL: keep only its kind.
                Err(e) if e.is_timeout() => last_error = "timeout".into(),
                Err(e) if e.is_connect() => last_error = "cannot connect".into(),
                Err(_) => last_error = "request failed".into(),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
        if delivered {
            stats.done.fetch_add(1, Ordering::Relaxed);
        } else {
            stats.failed.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                host = %target.host,
                event = %msg.event,
                subject = %msg.subject,
                "alert not delivered after {ATTEMPTS} attempts: {last_error}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_logged_by_host_only() {
        assert_eq!(
            host_of("https://hooks.example.com/services/T0/B0/secret").as_deref(),
            Ok("hooks.example.com")
        );
        assert_eq!(
            host_of("http://user:pw@127.0.0.1:9000/x").as_deref(),
            Ok("127.0.0.1:9000")
        );
        let err = host_of("ftp://x").unwrap_err().to_string();
        assert!(err.contains("http:// or https://"), "{err}");
        assert!(host_of("https:///path").is_err());
    }

    #[test]
    fn without_a_url_alerts_are_deduplicated_and_only_logged() {
        let a = Alerter::new("rotation-bot", None).expect("no url is fine");
        assert!(a.raise(
            "HYPE",
            AlertKind::NakedLeg,
            "lighter leg alone",
            serde_json::Value::Null
        ));
        assert!(!a.raise(
            "HYPE",
            AlertKind::NakedLeg,
            "still alone",
            serde_json::Value::Null
        ));
        assert!(a.raise(
            "SOL",
            AlertKind::NakedLeg,
            "other position",
            serde_json::Value::Null
        ));
        assert_eq!(a.firing().len(), 2);
        assert!(a.clear("HYPE", AlertKind::NakedLeg, "hedged again"));
        assert!(!a.clear("HYPE", AlertKind::NakedLeg, "hedged again"));
        assert_eq!(a.delivery_counts(), (0, 0));
    }
}
