//! Prometheus metrics and the health probe of the long-running binaries (`rotation-bot`,
//! `liq-monitor`): `--metrics-addr HOST:PORT` serves `GET /metrics` (Prometheus text format
//! 0.0.4) and `GET /health`.
//!
//! [`Metrics`] is a small registry the binaries update as they go: gauges (a value that is
//! set: state, positions, PnL, margin usage), counters (errors by kind), histograms (leg skew,
//! naked-leg time) and the health inputs. Values are exact decimals, rendered as written: no
//! float arithmetic anywhere. A metric is identified by its name and label set; its help text
//! is taken from the first update.
//!
//! `/health` answers 200 `ok` while the last successful check is younger than the configured
//! age and nothing is HALTED, else 503 with the reason, so that an orchestrator's probe restarts
//! a wedged process and a dashboard shows a HALT.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Label pairs of one series, in the order given.
type Labels = Vec<(String, String)>;

/// Bucket upper bounds, in seconds, of the duration histograms (leg skew is in the
/// microseconds, naked-leg time in the seconds).
pub const DURATION_BUCKETS: &[Duration] = &[
    Duration::from_micros(50),
    Duration::from_micros(100),
    Duration::from_micros(250),
    Duration::from_micros(500),
    Duration::from_millis(1),
    Duration::from_millis(10),
    Duration::from_millis(100),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(5),
    Duration::from_secs(10),
    Duration::from_secs(30),
    Duration::from_secs(60),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
            Kind::Histogram => "histogram",
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Histogram {
    /// Count per bucket of [`DURATION_BUCKETS`] (not cumulative; summed when rendered).
    buckets: Vec<u64>,
    count: u64,
    sum_micros: u128,
}

#[derive(Debug, Clone)]
enum Value {
    Number(Decimal),
    Histogram(Histogram),
}

#[derive(Debug)]
struct Family {
    help: String,
    kind: Kind,
    series: BTreeMap<Labels, Value>,
}

#[derive(Debug, Default)]
struct Health {
    last_check: Option<Instant>,
    max_age: Option<Duration>,
    halted: Option<String>,
}

#[derive(Debug, Default)]
struct Inner {
    families: BTreeMap<String, Family>,
    health: Health,
}

/// The registry of one process. Cheap to share (`Arc<Metrics>`); every update takes a short
/// lock.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

impl Metrics {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain numbers behind: still safe to read.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn with_series(
        &self,
        name: &str,
        help: &str,
        kind: Kind,
        pairs: &[(&str, &str)],
        update: impl FnOnce(&mut Option<Value>),
    ) {
        let mut inner = self.lock();
        let family = inner
            .families
            .entry(name.to_string())
            .or_insert_with(|| Family {
                help: help.to_string(),
                kind,
                series: BTreeMap::new(),
            });
        if family.kind != kind {
            tracing::warn!(
                metric = name,
                "metric updated as two different kinds; ignored"
            );
            return;
        }
        let key = labels(pairs);
        let mut slot = family.series.remove(&key);
        update(&mut slot);
        if let Some(value) = slot {
            family.series.insert(key, value);
        }
    }

    /// Sets a gauge.
    pub fn set_gauge(&self, name: &str, help: &str, labels: &[(&str, &str)], value: Decimal) {
        self.with_series(name, help, Kind::Gauge, labels, |slot| {
            *slot = Some(Value::Number(value));
        });
    }

    /// Removes one series of a gauge (e.g. the position of a symbol that was closed).
    pub fn remove(&self, name: &str, labels: &[(&str, &str)]) {
        let mut inner = self.lock();
        if let Some(family) = inner.families.get_mut(name) {
            family.series.remove(&self::labels(labels));
        }
    }

    /// Adds `by` to a counter.
    pub fn inc_counter(&self, name: &str, help: &str, labels: &[(&str, &str)], by: u64) {
        self.with_series(name, help, Kind::Counter, labels, |slot| {
            let before = match slot {
                Some(Value::Number(n)) => *n,
                _ => Decimal::ZERO,
            };
            *slot = Some(Value::Number(before + Decimal::from(by)));
        });
    }

    /// Records one duration in a histogram with the [`DURATION_BUCKETS`] bounds.
    pub fn observe(&self, name: &str, help: &str, labels: &[(&str, &str)], value: Duration) {
        self.with_series(name, help, Kind::Histogram, labels, |slot| {
            let mut h = match slot.take() {
                Some(Value::Histogram(h)) => h,
                _ => Histogram {
                    buckets: vec![0; DURATION_BUCKETS.len()],
                    ..Histogram::default()
                },
            };
            if let Some(i) = DURATION_BUCKETS.iter().position(|b| value <= *b) {
                if let Some(b) = h.buckets.get_mut(i) {
                    *b += 1;
                }
            }
            h.count += 1;
            h.sum_micros += value.as_micros();
            *slot = Some(Value::Histogram(h));
        });
    }

    /// Records a successful check (reads of both venues done): `/health` stays 200 for
    /// `max_age` after it.
    pub fn checked(&self, max_age: Duration) {
        let mut inner = self.lock();
        inner.health.last_check = Some(Instant::now());
        inner.health.max_age = Some(max_age);
    }

    /// Sets or clears the HALT reason shown by `/health`.
    pub fn set_halted(&self, reason: Option<String>) {
        self.lock().health.halted = reason;
    }

    /// `Ok(())` when healthy, else the reason.
    pub fn health(&self) -> Result<(), String> {
        let inner = self.lock();
        if let Some(reason) = &inner.health.halted {
            return Err(format!("HALTED: {reason}"));
        }
        match (inner.health.last_check, inner.health.max_age) {
            (None, _) | (_, None) => Err("no successful check yet".to_string()),
            (Some(at), Some(max_age)) => {
                let age = at.elapsed();
                if age > max_age {
                    Err(format!(
                        "last successful check {} s ago (limit {} s)",
                        age.as_secs(),
                        max_age.as_secs()
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let inner = self.lock();
        let mut out = String::new();
        for (name, family) in &inner.families {
            let _ = writeln!(out, "# HELP {name} {}", escape_help(&family.help));
            let _ = writeln!(out, "# TYPE {name} {}", family.kind.as_str());
            for (labels, value) in &family.series {
                match value {
                    Value::Number(n) => {
                        let _ = writeln!(out, "{name}{} {}", render_labels(labels, None), n);
                    }
                    Value::Histogram(h) => render_histogram(&mut out, name, labels, h),
                }
            }
        }
        out
    }
}

fn render_histogram(out: &mut String, name: &str, labels: &Labels, h: &Histogram) {
    let mut cumulative = 0u64;
    for (bound, n) in DURATION_BUCKETS.iter().zip(&h.buckets) {
        cumulative += n;
        let le = seconds(bound.as_micros());
        let _ = writeln!(
            out,
            "{name}_bucket{} {cumulative}",
            render_labels(labels, Some(&le.to_string()))
        );
    }
    let _ = writeln!(
        out,
        "{name}_bucket{} {}",
        render_labels(labels, Some("+Inf")),
        h.count
    );
    let _ = writeln!(
        out,
        "{name}_sum{} {}",
        render_labels(labels, None),
        seconds(h.sum_micros)
    );
    let _ = writeln!(
        out,
        "{name}_count{} {}",
        render_labels(labels, None),
        h.count
    );
}

/// Microseconds as exact decimal seconds.
fn seconds(micros: u128) -> Decimal {
    let micros = i64::try_from(micros).unwrap_or(i64::MAX);
    Decimal::new(micros, 6).normalize()
}

fn render_labels(labels: &Labels, le: Option<&str>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Could not serve metrics.
#[derive(Debug, thiserror::Error)]
#[error("--metrics-addr {addr}: {source}")]
pub struct ServeError {
    addr: String,
    #[source]
    source: std::io::Error,
}

/// Binds `addr` and serves `/metrics` and `/health` until the returned task is aborted.
/// Returns the bound address (useful with port 0).
pub async fn serve(
    addr: &str,
    metrics: Arc<Metrics>,
) -> Result<(SocketAddr, JoinHandle<()>), ServeError> {
    let err = |source| ServeError {
        addr: addr.to_string(),
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(err)?;
    let local = listener.local_addr().map_err(err)?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<Incoming>| {
                    let metrics = metrics.clone();
                    async move { Ok::<_, std::convert::Infallible>(answer(&metrics, &req)) }
                });
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(error = %e, "metrics connection ended");
                }
            });
        }
    });
    Ok((local, task))
}

fn answer(metrics: &Metrics, req: &hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let (status, content_type, body) = match (req.method().as_str(), req.uri().path()) {
        ("GET", "/metrics") => (
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
        ),
        ("GET", "/health") => match metrics.health() {
            Ok(()) => (200, "text/plain; charset=utf-8", "ok\n".to_string()),
            Err(reason) => (503, "text/plain; charset=utf-8", format!("{reason}\n")),
        },
        ("GET", _) => (
            404,
            "text/plain; charset=utf-8",
            "not found: try /metrics or /health\n".to_string(),
        ),
        _ => (
            405,
            "text/plain; charset=utf-8",
            "method not allowed\n".to_string(),
        ),
    };
    hyper::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn renders_gauges_counters_and_histograms_exactly() {
        let m = Metrics::new();
        m.set_gauge(
            "bot_unrealized_pnl_usd",
            "uPnL",
            &[("venue", "edgex")],
            dec!(-1.25),
        );
        m.set_gauge(
            "bot_unrealized_pnl_usd",
            "uPnL",
            &[("venue", "lighter")],
            dec!(0.5),
        );
        m.inc_counter("bot_errors_total", "errors", &[("kind", "read")], 2);
        m.inc_counter("bot_errors_total", "errors", &[("kind", "read")], 1);
        m.observe(
            "bot_leg_skew_seconds",
            "skew",
            &[],
            Duration::from_micros(80),
        );
        m.observe("bot_leg_skew_seconds", "skew", &[], Duration::from_secs(3));
        let text = m.render();
        assert!(text.contains("# TYPE bot_unrealized_pnl_usd gauge"));
        assert!(text.contains("bot_unrealized_pnl_usd{venue=\"edgex\"} -1.25"));
        assert!(text.contains("bot_unrealized_pnl_usd{venue=\"lighter\"} 0.5"));
        assert!(text.contains("bot_errors_total{kind=\"read\"} 3"));
        assert!(text.contains("bot_leg_skew_seconds_bucket{le=\"0.00005\"} 0"));
        assert!(text.contains("bot_leg_skew_seconds_bucket{le=\"0.0001\"} 1"));
        assert!(text.contains("bot_leg_skew_seconds_bucket{le=\"5\"} 2"));
        assert!(text.contains("bot_leg_skew_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("bot_leg_skew_seconds_sum 3.00008"));
        assert!(text.contains("bot_leg_skew_seconds_count 2"));
        m.remove("bot_unrealized_pnl_usd", &[("venue", "edgex")]);
        assert!(!m.render().contains("venue=\"edgex\""));
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::new();
        m.set_gauge("g", "h", &[("reason", "a \"b\"\nc\\")], dec!(1));
        assert!(m.render().contains(r#"g{reason="a \"b\"\nc\\"} 1"#));
    }

    #[test]
    fn health_needs_a_recent_check_and_no_halt() {
        let m = Metrics::new();
        assert!(m.health().is_err());
        m.checked(Duration::from_secs(60));
        assert_eq!(m.health(), Ok(()));
        m.set_halted(Some("legs unbalanced".into()));
        assert_eq!(m.health(), Err("HALTED: legs unbalanced".to_string()));
        m.set_halted(None);
        m.checked(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(5));
        assert!(m
            .health()
            .is_err_and(|r| r.contains("last successful check")));
    }
}
