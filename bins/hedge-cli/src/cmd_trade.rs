//! Trading commands: open, close, test_leverage, test, test_auto, resume.

use crate::args::LegMode as CliLegMode;
use crate::ctx::Ctx;
use crate::render::{self, boxed, grid, js, money, opt, size};
use crate::{code, Failure};
use hedge_app::venues::VenueKind;
use hedge_engine::ids::LegRole;
use hedge_engine::pricing::PricingPolicy;
use hedge_engine::protocol::{
    CloseReport, CloseRequest, CloseResult, EngineError, HedgeResult, LegMode, OpenReport,
    OpenRequest, OrderExecution, RecoveryReport,
};
use hedge_engine::sizing::SizeRequest;
use rust_decimal::Decimal;
use serde_json::json;
use std::time::Duration;

/// Exit code of an engine refusal (nothing was sent).
pub fn engine_failure(e: EngineError) -> Failure {
    let code = match &e {
        EngineError::Halted { .. } | EngineError::StateMissing(_) => code::NOT_HEDGED,
        EngineError::PositionsExist { balanced, .. } => {
            if *balanced {
                code::NOTHING_OPENED
            } else {
                code::NOT_HEDGED
            }
        }
        EngineError::Venue {
            source: venue_api::VenueError::UnknownMarket(_),
            ..
        } => code::CONFIG_ERROR,
        EngineError::Venue { .. }
        | EngineError::State(_)
        | EngineError::Internal(_)
        | EngineError::Locked(_) => code::VENUE_ERROR,
        _ => code::NOTHING_OPENED,
    };
    Failure {
        code,
        message: e.to_string(),
    }
}

/// Runs recovery (under the account lock) and prints its block; every trading command
/// calls it first. Returns the report (its HALT and unresolved operations decide later
/// refusals inside the engine).
pub async fn recover_and_print(ctx: &Ctx) -> Result<RecoveryReport, Failure> {
    let venues = [ctx.wiring.edgex.clone(), ctx.wiring.lighter.clone()];
    let rec = ctx
        .wiring
        .engine
        .recover(&venues)
        .await
        .map_err(engine_failure)?;
    if !ctx.json {
        print_recovery(ctx, &rec);
    }
    Ok(rec)
}

/// The recovery block: the state file, and each unfinished operation found.
pub fn print_recovery(ctx: &Ctx, rec: &RecoveryReport) {
    if rec.operations.is_empty() {
        crate::outln!(
            "{}State: {} (no unfinished operation)",
            ctx.tag(),
            rec.state_file
        );
        return;
    }
    crate::outln!(
        "{}RECOVERY: {} unfinished operation(s) found in {}",
        ctx.tag(),
        rec.operations.len(),
        rec.state_file
    );
    for op in &rec.operations {
        let orders: Vec<String> = op
            .orders
            .iter()
            .map(|o| {
                format!(
                    "{} {:?} {}{} {:?} filled {}{}",
                    o.venue,
                    o.side,
                    size(o.size),
                    if o.reduce_only { " RO" } else { "" },
                    o.outcome,
                    size(o.filled_size),
                    if o.found { "" } else { " (not found)" }
                )
            })
            .collect();
        let positions: Vec<String> = op
            .positions
            .iter()
            .map(|p| format!("{} {}", p.venue, opt(p.size, size)))
            .collect();
        crate::outln!(
            "  operation {} ({} {}, started {}): orders: {}; positions: {} -> {}",
            op.operation,
            op.kind,
            op.symbol,
            render::time(op.started_at),
            if orders.is_empty() {
                "none sent".into()
            } else {
                orders.join(", ")
            },
            if positions.is_empty() {
                "not read".into()
            } else {
                positions.join(", ")
            },
            match &op.outcome {
                Some(o) => o.to_string(),
                None => "UNRESOLVED (HALTED; retried by the next command)".into(),
            }
        );
    }
    if let Some(h) = &rec.halted {
        crate::outln!(
            "{}*** HALTED since {}: {} ***",
            ctx.tag(),
            render::time(h.since),
            h.reason
        );
    }
}

fn policy(cross_ticks: u32) -> PricingPolicy {
    PricingPolicy {
        cross_ticks,
        ..PricingPolicy::default()
    }
}

pub struct OpenArgs {
    pub size: SizeRequest,
    pub cross_ticks: u32,
    pub leg_mode: CliLegMode,
    pub dry_run: bool,
    pub add: bool,
}

pub async fn open(ctx: &Ctx, a: OpenArgs) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    if !a.dry_run {
        let what = match a.size {
            SizeRequest::Base(b) => format!(
                "open {} {} long on {} / short on {}",
                b, cfg.symbol, cfg.long_exchange, cfg.short_exchange
            ),
            SizeRequest::Quote(q) => format!(
                "open {} {} of {} long on {} / short on {}",
                q, cfg.quote, cfg.symbol, cfg.long_exchange, cfg.short_exchange
            ),
        };
        ctx.confirm(&what)?;
        recover_and_print(ctx).await?;
    }
    let req = OpenRequest {
        symbol: cfg.symbol.clone(),
        venues: ctx.legs(),
        leverage: cfg.leverage,
        size: a.size,
        pricing: policy(a.cross_ticks),
        leg_mode: match a.leg_mode {
            CliLegMode::Concurrent => LegMode::Concurrent,
            // The pilot is the venue whose orders can rest unnoticed: Lighter's fills show late,
            // so it goes first and the other leg follows its actual fill.
            CliLegMode::Sequential => LegMode::Sequential {
                pilot: if cfg.long_exchange == VenueKind::Lighter {
                    LegRole::Long
                } else {
                    LegRole::Short
                },
            },
        },
        dry_run: a.dry_run,
        add: a.add,
    };
    let report = ctx.wiring.engine.open(&req).await.map_err(engine_failure)?;
    let exit = match &report.result {
        HedgeResult::Hedged { size, requested } if size < requested => code::SMALLER_HEDGE,
        HedgeResult::Hedged { .. } | HedgeResult::DryRun => code::OK,
        HedgeResult::NothingOpened { .. } => code::NOTHING_OPENED,
        HedgeResult::Halted { .. } => code::NOT_HEDGED,
    };
    print_open(ctx, &report, matches!(req.size, SizeRequest::Quote(_)));
    if !ctx.json {
        if let Some(note) = cross_ticks_note(&report.plan, &req.pricing) {
            crate::outln!("{}{note}", ctx.tag());
        }
    }
    Ok(exit)
}

/// Says when `--cross-ticks` asks for more than the slippage cap allows (the limit price is
/// capped, cli-qa 4.7): ticks x tick size beyond `max_slippage_bps` of the mid on a leg.
fn cross_ticks_note(
    plan: &hedge_engine::protocol::OpenPlan,
    policy: &PricingPolicy,
) -> Option<String> {
    let cap = plan.mid * policy.max_slippage_bps / Decimal::from(10_000);
    let ticks = Decimal::from(policy.cross_ticks);
    let capped = [&plan.long_market, &plan.short_market]
        .iter()
        .any(|m| ticks * m.tick_size > cap);
    capped.then(|| {
        format!(
            "note: --cross-ticks {} is beyond the {} bps slippage cap; the limit prices were capped \
             at {} bps from the book",
            policy.cross_ticks, policy.max_slippage_bps, policy.max_slippage_bps
        )
    })
}

/// Said once under an order table when a filled order has no fee: the venue (Lighter) does
/// not report a fee per order (D12).
fn print_fee_note(orders: &[OrderExecution]) {
    let fills = orders
        .iter()
        .map(|o| (o.venue.as_str(), o.fee.is_some(), !o.filled_size.is_zero()));
    if let Some(note) = fee_note(fills) {
        crate::outln!("{note}");
    }
}

/// The one line naming the venues whose filled orders came without a fee, if any, from
/// (venue, fee known, filled) per order.
fn fee_note<'a>(orders: impl Iterator<Item = (&'a str, bool, bool)>) -> Option<String> {
    let mut venues: Vec<&str> = Vec::new();
    for (venue, fee_known, filled) in orders {
        if !fee_known && filled && !venues.contains(&venue) {
            venues.push(venue);
        }
    }
    (!venues.is_empty()).then(|| {
        format!(
            "Fee n/a: {} {} not report the fee of an order",
            venues.join(" and "),
            if venues.len() > 1 { "do" } else { "does" }
        )
    })
}

/// The reason of every order that did not simply fill (D12: a refusal, a lost answer looked
/// up, a timeout), one line per order under the table.
fn print_order_notes(orders: &[OrderExecution]) {
    print_fee_note(orders);
    for o in orders {
        if let Some(e) = &o.error {
            crate::outln!(
                "  {} {:?} (client id {}): {e}",
                o.venue,
                o.purpose,
                o.request.client_id
            );
        }
    }
}

fn order_rows(orders: &[OrderExecution]) -> Vec<Vec<String>> {
    orders
        .iter()
        .map(|o| {
            vec![
                o.venue.clone(),
                format!("{:?}", o.purpose),
                format!(
                    "{:?}{}",
                    o.request.side,
                    if o.request.reduce_only { " RO" } else { "" }
                ),
                size(o.request.size),
                o.request.price.to_string(),
                format!("{:?}", o.outcome),
                size(o.filled_size),
                opt(o.avg_fill_price, |p| p.to_string()),
                match o.fee {
                    Some(f) => money(f),
                    None if o.filled_size.is_zero() => "-".into(),
                    None => "n/a".into(),
                },
                format!("{} us", o.signing_us),
                opt(o.ack_us, render::millis),
                opt(o.final_us, render::millis),
            ]
        })
        .collect()
}

const ORDER_HEADER: [&str; 12] = [
    "Venue",
    "Purpose",
    "Side",
    "Size",
    "Price",
    "Outcome",
    "Filled",
    "Fill price",
    "Fee",
    "Signing",
    "Ack",
    "Final",
];

/// `converted`: the size was asked in the quote currency (the mid used is shown).
fn print_open(ctx: &Ctx, r: &OpenReport, converted: bool) {
    if ctx.json {
        render::print_json(&json!({
            "mode": if ctx.paper() { "paper" } else { "live" },
            "report": r,
            "size": js(r.plan.size),
            "leg_skew_us": r.leg_skew_us,
            "naked_ms": r.naked_ms,
            "state_file": ctx.wiring.engine.state_location(),
        }));
        return;
    }
    let cfg = ctx.cfg();
    let p = &r.plan;
    crate::outln!(
        "{}",
        boxed(
            &format!("{}OPEN {}/{}", ctx.tag(), r.symbol, cfg.quote),
            vec![
                (
                    "Size per leg".into(),
                    format!(
                        "{} {} (~{} {})",
                        size(p.size),
                        r.symbol,
                        money(p.size * p.mid),
                        cfg.quote
                    )
                ),
                (
                    "Requested".into(),
                    if converted {
                        format!(
                            "{} {} (converted at mid {} {})",
                            size(p.requested_base),
                            r.symbol,
                            p.mid.round_dp(6).normalize(),
                            cfg.quote
                        )
                    } else {
                        format!("{} {}", size(p.requested_base), r.symbol)
                    }
                ),
                (
                    "Leverage".into(),
                    if matches!(r.result, HedgeResult::DryRun) {
                        format!("{}x (not set by a dry run)", p.leverage)
                    } else {
                        format!("{}x (set and read back on both venues)", p.leverage)
                    }
                ),
                (
                    format!("{} step", r.long_venue),
                    p.long_market.step_size.to_string()
                ),
                (
                    format!("{} step", r.short_venue),
                    p.short_market.step_size.to_string()
                ),
                ("Common step used".into(), p.common_step.to_string()),
                (
                    "Long".into(),
                    format!("{} buy @ {}", r.long_venue, p.long_price)
                ),
                (
                    "Short".into(),
                    format!("{} sell @ {}", r.short_venue, p.short_price)
                ),
            ]
        )
    );
    if matches!(r.result, HedgeResult::DryRun) {
        crate::outln!("{}DRY RUN: signed, not sent:", ctx.tag());
        for preview in &p.previews {
            crate::outln!("  {preview}");
        }
        for w in &r.warnings {
            crate::outln!("{}WARNING: {w}", ctx.tag());
        }
        return;
    }
    crate::outln!("{}", grid(ORDER_HEADER.to_vec(), order_rows(&r.orders)));
    print_order_notes(&r.orders);
    if let Some(skew) = r.leg_skew_us {
        crate::outln!(
            "Leg skew: {skew} us; both acknowledged after {}; both final after {}",
            opt(r.both_acked_us, render::millis),
            opt(r.both_final_us, render::millis)
        );
    }
    crate::outln!("Naked leg time: {} ms", r.naked_ms);
    if let Some(after) = r.positions_after {
        crate::outln!(
            "{}",
            grid(
                vec!["Verification", "Position"],
                vec![
                    vec![r.long_venue.clone(), size(after.long)],
                    vec![r.short_venue.clone(), size(after.short)]
                ]
            )
        );
    }
    for w in &r.warnings {
        crate::outln!("{}WARNING: {w}", ctx.tag());
    }
    match &r.result {
        HedgeResult::Hedged { size: s, requested } => {
            crate::outln!("{}HEDGE OPENED: {} {} long on {}, short on {}", ctx.tag(), size(*s), r.symbol, r.long_venue, r.short_venue);
            if let (Some(b), Some(a)) = (r.positions_before, r.positions_after) {
                if !b.long.is_zero() {
                    crate::outln!("{}added {} to the existing hedge of {}: total {} {}", ctx.tag(), size(*s), size(b.long), size(a.long), r.symbol);
                }
            }
            if s < requested {
                crate::outln!("{}note: filled {} of the {} requested (both legs equal)", ctx.tag(), size(*s), size(*requested));
            }
        }
        HedgeResult::NothingOpened { reason } => crate::outln!("{}NOTHING OPENED: {reason}", ctx.tag()),
        HedgeResult::Halted { reason } => crate::outln!(
            "{}HALTED: {reason}\nA leg may be open without its hedge. Check both venues, close by hand if needed, then run `hedge-cli resume`.",
            ctx.tag()
        ),
        HedgeResult::DryRun => {}
    }
}

pub async fn close(
    ctx: &Ctx,
    cross_ticks: u32,
    dry_run: bool,
    leg: Option<&str>,
) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    let only = match leg {
        None => None,
        Some(v) => {
            let kind = v.parse::<VenueKind>().map_err(|_| {
                Failure::usage(format!("--leg must be edgex or lighter, got {v:?}"))
            })?;
            Some(if kind == cfg.long_exchange {
                LegRole::Long
            } else {
                LegRole::Short
            })
        }
    };
    if !dry_run {
        ctx.confirm(&match leg {
            Some(v) => format!("close the {} leg on {v} alone", cfg.symbol),
            None => format!("close both {} legs", cfg.symbol),
        })?;
        recover_and_print(ctx).await?;
    }
    let req = CloseRequest {
        symbol: cfg.symbol.clone(),
        venues: ctx.legs(),
        pricing: policy(cross_ticks),
        dry_run,
        only,
    };
    let r = ctx.wiring.engine.close(&req).await.map_err(|e| {
        let f = engine_failure(e);
        Failure {
            code: if f.code == code::NOTHING_OPENED {
                code::VENUE_ERROR
            } else {
                f.code
            },
            message: f.message,
        }
    })?;
    print_close(ctx, &r);
    Ok(match r.result {
        CloseResult::Flat { .. } | CloseResult::DryRun => code::OK,
        CloseResult::Remaining { .. }
        | CloseResult::Halted { .. }
        | CloseResult::NothingSent { .. } => code::NOT_HEDGED,
    })
}

fn print_close(ctx: &Ctx, r: &CloseReport) {
    if ctx.json {
        render::print_json(&json!({
            "mode": if ctx.paper() { "paper" } else { "live" },
            "report": r,
            "naked_ms": r.naked_ms,
            "state_file": ctx.wiring.engine.state_location(),
        }));
        return;
    }
    if let Some(b) = r.positions_before {
        crate::outln!(
            "{}",
            grid(
                vec!["Before close", "Position"],
                vec![
                    vec![r.venues[0].clone(), size(b.long)],
                    vec![r.venues[1].clone(), size(b.short)]
                ]
            )
        );
    }
    if matches!(r.result, CloseResult::DryRun) {
        crate::outln!("{}DRY RUN: signed, not sent:", ctx.tag());
        for p in &r.previews {
            crate::outln!("  {p}");
        }
        return;
    }
    if !r.orders.is_empty() {
        crate::outln!("{}", grid(ORDER_HEADER.to_vec(), order_rows(&r.orders)));
        print_order_notes(&r.orders);
    }
    // D1: after a failed read the table says "unknown", never the sizes before the close.
    let after = |f: fn(&hedge_engine::protocol::PairPositions) -> Decimal| {
        r.positions_after
            .map(|a| size(f(&a)))
            .unwrap_or_else(|| "unknown".into())
    };
    crate::outln!(
        "{}",
        grid(
            vec!["After close", "Position"],
            vec![
                vec![r.venues[0].clone(), after(|a| a.long)],
                vec![r.venues[1].clone(), after(|a| a.short)]
            ]
        )
    );
    if !r.orders.is_empty() {
        crate::outln!("Naked leg time: {} ms", r.naked_ms);
    }
    for w in &r.warnings {
        crate::outln!("{}WARNING: {w}", ctx.tag());
    }
    match &r.result {
        CloseResult::Flat { already_flat: true } => crate::outln!(
            "{}Already flat on both venues: nothing to close.",
            ctx.tag()
        ),
        CloseResult::Flat {
            already_flat: false,
        } => crate::outln!("{}CLOSED: flat on both venues.", ctx.tag()),
        CloseResult::Remaining { reason } => {
            crate::outln!("{}POSITIONS REMAIN (still hedged): {reason}", ctx.tag())
        }
        CloseResult::Halted { reason } => {
            crate::outln!("{}HALTED: {reason}\nCheck both venues; `hedge-cli close` (or `close --leg VENUE`) runs while HALTED; then run `hedge-cli resume`.", ctx.tag())
        }
        CloseResult::NothingSent { reason } => crate::outln!(
            "{}NOTHING SENT: {reason}. Both legs are still open and hedged; retry later (no HALT).",
            ctx.tag()
        ),
        CloseResult::DryRun => {}
    }
}

pub async fn test_leverage(ctx: &Ctx) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    ctx.confirm(&format!(
        "set leverage {}x for {} on both venues",
        cfg.leverage, cfg.symbol
    ))?;
    recover_and_print(ctx).await?;
    let _guard = ctx
        .wiring
        .engine
        .lock_operation("test_leverage")
        .await
        .map_err(engine_failure)?;
    // A leverage change moves the margin of any open leg: refused while HALTED, like every
    // trading command.
    if let Some(h) = ctx
        .wiring
        .engine
        .halted()
        .map_err(|e| Failure::venue(e.to_string()))?
    {
        return Err(engine_failure(EngineError::Halted {
            since: h.since,
            reason: h.reason,
        }));
    }
    let mut results = Vec::new();
    for kind in VenueKind::ALL {
        let v = ctx.venue(kind);
        let r = async {
            let m = v.market(&cfg.symbol).await?;
            if let Some(max) = m.max_leverage {
                if Decimal::from(cfg.leverage) > max {
                    return Err(venue_api::VenueError::InvalidRequest(format!(
                        "{}x is above the maximum {}x",
                        cfg.leverage, max
                    )));
                }
            }
            v.set_leverage(&cfg.symbol, cfg.leverage).await?;
            let back = v.leverage(&cfg.symbol).await?;
            if back.leverage == Decimal::from(cfg.leverage) {
                Ok(back.leverage)
            } else {
                Err(venue_api::VenueError::InvalidRequest(format!(
                    "reads back {}x",
                    back.leverage
                )))
            }
        }
        .await;
        results.push((kind, r));
    }
    let ok = results.iter().filter(|(_, r)| r.is_ok()).count();
    let verdict = match ok {
        2 => "PASSED",
        0 => "FAILED",
        _ => "PARTIALLY PASSED",
    };
    if ctx.json {
        let per: serde_json::Map<String, serde_json::Value> = results
            .iter()
            .map(|(k, r)| {
                (
                    k.id().to_string(),
                    match r {
                        Ok(l) => json!({"ok": true, "leverage": js(*l)}),
                        Err(e) => json!({"ok": false, "error": e.to_string()}),
                    },
                )
            })
            .collect();
        render::print_json(&json!({"verdict": verdict, "venues": per}));
    } else {
        let rows = results
            .iter()
            .map(|(k, r)| {
                (
                    k.to_string(),
                    match r {
                        Ok(l) => format!("OK ({l}x verified)"),
                        Err(e) => format!("FAILED: {e}"),
                    },
                )
            })
            .collect();
        crate::outln!(
            "{}",
            boxed(
                &format!(
                    "{}LEVERAGE TEST {}x {}: {verdict}",
                    ctx.tag(),
                    cfg.leverage,
                    cfg.symbol
                ),
                rows
            )
        );
    }
    Ok(if ok == 2 { code::OK } else { code::VENUE_ERROR })
}

/// Minimum time between the open and the close of a test round trip (self-trade protection).
const TEST_MIN_HOLD: Duration = Duration::from_secs(120);

pub async fn test_round_trip(
    ctx: &Ctx,
    notional: Decimal,
    cross_ticks: u32,
    interactive: bool,
) -> Result<u8, Failure> {
    if notional <= Decimal::ZERO {
        return Err(Failure::usage(format!(
            "--notional must be > 0, got {notional}"
        )));
    }
    // One line at a time, never holding the stdin lock across `open`/`close` (their
    // confirmation prompt reads stdin too: a held lock deadlocked live `test`, L3).
    let mut lines = std::iter::from_fn(|| {
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(Ok::<String, std::io::Error>(line.trim_end().to_string())),
            Err(e) => Some(Err(e)),
        }
    });
    if interactive {
        eprintln!(
            "{}TEST: opens {notional} {} per leg of {}, waits at least {} s, then closes. ENTER to start, q to quit.",
            ctx.tag(),
            ctx.cfg().quote,
            ctx.cfg().symbol,
            TEST_MIN_HOLD.as_secs()
        );
        if let Some(Ok(l)) = lines.next() {
            if l.trim().eq_ignore_ascii_case("q") {
                eprintln!("quit; nothing done");
                return Ok(code::OK);
            }
        }
    }
    let open_code = open(
        ctx,
        OpenArgs {
            size: SizeRequest::Quote(notional),
            cross_ticks,
            leg_mode: CliLegMode::Concurrent,
            dry_run: false,
            add: false,
        },
    )
    .await?;
    match open_code {
        code::OK => {}
        code::SMALLER_HEDGE => eprintln!(
            "{}TEST: open gave a clean but smaller hedge than requested (both legs equal); \
             continuing the round trip with it",
            ctx.tag()
        ),
        code::NOTHING_OPENED => {
            eprintln!(
                "{}TEST: nothing was opened; stopping (nothing left open)",
                ctx.tag()
            );
            return Ok(open_code);
        }
        _ => {
            eprintln!(
                "{}TEST: open did not end hedged; stopping with its positions as reported above \
                 (check `hedge-cli status`; `hedge-cli close` takes them off)",
                ctx.tag()
            );
            return Ok(open_code);
        }
    }
    let clock = ctx.wiring.clock.clone();
    let opened = clock.now();
    if interactive {
        loop {
            eprint!("close / wait / skip > ");
            let Some(Ok(line)) = lines.next() else {
                eprintln!("\nend of input: leaving the hedge open (run `hedge-cli close`)");
                return Ok(code::OK);
            };
            match line.trim() {
                "close" => {
                    let held = (clock.now() - opened).to_std().unwrap_or_default();
                    if held >= TEST_MIN_HOLD {
                        break;
                    }
                    eprintln!(
                        "{} s elapsed, {} s to go before close is allowed",
                        held.as_secs(),
                        (TEST_MIN_HOLD - held).as_secs()
                    );
                }
                "wait" => {
                    for left in (1..=6).rev() {
                        eprintln!("  {} s...", left * 5);
                        clock.sleep(Duration::from_secs(5)).await;
                    }
                }
                "skip" => {
                    eprintln!("{}leaving the hedge open", ctx.tag());
                    return Ok(code::OK);
                }
                other => eprintln!("unknown input {other:?}: type close, wait or skip"),
            }
        }
    } else {
        let mut left = TEST_MIN_HOLD.as_secs();
        while left > 0 {
            eprintln!("{}TEST: closing in {left} s", ctx.tag());
            let step = left.min(10);
            clock.sleep(Duration::from_secs(step)).await;
            left -= step;
        }
    }
    let c = close(ctx, cross_ticks, false, None).await?;
    eprintln!(
        "{}TEST: round trip {}",
        ctx.tag(),
        match (c, open_code) {
            (code::OK, code::SMALLER_HEDGE) => "complete (with a smaller hedge); nothing left open",
            (code::OK, _) => "complete; nothing left open",
            _ => "ended with positions left open (see the table above)",
        }
    );
    // A clean round trip of a smaller hedge still says so (exit 5).
    Ok(if c == code::OK { open_code } else { c })
}

/// `resume`: shows the HALT and the current positions, asks, then clears the HALT.
pub async fn resume(ctx: &Ctx) -> Result<u8, Failure> {
    let engine = &ctx.wiring.engine;
    let Some(h) = engine.halted().map_err(|e| Failure::venue(e.to_string()))? else {
        if ctx.json {
            render::print_json(&json!({"cleared": null}));
        } else {
            crate::outln!("{}Not halted; nothing to clear.", ctx.tag());
        }
        return Ok(code::OK);
    };
    let venues = [ctx.wiring.edgex.clone(), ctx.wiring.lighter.clone()];
    let mut rows = Vec::new();
    for v in &venues {
        match v.positions().await {
            Ok(ps) if ps.iter().all(|p| p.size.is_zero()) => {
                rows.push(vec![v.id().to_string(), "flat".into()])
            }
            Ok(ps) => {
                for p in ps.iter().filter(|p| !p.size.is_zero()) {
                    rows.push(vec![
                        v.id().to_string(),
                        format!("{} {}", size(p.size), p.symbol),
                    ]);
                }
            }
            Err(e) => rows.push(vec![v.id().to_string(), format!("could not read: {e}")]),
        }
    }
    if !ctx.json {
        crate::outln!(
            "{}HALTED since {}: {}\nResidual at halt: {}",
            ctx.tag(),
            render::time(h.since),
            h.reason,
            h.residual
                .iter()
                .map(|r| format!("{} {}", r.venue, opt(r.size, size)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        crate::outln!("{}", grid(vec!["Venue", "Positions now"], rows.clone()));
    }
    ctx.confirm_always("clear the HALT and allow trading again")?;
    let cleared = engine.resume().map_err(engine_failure)?;
    if ctx.json {
        render::print_json(&json!({"cleared": cleared, "positions": rows}));
    } else {
        crate::outln!("{}HALT cleared.", ctx.tag());
    }
    Ok(code::OK)
}

/// `recover`: recovery alone. Exit 0 when every unfinished operation was resolved and
/// trading is not HALTED, else 3.
pub async fn recover(ctx: &Ctx) -> Result<u8, Failure> {
    let rec = recover_and_print(ctx).await?;
    if ctx.json {
        render::print_json(&json!({
            "mode": if ctx.paper() { "paper" } else { "live" },
            "recovery": rec,
        }));
    }
    Ok(if rec.clean() {
        code::OK
    } else {
        code::NOT_HEDGED
    })
}

#[cfg(test)]
mod tests {
    use super::fee_note;

    #[test]
    fn the_fee_note_names_each_venue_without_fees_once() {
        let none: [(&str, bool, bool); 2] = [("edgex", true, true), ("lighter", false, false)];
        assert_eq!(
            fee_note(none.into_iter()),
            None,
            "unfilled orders have no fee"
        );
        let one = [
            ("lighter", false, true),
            ("edgex", true, true),
            ("lighter", false, true),
        ];
        assert_eq!(
            fee_note(one.into_iter()).as_deref(),
            Some("Fee n/a: lighter does not report the fee of an order")
        );
        let two = [("lighter", false, true), ("edgex", false, true)];
        assert_eq!(
            fee_note(two.into_iter()).as_deref(),
            Some("Fee n/a: lighter and edgex do not report the fee of an order")
        );
    }
}
