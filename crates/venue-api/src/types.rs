//! Domain types: what the engine needs to know about markets, books, funding, accounts and
//! orders, independent of any venue's wire format.

use crate::ids::{ClientOrderId, MarketId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Order side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Buy: opens or adds to a long, reduces a short.
    Buy,
    /// Sell: opens or adds to a short, reduces a long.
    Sell,
}

impl Side {
    /// The other side.
    pub fn opposite(self) -> Self {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// +1 for a buy, -1 for a sell: the sign a fill adds to a signed position.
    pub fn sign(self) -> Decimal {
        match self {
            Side::Buy => Decimal::ONE,
            Side::Sell => Decimal::NEGATIVE_ONE,
        }
    }

    /// The side that reduces a position of this signed size (`None` when flat).
    pub fn closing(signed_size: Decimal) -> Option<Self> {
        if signed_size > Decimal::ZERO {
            Some(Side::Sell)
        } else if signed_size < Decimal::ZERO {
            Some(Side::Buy)
        } else {
            None
        }
    }
}

/// Time in force of a limit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    /// Fill what crosses now, cancel the rest. The hedge protocol's default.
    ImmediateOrCancel,
    /// Rest until cancelled.
    GoodTilCancel,
    /// Rest until the given time.
    GoodTilTime(DateTime<Utc>),
    /// Rest only as a maker; rejected if it would cross.
    PostOnly,
}

/// Whether a market accepts orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketStatus {
    /// Trading normally.
    Active,
    /// Only orders that reduce a position are accepted.
    ReduceOnly,
    /// No trading (delisted, maintenance, not yet open).
    Inactive,
}

/// Static facts about one market on one venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketInfo {
    /// Base asset, upper case (`BTC`).
    pub symbol: String,
    /// Quote currency, upper case (`USD`).
    pub quote: String,
    /// The venue's own market identifier.
    pub market_id: MarketId,
    /// Price tick (every price is a multiple of it).
    pub tick_size: Decimal,
    /// Size step (every size is a multiple of it).
    pub step_size: Decimal,
    /// Smallest order size in base units.
    pub min_size: Decimal,
    /// Smallest order value in quote currency, where the venue has one.
    pub min_quote: Option<Decimal>,
    /// Highest leverage the venue allows for this market, where known.
    pub max_leverage: Option<Decimal>,
    /// Leverage an account gets when it never set one, where known.
    pub default_leverage: Option<Decimal>,
    /// Taker fee as a fraction of notional (0.0005 = 5 bps), where known.
    pub taker_fee: Option<Decimal>,
    /// Maker fee as a fraction of notional, where known.
    pub maker_fee: Option<Decimal>,
    /// Length of one funding interval in minutes, where the venue publishes it.
    pub funding_interval_minutes: Option<u32>,
    /// Whether orders are accepted.
    pub status: MarketStatus,
    /// Maintenance margin as a fraction of notional for the market's base tier, where
    /// the venue publishes it (Lighter `maintenance_margin_fraction`).
    #[serde(default)]
    pub maintenance_margin_fraction: Option<Decimal>,
}

/// Where a top-of-book quote came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookSource {
    /// A live stream kept open by the adapter.
    Stream,
    /// A REST snapshot.
    Rest,
    /// Made up from a last trade price; never used for order pricing unless allowed.
    Synthetic,
}

/// One price level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookLevel {
    /// Price in quote currency.
    pub price: Decimal,
    /// Size available at that price in base units.
    pub size: Decimal,
}

/// Best bid and ask. Either side may be missing (an empty side of the book).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopOfBook {
    /// Highest bid.
    pub bid: Option<BookLevel>,
    /// Lowest ask.
    pub ask: Option<BookLevel>,
    /// When the venue produced it (or when we received it, if the venue gives no time).
    pub time: DateTime<Utc>,
    /// Where it came from.
    pub source: BookSource,
}

impl TopOfBook {
    /// Best bid price.
    pub fn bid_price(&self) -> Option<Decimal> {
        self.bid.map(|l| l.price)
    }

    /// Best ask price.
    pub fn ask_price(&self) -> Option<Decimal> {
        self.ask.map(|l| l.price)
    }

    /// (bid + ask) / 2 when both sides exist.
    pub fn mid(&self) -> Option<Decimal> {
        match (self.bid_price(), self.ask_price()) {
            (Some(b), Some(a)) => Some((b + a) / Decimal::TWO),
            _ => None,
        }
    }

    /// True when the best bid is at or above the best ask.
    pub fn is_crossed(&self) -> bool {
        matches!((self.bid_price(), self.ask_price()), (Some(b), Some(a)) if b >= a)
    }
}

/// The current funding rate of a market.
///
/// Sign convention for every venue: a positive rate means longs pay shorts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundingRate {
    /// Rate as a fraction per interval (0.0001 = 0.01 % per interval).
    pub rate: Decimal,
    /// Length of the interval the rate applies to, in minutes.
    pub interval_minutes: u32,
    /// Next settlement, where the venue says.
    pub next_funding_time: Option<DateTime<Utc>>,
    /// When this rate was published or settled, where the venue says.
    pub time: Option<DateTime<Utc>>,
}

/// One historical funding rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundingPoint {
    /// Settlement time.
    pub time: DateTime<Utc>,
    /// Rate as a fraction per interval (positive: longs pay shorts).
    pub rate: Decimal,
    /// Interval length in minutes.
    pub interval_minutes: u32,
}

/// A funding payment booked on the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundingPayment {
    /// When it was booked.
    pub time: DateTime<Utc>,
    /// Amount in quote currency: positive received, negative paid.
    pub amount: Decimal,
}

/// Collateral of the account in quote currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// Total equity, including unrealised PnL.
    pub equity: Decimal,
    /// Available for new positions.
    pub available: Decimal,
    /// Share of equity consumed by margin (0..1), where the venue reports it.
    pub margin_usage: Option<Decimal>,
    /// The venue's maintenance margin requirement for the whole account, in quote
    /// currency: below it the venue liquidates. EdgeX publishes it (`starkExRiskValue`);
    /// for Lighter the adapter sums |size| x mark x maintenance fraction over the
    /// positions when the venue does not give it. `None` when neither is possible.
    #[serde(default)]
    pub maintenance_margin: Option<Decimal>,
    /// The initial margin the open positions hold, in quote currency, where the venue
    /// gives it (EdgeX `initialMarginRequirement`).
    #[serde(default)]
    pub initial_margin: Option<Decimal>,
}

/// An open position. A flat market has no `Position` at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Base asset, upper case.
    pub symbol: String,
    /// The venue's market id.
    pub market_id: MarketId,
    /// Signed size in base units: positive long, negative short.
    pub size: Decimal,
    /// Average entry price, where known.
    pub entry_price: Option<Decimal>,
    /// Unrealised PnL in quote currency, where known.
    pub unrealized_pnl: Option<Decimal>,
    /// Liquidation price, where known.
    pub liquidation_price: Option<Decimal>,
    /// Leverage in force for the position, where known.
    pub leverage: Option<Decimal>,
    /// When the position was opened, where the venue says.
    pub opened_at: Option<DateTime<Utc>>,
    /// The venue's mark price for the market, where it gives one with the position.
    #[serde(default)]
    pub mark_price: Option<Decimal>,
    /// Maintenance margin as a fraction of notional (0.005 = 0.5 %) the venue applies to
    /// this position, where known (Lighter per market; EdgeX from the position's risk
    /// rate). Each adapter's README says which figure it uses.
    #[serde(default)]
    pub maintenance_margin_fraction: Option<Decimal>,
}

/// Cross or isolated margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarginMode {
    /// One pool of collateral for all positions (what this system uses).
    Cross,
    /// Collateral allocated per position.
    Isolated,
}

/// The leverage an account has for a market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeverageSetting {
    /// Leverage multiple (5 = 5x).
    pub leverage: Decimal,
    /// Margin mode.
    pub margin_mode: MarginMode,
    /// False when the venue reports its default because the account never set one.
    pub explicitly_set: bool,
}

/// A limit order as the engine wants it. Sizes and prices must already lie on the market's
/// grids; adapters reject (never round) values that do not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    /// Base asset, upper case.
    pub symbol: String,
    /// Buy or sell.
    pub side: Side,
    /// Size in base units (> 0).
    pub size: Decimal,
    /// Limit price (> 0).
    pub price: Decimal,
    /// Time in force.
    pub time_in_force: TimeInForce,
    /// Only reduce an existing position.
    pub reduce_only: bool,
    /// Our id for the order, used to find it again.
    pub client_id: ClientOrderId,
    /// The latest moment the venue may still execute the order; `None` leaves the venue's
    /// default. The engine sets it to the end of the settle window, so that an order it has
    /// declared "not placed" cannot execute later. Adapters put it on the wire where the
    /// venue supports an expiry (Lighter `ExpiredAt`, EdgeX `expireTime`), never later than
    /// asked, and refuse a moment already past.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

impl OrderRequest {
    /// For a post-only order that would take liquidity at this top of book: the refusal to
    /// return instead of sending it (the venue would accept and then cancel it), naming both
    /// prices. `None` for any other order, for one that rests, or when the side it would
    /// cross is empty.
    pub fn post_only_cross(&self, top: &TopOfBook) -> Option<crate::VenueError> {
        if self.time_in_force != TimeInForce::PostOnly {
            return None;
        }
        let (side, other, touch, crosses) = match self.side {
            Side::Buy => {
                let ask = top.ask?.price;
                ("buy", "best ask", ask, self.price >= ask)
            }
            Side::Sell => {
                let bid = top.bid?.price;
                ("sell", "best bid", bid, self.price <= bid)
            }
        };
        crosses.then(|| {
            crate::VenueError::InvalidRequest(format!(
                "post-only {side} {} {} at {} would cross the {other} {touch} (not sent: the \
                 venue would cancel it)",
                self.size, self.symbol, self.price
            ))
        })
    }
}

/// What a venue said when it accepted an order for processing. An ack is not a fill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderAck {
    /// Our id.
    pub client_id: ClientOrderId,
    /// The venue's order id, if it returned one.
    pub venue_order_id: Option<String>,
    /// A transaction hash, on venues that return one.
    pub tx_hash: Option<String>,
}

/// Lifecycle state of an order as the venue reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Received, not yet on the book.
    Pending,
    /// Resting on the book (possibly partly filled).
    Open,
    /// Completely filled.
    Filled,
    /// Cancelled (by us, by expiry, or IOC remainder); may be partly filled.
    Canceled,
    /// Refused by the venue.
    Rejected,
}

impl OrderState {
    /// True when the order can no longer change.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderState::Filled | OrderState::Canceled | OrderState::Rejected
        )
    }
}

/// An order read back from the venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderStatus {
    /// Our id.
    pub client_id: ClientOrderId,
    /// The venue's order id, where known.
    pub venue_order_id: Option<String>,
    /// Side.
    pub side: Side,
    /// Ordered size in base units.
    pub size: Decimal,
    /// Limit price.
    pub price: Decimal,
    /// State.
    pub state: OrderState,
    /// Filled size in base units.
    pub filled_size: Decimal,
    /// Average fill price, when something filled.
    pub avg_fill_price: Option<Decimal>,
    /// Fees paid in quote currency, where known.
    pub fee: Option<Decimal>,
    /// The venue's reason for a cancel or reject, where given.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn book(bid: Option<Decimal>, ask: Option<Decimal>) -> TopOfBook {
        TopOfBook {
            bid: bid.map(|price| BookLevel {
                price,
                size: dec!(1),
            }),
            ask: ask.map(|price| BookLevel {
                price,
                size: dec!(1),
            }),
            time: DateTime::<Utc>::UNIX_EPOCH,
            source: BookSource::Rest,
        }
    }

    #[test]
    fn post_only_cross_refuses_only_a_post_only_that_takes() {
        let top = book(Some(dec!(99)), Some(dec!(101)));
        let req = |side, price, tif| OrderRequest {
            symbol: "BTC".into(),
            side,
            size: dec!(0.5),
            price,
            time_in_force: tif,
            reduce_only: false,
            client_id: ClientOrderId::new(7).unwrap_or_else(|| unreachable!()),
            expires_at: None,
        };
        let po = TimeInForce::PostOnly;
        let cross = |r: OrderRequest| r.post_only_cross(&top).map(|e| e.to_string());
        let buy = cross(req(Side::Buy, dec!(101), po)).unwrap_or_default();
        assert!(
            buy.contains("buy 0.5 BTC at 101") && buy.contains("best ask 101"),
            "{buy}"
        );
        let sell = cross(req(Side::Sell, dec!(98), po)).unwrap_or_default();
        assert!(sell.contains("best bid 99"), "{sell}");
        assert_eq!(cross(req(Side::Buy, dec!(100.99), po)), None);
        assert_eq!(cross(req(Side::Sell, dec!(99.01), po)), None);
        assert_eq!(
            cross(req(Side::Buy, dec!(105), TimeInForce::GoodTilCancel)),
            None
        );
        let no_asks = book(Some(dec!(99)), None);
        assert_eq!(
            req(Side::Buy, dec!(105), po).post_only_cross(&no_asks),
            None
        );
    }

    #[test]
    fn mid_needs_both_sides() {
        assert_eq!(book(Some(dec!(99)), Some(dec!(101))).mid(), Some(dec!(100)));
        assert_eq!(book(None, Some(dec!(101))).mid(), None);
        assert_eq!(book(Some(dec!(99)), None).mid(), None);
    }

    #[test]
    fn crossed_book() {
        assert!(book(Some(dec!(101)), Some(dec!(101))).is_crossed());
        assert!(!book(Some(dec!(100)), Some(dec!(101))).is_crossed());
        assert!(!book(None, Some(dec!(101))).is_crossed());
    }

    #[test]
    fn closing_side() {
        assert_eq!(Side::closing(dec!(1.5)), Some(Side::Sell));
        assert_eq!(Side::closing(dec!(-0.1)), Some(Side::Buy));
        assert_eq!(Side::closing(Decimal::ZERO), None);
        assert_eq!(Side::Buy.opposite(), Side::Sell);
        assert_eq!(Side::Sell.sign(), dec!(-1));
    }

    #[test]
    fn margin_figures_default_when_absent_from_old_json() {
        let b: Balance =
            serde_json::from_str(r#"{"equity":"10","available":"4","margin_usage":null}"#).unwrap();
        assert_eq!((b.maintenance_margin, b.initial_margin), (None, None));
        let p: Position = serde_json::from_str(
            r#"{"symbol":"BTC","market_id":"1","size":"-0.5","entry_price":null,
                "unrealized_pnl":null,"liquidation_price":null,"leverage":null,"opened_at":null}"#,
        )
        .unwrap();
        assert_eq!((p.mark_price, p.maintenance_margin_fraction), (None, None));
        let with = Balance {
            maintenance_margin: Some(dec!(1.25)),
            initial_margin: Some(dec!(3)),
            ..b
        };
        let back: Balance = serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(back, with);
    }
}
