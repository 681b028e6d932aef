//! Expected dollars of a hedge over a planned hold: funding per leg on its own settlement
//! schedule, round-trip cost, net, APR and break-even hold (issue 16 item 2, field 6.1.1).
//!
//! Pure: no I/O, no clock. Every figure is a `Decimal` in USD (quote currency) or percent.
//!
//! # Funding model
//! - Each leg settles at `next_settlement + k x interval` (k = 0, 1, ...), on its own venue's
//!   schedule (hourly on one venue, per contract on the other). Only the settlements strictly
//!   after `window.from` and at or before `window.to` count: one at the open moment may be
//!   snapshotted before the position exists; one at the close moment is counted because
//!   [`decide::close_time_after_settlements`](super::decide::close_time_after_settlements)
//!   waits for a favourable one and an adverse one is then counted as paid (conservative).
//! - Payment of one settlement = `-side_sign x rate x notional` (a long pays a positive rate;
//!   `side_sign` is +1 long, -1 short). The venue's `predicted_rate` is used for the settlement
//!   at `next_settlement` (k = 0) when given; every later one uses the current `rate`.
//! - `rate_haircut` (default 1) scales what we expect to *receive*, never what we expect to
//!   pay: a decaying forecast must not make an adverse leg look cheaper.
//!
//! # Cost model
//! Per leg: taker fee x notional on the open and again on the close, plus the slippage of
//! crossing the book at the intended size. The venue trait gives only the top level, so the
//! slippage is half the spread x size (from the mid to the touch), plus `extra_slippage_bps` of
//! the notional of any size beyond the size shown at the touch (an estimate of walking deeper
//! levels we cannot see). The open takes the ask for a long and the bid for a short; the close
//! takes the other side. Both are measured on the book given (today's book stands in for the
//! close's).

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use venue_api::{FundingRate, TopOfBook};

use crate::funding::HOURS_PER_YEAR;

#[cfg(test)]
pub(crate) mod tests;

/// Largest number of settlements one leg may have inside a window (a window of years on an
/// hourly venue is a caller bug, not a plan).
pub const MAX_SETTLEMENTS_PER_LEG: i64 = 10_000;

const BPS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);
const SECONDS_PER_HOUR: Decimal = Decimal::from_parts(3600, 0, 0, false, 0);

/// Our side of one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LegSide {
    /// Long: pays a positive funding rate.
    Long,
    /// Short: receives a positive funding rate.
    Short,
}

impl LegSide {
    /// +1 long, -1 short.
    pub fn sign(self) -> Decimal {
        match self {
            LegSide::Long => Decimal::ONE,
            LegSide::Short => Decimal::NEGATIVE_ONE,
        }
    }

    /// The other side.
    pub fn opposite(self) -> Self {
        match self {
            LegSide::Long => LegSide::Short,
            LegSide::Short => LegSide::Long,
        }
    }

    /// The side of a signed position size (`None` when flat).
    pub fn of_size(signed_size: Decimal) -> Option<Self> {
        if signed_size > Decimal::ZERO {
            Some(LegSide::Long)
        } else if signed_size < Decimal::ZERO {
            Some(LegSide::Short)
        } else {
            None
        }
    }
}

/// One venue's funding schedule for one market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundingSchedule {
    /// Current rate as a fraction per interval (positive: longs pay shorts).
    pub rate: Decimal,
    /// The venue's forecast for the next settlement, where it publishes one.
    pub predicted_rate: Option<Decimal>,
    /// Interval length in minutes (> 0).
    pub interval_minutes: u32,
    /// The next settlement time the venue announced.
    pub next_settlement: DateTime<Utc>,
}

impl FundingSchedule {
    /// The schedule of a venue's [`FundingRate`] at `now`. When the venue announces no next
    /// settlement time (Lighter's REST API does not), settlements are assumed on the UTC grid
    /// of the interval (every hour on the hour; every 4 h at 00:00, 04:00, ... UTC): the first
    /// grid time strictly after `now`.
    pub fn from_rate(
        venue: &str,
        rate: &FundingRate,
        predicted_rate: Option<Decimal>,
        now: DateTime<Utc>,
    ) -> Result<FundingSchedule, EconomicsError> {
        if rate.interval_minutes == 0 {
            return Err(EconomicsError::BadInterval {
                venue: venue.to_string(),
                minutes: rate.interval_minutes,
            });
        }
        let next_settlement = match rate.next_funding_time {
            Some(at) => at,
            None => next_on_utc_grid(now, rate.interval_minutes),
        };
        Ok(FundingSchedule {
            rate: rate.rate,
            predicted_rate,
            interval_minutes: rate.interval_minutes,
            next_settlement,
        })
    }

    /// Settlement times in `(from, to]`, with the rate expected at each.
    pub fn settlements(
        &self,
        venue: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, Decimal)>, EconomicsError> {
        if self.interval_minutes == 0 {
            return Err(EconomicsError::BadInterval {
                venue: venue.to_string(),
                minutes: self.interval_minutes,
            });
        }
        let step = i64::from(self.interval_minutes) * 60;
        // First k with next + k x step > from.
        let first_k = if self.next_settlement > from {
            0
        } else {
            (from - self.next_settlement).num_seconds() / step + 1
        };
        let mut out = Vec::new();
        let mut k = first_k;
        loop {
            let at = self.next_settlement + Duration::seconds(k * step);
            if at > to {
                break;
            }
            if at > from {
                if out.len() as i64 >= MAX_SETTLEMENTS_PER_LEG {
                    return Err(EconomicsError::TooManySettlements {
                        venue: venue.to_string(),
                        limit: MAX_SETTLEMENTS_PER_LEG,
                    });
                }
                let rate = match (k, self.predicted_rate) {
                    (0, Some(p)) => p,
                    _ => self.rate,
                };
                out.push((at, rate));
            }
            k += 1;
        }
        Ok(out)
    }
}

/// The first multiple of `interval_minutes` since the Unix epoch strictly after `now`.
pub fn next_on_utc_grid(now: DateTime<Utc>, interval_minutes: u32) -> DateTime<Utc> {
    let step = i64::from(interval_minutes.max(1)) * 60;
    let secs = now.timestamp();
    let next = (secs.div_euclid(step) + 1) * step;
    DateTime::from_timestamp(next, 0).unwrap_or(now)
}

/// What one venue offers for a symbol right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueQuote {
    /// Venue id (`Venue::id()`).
    pub venue: String,
    /// Its funding schedule.
    pub funding: FundingSchedule,
    /// Taker fee as a fraction of notional (0.0005 = 5 bps).
    pub taker_fee: Decimal,
    /// Top of its book.
    pub book: TopOfBook,
}

impl VenueQuote {
    /// A quote from the venue's own figures (`Venue::funding`, `MarketInfo::taker_fee`,
    /// `Venue::top_of_book`); see [`FundingSchedule::from_rate`] for a missing next time. A
    /// venue that publishes no taker fee is an error (pass a configured fee instead):
    /// a cost silently taken as zero would make every entry look free.
    pub fn from_venue(
        venue: &str,
        funding: &FundingRate,
        predicted_rate: Option<Decimal>,
        taker_fee: Option<Decimal>,
        book: TopOfBook,
        now: DateTime<Utc>,
    ) -> Result<VenueQuote, EconomicsError> {
        let taker_fee = taker_fee.ok_or_else(|| EconomicsError::UnknownFee {
            venue: venue.to_string(),
        })?;
        Ok(VenueQuote {
            venue: venue.to_string(),
            funding: FundingSchedule::from_rate(venue, funding, predicted_rate, now)?,
            taker_fee,
            book,
        })
    }
}

/// The planned hold `[from, to]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldWindow {
    /// Open (or now, for a held position).
    pub from: DateTime<Utc>,
    /// Planned close.
    pub to: DateTime<Utc>,
}

impl HoldWindow {
    /// Length in hours (exact to the second).
    pub fn hours(&self) -> Decimal {
        Decimal::from((self.to - self.from).num_seconds()) / SECONDS_PER_HOUR
    }
}

/// Model knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EconomicsParams {
    /// Factor on expected *received* funding (1 = trust the rates; 0.5 = expect half).
    pub rate_haircut: Decimal,
    /// Cost in bps of notional for any size beyond the touch level (config key
    /// `extra_slippage_bps`).
    pub extra_slippage_bps: Decimal,
}

impl Default for EconomicsParams {
    /// Haircut 1; `extra_slippage_bps` as the bot config's default.
    fn default() -> Self {
        Self {
            rate_haircut: Decimal::ONE,
            extra_slippage_bps: Decimal::from(2u32),
        }
    }
}

/// Why economics could not be computed (the symbol is then skipped with this message).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EconomicsError {
    /// A funding interval of 0 minutes. Example: a contract with `fundingRateIntervalMin = 0`.
    #[error("{venue}: funding interval must be > 0 minutes, got {minutes}")]
    BadInterval {
        /// Venue id.
        venue: String,
        /// The interval given.
        minutes: u32,
    },
    /// A window that ends at or before it starts. Example: `hold_duration_hours = 0`.
    #[error("hold window must end after it starts: from {from} to {to}")]
    BadWindow {
        /// Start.
        from: DateTime<Utc>,
        /// End.
        to: DateTime<Utc>,
    },
    /// A notional of zero or below. Example: capacity came out at 0 USD.
    #[error("notional must be > 0 USD, got {0}")]
    BadNotional(Decimal),
    /// A negative taker fee. Example: a config typo `taker_fee = -0.0005`.
    #[error("{venue}: taker fee must be >= 0, got {fee}")]
    BadFee {
        /// Venue id.
        venue: String,
        /// The fee given.
        fee: Decimal,
    },
    /// A haircut outside `[0, 1]` or negative extra slippage. Example: `rate_haircut = 1.5`.
    #[error("{field} out of range: {value}")]
    BadParam {
        /// Config key.
        field: &'static str,
        /// The value given.
        value: Decimal,
    },
    /// One side of the book is empty, or the book is crossed, so no cost can be measured.
    /// Example: an illiquid market with no asks.
    #[error("{venue}: book unusable for cost ({detail})")]
    BadBook {
        /// Venue id.
        venue: String,
        /// What is wrong.
        detail: String,
    },
    /// More than [`MAX_SETTLEMENTS_PER_LEG`] settlements in the window.
    #[error("{venue}: more than {limit} settlements in the window")]
    TooManySettlements {
        /// Venue id.
        venue: String,
        /// The limit.
        limit: i64,
    },
    /// The venue publishes no taker fee for the market and none was configured.
    #[error("{venue}: taker fee unknown")]
    UnknownFee {
        /// Venue id.
        venue: String,
    },
    /// Both legs on the same venue. Example: a candidate built from one venue twice.
    #[error("both legs on venue {0}")]
    SameVenue(String),
}

/// One leg's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegEconomics {
    /// Venue id.
    pub venue: String,
    /// Our side.
    pub side: LegSide,
    /// Current rate per interval (fraction).
    pub rate: Decimal,
    /// Forecast used for the next settlement, if any.
    pub predicted_rate: Option<Decimal>,
    /// Interval in minutes.
    pub interval_minutes: u32,
    /// Settlements counted in the window.
    pub settlement_count: u32,
    /// First settlement counted, if any.
    pub first_settlement: Option<DateTime<Utc>>,
    /// Last settlement counted, if any.
    pub last_settlement: Option<DateTime<Utc>>,
    /// Expected funding over the window, USD (positive: received).
    pub expected_funding_usd: Decimal,
    /// Taker fee of the open fill, USD.
    pub entry_fee_usd: Decimal,
    /// Taker fee of the close fill, USD.
    pub exit_fee_usd: Decimal,
    /// Slippage of the open, USD.
    pub entry_slippage_usd: Decimal,
    /// Slippage of the close, USD.
    pub exit_slippage_usd: Decimal,
}

impl LegEconomics {
    /// Fee + slippage of the open.
    pub fn entry_cost_usd(&self) -> Decimal {
        self.entry_fee_usd + self.entry_slippage_usd
    }

    /// Fee + slippage of the close.
    pub fn exit_cost_usd(&self) -> Decimal {
        self.exit_fee_usd + self.exit_slippage_usd
    }
}

/// A candidate (symbol, direction) priced over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Economics {
    /// Base asset.
    pub symbol: String,
    /// The long leg.
    pub long: LegEconomics,
    /// The short leg.
    pub short: LegEconomics,
    /// The window priced.
    pub window: HoldWindow,
    /// Notional per leg, USD.
    pub notional_usd: Decimal,
    /// Sum of both legs' expected funding, USD.
    pub expected_funding_usd: Decimal,
    /// Open fees of both legs, USD.
    pub entry_cost_usd: Decimal,
    /// Close fees and slippage of both legs, USD (what closing now costs a held position).
    pub exit_cost_usd: Decimal,
    /// `entry_cost_usd + exit_cost_usd`.
    pub round_trip_cost_usd: Decimal,
    /// `expected_funding_usd - round_trip_cost_usd`.
    pub expected_net_usd: Decimal,
    /// Expected funding per hour of the window, USD.
    pub funding_per_hour_usd: Decimal,
    /// Expected funding annualised on the notional, percent (before any cost).
    pub funding_apr_percent: Decimal,
    /// Expected net annualised on the notional over the window, percent.
    pub net_apr_percent: Decimal,
    /// `round_trip_cost_usd / funding_per_hour_usd`; `None` when funding per hour <= 0.
    pub break_even_hold_hours: Option<Decimal>,
}

impl Economics {
    /// Funding per hour at the current rates (not the forecast, no haircut), USD: each leg's
    /// `-side_sign x rate x notional x 60 / interval`. Used to compare a held position with a
    /// candidate over the same horizon.
    pub fn carry_per_hour_usd(&self) -> Decimal {
        [&self.long, &self.short]
            .into_iter()
            .filter(|l| l.interval_minutes > 0)
            .map(|l| {
                -l.side.sign() * l.rate * self.notional_usd * Decimal::from(60u32)
                    / Decimal::from(l.interval_minutes)
            })
            .sum()
    }

    /// The leg on `venue`, if either.
    pub fn leg(&self, venue: &str) -> Option<&LegEconomics> {
        [&self.long, &self.short]
            .into_iter()
            .find(|l| l.venue == venue)
    }
}

fn check_inputs(
    quotes: [&VenueQuote; 2],
    window: HoldWindow,
    notional_usd: Decimal,
    params: &EconomicsParams,
) -> Result<(), EconomicsError> {
    if window.to <= window.from {
        return Err(EconomicsError::BadWindow {
            from: window.from,
            to: window.to,
        });
    }
    if notional_usd <= Decimal::ZERO {
        return Err(EconomicsError::BadNotional(notional_usd));
    }
    if params.rate_haircut < Decimal::ZERO || params.rate_haircut > Decimal::ONE {
        return Err(EconomicsError::BadParam {
            field: "rate_haircut",
            value: params.rate_haircut,
        });
    }
    if params.extra_slippage_bps < Decimal::ZERO {
        return Err(EconomicsError::BadParam {
            field: "extra_slippage_bps",
            value: params.extra_slippage_bps,
        });
    }
    if quotes[0].venue == quotes[1].venue {
        return Err(EconomicsError::SameVenue(quotes[0].venue.clone()));
    }
    for q in quotes {
        if q.taker_fee < Decimal::ZERO {
            return Err(EconomicsError::BadFee {
                venue: q.venue.clone(),
                fee: q.taker_fee,
            });
        }
    }
    Ok(())
}

/// Expected funding of one leg over the window, USD (the model in the module docs).
pub fn leg_expected_funding(
    venue: &str,
    side: LegSide,
    schedule: &FundingSchedule,
    window: HoldWindow,
    notional_usd: Decimal,
    rate_haircut: Decimal,
) -> Result<(Decimal, Vec<DateTime<Utc>>), EconomicsError> {
    let settlements = schedule.settlements(venue, window.from, window.to)?;
    let mut total = Decimal::ZERO;
    let mut times = Vec::with_capacity(settlements.len());
    for (at, rate) in settlements {
        total += settlement_payment(side, rate, notional_usd, rate_haircut);
        times.push(at);
    }
    Ok((total, times))
}

/// Expected payment of one settlement, USD: `-side_sign x rate x notional`, haircut only when
/// it is in our favour.
pub fn settlement_payment(
    side: LegSide,
    rate: Decimal,
    notional_usd: Decimal,
    rate_haircut: Decimal,
) -> Decimal {
    let payment = -side.sign() * rate * notional_usd;
    if payment > Decimal::ZERO {
        payment * rate_haircut
    } else {
        payment
    }
}

/// Slippage of crossing `book` for `notional_usd` as a buyer (`buy`) or seller: half the spread
/// x size, plus `extra_slippage_bps` on the part beyond the touch level.
pub fn crossing_slippage(
    venue: &str,
    book: &TopOfBook,
    buy: bool,
    notional_usd: Decimal,
    extra_slippage_bps: Decimal,
) -> Result<Decimal, EconomicsError> {
    let bad = |detail: &str| EconomicsError::BadBook {
        venue: venue.to_string(),
        detail: detail.to_string(),
    };
    let (bid, ask) = match (book.bid, book.ask) {
        (Some(b), Some(a)) => (b, a),
        (None, _) => return Err(bad("no bid")),
        (_, None) => return Err(bad("no ask")),
    };
    if bid.price <= Decimal::ZERO || ask.price <= bid.price {
        return Err(bad(&format!(
            "bid {} ask {} not a valid book",
            bid.price, ask.price
        )));
    }
    let mid = (bid.price + ask.price) / Decimal::TWO;
    let size = notional_usd / mid;
    let half_spread = (ask.price - bid.price) / Decimal::TWO;
    let touch = if buy { ask } else { bid };
    let beyond = (size - touch.size).max(Decimal::ZERO);
    Ok(half_spread * size + beyond * mid * extra_slippage_bps / BPS)
}

fn leg_economics(
    quote: &VenueQuote,
    side: LegSide,
    window: HoldWindow,
    notional_usd: Decimal,
    params: &EconomicsParams,
) -> Result<LegEconomics, EconomicsError> {
    let (funding, times) = leg_expected_funding(
        &quote.venue,
        side,
        &quote.funding,
        window,
        notional_usd,
        params.rate_haircut,
    )?;
    let fee = quote.taker_fee * notional_usd;
    let opens_with_buy = side == LegSide::Long;
    Ok(LegEconomics {
        venue: quote.venue.clone(),
        side,
        rate: quote.funding.rate,
        predicted_rate: quote.funding.predicted_rate,
        interval_minutes: quote.funding.interval_minutes,
        settlement_count: u32::try_from(times.len()).unwrap_or(u32::MAX),
        first_settlement: times.first().copied(),
        last_settlement: times.last().copied(),
        expected_funding_usd: funding,
        entry_fee_usd: fee,
        exit_fee_usd: fee,
        entry_slippage_usd: crossing_slippage(
            &quote.venue,
            &quote.book,
            opens_with_buy,
            notional_usd,
            params.extra_slippage_bps,
        )?,
        exit_slippage_usd: crossing_slippage(
            &quote.venue,
            &quote.book,
            !opens_with_buy,
            notional_usd,
            params.extra_slippage_bps,
        )?,
    })
}

/// Prices "long on `long`, short on `short`" for `symbol` over `window` at `notional_usd` per
/// leg.
pub fn evaluate(
    symbol: &str,
    long: &VenueQuote,
    short: &VenueQuote,
    window: HoldWindow,
    notional_usd: Decimal,
    params: &EconomicsParams,
) -> Result<Economics, EconomicsError> {
    check_inputs([long, short], window, notional_usd, params)?;
    let long = leg_economics(long, LegSide::Long, window, notional_usd, params)?;
    let short = leg_economics(short, LegSide::Short, window, notional_usd, params)?;
    let expected_funding_usd = long.expected_funding_usd + short.expected_funding_usd;
    let entry_cost_usd = long.entry_cost_usd() + short.entry_cost_usd();
    let exit_cost_usd = long.exit_cost_usd() + short.exit_cost_usd();
    let round_trip_cost_usd = entry_cost_usd + exit_cost_usd;
    let expected_net_usd = expected_funding_usd - round_trip_cost_usd;
    let hours = window.hours();
    let funding_per_hour_usd = expected_funding_usd / hours;
    // Multiply before dividing so that round figures stay exact (an APR at the bar must
    // compare equal to it).
    let annualise =
        |usd: Decimal| usd * HOURS_PER_YEAR * Decimal::ONE_HUNDRED / (notional_usd * hours);
    let break_even_hold_hours = if funding_per_hour_usd > Decimal::ZERO {
        Some(round_trip_cost_usd * hours / expected_funding_usd)
    } else {
        None
    };
    Ok(Economics {
        symbol: symbol.to_string(),
        long,
        short,
        window,
        notional_usd,
        expected_funding_usd,
        entry_cost_usd,
        exit_cost_usd,
        round_trip_cost_usd,
        expected_net_usd,
        funding_per_hour_usd,
        funding_apr_percent: annualise(expected_funding_usd),
        net_apr_percent: annualise(expected_net_usd),
        break_even_hold_hours,
    })
}

/// Prices both directions: (long `a` / short `b`, long `b` / short `a`), for a log that shows
/// why a direction was chosen.
pub fn both_directions(
    symbol: &str,
    a: &VenueQuote,
    b: &VenueQuote,
    window: HoldWindow,
    notional_usd: Decimal,
    params: &EconomicsParams,
) -> Result<(Economics, Economics), EconomicsError> {
    Ok((
        evaluate(symbol, a, b, window, notional_usd, params)?,
        evaluate(symbol, b, a, window, notional_usd, params)?,
    ))
}

/// Prices both directions and returns the one with the higher expected net USD; on a tie the
/// long leg goes to `a` (the seed's tie rule with `a` = the first venue of the pair).
pub fn best_direction(
    symbol: &str,
    a: &VenueQuote,
    b: &VenueQuote,
    window: HoldWindow,
    notional_usd: Decimal,
    params: &EconomicsParams,
) -> Result<Economics, EconomicsError> {
    let (long_a, long_b) = both_directions(symbol, a, b, window, notional_usd, params)?;
    Ok(if long_b.expected_net_usd > long_a.expected_net_usd {
        long_b
    } else {
        long_a
    })
}
