//! The reports against in-memory venues: hand-computed figures, typed skips, the overview's
//! deadline and concurrency bound, and the status report's HALT, journal and open times.

use super::capacity::capacity;
use super::funding::funding_report;
use super::overview::{funding_overview, OverviewSettings, SkipReason, SymbolOutcome};
use super::status::{
    journal_open_time, liquidation_distance_percent, status, status_with, OpenedSource,
    StatusOptions,
};
use super::{Fetched, ReportError};
use crate::capacity::CapacityParams;
use crate::ids::{LegRole, OperationId};
use crate::protocol::{ExecutionOptions, HedgeEngine, LegVenues};
use crate::state::{
    EngineState, Halt, JournalEntry, JournalLeg, MemoryStore, OperationKind, Outcome, StateStore,
};
use crate::testing::{FastClock, MockVenue};
use chrono::{DateTime, Duration as Days, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{FundingRate, Side, Venue, VenueError};

fn venue(id: &'static str, available: Decimal) -> Arc<MockVenue> {
    Arc::new(MockVenue::new(
        id,
        "HYPE",
        dec!(0.001),
        dec!(0.01),
        dec!(39.99),
        dec!(40.01),
        available,
    ))
}

fn rate(rate: Decimal, interval_minutes: u32) -> Result<FundingRate, VenueError> {
    Ok(FundingRate {
        rate,
        interval_minutes,
        next_funding_time: None,
        time: None,
    })
}

fn dynv(v: &Arc<MockVenue>) -> Arc<dyn Venue> {
    v.clone()
}

#[tokio::test]
async fn capacity_is_hand_computed_and_names_the_limiting_venue() {
    let (a, b) = (venue("alpha", dec!(10000)), venue("beta", dec!(500)));
    let legs = LegVenues {
        long: a.clone(),
        short: b.clone(),
    };
    let r = capacity(&legs, "HYPE", 2, &CapacityParams::default())
        .await
        .unwrap();
    // mid 40; beta: 500 x (1 - 0.011) x 2 / 40 = 24.725 -> 24.72 on the 0.01 grid.
    assert_eq!(r.mid, dec!(40));
    assert_eq!(r.short.capacity_base, dec!(24.725));
    assert_eq!(r.capacity.max_size, dec!(24.72));
    assert_eq!(r.limiting, LegRole::Short);
    assert_eq!(r.limiting_venue(), "beta");
    assert_eq!(r.long.available, dec!(10000));
    let e = capacity(&legs, "NOPE", 2, &CapacityParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ReportError::Venue { venue, action: "market", .. } if venue == "alpha"),
        "{e}"
    );
    assert!(e.to_string().starts_with("alpha market: "), "{e}");
}

#[tokio::test]
async fn funding_report_analyses_the_pair_and_keeps_failures_as_data() {
    let (a, b) = (venue("alpha", dec!(1)), venue("beta", dec!(1)));
    a.set_funding("HYPE", rate(dec!(0.0001), 480)); // 10.95 % APR
    b.set_funding("HYPE", rate(dec!(0.00001), 60)); // 8.76 % APR
    let r = funding_report(&dynv(&a), &dynv(&b), "HYPE", dec!(8)).await;
    let x = r.analysis.as_ref().unwrap();
    // Short the venue paying more per hour (alpha), long beta: 10.95 - 8.76.
    assert_eq!((x.long.as_str(), x.short.as_str()), ("beta", "alpha"));
    assert_eq!(x.net_apr_percent, dec!(2.19));
    // |0.0000125 - 0.00001| per hour = 0.00025 %.
    assert_eq!(x.hourly_spread_percent, dec!(0.00025));
    // Taker 0.05 % on both, 8 h: 2 x 0.1 % x 8760 / 8 = 219 % APR.
    assert_eq!(x.break_even_apr_percent, Some(dec!(219)));
    assert_eq!(x.edge_apr_percent, Some(dec!(-216.81)));
    assert!(!r.any_failed());
    // The mock has no funding history: a failed read, not an empty list.
    assert!(matches!(r.venues[0].recent, Fetched::Failed(_)));

    b.set_funding("HYPE", rate(dec!(0.00001), 0));
    let r = funding_report(&dynv(&a), &dynv(&b), "HYPE", dec!(8)).await;
    assert!(r.analysis.is_none() && r.any_failed());
    assert!(
        matches!(&r.venues[1].current, Fetched::Failed(e) if e.contains("interval")),
        "{:?}",
        r.venues[1].current
    );
    b.set_funding("HYPE", rate(dec!(0.00001), 60));
    let r = funding_report(&dynv(&a), &dynv(&b), "HYPE", dec!(0)).await;
    assert!(r.analysis.is_none() && r.analysis_error.is_some());
}

#[tokio::test]
async fn overview_ranks_and_gives_every_skip_its_reason() {
    let (a, b) = (venue("alpha", dec!(1)), venue("beta", dec!(1)));
    a.list_symbols(&["BTC", "ETH", "SOL", "XRP"]);
    b.list_symbols(&["ETH", "SOL", "XRP", "DOGE"]);
    b.set_bulk_funding(true);
    a.set_funding("HYPE", rate(dec!(0.0001), 480));
    b.set_funding("HYPE", rate(dec!(0.00001), 60));
    b.set_funding("ETH", Err(VenueError::Unavailable("HTTP 503".into())));
    a.set_funding("SOL", rate(dec!(0.0001), 0));
    a.set_funding("XRP", rate(dec!(-0.0001), 240)); // -21.9 %
    b.set_funding("XRP", rate(dec!(0.00002), 60)); // 17.52 %
    let symbols: Vec<String> = ["hype", "BTC", "ETH", "SOL", "XRP", "DOGE"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut o = funding_overview(&dynv(&a), &dynv(&b), &symbols, OverviewSettings::default())
        .await
        .unwrap();
    assert!(!o.timed_out && o.venue_failures.is_empty());
    let outcome = |s: &str| {
        o.rows
            .iter()
            .find(|r| r.symbol == s)
            .unwrap()
            .outcome
            .clone()
    };
    let skip = |s: &str| match outcome(s) {
        SymbolOutcome::Skipped { reason } => reason,
        other => panic!("{s}: {other:?}"),
    };
    assert_eq!(
        skip("BTC"),
        SkipReason::NotListed {
            venue: "beta".into()
        }
    );
    assert_eq!(
        skip("DOGE"),
        SkipReason::NotListed {
            venue: "alpha".into()
        }
    );
    assert!(
        matches!(skip("ETH"), SkipReason::RateFailed { venue, error } if venue == "beta" && error.contains("503"))
    );
    assert_eq!(
        skip("SOL"),
        SkipReason::UnknownInterval {
            venue: "alpha".into(),
            interval_minutes: 0
        }
    );
    assert_eq!(o.rows.len(), 6, "no symbol is dropped");
    assert_eq!(o.rows[0].symbol, "HYPE", "the order asked, upper case");
    // XRP: long alpha (negative rate pays longs), short beta: 17.52 + 21.9.
    let ranked = o.ranked();
    assert_eq!(ranked.len(), 2);
    assert_eq!(ranked[0].0, "XRP");
    assert_eq!(ranked[0].1.net_apr_percent, dec!(39.42));
    assert_eq!(
        (ranked[0].1.long.as_str(), ranked[0].1.short.as_str()),
        ("alpha", "beta")
    );
    assert_eq!(ranked[1].1.net_apr_percent, dec!(2.19));
    assert_eq!(
        ranked[0].1.a.taker_fee,
        Some(dec!(0.0005)),
        "from the market list"
    );
    o.sort_by_net_apr();
    assert_eq!(o.rows[0].symbol, "XRP");
    assert_eq!(o.rows[1].symbol, "HYPE");
    assert_eq!(o.skipped().len(), 4);
    let js = serde_json::to_value(&o).unwrap();
    assert_eq!(js["rows"][0]["status"], "ranked");
    assert_eq!(js["rows"][2]["status"], "skipped");
}

#[tokio::test(start_paused = true)]
async fn overview_reports_timed_out_symbols_at_the_callers_deadline() {
    let (a, b) = (venue("alpha", dec!(1)), venue("beta", dec!(1)));
    let names: Vec<String> = (0..8).map(|i| format!("S{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    a.list_symbols(&refs);
    b.list_symbols(&refs);
    // alpha answers each symbol after 1 s, two at a time: 4 s for 8; the deadline is 2.5 s.
    a.set_funding_delay(Duration::from_secs(1));
    let settings = OverviewSettings {
        concurrency: 2,
        timeout: Duration::from_millis(2500),
    };
    let started = tokio::time::Instant::now();
    let o = funding_overview(&dynv(&a), &dynv(&b), &names, settings)
        .await
        .unwrap();
    assert!(started.elapsed() <= Duration::from_millis(2600));
    assert!(o.timed_out);
    assert_eq!(a.funding_max_in_flight(), 2, "the concurrency bound holds");
    let timed_out = o
        .skipped()
        .iter()
        .filter(|(_, r)| {
            **r == SkipReason::TimedOut {
                venue: "alpha".into(),
            }
        })
        .count();
    assert_eq!(o.ranked().len(), 4, "two rounds of two arrived in time");
    assert_eq!(timed_out, 4);
    // A bulk venue that does not answer in time: every symbol on it timed out.
    b.set_bulk_funding(true);
    b.set_funding_delay(Duration::from_secs(60));
    a.set_funding_delay(Duration::ZERO);
    let o = funding_overview(&dynv(&a), &dynv(&b), &names, settings)
        .await
        .unwrap();
    assert_eq!(o.skipped().len(), 8);
    assert!(o.skipped().iter().all(|(_, r)| r.venue() == "beta"));
}

fn entry(
    op: u64,
    kind: OperationKind,
    started: DateTime<Utc>,
    before: Option<Decimal>,
    outcome: Outcome,
) -> JournalEntry {
    JournalEntry {
        operation: OperationId::new(op).unwrap(),
        kind,
        symbol: "HYPE".into(),
        started_at: started,
        legs: vec![JournalLeg {
            leg: LegRole::Short,
            venue: "beta".into(),
            side: Side::Sell,
            size: dec!(1),
            position_before: before,
        }],
        orders: Vec::new(),
        outcome: Some(outcome),
        recovered_at: None,
        owner: None,
    }
}

#[test]
fn the_journal_gives_the_open_time_of_the_operation_that_opened_the_position() {
    let t = |h: i64| DateTime::<Utc>::UNIX_EPOCH + Days::hours(h);
    let hedged = Outcome::Hedged { size: dec!(1) };
    let mut s = EngineState::default();
    assert_eq!(journal_open_time(&s, "HYPE", "beta"), None);
    s.record(entry(
        1,
        OperationKind::Open,
        t(1),
        Some(dec!(0)),
        hedged.clone(),
    ));
    s.record(entry(
        2,
        OperationKind::Open,
        t(2),
        Some(dec!(-1)),
        hedged.clone(),
    ));
    let got = journal_open_time(&s, "hype", "beta").map(|x| x.0);
    assert_eq!(got, Some(t(1)), "an --add keeps the first open");
    assert_eq!(journal_open_time(&s, "HYPE", "alpha"), None, "other venue");
    s.record(entry(
        3,
        OperationKind::Close,
        t(3),
        Some(dec!(-2)),
        Outcome::Flat,
    ));
    assert_eq!(journal_open_time(&s, "HYPE", "beta"), None, "closed flat");
    s.record(entry(
        4,
        OperationKind::Open,
        t(4),
        None,
        Outcome::NothingOpened { reason: "x".into() },
    ));
    assert_eq!(journal_open_time(&s, "HYPE", "beta"), None);
    s.record(entry(5, OperationKind::Open, t(5), Some(dec!(0)), hedged));
    assert_eq!(
        journal_open_time(&s, "HYPE", "beta").map(|x| x.0),
        Some(t(5))
    );
}

#[tokio::test]
async fn status_reads_the_hedge_the_halt_and_where_open_times_come_from() {
    let (a, b) = (venue("alpha", dec!(1)), venue("beta", dec!(1)));
    let store = Arc::new(MemoryStore::default());
    let engine = HedgeEngine::new(
        Arc::new(FastClock::default()),
        store.clone(),
        ExecutionOptions::default(),
    );
    let r = status(&dynv(&a), &dynv(&b), "HYPE", &engine).await.unwrap();
    assert!(r.analysis.flat && !r.needs_attention());
    assert!(r
        .legs
        .iter()
        .all(|l| l.funding.is_none() && l.opened.is_none()));
    assert_eq!(r.funding_total, None, "no funding figure while flat");

    a.set_position(dec!(2));
    b.set_position(dec!(-2));
    let venue_open = DateTime::<Utc>::UNIX_EPOCH + Days::days(3);
    a.set_opened_at(Some(venue_open));
    let journal_open = DateTime::<Utc>::UNIX_EPOCH + Days::days(2);
    let mut st = EngineState::default();
    st.record(entry(
        7,
        OperationKind::Open,
        journal_open,
        Some(dec!(0)),
        Outcome::Hedged { size: dec!(2) },
    ));
    store.save(&st).unwrap();
    let r = status(&dynv(&a), &dynv(&b), "HYPE", &engine).await.unwrap();
    assert!(r.analysis.hedged && !r.needs_attention());
    let oa = r.legs[0].opened.as_ref().unwrap();
    assert_eq!((oa.at, &oa.source), (venue_open, &OpenedSource::Venue));
    let ob = r.legs[1].opened.as_ref().unwrap();
    assert_eq!(ob.at, journal_open);
    assert_eq!(
        ob.source,
        OpenedSource::Journal {
            operation: OperationId::new(7).unwrap()
        }
    );
    assert_eq!(r.funding_total, Some(dec!(0)));
    // fees: 2 x 40 x 0.0005 per leg, twice (open + close) = 0.16.
    assert_eq!(r.fees_total, Some(dec!(0.16)));
    assert_eq!(r.funding_minus_fees, Some(dec!(-0.16)));
    assert_eq!(r.net_pnl, None, "the mock reports no uPnL");
    assert!(r.legs.iter().all(|l| l.balance.is_none()), "not asked");
    let r = status_with(
        &dynv(&a),
        &dynv(&b),
        "HYPE",
        &engine,
        StatusOptions { balances: true },
    )
    .await
    .unwrap();
    assert!(
        matches!(&r.legs[1].balance, Some(Fetched::Ok(x)) if x.available == dec!(1)),
        "{:?}",
        r.legs[1].balance
    );

    st.halted = Some(Halt {
        since: journal_open,
        reason: "open 7: unwind failed".into(),
        operation: None,
        residual: Vec::new(),
    });
    store.save(&st).unwrap();
    let r = status(&dynv(&a), &dynv(&b), "HYPE", &engine).await.unwrap();
    assert!(r.needs_attention() && r.halt.is_some());

    a.fail_position_reads(1);
    let e = status(&dynv(&a), &dynv(&b), "HYPE", &engine)
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("alpha position: "), "{e}");
}

#[rstest::rstest]
#[case(dec!(40), dec!(30), Some(dec!(25)))] // a long liquidated 25 % below
#[case(dec!(40), dec!(50), Some(dec!(25)))] // a short liquidated 25 % above
#[case(dec!(3), dec!(2.9), Some(dec!(3.3333)))]
#[case(dec!(0), dec!(2.9), None)]
fn liquidation_distance_is_a_percent_of_the_mid(
    #[case] mid: Decimal,
    #[case] liq: Decimal,
    #[case] want: Option<Decimal>,
) {
    assert_eq!(liquidation_distance_percent(liq, mid), want);
}

#[tokio::test]
async fn leverage_report_reads_current_settings_only_where_both_list_the_symbol() {
    let (a, b) = (venue("alpha", dec!(1)), venue("beta", dec!(1)));
    b.list_symbols(&["ETH"]);
    a.set_leverage("HYPE", 5).await.unwrap();
    let symbols = vec!["hype".to_string(), "ETH".to_string()];
    let r = super::leverage::leverage_report(&dynv(&a), &dynv(&b), &symbols, true)
        .await
        .unwrap();
    let hype = &r.rows[0];
    assert_eq!(hype.symbol, "HYPE");
    assert_eq!(hype.venues[0].current, Some(Fetched::Ok(dec!(5))));
    assert_eq!(hype.venues[1].current, Some(Fetched::Ok(dec!(3))));
    assert_eq!(hype.min_max, Some(dec!(20)));
    let eth = &r.rows[1];
    assert!(!eth.venues[0].listed && eth.venues[1].listed);
    assert_eq!(eth.venues[0].max, None);
    assert_eq!(eth.min_max, None);
    assert!(eth.venues.iter().all(|v| v.current.is_none()), "not read");
    let r = super::leverage::leverage_report(&dynv(&a), &dynv(&b), &symbols, false)
        .await
        .unwrap();
    assert!(r.rows[0].venues.iter().all(|v| v.current.is_none()));
}
