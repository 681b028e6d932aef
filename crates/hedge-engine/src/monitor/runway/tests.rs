//! Runway: the findings' worked example, sources of each figure, the liquidation-price
//! cross-check, unknown marks.

use rstest::rstest;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::monitor::{PositionFigures, VenueFigures};

pub(crate) fn pos(symbol: &str, size: Decimal, mark: Option<Decimal>) -> PositionFigures {
    PositionFigures {
        symbol: symbol.to_owned(),
        size,
        entry_price: mark,
        mark_price: mark,
        liquidation_price: None,
        maintenance_fraction: Some(dec!(0.005)),
        unsettled_funding: None,
        unrealized_pnl: None,
    }
}

pub(crate) fn venue(equity: Decimal, positions: Vec<PositionFigures>) -> VenueFigures {
    VenueFigures {
        venue: "v".to_owned(),
        equity,
        maintenance_requirement: None,
        margin_usage: None,
        positions,
    }
}

fn known(r: &PositionRunway) -> (Decimal, Option<Decimal>, FractionSource, LiqCheck) {
    match &r.runway {
        Runway::Known {
            move_pct,
            price,
            fraction_source,
            venue_check,
            ..
        } => (*move_pct, *price, *fraction_source, venue_check.clone()),
        Runway::Unknown { reason } => panic!("unknown runway: {reason:?}"),
    }
}

/// Findings 4.2: notional 3000 at leverage 3 (equity 1000), m = 0.5 %: 33.0 % down for the
/// long, 32.7 % up for the short; the same with the venue's requirement instead of the
/// market fraction, and with the fraction derived from it.
#[rstest]
#[case::long_market_fraction(dec!(1), true, false, dec!(33.0), dec!(67.00))]
#[case::short_market_fraction(dec!(-1), true, false, dec!(32.7), dec!(132.67))]
#[case::long_venue_mm(dec!(1), false, true, dec!(33.0), dec!(67.00))]
#[case::short_venue_mm(dec!(-1), false, true, dec!(32.7), dec!(132.67))]
fn worked_example(
    #[case] sign: Decimal,
    #[case] market_fraction: bool,
    #[case] venue_mm: bool,
    #[case] pct: Decimal,
    #[case] price: Decimal,
) {
    let mut p = pos("BTC", dec!(30) * sign, Some(dec!(100)));
    if !market_fraction {
        p.maintenance_fraction = None;
    }
    let mut v = venue(dec!(1000), vec![p]);
    if venue_mm {
        v.maintenance_requirement = Some(dec!(15));
    }
    let r = venue_runway(&RunwaySettings::default(), &v);
    let (move_pct, at, source, check) = known(&r.positions[0]);
    assert_eq!(move_pct.round_dp(1), pct);
    assert_eq!(at.map(|p| p.round_dp(2)), Some(price));
    assert_eq!(check, LiqCheck::NotGiven);
    let expected_source = if market_fraction {
        FractionSource::Market
    } else {
        FractionSource::VenueSinglePosition
    };
    assert_eq!(source, expected_source);
    let mm = r.maintenance.as_ref().map(|m| m.amount);
    assert_eq!(mm, Some(dec!(15)));
    let usage = r.margin_usage.as_ref().map(|u| (u.fraction, u.source));
    assert_eq!(
        usage,
        Some((dec!(0.015), UsageSource::MaintenanceOverEquity))
    );
    assert!(r.findings.is_empty());
    assert_eq!(r.min_runway_pct(), Some(move_pct));
}

/// Owed funding lowers equity (shorter runway); funding to be received is not counted.
#[rstest]
#[case::owed(dec!(-100), dec!(-100), dec!(29.6))]
#[case::receivable(dec!(100), dec!(0), dec!(33.0))]
fn unsettled_funding(#[case] funding: Decimal, #[case] counted: Decimal, #[case] pct: Decimal) {
    let mut p = pos("BTC", dec!(30), Some(dec!(100)));
    p.unsettled_funding = Some(funding);
    let r = venue_runway(&RunwaySettings::default(), &venue(dec!(1000), vec![p]));
    assert_eq!(r.funding_counted, counted);
    assert_eq!(r.effective_equity, dec!(1000) + counted);
    assert_eq!(known(&r.positions[0]).0.round_dp(1), pct);
}

/// The venue's liquidation price within the tolerance agrees; beyond it is a finding, and
/// the ladder's distance is the lower of the two (never a silent replacement).
#[rstest]
#[case::agrees(dec!(67.5), false, dec!(32.5))]
#[case::disagrees_closer(dec!(80), true, dec!(20))]
#[case::disagrees_farther(dec!(50), true, dec!(32.9983))]
fn liquidation_price_cross_check(
    #[case] liq: Decimal,
    #[case] finding: bool,
    #[case] effective: Decimal,
) {
    let mut p = pos("BTC", dec!(30), Some(dec!(100)));
    p.liquidation_price = Some(liq);
    let r = venue_runway(&RunwaySettings::default(), &venue(dec!(1000), vec![p]));
    let (_, _, _, check) = known(&r.positions[0]);
    assert_eq!(matches!(check, LiqCheck::Disagrees { .. }), finding);
    assert_eq!(
        r.findings
            .iter()
            .any(|f| matches!(f, RunwayFinding::LiquidationPriceDisagrees { .. })),
        finding
    );
    assert_eq!(
        r.positions[0].effective_move_pct().map(|x| x.round_dp(4)),
        Some(effective)
    );
}

/// A missing, zero or negative mark is a typed unknown, never a number; the venue's own
/// usage is still reported with its source.
#[rstest]
#[case::missing(None, UnknownReason::MarkMissing)]
#[case::zero(Some(dec!(0)), UnknownReason::MarkNotPositive { mark: dec!(0) })]
#[case::negative(Some(dec!(-1)), UnknownReason::MarkNotPositive { mark: dec!(-1) })]
fn unknown_mark_holds(#[case] mark: Option<Decimal>, #[case] reason: UnknownReason) {
    let mut v = venue(dec!(1000), vec![pos("BTC", dec!(30), mark)]);
    v.margin_usage = Some(dec!(0.3));
    let r = venue_runway(&RunwaySettings::default(), &v);
    assert_eq!(r.positions[0].runway, Runway::Unknown { reason });
    assert!(r.has_unknown());
    assert_eq!(r.min_runway_pct(), None);
    // Without a mark no requirement can be computed; the venue's figure is kept for display.
    assert_eq!(r.margin_usage, None);
    assert_eq!(r.venue_margin_usage, Some(dec!(0.3)));
}

/// The ladder reads maintenance / equity by default (the venue's figure, initial-margin
/// based on Lighter, is only shown); with the venue preference its figure, where given.
#[rstest]
#[case::default_maintenance(UsagePreference::Maintenance, Some(dec!(0.95)), dec!(0.015), UsageSource::MaintenanceOverEquity)]
#[case::venue_preferred(UsagePreference::Venue, Some(dec!(0.95)), dec!(0.95), UsageSource::Venue)]
#[case::venue_preferred_not_given(UsagePreference::Venue, None, dec!(0.015), UsageSource::MaintenanceOverEquity)]
#[case::venue_negative_ignored(UsagePreference::Venue, Some(dec!(-1)), dec!(0.015), UsageSource::MaintenanceOverEquity)]
fn usage_preference(
    #[case] preference: UsagePreference,
    #[case] venue_usage: Option<Decimal>,
    #[case] fraction: Decimal,
    #[case] source: UsageSource,
) {
    let mut v = venue(dec!(1000), vec![pos("BTC", dec!(30), Some(dec!(100)))]);
    v.margin_usage = venue_usage;
    let settings = RunwaySettings {
        usage_preference: preference,
        ..Default::default()
    };
    let r = venue_runway(&settings, &v);
    let usage = r.margin_usage.as_ref().map(|u| (u.fraction, u.source));
    assert_eq!(usage, Some((fraction, source)));
    assert_eq!(r.venue_margin_usage, venue_usage);
    let negative = venue_usage.is_some_and(|u| u < Decimal::ZERO);
    assert_eq!(
        r.findings
            .iter()
            .any(|f| matches!(f, RunwayFinding::NegativeVenueFigure { .. })),
        negative
    );
}

/// Several positions: each moved alone with the others held; without a market fraction
/// the conservative bound is used and named; without any maintenance figure, unknown.
#[test]
fn several_positions() {
    let v = venue(
        dec!(1000),
        vec![
            pos("BTC", dec!(30), Some(dec!(100))),
            pos("ETH", dec!(-10), Some(dec!(100))),
        ],
    );
    let r = venue_runway(&RunwaySettings::default(), &v);
    // MM = 0.005 x 4000 = 20; BTC: 980 / (3000 x 0.995); ETH: 980 / (1000 x 1.005).
    assert_eq!(r.maintenance.as_ref().map(|m| m.amount), Some(dec!(20)));
    assert_eq!(known(&r.positions[0]).0.round_dp(2), dec!(32.83));
    assert_eq!(known(&r.positions[1]).0.round_dp(2), dec!(97.51));
    assert_eq!(r.positions[0].maintenance_share, Some(dec!(0.75)));

    let mut no_fraction = v.clone();
    for p in &mut no_fraction.positions {
        p.maintenance_fraction = None;
    }
    let unknown = venue_runway(&RunwaySettings::default(), &no_fraction);
    assert!(unknown.positions.iter().all(|p| p.runway
        == Runway::Unknown {
            reason: UnknownReason::MaintenanceUnknown
        }));
    no_fraction.maintenance_requirement = Some(dec!(20));
    let bounded = venue_runway(&RunwaySettings::default(), &no_fraction);
    let (long_pct, _, long_src, _) = known(&bounded.positions[0]);
    let (short_pct, _, short_src, _) = known(&bounded.positions[1]);
    assert_eq!(long_src, FractionSource::ConservativeBound);
    assert_eq!(short_src, FractionSource::ConservativeBound);
    // Long with m = 0: 980 / 3000; short with m = 20 / 1000: 980 / 1020. Both shorter.
    assert_eq!(long_pct.round_dp(2), dec!(32.67));
    assert_eq!(short_pct.round_dp(2), dec!(96.08));
}

/// No equity left: a finding, usage unknown, a negative runway.
#[test]
fn equity_exhausted() {
    let r = venue_runway(
        &RunwaySettings::default(),
        &venue(dec!(-5), vec![pos("BTC", dec!(30), Some(dec!(100)))]),
    );
    assert!(r
        .findings
        .contains(&RunwayFinding::EquityNotPositive { equity: dec!(-5) }));
    assert_eq!(r.margin_usage, None);
    assert!(known(&r.positions[0]).0 < Decimal::ZERO);
}

/// Leg PnL % from the venue's uPnL or from entry and mark (the seed's figure).
#[rstest]
#[case::venue_upnl(Some(dec!(-600)), dec!(-20))]
#[case::from_entry(None, dec!(-50))]
fn leg_pnl_pct(#[case] upnl: Option<Decimal>, #[case] pct: Decimal) {
    let mut p = pos("BTC", dec!(30), Some(dec!(100)));
    p.entry_price = Some(dec!(150));
    p.unrealized_pnl = upnl;
    let r = venue_runway(&RunwaySettings::default(), &venue(dec!(5000), vec![p]));
    assert_eq!(r.positions[0].pnl_pct, Some(pct));
}

#[test]
fn tolerance_must_be_positive() {
    let e = RunwaySettings {
        liq_price_tolerance_pct: dec!(0),
        ..Default::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(e.option, "liq_price_tolerance_pct");
    assert!(e.to_string().contains("= 0"));
}

/// A garbled figure (beyond 10^15) holds every position of the venue as unknown, named,
/// instead of overflowing.
#[rstest]
#[case::equity(|v: &mut VenueFigures| v.equity = dec!(1e20), "equity")]
#[case::mark(|v: &mut VenueFigures| v.positions[0].mark_price = Some(dec!(-2e16)), "positions[BTC].mark_price")]
#[case::size(|v: &mut VenueFigures| v.positions[1].size = dec!(5e27), "positions[ETH].size")]
fn garbled_figure_holds(#[case] garble: fn(&mut VenueFigures), #[case] field: &str) {
    let mut v = venue(
        dec!(1000),
        vec![
            pos("BTC", dec!(30), Some(dec!(100))),
            pos("ETH", dec!(-10), Some(dec!(100))),
        ],
    );
    garble(&mut v);
    let r = venue_runway(&RunwaySettings::default(), &v);
    assert_eq!(r.positions.len(), 2);
    assert!(r.positions.iter().all(|p| matches!(
        &p.runway,
        Runway::Unknown { reason: UnknownReason::FigureOutOfRange { field: f, .. } } if f == field
    )));
    assert!(matches!(
        &r.findings[..],
        [RunwayFinding::FigureOutOfRange { field: f, .. }] if f == field
    ));
    assert_eq!(r.margin_usage, None);
}
