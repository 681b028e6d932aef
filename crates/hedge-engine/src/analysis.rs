//! Reading a pair of positions: hedged or not, how well, net exposure, PnL and fee
//! estimates (behavior-spec 1.5, `status`; also what the monitor and the bot check).

use rust_decimal::Decimal;
use serde::Serialize;

/// How closely the two legs match (min/max of the absolute sizes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HedgeQuality {
    /// Ratio >= 0.99.
    Excellent,
    /// Ratio >= 0.95.
    Good,
    /// Ratio >= 0.90.
    Fair,
    /// Below 0.90.
    Poor,
}

impl HedgeQuality {
    /// The grade of a size ratio in [0, 1].
    pub fn from_ratio(ratio: Decimal) -> Self {
        if ratio >= Decimal::new(99, 2) {
            HedgeQuality::Excellent
        } else if ratio >= Decimal::new(95, 2) {
            HedgeQuality::Good
        } else if ratio >= Decimal::new(90, 2) {
            HedgeQuality::Fair
        } else {
            HedgeQuality::Poor
        }
    }
}

/// Direction of one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    /// Positive size.
    Long,
    /// Negative size.
    Short,
    /// No position.
    Flat,
}

/// One venue's position as read, with its mid price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegSnapshot {
    /// Venue id.
    pub venue: String,
    /// Signed size (base units).
    pub size: Decimal,
    /// The venue's mid price, if its book has both sides.
    pub mid: Option<Decimal>,
    /// Unrealised PnL as the venue reports it.
    pub unrealized_pnl: Option<Decimal>,
    /// Taker fee rate (fraction), for the fee estimate.
    pub taker_fee: Option<Decimal>,
}

/// One leg, evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegView {
    /// Venue id.
    pub venue: String,
    /// Signed size.
    pub size: Decimal,
    /// Direction.
    pub direction: Direction,
    /// |size| x mid.
    pub notional: Option<Decimal>,
    /// Unrealised PnL (quote currency).
    pub unrealized_pnl: Option<Decimal>,
    /// PnL as percent of notional.
    pub pnl_percent: Option<Decimal>,
}

/// Something the operator must look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StatusWarning {
    /// A position on one venue only.
    OneSided {
        /// The venue holding it.
        venue: String,
    },
    /// Both legs long or both short.
    SameDirection,
    /// Sizes differ beyond the Good grade.
    Imbalanced {
        /// |long| - |short| difference (base units).
        difference: Decimal,
    },
}

/// The pair, evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HedgeStatus {
    /// Both legs.
    pub legs: Vec<LegView>,
    /// Both non-flat and of opposite sign.
    pub hedged: bool,
    /// Both flat.
    pub flat: bool,
    /// Quality when hedged.
    pub quality: Option<HedgeQuality>,
    /// min/max of the absolute sizes, when hedged.
    pub ratio: Option<Decimal>,
    /// Sum of the signed sizes (base units).
    pub net_exposure: Decimal,
    /// |net| x average mid.
    pub net_exposure_quote: Option<Decimal>,
    /// Average of the available mids.
    pub average_mid: Option<Decimal>,
    /// Total unrealised PnL of both legs, when both are known.
    pub total_unrealized_pnl: Option<Decimal>,
    /// Estimated taker fees to open (already paid) and to close both legs.
    pub fees_open: Option<Decimal>,
    /// Same again to close.
    pub fees_close: Option<Decimal>,
    /// Warnings.
    pub warnings: Vec<StatusWarning>,
}

impl HedgeStatus {
    /// True when the positions need an operator: unhedged, same direction, or imbalanced.
    pub fn needs_attention(&self) -> bool {
        !self.flat && (!self.hedged || !self.warnings.is_empty())
    }
}

/// Evaluates two legs. A leg with |size| <= `flat_tolerance` counts as no position.
pub fn hedge_status(a: &LegSnapshot, b: &LegSnapshot, flat_tolerance: Decimal) -> HedgeStatus {
    let open = |l: &LegSnapshot| l.size.abs() > flat_tolerance;
    let view = |l: &LegSnapshot| {
        let notional = l.mid.map(|m| l.size.abs() * m);
        LegView {
            venue: l.venue.clone(),
            size: l.size,
            direction: if l.size > Decimal::ZERO {
                Direction::Long
            } else if l.size < Decimal::ZERO {
                Direction::Short
            } else {
                Direction::Flat
            },
            notional,
            unrealized_pnl: l.unrealized_pnl,
            pnl_percent: match (l.unrealized_pnl, notional) {
                (Some(p), Some(n)) if n > Decimal::ZERO => {
                    Some((p / n * Decimal::ONE_HUNDRED).round_dp(4))
                }
                _ => None,
            },
        }
    };
    let legs = vec![view(a), view(b)];
    let (oa, ob) = (open(a), open(b));
    let hedged = oa && ob && (a.size > Decimal::ZERO) != (b.size > Decimal::ZERO);
    let mids: Vec<Decimal> = [a.mid, b.mid].into_iter().flatten().collect();
    let average_mid =
        (!mids.is_empty()).then(|| mids.iter().sum::<Decimal>() / Decimal::from(mids.len()));
    let net = a.size + b.size;
    let ratio = hedged.then(|| a.size.abs().min(b.size.abs()) / a.size.abs().max(b.size.abs()));
    let quality = ratio.map(HedgeQuality::from_ratio);
    let mut warnings = Vec::new();
    match (oa, ob) {
        (true, false) => warnings.push(StatusWarning::OneSided {
            venue: a.venue.clone(),
        }),
        (false, true) => warnings.push(StatusWarning::OneSided {
            venue: b.venue.clone(),
        }),
        (true, true) if !hedged => warnings.push(StatusWarning::SameDirection),
        _ => {}
    }
    if matches!(quality, Some(HedgeQuality::Fair | HedgeQuality::Poor)) {
        warnings.push(StatusWarning::Imbalanced {
            difference: a.size.abs() - b.size.abs(),
        });
    }
    let fee = |l: &LegSnapshot, v: &LegView| Some(v.notional? * l.taker_fee?);
    let fees_open = fee(a, &legs[0]).zip(fee(b, &legs[1])).map(|(x, y)| x + y);
    HedgeStatus {
        hedged,
        flat: !oa && !ob,
        quality,
        ratio,
        net_exposure: net,
        net_exposure_quote: average_mid.map(|m| net.abs() * m),
        average_mid,
        total_unrealized_pnl: a.unrealized_pnl.zip(b.unrealized_pnl).map(|(x, y)| x + y),
        fees_open,
        fees_close: fees_open,
        warnings,
        legs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    fn leg(venue: &str, size: Decimal, mid: Decimal, pnl: Decimal) -> LegSnapshot {
        LegSnapshot {
            venue: venue.into(),
            size,
            mid: Some(mid),
            unrealized_pnl: Some(pnl),
            taker_fee: Some(dec!(0.0005)),
        }
    }

    #[rstest]
    #[case(dec!(1), HedgeQuality::Excellent)]
    #[case(dec!(0.99), HedgeQuality::Excellent)]
    #[case(dec!(0.98), HedgeQuality::Good)]
    #[case(dec!(0.95), HedgeQuality::Good)]
    #[case(dec!(0.90), HedgeQuality::Fair)]
    #[case(dec!(0.8999), HedgeQuality::Poor)]
    fn quality_grades(#[case] ratio: Decimal, #[case] q: HedgeQuality) {
        assert_eq!(HedgeQuality::from_ratio(ratio), q);
    }

    #[test]
    fn clean_hedge_hand_computed() {
        // 2 long at mid 40 (+1.5 PnL), 2 short at mid 40.2 (-1.2 PnL).
        let s = hedge_status(
            &leg("a", dec!(2), dec!(40), dec!(1.5)),
            &leg("b", dec!(-2), dec!(40.2), dec!(-1.2)),
            dec!(0.000000001),
        );
        assert!(s.hedged && !s.flat && !s.needs_attention());
        assert_eq!(s.quality, Some(HedgeQuality::Excellent));
        assert_eq!(s.net_exposure, dec!(0));
        assert_eq!(s.average_mid, Some(dec!(40.1)));
        assert_eq!(s.legs[0].notional, Some(dec!(80)));
        assert_eq!(s.legs[0].pnl_percent, Some(dec!(1.875)));
        assert_eq!(s.total_unrealized_pnl, Some(dec!(0.3)));
        // fees: (80 + 80.4) x 0.0005 = 0.0802
        assert_eq!(s.fees_open, Some(dec!(0.0802)));
    }

    #[test]
    fn one_sided_same_direction_and_imbalance_are_flagged() {
        let one = hedge_status(
            &leg("a", dec!(1), dec!(10), dec!(0)),
            &leg("b", dec!(0), dec!(10), dec!(0)),
            dec!(0.000000001),
        );
        assert!(!one.hedged && one.needs_attention());
        assert_eq!(
            one.warnings,
            vec![StatusWarning::OneSided { venue: "a".into() }]
        );
        let same = hedge_status(
            &leg("a", dec!(1), dec!(10), dec!(0)),
            &leg("b", dec!(1), dec!(10), dec!(0)),
            dec!(0.000000001),
        );
        assert_eq!(same.warnings, vec![StatusWarning::SameDirection]);
        let imb = hedge_status(
            &leg("a", dec!(1), dec!(10), dec!(0)),
            &leg("b", dec!(-0.8), dec!(10), dec!(0)),
            dec!(0.000000001),
        );
        assert_eq!(imb.quality, Some(HedgeQuality::Poor));
        assert_eq!(
            imb.warnings,
            vec![StatusWarning::Imbalanced {
                difference: dec!(0.2)
            }]
        );
        assert_eq!(imb.net_exposure_quote, Some(dec!(2.0)));
    }

    #[test]
    fn flat_is_fine() {
        let s = hedge_status(
            &leg("a", dec!(0), dec!(10), dec!(0)),
            &leg("b", dec!(0), dec!(10), dec!(0)),
            dec!(0.000000001),
        );
        assert!(s.flat && !s.needs_attention() && s.warnings.is_empty());
    }
}
