//! Runway: how far the price can move against each position before its venue reaches its
//! maintenance requirement (findings "bot-and-monitor-field" 4.2, derived formula).
//!
//! On venue *v* with (effective) equity `E`, maintenance requirement `MM`, and a position of
//! size `q` at mark `p` with maintenance fraction `m`, an adverse move of `x` (a fraction of
//! the mark) lowers equity by `|q| p x` and moves that position's requirement by `m |q| p x`
//! (down for a long, whose price falls; up for a short). Equity meets the requirement at
//!
//! ```text
//! x* = (E - MM) / (|q| p (1 - m))   long  (price down to p (1 - x*))
//! x* = (E - MM) / (|q| p (1 + m))   short (price up to   p (1 + x*))
//! ```
//!
//! Several positions on one venue: each is moved **alone, the others held at their marks**
//! (a cross-margin account's runway for one leg; a move of every position together is a
//! different, correlated scenario this does not compute).
//!
//! Where the figures come from:
//! - `E` = the venue's equity plus the owed part of accrued, unsettled funding (funding to be
//!   received is not counted until it settles).
//! - `MM` = the venue's own account requirement when it gives one (EdgeX `starkExRiskValue`),
//!   else `sum m_i |q_i| p_i` over the positions (Lighter: per-market
//!   `maintenance_margin_fraction`); unknown if any term is missing.
//! - `m` = the market's fraction when known. Otherwise, for the only position on the venue,
//!   `MM / (|q| p)` (exact); with several positions, a conservative bound (`0` for a long,
//!   `MM / (|q| p)` for a short), flagged as such.
//! - Margin usage (what the ladder reads) = `MM / E` by default: maintenance-based, 1.0 is
//!   the venue's liquidation line, the same meaning on both venues. The venue's own figure
//!   (Lighter `margin_usage`) is kept beside it for display (`venue_margin_usage`) and used
//!   only with [`UsagePreference::Venue`]: Lighter's is the *initial* requirement at the
//!   account's chosen leverage over collateral, sent as a percent (findings live-lighter
//!   item 4: "2.07" = 0.827 / 39.995 x 100), so a healthy 3x hedge sized near capacity reads
//!   close to 100 % and would trip any usage bound. The source is named in the result.
//!
//! A missing, zero or negative mark makes that position's runway [`Runway::Unknown`], never a
//! number; so does, for every position of the venue, any figure beyond 10^15 in magnitude
//! (no real account is that large, and it keeps every product inside `Decimal`'s range, so
//! a garbled venue figure cannot panic the monitor). The computed move is cross-checked
//! against the venue's own liquidation price; a difference beyond the tolerance is a [`RunwayFinding::LiquidationPriceDisagrees`], and the
//! ladder uses the lower of the two distances (the disagreement can only make it more careful,
//! it never silently replaces one figure by the other).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{LegSide, MonitorConfigError, PositionFigures, VenueFigures};

#[cfg(test)]
mod tests;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Runway settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunwaySettings {
    /// Largest accepted difference, in percentage points of the mark, between the computed
    /// adverse move and the venue's liquidation distance (default 1.0). Venues liquidate a
    /// little before the pure maintenance line (fees, their own mark), so an exact match is
    /// not expected; a larger gap means one of the figures is wrong.
    pub liq_price_tolerance_pct: Decimal,
    /// Which margin usage the ladder reads (default: maintenance / equity).
    #[serde(default)]
    pub usage_preference: UsagePreference,
}

impl Default for RunwaySettings {
    fn default() -> Self {
        Self {
            liq_price_tolerance_pct: Decimal::ONE,
            usage_preference: UsagePreference::default(),
        }
    }
}

/// Which margin usage the ladder reads (module docs for why the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsagePreference {
    /// Maintenance requirement / effective equity (both venues alike).
    #[default]
    Maintenance,
    /// The venue's own figure (a fraction 0..1) where given, else maintenance / equity.
    Venue,
}

impl RunwaySettings {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), MonitorConfigError> {
        if self.liq_price_tolerance_pct <= Decimal::ZERO {
            return Err(MonitorConfigError::new(
                "liq_price_tolerance_pct",
                self.liq_price_tolerance_pct,
                "must be > 0",
            ));
        }
        Ok(())
    }
}

/// Where the venue's maintenance requirement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceSource {
    /// The venue's own account figure.
    Venue,
    /// Sum of fraction x |size| x mark over the positions.
    Markets,
}

/// The venue's maintenance requirement and its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Maintenance {
    /// Amount, quote currency.
    pub amount: Decimal,
    /// Where it came from.
    pub source: MaintenanceSource,
}

/// Where a position's maintenance fraction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FractionSource {
    /// The market's published fraction.
    Market,
    /// The venue's requirement over the only position's notional (exact).
    VenueSinglePosition,
    /// Not known with several positions: the bound that gives the shorter runway.
    ConservativeBound,
}

/// Where the margin usage came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageSource {
    /// The venue's own figure.
    Venue,
    /// Maintenance requirement / effective equity.
    MaintenanceOverEquity,
}

/// A venue's margin usage as a fraction (0.8 = 80 % of equity consumed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarginUsage {
    /// The fraction.
    pub fraction: Decimal,
    /// Where it came from.
    pub source: UsageSource,
}

/// Why a runway is not a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum UnknownReason {
    /// The venue gave no mark price.
    MarkMissing,
    /// The mark is zero or negative.
    MarkNotPositive {
        /// The mark given.
        mark: Decimal,
    },
    /// Neither the venue's requirement nor every position's fraction and mark is known.
    MaintenanceUnknown,
    /// A venue figure beyond any real account (module docs): the reading is not used.
    FigureOutOfRange {
        /// Which figure, e.g. `positions[BTC].mark_price`.
        field: String,
        /// Its value.
        value: Decimal,
    },
    /// A maintenance fraction outside [0, 1) (given or derived).
    FractionInvalid {
        /// The fraction.
        fraction: Decimal,
    },
}

/// The venue's liquidation price compared with the computed one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "check")]
pub enum LiqCheck {
    /// The venue gave no (positive) liquidation price.
    NotGiven,
    /// Within the tolerance.
    Agrees {
        /// The venue's distance, percent of the mark (adverse direction positive).
        venue_move_pct: Decimal,
        /// |computed - venue|, percentage points.
        difference_pct: Decimal,
    },
    /// Beyond the tolerance (also reported as a finding).
    Disagrees {
        /// The venue's distance, percent of the mark (adverse direction positive).
        venue_move_pct: Decimal,
        /// |computed - venue|, percentage points.
        difference_pct: Decimal,
    },
}

impl LiqCheck {
    /// The venue's own liquidation distance, percent of the mark, where it gave a price.
    pub fn venue_move_pct(&self) -> Option<Decimal> {
        match self {
            LiqCheck::NotGiven => None,
            LiqCheck::Agrees { venue_move_pct, .. }
            | LiqCheck::Disagrees { venue_move_pct, .. } => Some(*venue_move_pct),
        }
    }
}

/// One position's runway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Runway {
    /// Computed from the venue's figures.
    Known {
        /// The adverse move to the maintenance line, percent of the mark (negative: the venue
        /// is already below it).
        move_pct: Decimal,
        /// The price at which the venue reaches its requirement; `None` for a long whose
        /// runway is 100 % or more (no positive price liquidates it).
        price: Option<Decimal>,
        /// The maintenance fraction used.
        fraction: Decimal,
        /// Where it came from.
        fraction_source: FractionSource,
        /// The cross-check with the venue's liquidation price.
        venue_check: LiqCheck,
    },
    /// Not a number; the monitor holds.
    Unknown {
        /// Why.
        #[serde(flatten)]
        reason: UnknownReason,
    },
}

/// One position with its runway and leg PnL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionRunway {
    /// Base asset.
    pub symbol: String,
    /// Long or short.
    pub side: LegSide,
    /// Signed size.
    pub size: Decimal,
    /// Mark used (when positive).
    pub mark: Option<Decimal>,
    /// |size| x mark.
    pub notional: Option<Decimal>,
    /// Unrealised PnL (the venue's, or computed from entry and mark).
    pub unrealized_pnl: Option<Decimal>,
    /// uPnL / notional x 100 (the seed's leg PnL %, for `--pnl-threshold`).
    pub pnl_pct: Option<Decimal>,
    /// This position's share of the venue's maintenance requirement (1 for the only
    /// position), where known: what a REDUCE of this symbol gives back.
    pub maintenance_share: Option<Decimal>,
    /// The runway.
    pub runway: Runway,
}

impl PositionRunway {
    /// The distance the ladder uses: the lower of the computed move and the venue's own
    /// liquidation distance, percent. `None` when unknown.
    pub fn effective_move_pct(&self) -> Option<Decimal> {
        match &self.runway {
            Runway::Known {
                move_pct,
                venue_check,
                ..
            } => Some(match venue_check.venue_move_pct() {
                Some(v) => v.min(*move_pct),
                None => *move_pct,
            }),
            Runway::Unknown { .. } => None,
        }
    }
}

/// Something the operator must hear about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "finding")]
pub enum RunwayFinding {
    /// The venue's liquidation price and the computed maintenance price differ beyond the
    /// tolerance. Example: a venue liquidation price that ignores accrued funding.
    LiquidationPriceDisagrees {
        /// Base asset.
        symbol: String,
        /// The computed price (`None`: no positive price).
        computed_price: Option<Decimal>,
        /// The venue's liquidation price.
        venue_price: Decimal,
        /// Computed move, percent.
        computed_move_pct: Decimal,
        /// The venue's distance, percent.
        venue_move_pct: Decimal,
        /// The tolerance, percentage points.
        tolerance_pct: Decimal,
    },
    /// Equity at or below zero: no margin left at all.
    EquityNotPositive {
        /// Effective equity.
        equity: Decimal,
    },
    /// A venue figure beyond 10^15 in magnitude: the whole reading is held as unknown.
    /// Example: a decoding slip that reads a price in wire units.
    FigureOutOfRange {
        /// Which figure.
        field: String,
        /// Its value.
        value: Decimal,
    },
    /// A maintenance requirement or margin usage given negative by the venue (ignored).
    NegativeVenueFigure {
        /// Which figure.
        field: String,
        /// Its value.
        value: Decimal,
    },
}

/// One venue's runway picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueRunway {
    /// Venue id.
    pub venue: String,
    /// Equity as the venue gives it.
    pub equity: Decimal,
    /// The owed unsettled funding counted (<= 0).
    pub funding_counted: Decimal,
    /// Equity used: equity + funding counted.
    pub effective_equity: Decimal,
    /// The maintenance requirement, where known.
    pub maintenance: Option<Maintenance>,
    /// The margin usage the ladder reads, where known (unknown with no equity left).
    pub margin_usage: Option<MarginUsage>,
    /// The venue's own margin usage figure as given (display; see the module docs).
    pub venue_margin_usage: Option<Decimal>,
    /// Per open position.
    pub positions: Vec<PositionRunway>,
    /// Findings to alert on.
    pub findings: Vec<RunwayFinding>,
}

impl VenueRunway {
    /// The shortest effective runway over the positions whose runway is known.
    pub fn min_runway_pct(&self) -> Option<Decimal> {
        self.positions
            .iter()
            .filter_map(PositionRunway::effective_move_pct)
            .min()
    }

    /// True when some open position's runway is unknown.
    pub fn has_unknown(&self) -> bool {
        self.positions
            .iter()
            .any(|p| matches!(p.runway, Runway::Unknown { .. }))
    }

    /// The position of `symbol`, if open.
    pub fn position(&self, symbol: &str) -> Option<&PositionRunway> {
        self.positions.iter().find(|p| p.symbol == symbol)
    }
}

/// The largest magnitude accepted for a venue figure: far above any real account, and low
/// enough that every product computed here stays inside `Decimal`'s range (an overflow
/// would panic).
fn figure_limit() -> Decimal {
    Decimal::from(1_000_000_000_000_000u64)
}

/// The first figure beyond [`figure_limit`], named.
fn out_of_range(v: &VenueFigures) -> Option<(String, Decimal)> {
    let limit = figure_limit();
    let mut figures: Vec<(String, Option<Decimal>)> = vec![
        ("equity".to_owned(), Some(v.equity)),
        (
            "maintenance_requirement".to_owned(),
            v.maintenance_requirement,
        ),
        ("margin_usage".to_owned(), v.margin_usage),
    ];
    for p in &v.positions {
        let name = |f: &str| format!("positions[{}].{f}", p.symbol);
        figures.extend([
            (name("size"), Some(p.size)),
            (name("entry_price"), p.entry_price),
            (name("mark_price"), p.mark_price),
            (name("liquidation_price"), p.liquidation_price),
            (name("maintenance_fraction"), p.maintenance_fraction),
            (name("unsettled_funding"), p.unsettled_funding),
            (name("unrealized_pnl"), p.unrealized_pnl),
        ]);
    }
    figures
        .into_iter()
        .find_map(|(field, value)| value.filter(|x| x.abs() > limit).map(|x| (field, x)))
}

fn positive_mark(p: &PositionFigures) -> Result<Decimal, UnknownReason> {
    match p.mark_price {
        None => Err(UnknownReason::MarkMissing),
        Some(m) if m <= Decimal::ZERO => Err(UnknownReason::MarkNotPositive { mark: m }),
        Some(m) => Ok(m),
    }
}

fn maintenance_of(v: &VenueFigures, open: &[&PositionFigures]) -> Option<Maintenance> {
    if let Some(amount) = v.maintenance_requirement.filter(|a| *a >= Decimal::ZERO) {
        return Some(Maintenance {
            amount,
            source: MaintenanceSource::Venue,
        });
    }
    let mut sum = Decimal::ZERO;
    for p in open {
        let mark = positive_mark(p).ok()?;
        let m = p.maintenance_fraction?;
        sum += m * p.size.abs() * mark;
    }
    Some(Maintenance {
        amount: sum,
        source: MaintenanceSource::Markets,
    })
}

fn fraction_of(
    p: &PositionFigures,
    side: LegSide,
    notional: Decimal,
    mm: Decimal,
    single: bool,
) -> Result<(Decimal, FractionSource), UnknownReason> {
    let (m, source) = match p.maintenance_fraction {
        Some(m) => (m, FractionSource::Market),
        None if single => (mm / notional, FractionSource::VenueSinglePosition),
        None => match side {
            LegSide::Long => (Decimal::ZERO, FractionSource::ConservativeBound),
            LegSide::Short => (
                (mm / notional).min(Decimal::ONE),
                FractionSource::ConservativeBound,
            ),
        },
    };
    if m < Decimal::ZERO || m >= Decimal::ONE {
        return Err(UnknownReason::FractionInvalid { fraction: m });
    }
    Ok((m, source))
}

fn pnl_of(p: &PositionFigures, mark: Option<Decimal>) -> Option<Decimal> {
    p.unrealized_pnl
        .or_else(|| Some((mark? - p.entry_price?) * p.size))
}

/// Computes every position's runway and the venue's margin usage (module docs for the
/// formulas and sources).
pub fn venue_runway(settings: &RunwaySettings, v: &VenueFigures) -> VenueRunway {
    let open: Vec<&PositionFigures> = v.positions.iter().filter(|p| !p.size.is_zero()).collect();
    if let Some((field, value)) = out_of_range(v) {
        return held_out_of_range(v, &open, field, value);
    }
    let mut findings = Vec::new();
    let funding_counted: Decimal = open
        .iter()
        .filter_map(|p| p.unsettled_funding)
        .map(|f| f.min(Decimal::ZERO))
        .sum();
    let effective_equity = v.equity + funding_counted;
    if let Some(mm) = v.maintenance_requirement.filter(|a| *a < Decimal::ZERO) {
        findings.push(RunwayFinding::NegativeVenueFigure {
            field: "maintenance_requirement".to_owned(),
            value: mm,
        });
    }
    let maintenance = maintenance_of(v, &open);
    if effective_equity <= Decimal::ZERO && !open.is_empty() {
        findings.push(RunwayFinding::EquityNotPositive {
            equity: effective_equity,
        });
    }
    let venue_margin_usage = v.margin_usage;
    if let Some(u) = venue_margin_usage.filter(|u| *u < Decimal::ZERO) {
        findings.push(RunwayFinding::NegativeVenueFigure {
            field: "margin_usage".to_owned(),
            value: u,
        });
    }
    let maintenance_usage = match &maintenance {
        Some(mm) if effective_equity > Decimal::ZERO => Some(MarginUsage {
            fraction: mm.amount / effective_equity,
            source: UsageSource::MaintenanceOverEquity,
        }),
        _ => None,
    };
    let margin_usage = match (settings.usage_preference, venue_margin_usage) {
        (UsagePreference::Venue, Some(u)) if u >= Decimal::ZERO => Some(MarginUsage {
            fraction: u,
            source: UsageSource::Venue,
        }),
        _ => maintenance_usage,
    };
    let single = open.len() == 1;
    let positions = open
        .iter()
        .filter_map(|p| {
            let side = LegSide::of(p.size)?;
            Some(position_runway(
                settings,
                p,
                side,
                effective_equity,
                maintenance.as_ref(),
                single,
                &mut findings,
            ))
        })
        .collect();
    VenueRunway {
        venue: v.venue.clone(),
        equity: v.equity,
        funding_counted,
        effective_equity,
        maintenance,
        margin_usage,
        venue_margin_usage,
        positions,
        findings,
    }
}

fn held_out_of_range(
    v: &VenueFigures,
    open: &[&PositionFigures],
    field: String,
    value: Decimal,
) -> VenueRunway {
    let reason = UnknownReason::FigureOutOfRange {
        field: field.clone(),
        value,
    };
    let positions = open
        .iter()
        .filter_map(|p| {
            Some(PositionRunway {
                symbol: p.symbol.clone(),
                side: LegSide::of(p.size)?,
                size: p.size,
                mark: None,
                notional: None,
                unrealized_pnl: None,
                pnl_pct: None,
                maintenance_share: None,
                runway: Runway::Unknown {
                    reason: reason.clone(),
                },
            })
        })
        .collect();
    VenueRunway {
        venue: v.venue.clone(),
        equity: v.equity,
        funding_counted: Decimal::ZERO,
        effective_equity: v.equity,
        maintenance: None,
        margin_usage: None,
        venue_margin_usage: None,
        positions,
        findings: vec![RunwayFinding::FigureOutOfRange { field, value }],
    }
}

fn position_runway(
    settings: &RunwaySettings,
    p: &PositionFigures,
    side: LegSide,
    equity: Decimal,
    maintenance: Option<&Maintenance>,
    single: bool,
    findings: &mut Vec<RunwayFinding>,
) -> PositionRunway {
    let mark = positive_mark(p);
    let mark_ok = mark.as_ref().ok().copied();
    let notional = mark_ok.map(|m| m * p.size.abs());
    let unrealized_pnl = pnl_of(p, mark_ok);
    let pnl_pct = match (unrealized_pnl, notional) {
        (Some(u), Some(n)) if !n.is_zero() => Some((u / n * HUNDRED).round_dp(4)),
        _ => None,
    };
    let maintenance_share = match (maintenance, notional) {
        _ if single => Some(Decimal::ONE),
        (Some(mm), Some(n)) if mm.amount > Decimal::ZERO => p
            .maintenance_fraction
            .map(|m| (m * n / mm.amount).min(Decimal::ONE)),
        _ => None,
    };
    let runway = match (mark, notional, maintenance) {
        (Err(reason), _, _) => Runway::Unknown { reason },
        (_, _, None) | (_, None, _) => Runway::Unknown {
            reason: UnknownReason::MaintenanceUnknown,
        },
        (Ok(mark), Some(notional), Some(mm)) => {
            match fraction_of(p, side, notional, mm.amount, single) {
                Err(reason) => Runway::Unknown { reason },
                Ok((m, fraction_source)) => known_runway(
                    settings,
                    p,
                    side,
                    mark,
                    notional,
                    equity - mm.amount,
                    (m, fraction_source),
                    findings,
                ),
            }
        }
    };
    PositionRunway {
        symbol: p.symbol.clone(),
        side,
        size: p.size,
        mark: mark_ok,
        notional,
        unrealized_pnl,
        pnl_pct,
        maintenance_share,
        runway,
    }
}

#[allow(clippy::too_many_arguments)]
fn known_runway(
    settings: &RunwaySettings,
    p: &PositionFigures,
    side: LegSide,
    mark: Decimal,
    notional: Decimal,
    excess: Decimal,
    (m, fraction_source): (Decimal, FractionSource),
    findings: &mut Vec<RunwayFinding>,
) -> Runway {
    let (denominator, sign) = match side {
        LegSide::Long => (notional * (Decimal::ONE - m), -Decimal::ONE),
        LegSide::Short => (notional * (Decimal::ONE + m), Decimal::ONE),
    };
    let x = excess / denominator;
    let move_pct = (x * HUNDRED).round_dp(4);
    let price = Some(mark * (Decimal::ONE + sign * x))
        .filter(|p| *p > Decimal::ZERO)
        .map(|p| p.round_dp(8));
    let venue_check = match p.liquidation_price.filter(|l| *l > Decimal::ZERO) {
        None => LiqCheck::NotGiven,
        Some(liq) => {
            let venue_move_pct = ((liq - mark) / mark * sign * HUNDRED).round_dp(4);
            let difference_pct = (venue_move_pct - move_pct).abs();
            if difference_pct > settings.liq_price_tolerance_pct {
                findings.push(RunwayFinding::LiquidationPriceDisagrees {
                    symbol: p.symbol.clone(),
                    computed_price: price,
                    venue_price: liq,
                    computed_move_pct: move_pct,
                    venue_move_pct,
                    tolerance_pct: settings.liq_price_tolerance_pct,
                });
                LiqCheck::Disagrees {
                    venue_move_pct,
                    difference_pct,
                }
            } else {
                LiqCheck::Agrees {
                    venue_move_pct,
                    difference_pct,
                }
            }
        }
    };
    Runway::Known {
        move_pct,
        price,
        fraction: m,
        fraction_source,
        venue_check,
    }
}
