//! Read-only commands: capacity, funding, funding_all, check_leverage. Each renders a report
//! built by `hedge_engine::report` (`status` is in `cmd_status.rs`).

use crate::ctx::Ctx;
use crate::render::{self, apr, boxed, grid, js, js_opt, money, opt, rate, size};
use crate::{code, Failure};
use hedge_app::bot_config::DEFAULT_SYMBOLS;
use hedge_app::venues::VenueKind;
use hedge_engine::report::leverage::VenueLeverage;
use hedge_engine::report::overview::{
    funding_overview, OverviewSettings, RankedSymbol, SkipReason, SymbolFunding, SymbolOutcome,
};
use hedge_engine::report::{self, Fetched, ReportError};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// A report that could not be built: a venue or read error (exit 1), its message as is.
pub fn rfail(e: ReportError) -> Failure {
    Failure::venue(e.to_string())
}

/// Venue A of every pair is EdgeX, B is Lighter: the seed's tie rule (long EdgeX) follows.
pub const A: VenueKind = VenueKind::Edgex;
pub const B: VenueKind = VenueKind::Lighter;

/// The venue of an id in a report (reports only hold ids of the venues this binary built).
pub fn kind(id: &str) -> VenueKind {
    id.parse().unwrap_or(A)
}

/// A report's venue id as people read it.
pub fn name(id: &str) -> String {
    id.parse::<VenueKind>()
        .map(|k| k.display_name().to_string())
        .unwrap_or_else(|_| id.to_string())
}

pub async fn capacity(ctx: &Ctx) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    let (long_k, short_k) = (cfg.long_exchange, cfg.short_exchange);
    let r = report::capacity::capacity(&ctx.legs(), &cfg.symbol, cfg.leverage, &Default::default())
        .await
        .map_err(rfail)?;
    let cap = &r.capacity;
    if ctx.json {
        render::print_json(&json!({
            "mode": mode(ctx),
            "symbol": cfg.symbol, "quote": cfg.quote, "mid": js(r.mid), "leverage": cfg.leverage.to_string(),
            "long": {"venue": r.long.venue, "available": js(r.long.available), "capacity_base": js(r.long.capacity_base.round_dp(8))},
            "short": {"venue": r.short.venue, "available": js(r.short.available), "capacity_base": js(r.short.capacity_base.round_dp(8))},
            "common_step": js(cap.common_step), "max_size": js(cap.max_size), "max_quote": js(cap.max_quote),
            "min_size": js(cap.min_size), "below_minimum": cap.below_minimum,
            "limiting_venue": r.limiting_venue(),
        }));
    } else {
        let rows = vec![
            ("Market".into(), format!("{}/{}", cfg.symbol, cfg.quote)),
            (
                "Mid price".into(),
                format!("{} {}", money(r.mid), cfg.quote),
            ),
            (
                format!("{} available", long_k),
                format!("{} {}", money(r.long.available), cfg.quote),
            ),
            (
                format!("{} capacity", long_k),
                format!("{} {}", size(r.long.capacity_base), cfg.symbol),
            ),
            (
                format!("{} available", short_k),
                format!("{} {}", money(r.short.available), cfg.quote),
            ),
            (
                format!("{} capacity", short_k),
                format!("{} {}", size(r.short.capacity_base), cfg.symbol),
            ),
            ("Long venue".into(), long_k.to_string()),
            ("Short venue".into(), short_k.to_string()),
            ("Limited by".into(), name(r.limiting_venue())),
            ("Common size step".into(), cap.common_step.to_string()),
            (
                "Max delta-neutral size".into(),
                format!(
                    "{} {} (~{} {})",
                    size(cap.max_size),
                    cfg.symbol,
                    money(cap.max_quote),
                    cfg.quote
                ),
            ),
            (
                "Minimum size".into(),
                format!("{} {}", size(cap.min_size), cfg.symbol),
            ),
        ];
        crate::outln!(
            "{}",
            boxed(
                &format!("{}CAPACITY (leverage {}x)", ctx.tag(), cfg.leverage),
                rows
            )
        );
        if cap.below_minimum {
            crate::outln!("{}warning: the largest possible size is below a venue minimum; no hedge can be opened", ctx.tag());
        }
    }
    Ok(code::OK)
}

pub fn mode(ctx: &Ctx) -> &'static str {
    if ctx.paper() {
        "paper"
    } else {
        "live"
    }
}

pub async fn funding(
    ctx: &Ctx,
    hold_hours: Decimal,
    apply: bool,
    config_path: Option<&std::path::Path>,
) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    let sym = cfg.symbol.as_str();
    let r = report::funding::funding_report(&ctx.venue(A), &ctx.venue(B), sym, hold_hours).await;
    let mut out = serde_json::Map::new();
    for v in &r.venues {
        let kind = kind(&v.venue);
        let mut rows = Vec::new();
        let mut jv = serde_json::Map::new();
        match &v.current {
            Fetched::Ok(c) => {
                let n = &c.normalised;
                rows.push((
                    "Rate per period".into(),
                    format!("{}%", rate(n.percent_per_interval())),
                ));
                rows.push((
                    "Rate per hour".into(),
                    format!("{}%", rate(n.percent_per_hour())),
                ));
                rows.push(("APR".into(), apr(n.apr_percent)));
                rows.push((
                    "Funding interval".into(),
                    format!("every {} min", n.interval_minutes),
                ));
                rows.push((
                    "Next funding".into(),
                    opt(c.published.next_funding_time, render::time),
                ));
                jv.insert("rate_per_interval".into(), js(n.rate_per_interval));
                jv.insert("interval_minutes".into(), json!(n.interval_minutes));
                jv.insert("hourly_rate".into(), js(n.hourly_rate));
                jv.insert("apr_percent".into(), js(n.apr_percent));
                jv.insert(
                    "next_funding_time".into(),
                    json!(c.published.next_funding_time.map(|t| t.to_rfc3339())),
                );
            }
            Fetched::Failed(e) => {
                rows.push(("Current rate".into(), format!("could not retrieve: {e}")));
                jv.insert("error".into(), json!(e));
            }
        }
        match &v.recent {
            Fetched::Ok(points) => {
                // Newest first (the seed showed the three oldest: W40).
                let mut hist_json = Vec::new();
                for p in points {
                    rows.push((
                        format!("  {}", render::time(p.time)),
                        format!("{}%", rate(p.rate * Decimal::ONE_HUNDRED)),
                    ));
                    hist_json.push(json!({"time": p.time.to_rfc3339(), "rate": js(p.rate)}));
                }
                jv.insert("recent".into(), Value::Array(hist_json));
            }
            Fetched::Failed(e) => {
                rows.push(("Recent rates".into(), format!("could not retrieve: {e}")))
            }
        }
        if !ctx.json {
            crate::outln!(
                "{}",
                boxed(
                    &format!(
                        "{}{} FUNDING {}",
                        ctx.tag(),
                        kind.display_name().to_uppercase(),
                        sym
                    ),
                    rows
                )
            );
        }
        out.insert(v.venue.clone(), Value::Object(jv));
    }
    let mut code_out = if r.any_failed() {
        code::VENUE_ERROR
    } else {
        code::OK
    };
    if let Some(e) = &r.analysis_error {
        return Err(Failure::venue(e.to_string()));
    }
    if let Some(p) = &r.analysis {
        let (long, short) = (kind(&p.long), kind(&p.short));
        let matches = cfg.long_exchange == long && cfg.short_exchange == short;
        if ctx.json {
            out.insert(
                "analysis".into(),
                json!({
                    "long": long.id(), "short": short.id(), "net_apr_percent": js(p.net_apr_percent),
                    "hourly_spread_percent": js(p.hourly_spread_percent), "break_even_apr_percent": js_opt(p.break_even_apr_percent),
                    "edge_apr_percent": js_opt(p.edge_apr_percent), "hold_hours": js(hold_hours), "config_matches": matches,
                }),
            );
        } else {
            let spread = p.hourly_spread_percent;
            let rows = vec![
                (
                    "Hourly spread".into(),
                    format!(
                        "{}% ({} bps)",
                        rate(spread),
                        rate(spread * Decimal::ONE_HUNDRED)
                    ),
                ),
                ("Recommended LONG".into(), long.to_string()),
                ("Recommended SHORT".into(), short.to_string()),
                (
                    "Rationale".into(),
                    format!(
                        "short the venue whose funding pays more per hour ({} {} vs {} {})",
                        short,
                        apr(p.short_apr_percent),
                        long,
                        apr(p.long_apr_percent)
                    ),
                ),
                ("Estimated net APR".into(), apr(p.net_apr_percent)),
                (
                    format!("Fee break-even ({} h hold)", hold_hours),
                    opt(p.break_even_apr_percent, apr),
                ),
                ("Edge after fees".into(), opt(p.edge_apr_percent, apr)),
                (
                    "Config".into(),
                    if matches {
                        "matches the recommendation".into()
                    } else {
                        format!(
                            "long {} / short {}: NOT optimal",
                            cfg.long_exchange, cfg.short_exchange
                        )
                    },
                ),
            ];
            crate::outln!("{}", boxed(&format!("{}FUNDING ANALYSIS", ctx.tag()), rows));
        }
        if !matches && apply {
            code_out = code_out.max(rewrite_config(ctx, config_path, long, short)?);
        } else if !matches && !ctx.json {
            crate::outln!("Run `hedge-cli funding --apply` to switch the config to long {long} / short {short}.");
        }
    }
    if ctx.json {
        out.insert("mode".into(), json!(mode(ctx)));
        out.insert("symbol".into(), json!(sym));
        render::print_json(&Value::Object(out));
    }
    Ok(code_out)
}

/// Rewrites long/short in the config file atomically, keeping every other key and a `.bak`.
fn rewrite_config(
    ctx: &Ctx,
    path: Option<&std::path::Path>,
    long: VenueKind,
    short: VenueKind,
) -> Result<u8, Failure> {
    let path = match &ctx.loaded.origin {
        hedge_app::hedge_config::ConfigOrigin::File(p) => {
            path.map(|p| p.to_path_buf()).unwrap_or_else(|| p.clone())
        }
        hedge_app::hedge_config::ConfigOrigin::PaperDefaults => return Err(Failure::usage(
            "no config file to rewrite (built-in paper defaults); create hedge_config.json first"
                .into(),
        )),
    };
    ctx.confirm_always(&format!(
        "rewrite {} to long {} / short {}",
        path.display(),
        long.id(),
        short.id()
    ))?;
    let change = hedge_app::hedge_config::rewrite_direction(&path, long, short)?;
    eprintln!(
        "{}updated {}: long_exchange {} -> {}, short_exchange {} -> {}{}",
        ctx.tag(),
        path.display(),
        change.old_long.unwrap_or(Value::Null),
        long.id(),
        change.old_short.unwrap_or(Value::Null),
        short.id(),
        change
            .backup
            .map(|b| format!(" (previous file kept as {})", b.display()))
            .unwrap_or_default()
    );
    Ok(code::OK)
}

/// The whole scan's deadline: the slowest venue answers 15 symbols well within it.
const OVERVIEW_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

pub async fn funding_all(ctx: &Ctx, symbols: &[String], sort: bool) -> Result<u8, Failure> {
    let symbols: Vec<String> = if symbols.is_empty() {
        DEFAULT_SYMBOLS.iter().map(|s| s.to_string()).collect()
    } else {
        symbols.to_vec()
    };
    let settings = OverviewSettings {
        timeout: OVERVIEW_TIMEOUT,
        ..OverviewSettings::default()
    };
    let mut o = funding_overview(&ctx.venue(A), &ctx.venue(B), &symbols, settings)
        .await
        .map_err(rfail)?;
    if let Some(f) = o.venue_failures.first() {
        return Err(Failure::venue(format!(
            "{} {}: {}",
            f.venue_name, f.action, f.error
        )));
    }
    if sort {
        o.sort_by_net_apr();
    }
    let note = |r: &SymbolFunding| match &r.outcome {
        SymbolOutcome::Ranked(_) => String::new(),
        SymbolOutcome::Skipped { reason } => skip_note(reason),
    };
    if ctx.json {
        let list: Vec<Value> = o
            .rows
            .iter()
            .map(|r| {
                let x = r.ranked();
                json!({"symbol": r.symbol,
                       "edgex_apr_percent": js_opt(x.map(|x| x.a.normalised.apr_percent)),
                       "lighter_apr_percent": js_opt(x.map(|x| x.b.normalised.apr_percent)),
                       "setup": x.map(setup).unwrap_or_else(|| "N/A".into()),
                       "net_apr_percent": js_opt(x.map(|x| x.net_apr_percent)),
                       "intervals_minutes": x.map(intervals).unwrap_or_default(),
                       "note": note(r)})
            })
            .collect();
        render::print_json(&json!({"mode": mode(ctx), "rows": list,
                                   "timed_out": o.timed_out,
                                   "elapsed_ms": o.elapsed.as_millis() as u64}));
    } else {
        let table = grid(
            vec![
                "Symbol",
                "EdgeX APR %",
                "Lighter APR %",
                "Optimal setup",
                "Net APR %",
                "Intervals (E/L)",
            ],
            o.rows
                .iter()
                .map(|r| match r.ranked() {
                    Some(x) => vec![
                        r.symbol.clone(),
                        apr(x.a.normalised.apr_percent),
                        apr(x.b.normalised.apr_percent),
                        setup(x),
                        apr(x.net_apr_percent),
                        intervals(x),
                    ],
                    None => vec![
                        r.symbol.clone(),
                        "N/A".into(),
                        "N/A".into(),
                        note(r),
                        "N/A".into(),
                        String::new(),
                    ],
                })
                .collect(),
        );
        crate::outln!(
            "{}FUNDING ACROSS {} SYMBOLS ({} ms)\n{table}",
            ctx.tag(),
            symbols.len(),
            o.elapsed.as_millis()
        );
        crate::outln!("Legend: L = long venue, S = short venue, E = EdgeX, L = Lighter; net APR = APR(short) - APR(long), per-hour normalised.");
        if o.timed_out {
            crate::outln!(
                "{}warning: not every rate arrived within {} s; those symbols say \"timed out\"",
                ctx.tag(),
                OVERVIEW_TIMEOUT.as_secs()
            );
        }
    }
    Ok(if o.timed_out {
        code::VENUE_ERROR
    } else {
        code::OK
    })
}

fn setup(x: &RankedSymbol) -> String {
    format!("L:{} S:{}", initial(kind(&x.long)), initial(kind(&x.short)))
}

fn intervals(x: &RankedSymbol) -> String {
    format!(
        "{}m/{}m",
        x.a.published.interval_minutes, x.b.published.interval_minutes
    )
}

/// A skipped symbol's reason, for the table's note column.
fn skip_note(reason: &SkipReason) -> String {
    let v = name(reason.venue());
    match reason {
        SkipReason::NotListed { .. } => format!("Not on {v}"),
        SkipReason::RateFailed { error, .. } => format!("{v}: {error}"),
        SkipReason::UnknownInterval {
            interval_minutes, ..
        } => format!("skipped: {v} funding interval unknown ({interval_minutes} min)"),
        SkipReason::NoRate { .. } => format!("{v}: no rate published"),
        SkipReason::TimedOut { .. } => format!("{v}: timed out"),
    }
}

fn initial(k: VenueKind) -> char {
    k.display_name().chars().next().unwrap_or('?')
}

pub async fn check_leverage(
    ctx: &Ctx,
    symbols: &[String],
    with_account: bool,
) -> Result<u8, Failure> {
    let symbols: Vec<String> = if symbols.is_empty() {
        DEFAULT_SYMBOLS.iter().map(|s| s.to_string()).collect()
    } else {
        symbols.to_vec()
    };
    let r = report::leverage::leverage_report(&ctx.venue(A), &ctx.venue(B), &symbols, with_account)
        .await
        .map_err(rfail)?;
    let lev = |d: Option<Decimal>| {
        opt(d.filter(|x| *x > Decimal::ZERO), |x| {
            format!("{}x", x.trunc())
        })
    };
    let current = |v: &VenueLeverage| v.current.as_ref().and_then(|c| c.ok().copied());
    // A failed read of the account's setting says so (it is not "N/A", which means not read).
    let current_cell = |v: &VenueLeverage| match &v.current {
        Some(Fetched::Failed(_)) => "read failed".to_string(),
        _ => lev(current(v)),
    };
    let current_error = |v: &VenueLeverage| match &v.current {
        Some(Fetched::Failed(e)) => json!(e),
        _ => Value::Null,
    };
    let mut rows = Vec::new();
    let mut js_rows = Vec::new();
    for row in &r.rows {
        let [ea, eb] = &row.venues;
        rows.push(vec![
            row.symbol.clone(),
            lev(ea.default),
            lev(ea.max),
            current_cell(ea),
            lev(eb.default),
            lev(eb.max),
            current_cell(eb),
            lev(row.min_max),
        ]);
        js_rows.push(json!({"symbol": row.symbol, "edgex": {"default": js_opt(ea.default), "max": js_opt(ea.max), "current": js_opt(current(ea)), "current_error": current_error(ea)},
                             "lighter": {"default": js_opt(eb.default), "max": js_opt(eb.max), "current": js_opt(current(eb)), "current_error": current_error(eb)},
                             "min_max": js_opt(row.min_max)}));
    }
    if ctx.json {
        render::print_json(&json!({"mode": mode(ctx), "rows": js_rows}));
    } else {
        crate::outln!(
            "{}LEVERAGE\n{}",
            ctx.tag(),
            grid(
                vec![
                    "Symbol",
                    "EdgeX default",
                    "EdgeX max",
                    "EdgeX current",
                    "Lighter default",
                    "Lighter max",
                    "Lighter current",
                    "Min max"
                ],
                rows
            )
        );
        crate::outln!("Min max = the highest leverage usable on both venues. Lighter max comes from the market's minimum initial margin fraction.");
        if !with_account {
            crate::outln!("Current account leverage needs credentials; not shown.");
        }
    }
    Ok(code::OK)
}
