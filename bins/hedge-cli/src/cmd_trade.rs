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
    OpenRequest, OrderExecution,
};
use hedge_engine::sizing::SizeRequest;
use rust_decimal::Decimal;
use serde_json::json;
use std::io::BufRead;
use std::time::Duration;

/// Exit code of an engine refusal (nothing was sent).
fn engine_failure(e: EngineError) -> Failure {
    let code = match &e {
        EngineError::Halted { .. } => code::NOT_HEDGED,
        EngineError::Venue { .. } | EngineError::State(_) | EngineError::Internal(_) => {
            code::VENUE_ERROR
        }
        _ => code::NOTHING_OPENED,
    };
    Failure {
        code,
        message: e.to_string(),
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
    };
    let report = ctx.wiring.engine.open(&req).await.map_err(engine_failure)?;
    let exit = match &report.result {
        HedgeResult::Hedged { size, requested } if size < requested => code::SMALLER_HEDGE,
        HedgeResult::Hedged { .. } | HedgeResult::DryRun => code::OK,
        HedgeResult::NothingOpened { .. } => code::NOTHING_OPENED,
        HedgeResult::Halted { .. } => code::NOT_HEDGED,
    };
    print_open(ctx, &report);
    Ok(exit)
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
                opt(o.fee, money),
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

fn print_open(ctx: &Ctx, r: &OpenReport) {
    if ctx.json {
        render::print_json(&json!({
            "mode": if ctx.paper() { "paper" } else { "live" },
            "report": r,
            "size": js(r.plan.size),
            "leg_skew_us": r.leg_skew_us,
        }));
        return;
    }
    let cfg = ctx.cfg();
    let p = &r.plan;
    println!(
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
                    format!("{} {}", size(p.requested_base), r.symbol)
                ),
                ("Leverage".into(), format!("{}x", p.leverage)),
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
        println!("{}DRY RUN: signed, not sent:", ctx.tag());
        for preview in &p.previews {
            println!("  {preview}");
        }
        return;
    }
    println!("{}", grid(ORDER_HEADER.to_vec(), order_rows(&r.orders)));
    if let Some(skew) = r.leg_skew_us {
        println!(
            "Leg skew: {skew} us; both acknowledged after {}; both final after {}",
            opt(r.both_acked_us, render::millis),
            opt(r.both_final_us, render::millis)
        );
    }
    if let Some(after) = r.positions_after {
        println!(
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
        println!("{}WARNING: {w}", ctx.tag());
    }
    match &r.result {
        HedgeResult::Hedged { size: s, requested } => {
            println!("{}HEDGE OPENED: {} {} long on {}, short on {}", ctx.tag(), size(*s), r.symbol, r.long_venue, r.short_venue);
            if s < requested {
                println!("{}note: filled {} of the {} requested (both legs equal)", ctx.tag(), size(*s), size(*requested));
            }
        }
        HedgeResult::NothingOpened { reason } => println!("{}NOTHING OPENED: {reason}", ctx.tag()),
        HedgeResult::Halted { reason } => println!(
            "{}HALTED: {reason}\nA leg may be open without its hedge. Check both venues, close by hand if needed, then run `hedge-cli resume`.",
            ctx.tag()
        ),
        HedgeResult::DryRun => {}
    }
}

pub async fn close(ctx: &Ctx, cross_ticks: u32, dry_run: bool) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    if !dry_run {
        ctx.confirm(&format!("close both {} legs", cfg.symbol))?;
    }
    let req = CloseRequest {
        symbol: cfg.symbol.clone(),
        venues: ctx.legs(),
        pricing: policy(cross_ticks),
        dry_run,
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
        CloseResult::Remaining { .. } | CloseResult::Halted { .. } => code::NOT_HEDGED,
    })
}

fn print_close(ctx: &Ctx, r: &CloseReport) {
    if ctx.json {
        render::print_json(
            &json!({"mode": if ctx.paper() { "paper" } else { "live" }, "report": r}),
        );
        return;
    }
    if let Some(b) = r.positions_before {
        println!(
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
        println!("{}DRY RUN: signed, not sent:", ctx.tag());
        for p in &r.previews {
            println!("  {p}");
        }
        return;
    }
    if !r.orders.is_empty() {
        println!("{}", grid(ORDER_HEADER.to_vec(), order_rows(&r.orders)));
    }
    if let Some(a) = r.positions_after {
        println!(
            "{}",
            grid(
                vec!["After close", "Position"],
                vec![
                    vec![r.venues[0].clone(), size(a.long)],
                    vec![r.venues[1].clone(), size(a.short)]
                ]
            )
        );
    }
    for w in &r.warnings {
        println!("{}WARNING: {w}", ctx.tag());
    }
    match &r.result {
        CloseResult::Flat { already_flat: true } => println!(
            "{}Already flat on both venues: nothing to close.",
            ctx.tag()
        ),
        CloseResult::Flat {
            already_flat: false,
        } => println!("{}CLOSED: flat on both venues.", ctx.tag()),
        CloseResult::Remaining { reason } => {
            println!("{}POSITIONS REMAIN (still hedged): {reason}", ctx.tag())
        }
        CloseResult::Halted { reason } => {
            println!("{}HALTED: {reason}\nCheck both venues, close by hand if needed, then run `hedge-cli resume`.", ctx.tag())
        }
        CloseResult::DryRun => {}
    }
}

pub async fn test_leverage(ctx: &Ctx) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    ctx.confirm(&format!(
        "set leverage {}x for {} on both venues",
        cfg.leverage, cfg.symbol
    ))?;
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
        println!(
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
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
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
        },
    )
    .await?;
    if open_code != code::OK {
        eprintln!(
            "{}TEST: open did not produce a clean hedge; stopping",
            ctx.tag()
        );
        return Ok(open_code);
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
    let c = close(ctx, cross_ticks, false).await?;
    eprintln!(
        "{}TEST: round trip {}",
        ctx.tag(),
        if c == code::OK {
            "complete"
        } else {
            "ended with positions left"
        }
    );
    Ok(c)
}

pub fn resume(ctx: &Ctx) -> Result<u8, Failure> {
    let cleared = ctx
        .wiring
        .engine
        .resume()
        .map_err(|e| Failure::venue(e.to_string()))?;
    if ctx.json {
        render::print_json(&json!({"cleared": cleared}));
    } else {
        match cleared {
            Some(h) => println!(
                "{}HALT cleared (was: {} since {}). Residual at halt: {}",
                ctx.tag(),
                h.reason,
                render::time(h.since),
                h.residual
                    .iter()
                    .map(|r| format!("{} {}", r.venue, opt(r.size, size)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => println!("{}Not halted; nothing to clear.", ctx.tag()),
        }
    }
    Ok(code::OK)
}
