//! The HTML report of a backtest or of the live bot's history (issue 18): one
//! self-contained file, no network, no script, no external CSS or font, the charts drawn as
//! inline SVG by hand.
//!
//! - [`input`]: what the report shows ([`ReportInput`]), serialisable; a backtest result
//!   and the bot's state file map onto it ([`from_backtest`], [`from_state`]).
//! - [`render`]: the page: summary table (the run beside its baselines), cumulative net PnL
//!   with the baselines (lines), funding settled against expected per cycle (paired bars),
//!   fees per cycle, time in market per symbol, the sweep as a heat map, the cycles table.
//!
//! The page is written as XHTML (every element closed, attributes quoted, text escaped) so
//! that it parses as XML: the tests parse it and count each chart's marks against the input.
//! [`write_report`] writes it atomically (a temporary file renamed over the target).

mod charts;
pub mod from_backtest;
pub mod from_state;
mod heatmap;
pub mod input;
mod svg;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_backtest;

pub use input::{
    CycleRow, LegAmount, PnlPoint, PnlSeries, ReportInput, RunSummary, SweepGrid, SweepRun,
    SymbolTime,
};

use charts::{BarGroup, BarSeries};
use rust_decimal::Decimal;
use std::fmt::Write;
use std::path::Path;
use svg::{esc, money, num, pct};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Example: `--report /nonexistent/dir/report.html`.
    #[error("cannot write the report {path}: {message}")]
    Write {
        /// The target.
        path: String,
        /// The I/O error.
        message: String,
    },
}

/// Ids of the charts, in page order (the sweep only when there is one).
pub const CHART_IDS: [&str; 5] = [
    "chart-pnl",
    "chart-funding",
    "chart-fees",
    "chart-time",
    "chart-sweep",
];

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
margin:24px auto;max-width:1000px;color:#111827;background:#ffffff}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}\
p.meta{color:#4b5563;margin:2px 0}ul.notes{color:#92400e}\
table{border-collapse:collapse;font-size:13px;margin:8px 0}\
th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:right;white-space:nowrap}\
th:first-child,td:first-child{text-align:left}td.text{text-align:left}\
td.neg{color:#b91c1c}td.pos{color:#15803d}\
svg.chart{display:block;margin:8px 0;background:#fafafa;border:1px solid #e5e7eb}\
svg text{font-size:11px;fill:#374151}svg .chart-title{font-size:14px;font-weight:600}\
svg .axis-label{font-size:12px;fill:#111827}svg .grid{stroke:#e5e7eb}\
svg .grid.zero{stroke:#6b7280}svg .tick-mark{stroke:#6b7280}\
svg .empty{font-size:14px;fill:#6b7280}svg .cell-label{font-size:11px;fill:#111827}\
svg .note{font-size:12px;fill:#4b5563}";

/// The whole page.
pub fn render(input: &ReportInput) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let q = input.quote.as_str();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head>\
         <meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width\"/>\
         <title>{}</title><style>{STYLE}</style></head><body>",
        esc(&input.title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"meta\">{}</p>",
        esc(&input.title),
        esc(&input.source)
    );
    if let (Some(f), Some(t)) = (input.from, input.to) {
        let _ = write!(
            out,
            "<p class=\"meta\">Period: {} to {} UTC ({} days)</p>",
            f.format("%Y-%m-%d %H:%M"),
            t.format("%Y-%m-%d %H:%M"),
            num(
                Decimal::from((t - f).num_minutes()) / Decimal::from(1440),
                1
            )
        );
    }
    let _ = write!(
        out,
        "<p class=\"meta\">Written {} UTC. Amounts in {}.</p>",
        input.generated_at.format("%Y-%m-%d %H:%M:%S"),
        esc(q)
    );
    if !input.notes.is_empty() {
        out.push_str("<ul class=\"notes\">");
        for n in &input.notes {
            let _ = write!(out, "<li>{}</li>", esc(n));
        }
        out.push_str("</ul>");
    }
    summary_table(&mut out, input);
    out.push_str("<h2>Cumulative net PnL</h2>");
    out.push_str(&charts::pnl_lines(
        CHART_IDS[0],
        if input.pnl.iter().any(|s| s.baseline) {
            "Cumulative net PnL with the baselines"
        } else {
            "Cumulative net PnL"
        },
        &input.pnl,
        q,
    ));
    let groups = |f: &dyn Fn(&CycleRow) -> Vec<Option<Decimal>>| -> Vec<BarGroup> {
        input
            .cycles
            .iter()
            .map(|c| BarGroup {
                label: format!("#{}", c.number),
                tip: format!("cycle {} {}", c.number, c.symbol),
                values: f(c),
            })
            .collect()
    };
    out.push_str("<h2>Funding per cycle</h2>");
    out.push_str(&charts::bars(
        CHART_IDS[1],
        "Funding settled against funding expected at entry, per cycle",
        &[
            BarSeries {
                name: "settled",
                colour: "#2563eb",
                class: "settled",
            },
            BarSeries {
                name: "expected at entry",
                colour: "#9ca3af",
                class: "expected",
            },
        ],
        &groups(&|c| vec![c.funding_settled, c.funding_expected]),
        q,
    ));
    out.push_str("<h2>Costs per cycle</h2>");
    let with_slippage = input.cycles.iter().any(|c| c.slippage.is_some());
    let mut cost_series = vec![BarSeries {
        name: "fees",
        colour: "#d97706",
        class: "fee",
    }];
    if with_slippage {
        cost_series.push(BarSeries {
            name: "slippage",
            colour: "#7c3aed",
            class: "slippage",
        });
    }
    out.push_str(&charts::bars(
        CHART_IDS[2],
        if with_slippage {
            "Fees and slippage paid per cycle"
        } else {
            "Fees paid per cycle"
        },
        &cost_series,
        &groups(&|c| {
            let mut v = vec![c.fees];
            if with_slippage {
                v.push(c.slippage);
            }
            v
        }),
        q,
    ));
    out.push_str("<h2>Time in market per symbol</h2>");
    let period_h = match (input.from, input.to) {
        (Some(f), Some(t)) if t > f => {
            Some(Decimal::from((t - f).num_minutes()) / Decimal::from(60))
        }
        _ => None,
    };
    let rows: Vec<(String, Decimal, String)> = input
        .time_in_market
        .iter()
        .map(|s| {
            let share = period_h
                .map(|p| format!(" ({})", pct(Some(s.hours * Decimal::ONE_HUNDRED / p))))
                .unwrap_or_default();
            (
                s.symbol.clone(),
                s.hours,
                format!("{} h{share}", num(s.hours, 1)),
            )
        })
        .collect();
    out.push_str(&charts::hbars(
        CHART_IDS[3],
        "Hours with a hedge held, per symbol",
        &rows,
        "hours",
    ));
    if let Some(sweep) = &input.sweep {
        out.push_str("<h2>Sweep</h2>");
        out.push_str(&heatmap::heat_map(
            CHART_IDS[4],
            "Net PnL of every combination swept",
            sweep,
            q,
        ));
    }
    cycles_table(&mut out, input);
    out.push_str("</body></html>\n");
    out
}

fn td(text: String) -> String {
    format!("<td>{text}</td>")
}

fn signed_cell(v: Option<Decimal>) -> String {
    let cls = match v {
        Some(v) if v.is_sign_negative() && !v.is_zero() => " class=\"neg\"",
        Some(v) if !v.is_zero() => " class=\"pos\"",
        _ => "",
    };
    format!("<td{cls}>{}</td>", money(v))
}

fn summary_table(out: &mut String, input: &ReportInput) {
    out.push_str("<h2>Summary</h2>");
    if input.summaries.is_empty() {
        out.push_str("<p class=\"meta\">No summary.</p>");
        return;
    }
    out.push_str("<table id=\"summary\"><thead><tr><th></th>");
    for s in &input.summaries {
        let _ = write!(out, "<th>{}</th>", esc(&s.name));
    }
    out.push_str("</tr></thead><tbody>");
    // (label, in the quote currency, cell)
    type Row = (&'static str, bool, fn(&RunSummary) -> String);
    let rows: [Row; 10] = [
        ("Net PnL", true, |s| signed_cell(s.net_pnl)),
        ("Net APR on capital used", false, |s| td(pct(s.apr_pct))),
        ("Funding settled", true, |s| signed_cell(s.funding)),
        ("Fees paid", true, |s| td(money(s.fees))),
        ("Slippage paid", true, |s| td(money(s.slippage))),
        ("Price PnL of the legs", true, |s| signed_cell(s.price_pnl)),
        ("Max drawdown", true, |s| td(money(s.max_drawdown))),
        ("Time in market", false, |s| td(pct(s.time_in_market_pct))),
        ("Cycles", false, |s| {
            td(s.cycles.map_or_else(|| "n/a".into(), |c| c.to_string()))
        }),
        ("Win rate", false, |s| td(pct(s.win_rate_pct))),
    ];
    for (label, money_row, cell) in rows {
        if money_row {
            let _ = write!(out, "<tr><td>{label} ({})</td>", esc(&input.quote));
        } else {
            let _ = write!(out, "<tr><td>{label}</td>");
        }
        for s in &input.summaries {
            out.push_str(&cell(s));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn cycles_table(out: &mut String, input: &ReportInput) {
    out.push_str("<h2>Cycles</h2>");
    if input.cycles.is_empty() {
        out.push_str("<p class=\"meta\">No completed cycle.</p>");
        return;
    }
    out.push_str(
        "<table id=\"cycles\"><thead><tr><th>#</th><th>symbol</th><th>long / short</th>\
         <th>opened</th><th>closed</th><th>hold h</th><th>funding per leg</th>\
         <th>funding</th><th>expected</th><th>fees</th><th>slippage</th><th>net</th>\
         <th>capture</th><th>close reason</th></tr></thead><tbody>",
    );
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "n/a".into(), |t| t.format("%m-%d %H:%M").to_string())
    };
    for c in &input.cycles {
        let legs = c
            .funding_legs
            .iter()
            .map(|l| format!("{} {}", esc(&l.venue), num(l.amount, 2)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{} / {}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td>{}<td>{}</td>\
             <td>{}</td><td>{}</td>{}<td>{}</td><td class=\"text\">{}</td></tr>",
            c.number,
            esc(&c.symbol),
            esc(&c.long_venue),
            esc(&c.short_venue),
            time(c.opened_at),
            time(c.closed_at),
            c.hold_hours.map_or_else(|| "n/a".into(), |h| num(h, 1)),
            if legs.is_empty() { "n/a".into() } else { legs },
            signed_cell(c.funding_settled),
            money(c.funding_expected),
            money(c.fees),
            money(c.slippage),
            signed_cell(c.net),
            c.capture_ratio.map_or_else(
                || "n/a".into(),
                |r| format!("{} %", num(r * Decimal::ONE_HUNDRED, 0))
            ),
            esc(c.close_reason.as_deref().unwrap_or("n/a")),
        );
    }
    out.push_str("</tbody></table>");
}

/// Writes the report to `path` atomically: a temporary file beside it, then a rename, so a
/// reader never sees half a page.
pub fn write_report(path: &Path, input: &ReportInput) -> Result<(), ReportError> {
    let err = |e: std::io::Error| ReportError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report.html".into());
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, render(input)).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}
