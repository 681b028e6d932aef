//! `status`: renders `hedge_engine::report::status::StatusReport` (text or `--json`) and maps
//! it to the exit code (3 while an operator must look).

use crate::cmd_read::{kind, mode, rfail, A, B};
use crate::ctx::Ctx;
use crate::render::{self, boxed, js, js_opt, money, opt, size};
use crate::{code, Failure};
use hedge_engine::analysis::StatusWarning;
use hedge_engine::report::status::{status as build, OpenedSource, StatusReport};
use hedge_engine::report::Fetched;
use serde_json::{json, Value};

pub async fn status(ctx: &Ctx) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    let r = build(
        &ctx.venue(A),
        &ctx.venue(B),
        &cfg.symbol,
        &ctx.wiring.engine,
    )
    .await
    .map_err(rfail)?;
    let exit = if r.needs_attention() {
        code::NOT_HEDGED
    } else {
        code::OK
    };
    if ctx.json {
        print_json(ctx, &r);
    } else {
        print_text(ctx, &r);
    }
    Ok(exit)
}

fn print_json(ctx: &Ctx, r: &StatusReport) {
    let positions: Vec<Value> = r
        .analysis
        .legs
        .iter()
        .filter(|l| !l.size.is_zero())
        .map(|l| json!({"venue": l.venue, "symbol": r.symbol, "size": js(l.size)}))
        .collect();
    let opened: Vec<Value> = r
        .legs
        .iter()
        .filter_map(|l| l.opened.as_ref().map(|o| (l, o)))
        .map(|(l, o)| json!({"venue": l.venue, "opened": o}))
        .collect();
    render::print_json(&json!({
        "mode": mode(ctx),
        "symbol": r.symbol,
        "positions": positions,
        "opened": opened,
        "halted": r.halt.is_some(),
        "halt": r.halt,
        "state_file": r.state_file,
        "unfinished_operations": r.unfinished,
        "hedged": r.analysis.hedged,
        "flat": r.analysis.flat,
        "analysis": r.analysis,
        "funding_total": js_opt(r.funding_total),
    }));
}

/// "3d 04h 12m", "2h 05m", "7m 30s".
fn held(seconds: i64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    if d > 0 {
        format!("{d}d {h:02}h {m:02}m")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else {
        format!("{m}m {s:02}s")
    }
}

fn print_text(ctx: &Ctx, r: &StatusReport) {
    let cfg = ctx.cfg();
    let sym = r.symbol.as_str();
    let st = &r.analysis;
    crate::outln!(
        "{}Fetching contract/market info... {:.2}s",
        ctx.tag(),
        r.timings.markets.as_secs_f64()
    );
    crate::outln!(
        "{}Fetching prices and positions... {:.2}s",
        ctx.tag(),
        r.timings.positions.as_secs_f64()
    );
    crate::outln!("{}State: {}", ctx.tag(), r.state_file);
    for e in &r.unfinished {
        crate::outln!(
            "{}*** UNFINISHED operation {} ({} {}, started {}, {} order(s) journaled): \
             run `hedge-cli recover` (every trading command does it first) ***",
            ctx.tag(),
            e.operation,
            e.kind,
            e.symbol,
            render::time(e.started_at),
            e.orders.len()
        );
    }
    if let Some(h) = &r.halt {
        crate::outln!(
            "{}*** HALTED since {}: {} ***\n    Check both venues, then run `hedge-cli resume`.",
            ctx.tag(),
            render::time(h.since),
            h.reason
        );
    }
    let mut rows = vec![
        ("Market".into(), format!("{}/{}", sym, cfg.quote)),
        ("Mid price".into(), opt(st.average_mid, money)),
        ("Configured leverage".into(), format!("{}x", cfg.leverage)),
    ];
    let mut journal_times = Vec::new();
    for (leg, sl) in st.legs.iter().zip(&r.legs) {
        let name = kind(&leg.venue);
        rows.push((
            format!("{name} size"),
            format!("{} {} ({:?})", size(leg.size), sym, leg.direction),
        ));
        rows.push((format!("{name} notional"), opt(leg.notional, money)));
        rows.push((
            format!("{name} uPnL"),
            format!(
                "{} ({})",
                opt(leg.unrealized_pnl, money),
                opt(leg.pnl_percent, |p| format!("{}%", money(p)))
            ),
        ));
        if let Some(o) = &sl.opened {
            let label = match o.source {
                OpenedSource::Venue => format!("{name} opened"),
                OpenedSource::Journal { .. } => {
                    journal_times.push(name);
                    format!("{name} opened (journal)")
                }
            };
            rows.push((
                label,
                format!("{} (held {})", render::time(o.at), held(o.held_seconds)),
            ));
        } else if !leg.size.is_zero() {
            journal_times.push(name);
            rows.push((
                format!("{name} opened"),
                "unknown (no journaled operation opened it)".into(),
            ));
        }
    }
    rows.push((
        "Hedged".into(),
        if st.hedged {
            "yes".into()
        } else if st.flat {
            "flat".into()
        } else {
            "NO".into()
        },
    ));
    rows.push(("Quality".into(), opt(st.quality, |q| format!("{q:?}"))));
    rows.push((
        "Net exposure".into(),
        format!(
            "{} {} (~{} {})",
            size(st.net_exposure),
            sym,
            opt(st.net_exposure_quote, money),
            cfg.quote
        ),
    ));
    for sl in &r.legs {
        let name = kind(&sl.venue);
        match &sl.funding {
            Some(Fetched::Ok(f)) => rows.push((
                format!("{name} funding"),
                format!(
                    "{} {} ({} payment{})",
                    money(f.amount),
                    cfg.quote,
                    f.payments,
                    if f.payments == 1 { "" } else { "s" }
                ),
            )),
            Some(Fetched::Failed(e)) => rows.push((
                format!("{name} funding"),
                format!("could not retrieve: {e}"),
            )),
            None => {}
        }
    }
    if !st.flat {
        rows.push((
            "Net funding".into(),
            match r.funding_total {
                Some(t) => format!("{} {}", money(t), cfg.quote),
                None => "unknown (a venue's funding could not be read)".into(),
            },
        ));
        rows.push(("Fees (open + est. close)".into(), opt(r.fees_total, money)));
        if r.fees_total.is_some() {
            rows.push(("Funding - fees".into(), opt(r.funding_minus_fees, money)));
            if st.total_unrealized_pnl.is_some() {
                rows.push(("Funding + uPnL - fees".into(), opt(r.net_pnl, money)));
            }
        }
    }
    crate::outln!("{}", boxed(&format!("{}STATUS", ctx.tag()), rows));
    if !journal_times.is_empty() {
        let names: Vec<String> = journal_times.iter().map(|k| k.to_string()).collect();
        crate::outln!(
            "{}note: {} {} not report when a position opened; \"opened (journal)\" is the \
             start of this tool's operation that opened it, and funding is counted from then",
            ctx.tag(),
            names.join(" and "),
            if names.len() > 1 { "do" } else { "does" }
        );
    }
    for w in &st.warnings {
        match w {
            StatusWarning::OneSided { venue } => {
                crate::outln!("{}WARNING: position on {venue} only: UNHEDGED", ctx.tag())
            }
            StatusWarning::SameDirection => {
                crate::outln!("{}WARNING: both legs in the same direction", ctx.tag())
            }
            StatusWarning::Imbalanced { difference } => crate::outln!(
                "{}WARNING: legs imbalanced by {} {sym} ({} holds more)",
                ctx.tag(),
                size(difference.abs()),
                // difference = |leg A| - |leg B|
                kind(&st.legs[if difference.is_sign_negative() { 1 } else { 0 }].venue)
            ),
        }
    }
}
