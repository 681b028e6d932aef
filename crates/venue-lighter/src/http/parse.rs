//! Wire -> domain conversion, in one place: decimal strings, units (percent vs fraction,
//! s vs ms, per-hour vs per-8-hours), signs, and the market grid.

use super::models::{
    AccountPosition, DetailedAccount, Funding, FundingRateEntry, Order, OrderBook, OrderBookDetail,
};
use crate::signing::scaling::{max_leverage_from_imf, step};
use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;
use venue_api::{
    Balance, ClientOrderId, FundingPoint, FundingRate, MarketId, MarketInfo, MarketStatus,
    OrderState, OrderStatus, Position, Side, VenueError,
};

/// Lighter settles funding every hour.
pub const FUNDING_INTERVAL_MINUTES: u32 = 60;
/// Quote (collateral) currency of Lighter perps.
pub const QUOTE: &str = "USDC";

/// Everything the adapter needs to trade one market.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketSpec {
    /// Domain view.
    pub info: MarketInfo,
    /// Lighter market index.
    pub market_index: u8,
    /// Decimals of `BaseAmount`.
    pub size_decimals: u32,
    /// Decimals of `Price`.
    pub price_decimals: u32,
    /// Smallest IMF (1/10000), where known.
    pub min_imf: Option<u32>,
    /// Default IMF (1/10000), where known.
    pub default_imf: Option<u32>,
}

fn decode(reason: String) -> VenueError {
    VenueError::Decode {
        reason,
        raw_body: String::new(),
    }
}

/// A decimal from a wire string (also accepts exponent notation).
pub fn dec(field: &str, s: &str) -> Result<Decimal, VenueError> {
    let t = s.trim();
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| decode(format!("{field}: not a decimal: {s:?}")))
}

fn opt_dec(field: &str, s: &Option<String>) -> Result<Option<Decimal>, VenueError> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => dec(field, v).map(Some),
    }
}

/// A timestamp given in seconds or milliseconds (values above 10^12 are ms).
pub fn timestamp(v: i64) -> Result<DateTime<Utc>, VenueError> {
    Utc.timestamp_millis_opt(timestamp_ms(v))
        .single()
        .ok_or_else(|| decode(format!("bad timestamp {v}")))
}

/// A venue timestamp in seconds or milliseconds, as milliseconds.
pub fn timestamp_ms(v: i64) -> i64 {
    if v > 1_000_000_000_000 {
        v
    } else {
        v.saturating_mul(1000)
    }
}

/// What the venue lets us do on a market: `orderBooks.status` other than "active" stops
/// it; `orderBookDetails.market_config.force_reduce_only` leaves only reducing orders.
pub fn market_status(book: &OrderBook, detail: Option<&OrderBookDetail>) -> MarketStatus {
    let reduce_only = detail
        .and_then(|d| d.market_config.as_ref())
        .and_then(|c| c.force_reduce_only)
        .unwrap_or(false);
    if !book.status.eq_ignore_ascii_case("active") {
        MarketStatus::Inactive
    } else if reduce_only {
        MarketStatus::ReduceOnly
    } else {
        MarketStatus::Active
    }
}

/// Market facts from `orderBooks` (+ `orderBookDetails` when present). Fees arrive in
/// percent and become fractions; max leverage = 10000 / min IMF.
pub fn market_spec(
    book: &OrderBook,
    detail: Option<&OrderBookDetail>,
) -> Result<MarketSpec, VenueError> {
    let market_index = u8::try_from(book.market_id)
        .ok()
        .filter(|m| *m <= 254)
        .ok_or_else(|| {
            decode(format!(
                "{}: market_id {} out of the perp range",
                book.symbol, book.market_id
            ))
        })?;
    let pct =
        |f: &str, v: &Option<String>| opt_dec(f, v).map(|o| o.map(|x| x / Decimal::ONE_HUNDRED));
    let min_imf = detail.and_then(|d| d.min_initial_margin_fraction);
    let default_imf = detail.and_then(|d| d.default_initial_margin_fraction);
    let min_quote = dec("min_quote_amount", &book.min_quote_amount)?;
    let info = MarketInfo {
        symbol: book.symbol.to_ascii_uppercase(),
        quote: QUOTE.to_string(),
        market_id: MarketId(book.market_id.to_string()),
        tick_size: step(book.supported_price_decimals),
        step_size: step(book.supported_size_decimals),
        min_size: dec("min_base_amount", &book.min_base_amount)?,
        min_quote: (!min_quote.is_zero()).then_some(min_quote),
        max_leverage: min_imf.and_then(max_leverage_from_imf),
        default_leverage: default_imf.and_then(max_leverage_from_imf),
        taker_fee: pct("taker_fee", &book.taker_fee)?,
        maker_fee: pct("maker_fee", &book.maker_fee)?,
        funding_interval_minutes: Some(FUNDING_INTERVAL_MINUTES),
        status: market_status(book, detail),
        maintenance_margin_fraction: detail
            .and_then(|d| d.maintenance_margin_fraction)
            .filter(|f| *f > 0)
            .map(|f| Decimal::from(f) / Decimal::from(10_000)),
    };
    Ok(MarketSpec {
        info,
        market_index,
        size_decimals: book.supported_size_decimals,
        price_decimals: book.supported_price_decimals,
        min_imf,
        default_imf,
    })
}

/// A settled rate of `fundings`: `rate` is percent per hour, paid by the side `direction`
/// names. A signed `rate` is taken as is; an unsigned one is negative when shorts paid.
pub fn funding_fraction(f: &Funding) -> Result<Decimal, VenueError> {
    let raw = dec("fundings.rate", &f.rate)?;
    let fraction = raw / Decimal::ONE_HUNDRED;
    let shorts_paid = f
        .direction
        .as_deref()
        .is_some_and(|d| d.eq_ignore_ascii_case("short"));
    Ok(if fraction.is_sign_positive() && shorts_paid {
        -fraction
    } else {
        fraction
    })
}

/// `FundingRate` from the latest `fundings` entry.
pub fn funding_rate(f: &Funding) -> Result<FundingRate, VenueError> {
    Ok(FundingRate {
        rate: funding_fraction(f)?,
        interval_minutes: FUNDING_INTERVAL_MINUTES,
        next_funding_time: None,
        time: Some(timestamp(f.timestamp)?),
    })
}

/// `FundingPoint` from a `fundings` entry.
pub fn funding_point(f: &Funding) -> Result<FundingPoint, VenueError> {
    Ok(FundingPoint {
        time: timestamp(f.timestamp)?,
        rate: funding_fraction(f)?,
        interval_minutes: FUNDING_INTERVAL_MINUTES,
    })
}

/// The first whole hour after `now` (Lighter's next funding settlement).
pub fn next_hour(now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let hour = now.timestamp().div_euclid(3600) + 1;
    DateTime::from_timestamp(hour * 3600, 0)
}

/// `FundingRate` from the bulk `funding-rates` entry: a fraction per 8 hours (like the other
/// exchanges it lists), converted to Lighter's hourly interval.
pub fn bulk_funding_rate(e: &FundingRateEntry) -> Result<FundingRate, VenueError> {
    let per_8h = dec("funding_rates.rate", &e.rate.to_string())?;
    Ok(FundingRate {
        rate: per_8h / Decimal::from(8),
        interval_minutes: FUNDING_INTERVAL_MINUTES,
        next_funding_time: None,
        time: None,
    })
}

/// Equity and available balance of an account. Lighter publishes no account maintenance
/// figure: it is Σ |size| x mark x the market's maintenance fraction over the open
/// positions (`mmf_of` gives a market's fraction), `None` when one of them lacks a mark or
/// a fraction (never a partial sum).
pub fn balance(
    a: &DetailedAccount,
    mmf_of: &dyn Fn(u32) -> Option<Decimal>,
) -> Result<Balance, VenueError> {
    let mut maintenance = Some(Decimal::ZERO);
    for p in &a.positions {
        let Some(pos) = position(p, mmf_of(p.market_id))? else {
            continue;
        };
        maintenance = match (maintenance, pos.mark_price, pos.maintenance_margin_fraction) {
            (Some(sum), Some(mark), Some(f)) => Some(sum + pos.size.abs() * mark * f),
            _ => None,
        };
    }
    Ok(Balance {
        equity: dec("total_asset_value", &a.total_asset_value)?,
        available: dec("available_balance", &a.available_balance)?,
        margin_usage: None,
        maintenance_margin: maintenance,
        initial_margin: None,
    })
}

/// An open position (`None` when flat). Signed size = `position * sign`; mark =
/// `position_value / position` (the venue values positions at the mark); `mmf` is the
/// market's maintenance fraction (`orderBookDetails`), which the account entry lacks.
pub fn position(p: &AccountPosition, mmf: Option<Decimal>) -> Result<Option<Position>, VenueError> {
    let abs = dec("position", &p.position)?;
    if abs.is_zero() {
        return Ok(None);
    }
    let size = match p.sign {
        1 => abs,
        -1 => -abs,
        other => {
            return Err(decode(format!(
                "{}: position {abs} with sign {other}",
                p.symbol
            )))
        }
    };
    let imf_pct = opt_dec("initial_margin_fraction", &p.initial_margin_fraction)?;
    Ok(Some(Position {
        symbol: p.symbol.to_ascii_uppercase(),
        market_id: MarketId(p.market_id.to_string()),
        size,
        entry_price: opt_dec("avg_entry_price", &p.avg_entry_price)?,
        unrealized_pnl: opt_dec("unrealized_pnl", &p.unrealized_pnl)?,
        liquidation_price: opt_dec("liquidation_price", &p.liquidation_price)?
            .filter(|l| !l.is_zero()),
        leverage: imf_pct.and_then(crate::signing::scaling::leverage_from_imf_percent),
        opened_at: None,
        mark_price: opt_dec("position_value", &p.position_value)?
            .and_then(|v| v.checked_div(abs))
            .filter(|m| *m > Decimal::ZERO),
        maintenance_margin_fraction: mmf,
    }))
}

/// Order state from Lighter's status text.
pub fn order_state(status: &str) -> OrderState {
    let s = status.to_ascii_lowercase();
    if s == "filled" {
        OrderState::Filled
    } else if s.starts_with("cancel") || s.contains("expired") {
        OrderState::Canceled
    } else if s == "open" || s == "in-progress" || s == "in_progress" {
        OrderState::Open
    } else if s == "pending" {
        OrderState::Pending
    } else {
        // A status this adapter does not know (the venue may add one) must not end the
        // tracking of an order that may still fill: keep it non-final, so the engine keeps
        // watching, cancels it at its settle timeout, and positions decide.
        tracing::warn!(
            status,
            "unknown Lighter order status; treated as still working"
        );
        OrderState::Pending
    }
}

/// An order read back, with its fee where the market's fee rates are known: Lighter's order
/// record carries no fee, so it is the filled notional times the market's rate (maker for a
/// post-only order, taker otherwise: an IOC always takes; a resting order that made is
/// over-stated, never under-stated).
pub fn order_status_in(o: &Order, market: &MarketInfo) -> Result<OrderStatus, VenueError> {
    let mut status = order_status(o)?;
    let rate = match o.time_in_force.as_deref() {
        Some("post-only") => market.maker_fee,
        _ => market.taker_fee,
    };
    let quote = opt_dec("filled_quote_amount", &o.filled_quote_amount)?;
    status.fee = match (rate, quote) {
        (Some(rate), Some(q)) => Some((q * rate).round_dp(8)),
        (Some(_), None) if status.filled_size.is_zero() => Some(Decimal::ZERO),
        _ => None,
    };
    Ok(status)
}

/// An order read back (no fee: see [`order_status_in`]).
pub fn order_status(o: &Order) -> Result<OrderStatus, VenueError> {
    let client_id = u64::try_from(o.client_order_index)
        .ok()
        .and_then(ClientOrderId::new)
        .ok_or_else(|| decode(format!("order {} has no client order index", o.order_index)))?;
    let filled = dec("filled_base_amount", &o.filled_base_amount)?;
    let quote = opt_dec("filled_quote_amount", &o.filled_quote_amount)?;
    let state = order_state(&o.status);
    Ok(OrderStatus {
        client_id,
        venue_order_id: Some(o.order_index.to_string()),
        side: if o.is_ask { Side::Sell } else { Side::Buy },
        size: dec("initial_base_amount", &o.initial_base_amount)?,
        price: dec("price", &o.price)?,
        state,
        filled_size: filled,
        avg_fill_price: match quote {
            Some(q) if !filled.is_zero() => Some(q / filled),
            _ => None,
        },
        fee: None,
        reason: matches!(state, OrderState::Canceled | OrderState::Rejected)
            .then(|| o.status.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn funding(rate: &str, direction: &str) -> Funding {
        Funding {
            timestamp: 1_700_000_000,
            rate: rate.into(),
            direction: Some(direction.into()),
        }
    }

    #[test]
    fn next_settlement_is_the_next_whole_hour() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let cases = [
            ("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z"),
            ("2026-06-01T10:59:59Z", "2026-06-01T11:00:00Z"),
            ("2026-06-01T23:30:00Z", "2026-06-02T00:00:00Z"),
        ];
        for (now, want) in cases {
            assert_eq!(next_hour(at(now)), Some(at(want)), "{now}");
        }
    }

    #[test]
    fn funding_units_and_sign() {
        assert_eq!(
            funding_fraction(&funding("0.0012", "long")).unwrap(),
            dec!(0.000012)
        );
        assert_eq!(
            funding_fraction(&funding("0.0012", "short")).unwrap(),
            dec!(-0.000012)
        );
        assert_eq!(
            funding_fraction(&funding("-0.0012", "short")).unwrap(),
            dec!(-0.000012)
        );
        assert!(funding_fraction(&funding("abc", "long")).is_err());
        let r = funding_rate(&funding("0.01", "long")).unwrap();
        assert_eq!(r.interval_minutes, 60);
        assert_eq!(r.time.unwrap().timestamp(), 1_700_000_000);
        assert_eq!(
            timestamp(1_700_000_000_123).unwrap().timestamp_millis(),
            1_700_000_000_123
        );
    }

    #[test]
    fn bulk_rate_is_per_8h() {
        let e: FundingRateEntry = serde_json::from_str(
            r#"{"market_id":1,"exchange":"lighter","symbol":"BTC","rate":0.00008}"#,
        )
        .unwrap();
        assert_eq!(bulk_funding_rate(&e).unwrap().rate, dec!(0.00001));
        let e: FundingRateEntry = serde_json::from_str(
            r#"{"market_id":1,"exchange":"lighter","symbol":"BTC","rate":-8e-5}"#,
        )
        .unwrap();
        assert_eq!(bulk_funding_rate(&e).unwrap().rate, dec!(-0.00001));
    }

    #[test]
    fn order_states() {
        for (s, want) in [
            ("open", OrderState::Open),
            ("filled", OrderState::Filled),
            ("canceled", OrderState::Canceled),
            ("canceled-post-only", OrderState::Canceled),
            ("canceled-margin-not-allowed", OrderState::Canceled),
            ("pending", OrderState::Pending),
            ("weird", OrderState::Pending),
        ] {
            assert_eq!(order_state(s), want, "{s}");
        }
    }
}
