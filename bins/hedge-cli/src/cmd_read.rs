//! Read-only commands: capacity, funding, funding_all, check_leverage, status.

use crate::ctx::Ctx;
use crate::render::{self, apr, boxed, grid, js, js_opt, money, opt, rate, size};
use crate::{code, Failure};
use hedge_app::bot_config::DEFAULT_SYMBOLS;
use hedge_app::venues::VenueKind;
use hedge_engine::analysis::{hedge_status, LegSnapshot, StatusWarning};
use hedge_engine::capacity::hedge_capacity;
use hedge_engine::funding::{self, Direction, FeeModel};
use hedge_engine::pricing::average_mid;
use hedge_engine::sizing::LegMarket;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;
use venue_api::{FundingRate, MarketInfo, VenueError};

fn vfail(kind: VenueKind, what: &str, e: VenueError) -> Failure {
    Failure::venue(format!("{} {what}: {e}", kind.display_name()))
}

/// Venue A of every pair is EdgeX, B is Lighter: the seed's tie rule (long EdgeX) follows.
const A: VenueKind = VenueKind::Edgex;
const B: VenueKind = VenueKind::Lighter;

fn direction_venues(d: Direction) -> (VenueKind, VenueKind) {
    match d {
        Direction::LongAShortB => (A, B),
        Direction::LongBShortA => (B, A),
    }
}

pub async fn capacity(ctx: &Ctx) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    let (long_k, short_k) = (cfg.long_exchange, cfg.short_exchange);
    let (lv, sv) = (ctx.venue(long_k), ctx.venue(short_k));
    let sym = cfg.symbol.as_str();
    let (lm, sm, lb, sb, lbal, sbal) = tokio::join!(
        lv.market(sym),
        sv.market(sym),
        lv.top_of_book(sym),
        sv.top_of_book(sym),
        lv.balance(),
        sv.balance()
    );
    let lm = lm.map_err(|e| vfail(long_k, "market", e))?;
    let sm = sm.map_err(|e| vfail(short_k, "market", e))?;
    let lb = lb.map_err(|e| vfail(long_k, "top of book", e))?;
    let sb = sb.map_err(|e| vfail(short_k, "top of book", e))?;
    // A failed balance read is an error, never 0 (W39).
    let lbal = lbal.map_err(|e| vfail(long_k, "balance", e))?;
    let sbal = sbal.map_err(|e| vfail(short_k, "balance", e))?;
    let mid = average_mid(&lb, &sb)
        .map_err(|e| Failure::venue(format!("{e}; try a more liquid market")))?;
    let cap = hedge_capacity(
        LegMarket::new(long_k.id(), &lm),
        lbal.available,
        LegMarket::new(short_k.id(), &sm),
        sbal.available,
        Decimal::from(cfg.leverage),
        mid,
        &Default::default(),
    )
    .map_err(|e| Failure::venue(e.to_string()))?;
    if ctx.json {
        render::print_json(&json!({
            "mode": mode(ctx),
            "symbol": cfg.symbol, "quote": cfg.quote, "mid": js(mid), "leverage": cfg.leverage.to_string(),
            "long": {"venue": long_k.id(), "available": js(lbal.available), "capacity_base": js(cap.long.max_base)},
            "short": {"venue": short_k.id(), "available": js(sbal.available), "capacity_base": js(cap.short.max_base)},
            "common_step": js(cap.common_step), "max_size": js(cap.max_size), "max_quote": js(cap.max_quote),
            "min_size": js(cap.min_size), "below_minimum": cap.below_minimum,
        }));
    } else {
        let rows = vec![
            ("Market".into(), format!("{}/{}", cfg.symbol, cfg.quote)),
            ("Mid price".into(), format!("{} {}", money(mid), cfg.quote)),
            (
                format!("{} available", long_k),
                format!("{} {}", money(lbal.available), cfg.quote),
            ),
            (
                format!("{} capacity", long_k),
                format!("{} {}", size(cap.long.max_base), cfg.symbol),
            ),
            (
                format!("{} available", short_k),
                format!("{} {}", money(sbal.available), cfg.quote),
            ),
            (
                format!("{} capacity", short_k),
                format!("{} {}", size(cap.short.max_base), cfg.symbol),
            ),
            ("Long venue".into(), long_k.to_string()),
            ("Short venue".into(), short_k.to_string()),
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

fn mode(ctx: &Ctx) -> &'static str {
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
    let (a, b) = (ctx.venue(A), ctx.venue(B));
    let (fa, fb, ha, hb, ma, mb) = tokio::join!(
        a.funding(sym),
        b.funding(sym),
        a.funding_history(sym, 3),
        b.funding_history(sym, 3),
        a.market(sym),
        b.market(sym)
    );
    let mut failed = false;
    let mut out = serde_json::Map::new();
    let mut norm = HashMap::new();
    for (kind, rate_r, hist) in [(A, fa, ha), (B, fb, hb)] {
        let mut rows = Vec::new();
        let mut jv = serde_json::Map::new();
        match rate_r.map_err(|e| e.to_string()).and_then(|r| {
            funding::normalise(r.rate, r.interval_minutes)
                .map(|n| (r, n))
                .map_err(|e| e.to_string())
        }) {
            Ok((r, n)) => {
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
                    opt(r.next_funding_time, render::time),
                ));
                jv.insert("rate_per_interval".into(), js(n.rate_per_interval));
                jv.insert("interval_minutes".into(), json!(n.interval_minutes));
                jv.insert("hourly_rate".into(), js(n.hourly_rate));
                jv.insert("apr_percent".into(), js(n.apr_percent));
                jv.insert(
                    "next_funding_time".into(),
                    json!(r.next_funding_time.map(|t| t.to_rfc3339())),
                );
                norm.insert(kind, r);
            }
            Err(e) => {
                failed = true;
                rows.push(("Current rate".into(), format!("could not retrieve: {e}")));
                jv.insert("error".into(), json!(e));
            }
        }
        match hist {
            Ok(points) => {
                // Newest first (the seed showed the three oldest: W40).
                let mut hist_json = Vec::new();
                for p in points.iter().take(3) {
                    rows.push((
                        format!("  {}", render::time(p.time)),
                        format!("{}%", rate(p.rate * Decimal::ONE_HUNDRED)),
                    ));
                    hist_json.push(json!({"time": p.time.to_rfc3339(), "rate": js(p.rate)}));
                }
                jv.insert("recent".into(), Value::Array(hist_json));
            }
            Err(e) => rows.push(("Recent rates".into(), format!("could not retrieve: {e}"))),
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
        out.insert(kind.id().into(), Value::Object(jv));
    }
    let mut code_out = if failed { code::VENUE_ERROR } else { code::OK };
    if let (Some(ra), Some(rb)) = (norm.get(&A), norm.get(&B)) {
        let fees = match (
            ma.ok().and_then(|m| m.taker_fee),
            mb.ok().and_then(|m| m.taker_fee),
        ) {
            (Some(x), Some(y)) => Some(FeeModel {
                taker_fee_a: x,
                taker_fee_b: y,
                hold_hours,
            }),
            _ => None,
        };
        let p = funding::evaluate_pair(
            (ra.rate, ra.interval_minutes),
            (rb.rate, rb.interval_minutes),
            fees,
        )
        .map_err(|e| Failure::venue(e.to_string()))?;
        let (long, short) = direction_venues(p.direction);
        let matches = cfg.long_exchange == long && cfg.short_exchange == short;
        let spread_hourly = (p.a.hourly_rate - p.b.hourly_rate).abs() * Decimal::ONE_HUNDRED;
        if ctx.json {
            out.insert(
                "analysis".into(),
                json!({
                    "long": long.id(), "short": short.id(), "net_apr_percent": js(p.net_apr),
                    "hourly_spread_percent": js(spread_hourly), "break_even_apr_percent": js_opt(p.break_even_apr),
                    "edge_apr_percent": js_opt(p.edge_apr), "hold_hours": js(hold_hours), "config_matches": matches,
                }),
            );
        } else {
            let rows = vec![
                (
                    "Hourly spread".into(),
                    format!(
                        "{}% ({} bps)",
                        rate(spread_hourly),
                        rate(spread_hourly * Decimal::ONE_HUNDRED)
                    ),
                ),
                ("Recommended LONG".into(), long.to_string()),
                ("Recommended SHORT".into(), short.to_string()),
                (
                    "Rationale".into(),
                    format!(
                        "short the venue whose funding pays more per hour ({} {} vs {} {})",
                        short,
                        apr(rate_apr(&p, short)),
                        long,
                        apr(rate_apr(&p, long))
                    ),
                ),
                ("Estimated net APR".into(), apr(p.net_apr)),
                (
                    format!("Fee break-even ({} h hold)", hold_hours),
                    opt(p.break_even_apr, apr),
                ),
                ("Edge after fees".into(), opt(p.edge_apr, apr)),
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

fn rate_apr(p: &funding::PairFunding, k: VenueKind) -> Decimal {
    if k == A {
        p.a.apr_percent
    } else {
        p.b.apr_percent
    }
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
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    let mut obj: serde_json::Map<String, Value> = serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    let old = (
        obj.get("long_exchange").cloned(),
        obj.get("short_exchange").cloned(),
    );
    obj.insert("long_exchange".into(), json!(long.id()));
    obj.insert("short_exchange".into(), json!(short.id()));
    let mut new_text = serde_json::to_string_pretty(&Value::Object(obj))
        .map_err(|e| Failure::venue(e.to_string()))?;
    new_text.push('\n');
    let backup = hedge_engine::store::write_atomic_with_backup(&path, new_text.as_bytes())
        .map_err(|e| Failure::venue(format!("cannot write {}: {e}", path.display())))?;
    eprintln!(
        "{}updated {}: long_exchange {} -> {}, short_exchange {} -> {}{}",
        ctx.tag(),
        path.display(),
        old.0.unwrap_or(Value::Null),
        long.id(),
        old.1.unwrap_or(Value::Null),
        short.id(),
        backup
            .map(|b| format!(" (previous file kept as {})", b.display()))
            .unwrap_or_default()
    );
    Ok(code::OK)
}

pub async fn funding_all(ctx: &Ctx, symbols: &[String], sort: bool) -> Result<u8, Failure> {
    let symbols: Vec<String> = if symbols.is_empty() {
        DEFAULT_SYMBOLS.iter().map(|s| s.to_string()).collect()
    } else {
        symbols
            .iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .collect()
    };
    let (a, b) = (ctx.venue(A), ctx.venue(B));
    let started = Instant::now();
    // Both venues at once, each with its bulk call: the time does not grow with the symbols.
    let (ma, mb, fa, fb) = tokio::join!(
        a.markets(),
        b.markets(),
        a.funding_rates(&symbols),
        b.funding_rates(&symbols)
    );
    let ma = ma.map_err(|e| vfail(A, "markets", e))?;
    let mb = mb.map_err(|e| vfail(B, "markets", e))?;
    let fa = index(fa.map_err(|e| vfail(A, "funding rates", e))?);
    let fb = index(fb.map_err(|e| vfail(B, "funding rates", e))?);
    let listed = |ms: &[MarketInfo], s: &str| ms.iter().any(|m| m.symbol.eq_ignore_ascii_case(s));
    struct Row {
        symbol: String,
        apr_a: Option<Decimal>,
        apr_b: Option<Decimal>,
        setup: String,
        net: Option<Decimal>,
        note: String,
        intervals: String,
    }
    let mut rows = Vec::new();
    for s in &symbols {
        let mut row = Row {
            symbol: s.clone(),
            apr_a: None,
            apr_b: None,
            setup: "N/A".into(),
            net: None,
            note: String::new(),
            intervals: String::new(),
        };
        if !listed(&ma, s) {
            row.note = format!("Not on {A}");
        } else if !listed(&mb, s) {
            row.note = format!("Not on {B}");
        } else {
            match (fa.get(s), fb.get(s)) {
                (Some(Ok(ra)), Some(Ok(rb))) => match funding::evaluate_pair(
                    (ra.rate, ra.interval_minutes),
                    (rb.rate, rb.interval_minutes),
                    None,
                ) {
                    Ok(p) => {
                        let (l, sh) = direction_venues(p.direction);
                        row.apr_a = Some(p.a.apr_percent);
                        row.apr_b = Some(p.b.apr_percent);
                        row.setup = format!("L:{} S:{}", initial(l), initial(sh));
                        row.net = Some(p.net_apr);
                        row.intervals =
                            format!("{}m/{}m", ra.interval_minutes, rb.interval_minutes);
                    }
                    Err(e) => row.note = format!("skipped: {e}"),
                },
                (Some(Err(e)), _) => row.note = format!("{A}: {e}"),
                (_, Some(Err(e))) => row.note = format!("{B}: {e}"),
                _ => row.note = "Data unavailable".into(),
            }
        }
        rows.push(row);
    }
    if sort {
        rows.sort_by(|x, y| {
            y.net
                .unwrap_or(Decimal::MIN)
                .cmp(&x.net.unwrap_or(Decimal::MIN))
        });
    }
    if ctx.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({"symbol": r.symbol, "edgex_apr_percent": js_opt(r.apr_a), "lighter_apr_percent": js_opt(r.apr_b),
                       "setup": r.setup, "net_apr_percent": js_opt(r.net), "intervals_minutes": r.intervals, "note": r.note})
            })
            .collect();
        render::print_json(
            &json!({"mode": mode(ctx), "rows": list, "elapsed_ms": started.elapsed().as_millis() as u64}),
        );
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
            rows.iter()
                .map(|r| {
                    let na = |v: Option<Decimal>| opt(v, apr);
                    vec![
                        r.symbol.clone(),
                        if r.note.is_empty() {
                            na(r.apr_a)
                        } else {
                            "N/A".into()
                        },
                        if r.note.is_empty() {
                            na(r.apr_b)
                        } else {
                            "N/A".into()
                        },
                        if r.note.is_empty() {
                            r.setup.clone()
                        } else {
                            r.note.clone()
                        },
                        na(r.net),
                        r.intervals.clone(),
                    ]
                })
                .collect(),
        );
        crate::outln!(
            "{}FUNDING ACROSS {} SYMBOLS ({} ms)\n{table}",
            ctx.tag(),
            symbols.len(),
            started.elapsed().as_millis()
        );
        crate::outln!("Legend: L = long venue, S = short venue, E = EdgeX, L = Lighter; net APR = APR(short) - APR(long), per-hour normalised.");
    }
    Ok(code::OK)
}

fn initial(k: VenueKind) -> char {
    k.display_name().chars().next().unwrap_or('?')
}

fn index(
    v: Vec<(String, Result<FundingRate, VenueError>)>,
) -> HashMap<String, Result<FundingRate, VenueError>> {
    v.into_iter()
        .map(|(k, r)| (k.to_ascii_uppercase(), r))
        .collect()
}

pub async fn check_leverage(
    ctx: &Ctx,
    symbols: &[String],
    with_account: bool,
) -> Result<u8, Failure> {
    let symbols: Vec<String> = if symbols.is_empty() {
        DEFAULT_SYMBOLS.iter().map(|s| s.to_string()).collect()
    } else {
        symbols
            .iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .collect()
    };
    let (a, b) = (ctx.venue(A), ctx.venue(B));
    let (ma, mb) = tokio::join!(a.markets(), b.markets());
    let ma = ma.map_err(|e| vfail(A, "markets", e))?;
    let mb = mb.map_err(|e| vfail(B, "markets", e))?;
    let find = |ms: &[MarketInfo], s: &str| {
        ms.iter()
            .find(|m| m.symbol.eq_ignore_ascii_case(s))
            .cloned()
    };
    let lev = |d: Option<Decimal>| {
        opt(d.filter(|x| *x > Decimal::ZERO), |x| {
            format!("{}x", x.trunc())
        })
    };
    let mut rows = Vec::new();
    let mut js_rows = Vec::new();
    for s in &symbols {
        let (ea, eb) = (find(&ma, s), find(&mb, s));
        let (cur_a, cur_b) = if with_account && ea.is_some() && eb.is_some() {
            let (x, y) = tokio::join!(a.leverage(s), b.leverage(s));
            (x.ok().map(|l| l.leverage), y.ok().map(|l| l.leverage))
        } else {
            (None, None)
        };
        let max_a = ea.as_ref().and_then(|m| m.max_leverage);
        let max_b = eb.as_ref().and_then(|m| m.max_leverage);
        let min_max = max_a.zip(max_b).map(|(x, y)| x.min(y));
        rows.push(vec![
            s.clone(),
            lev(ea.as_ref().and_then(|m| m.default_leverage)),
            lev(max_a),
            lev(cur_a),
            lev(eb.as_ref().and_then(|m| m.default_leverage)),
            lev(max_b),
            lev(cur_b),
            lev(min_max),
        ]);
        js_rows.push(json!({"symbol": s, "edgex": {"default": js_opt(ea.as_ref().and_then(|m| m.default_leverage)), "max": js_opt(max_a), "current": js_opt(cur_a)},
                             "lighter": {"default": js_opt(eb.as_ref().and_then(|m| m.default_leverage)), "max": js_opt(max_b), "current": js_opt(cur_b)},
                             "min_max": js_opt(min_max)}));
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

pub async fn status(ctx: &Ctx) -> Result<u8, Failure> {
    let cfg = ctx.cfg();
    let sym = cfg.symbol.as_str();
    let (e, l) = (ctx.venue(A), ctx.venue(B));
    let t0 = Instant::now();
    let (me, ml) = tokio::join!(e.market(sym), l.market(sym));
    let me = me.map_err(|x| vfail(A, "market", x))?;
    let ml = ml.map_err(|x| vfail(B, "market", x))?;
    let t_markets = t0.elapsed();
    let t1 = Instant::now();
    let (be, bl, pe, pl) = tokio::join!(
        e.top_of_book(sym),
        l.top_of_book(sym),
        e.position(sym),
        l.position(sym)
    );
    let pe = pe.map_err(|x| vfail(A, "position", x))?;
    let pl = pl.map_err(|x| vfail(B, "position", x))?;
    let t_positions = t1.elapsed();
    let mid_e = be.ok().and_then(|b| b.mid());
    let mid_l = bl.ok().and_then(|b| b.mid());
    let snap = |k: VenueKind,
                p: &Option<venue_api::Position>,
                mid: Option<Decimal>,
                m: &MarketInfo| LegSnapshot {
        venue: k.id().to_string(),
        size: p.as_ref().map(|p| p.size).unwrap_or_default(),
        mid,
        unrealized_pnl: p.as_ref().and_then(|p| p.unrealized_pnl),
        taker_fee: m.taker_fee,
    };
    let st = hedge_status(
        &snap(A, &pe, mid_e, &me),
        &snap(B, &pl, mid_l, &ml),
        Decimal::new(1, 9),
    );
    // Funding received since the position opened (W38), when a position exists.
    let mut funding_rows = Vec::new();
    let mut funding_total = Decimal::ZERO;
    if !st.flat {
        for (k, v, p) in [(A, &e, &pe), (B, &l, &pl)] {
            let since = p.as_ref().and_then(|p| p.opened_at);
            match v.funding_payments(sym, since).await {
                Ok(list) => {
                    let sum: Decimal = list.iter().map(|x| x.amount).sum();
                    funding_total += sum;
                    funding_rows.push((
                        format!("{k} funding"),
                        format!("{} {} ({} payments)", money(sum), cfg.quote, list.len()),
                    ));
                }
                Err(x) => {
                    funding_rows.push((format!("{k} funding"), format!("could not retrieve: {x}")))
                }
            }
        }
    }
    let engine_state = ctx
        .wiring
        .engine
        .state()
        .map_err(|x| Failure::venue(x.to_string()))?;
    let halted = engine_state.halted.clone();
    let unfinished: Vec<&hedge_engine::state::JournalEntry> = engine_state.unfinished();
    let state_file = ctx.wiring.engine.state_location();
    let exit = if halted.is_some() || st.needs_attention() || !unfinished.is_empty() {
        code::NOT_HEDGED
    } else {
        code::OK
    };
    if ctx.json {
        let positions: Vec<Value> = st
            .legs
            .iter()
            .filter(|l| !l.size.is_zero())
            .map(|l| json!({"venue": l.venue, "symbol": sym, "size": js(l.size)}))
            .collect();
        render::print_json(&json!({
            "mode": mode(ctx),
            "symbol": sym,
            "positions": positions,
            "halted": halted.is_some(),
            "halt": halted,
            "state_file": state_file,
            "unfinished_operations": unfinished,
            "hedged": st.hedged,
            "flat": st.flat,
            "analysis": st,
            "funding_total": js(funding_total),
        }));
        return Ok(exit);
    }
    crate::outln!(
        "{}Fetching contract/market info... {:.2}s",
        ctx.tag(),
        t_markets.as_secs_f64()
    );
    crate::outln!(
        "{}Fetching prices and positions... {:.2}s",
        ctx.tag(),
        t_positions.as_secs_f64()
    );
    crate::outln!("{}State: {}", ctx.tag(), state_file);
    for e in &unfinished {
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
    if let Some(h) = &halted {
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
    for (leg, pos) in st.legs.iter().zip([&pe, &pl]) {
        let name = if leg.venue == A.id() { A } else { B };
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
        if let Some(t) = pos.as_ref().and_then(|p| p.opened_at) {
            rows.push((format!("{name} opened"), render::time(t)));
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
    rows.extend(funding_rows);
    if !st.flat {
        rows.push((
            "Net funding".into(),
            format!("{} {}", money(funding_total), cfg.quote),
        ));
        let fees = st.fees_open.zip(st.fees_close).map(|(o, c)| o + c);
        rows.push(("Fees (open + est. close)".into(), opt(fees, money)));
        if let Some(f) = fees {
            rows.push(("Funding - fees".into(), money(funding_total - f)));
            if let Some(u) = st.total_unrealized_pnl {
                rows.push(("Funding + uPnL - fees".into(), money(funding_total + u - f)));
            }
        }
    }
    crate::outln!("{}", boxed(&format!("{}STATUS", ctx.tag()), rows));
    for w in &st.warnings {
        match w {
            StatusWarning::OneSided { venue } => {
                crate::outln!("{}WARNING: position on {venue} only: UNHEDGED", ctx.tag())
            }
            StatusWarning::SameDirection => {
                crate::outln!("{}WARNING: both legs in the same direction", ctx.tag())
            }
            StatusWarning::Imbalanced { difference } => crate::outln!(
                "{}WARNING: legs imbalanced by {} {sym}",
                ctx.tag(),
                size(*difference)
            ),
        }
    }
    Ok(exit)
}
