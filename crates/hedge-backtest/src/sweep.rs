//! `--sweep KEY=V1,V2,... [KEY=...]`: every combination of the given config values, replayed
//! in parallel on `std::thread::scope` workers (one per core by default), ranked by net PnL.
//!
//! The keys are bot config keys; turning a combination into a [`ReplayConfig`] is the
//! caller's (the binary applies them as `--set KEY=VALUE` layers on the bot config, so a
//! sweep is validated exactly like a run). A combination the config refuses is kept in the
//! output with its error and ranked last.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::data::FundingData;
use crate::replay::{run, ReplayConfig};
use crate::result::{SweepResult, SweepRow};

/// A `--sweep` argument that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--sweep {spec:?}: {detail}")]
pub struct SweepSpecError {
    /// The argument as given.
    pub spec: String,
    /// What is wrong.
    pub detail: String,
}

/// One combination: its (key, value) pairs, in the order given.
pub type Params = Vec<(String, String)>;

/// A combination and its replay config (or why the config refused it).
pub type SweepJob = (Params, Result<ReplayConfig, String>);

/// Largest number of combinations one sweep runs.
pub const MAX_COMBINATIONS: usize = 10_000;

/// Parses `KEY=V1,V2,...` arguments into (key, values), in the order given.
pub fn parse_specs(specs: &[String]) -> Result<Vec<(String, Vec<String>)>, SweepSpecError> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for spec in specs {
        let err = |detail: &str| SweepSpecError {
            spec: spec.clone(),
            detail: detail.to_string(),
        };
        let (key, values) = spec
            .split_once('=')
            .ok_or_else(|| err("expected KEY=V1,V2,..."))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(err("empty key"));
        }
        if out.iter().any(|(k, _)| k == key) {
            return Err(err("key given twice"));
        }
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(err("empty value"));
        }
        out.push((key.to_string(), values));
    }
    let total = out
        .iter()
        .try_fold(1usize, |n, (_, v)| n.checked_mul(v.len()))
        .unwrap_or(usize::MAX);
    if total > MAX_COMBINATIONS {
        return Err(SweepSpecError {
            spec: specs.join(" "),
            detail: format!("{total} combinations, at most {MAX_COMBINATIONS}"),
        });
    }
    Ok(out)
}

/// Every combination (the first key varies slowest), each as (key, value) pairs.
pub fn combinations(keys: &[(String, Vec<String>)]) -> Vec<Params> {
    let mut out: Vec<Params> = vec![Vec::new()];
    for (key, values) in keys {
        let mut next = Vec::with_capacity(out.len() * values.len());
        for prefix in &out {
            for v in values {
                let mut c = prefix.clone();
                c.push((key.clone(), v.clone()));
                next.push(c);
            }
        }
        out = next;
    }
    out
}

/// The default worker count: one per core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Replays every combination on `threads` workers and ranks them by net PnL (highest
/// first; ties keep the combination order; refused combinations last). `progress` is called
/// after each finished combination with (done, total).
pub fn run_sweep(
    data: &FundingData,
    keys: Vec<String>,
    combos: Vec<SweepJob>,
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> SweepResult {
    let total = combos.len();
    let threads = threads.clamp(1, total.max(1));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<SweepRow>>> = Mutex::new(vec![None; total]);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((params, cfg)) = combos.get(i) else {
                    break;
                };
                let (summary, error) = match cfg {
                    Ok(cfg) => match run(data, cfg) {
                        Ok(r) => (Some(r.summary), None),
                        Err(e) => (None, Some(e.to_string())),
                    },
                    Err(e) => (None, Some(e.clone())),
                };
                let row = SweepRow {
                    rank: 0,
                    params: params.clone(),
                    summary,
                    error,
                };
                if let Ok(mut s) = slots.lock() {
                    s[i] = Some(row);
                }
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            });
        }
    });
    let mut rows: Vec<SweepRow> = slots
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect();
    // Stable: ties keep the combination order.
    rows.sort_by(|a, b| match (&a.summary, &b.summary) {
        (Some(x), Some(y)) => y.net_pnl_usd.cmp(&x.net_pnl_usd),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    SweepResult {
        keys,
        rows,
        threads,
    }
}
