//! From the engine's [`OrderRequest`] to a Lighter CreateOrder, exactly: grid checks,
//! minimums, time-in-force mapping and the order expiry default.

use crate::error::from_scaling;
use crate::http::parse::MarketSpec;
use crate::signing::scaling::{price_to_wire, size_to_wire};
use crate::signing::signer::DEFAULT_ORDER_EXPIRY_MS;
use crate::signing::{CreateOrder, OrderTimeInForce, OrderType};
use rust_decimal::Decimal;
use venue_api::{MarketStatus, OrderRequest, Side, TimeInForce, VenueError};

/// Lighter's shortest expiry of a resting order (lighter-go `MinOrderExpiryPeriod`).
pub const MIN_ORDER_EXPIRY_PERIOD_MS: i64 = 5 * 60 * 1000;

/// Builds the CreateOrder fields for `req` on `market` at `now_ms`.
///
/// `ImmediateOrCancel` -> limit IOC (expiry 0); `GoodTilCancel` -> GTT with the SDK's 28-day
/// expiry; `GoodTilTime(t)` -> GTT expiring at t; `PostOnly` -> post-only, 28 days.
pub fn build_create_order(
    req: &OrderRequest,
    market: &MarketSpec,
    now_ms: i64,
) -> Result<CreateOrder, VenueError> {
    match market.info.status {
        MarketStatus::Active => {}
        MarketStatus::Inactive => {
            return Err(VenueError::InvalidRequest(format!(
                "{} is not active on Lighter (orderBooks status); no order is sent",
                market.info.symbol
            )))
        }
        MarketStatus::ReduceOnly if !req.reduce_only => {
            return Err(VenueError::InvalidRequest(format!(
                "{} is reduce-only on Lighter (market_config.force_reduce_only); only \
                 reduce-only orders are accepted",
                market.info.symbol
            )))
        }
        MarketStatus::ReduceOnly => {}
    }
    if req.size <= Decimal::ZERO || req.price <= Decimal::ZERO {
        return Err(VenueError::InvalidRequest(
            "size and price must be > 0".into(),
        ));
    }
    let base_amount = size_to_wire(req.size, market.size_decimals).map_err(from_scaling)?;
    let price = price_to_wire(req.price, market.price_decimals).map_err(from_scaling)?;
    if !req.reduce_only {
        if req.size < market.info.min_size {
            return Err(VenueError::InvalidRequest(format!(
                "size {} below the minimum {} for {}",
                req.size, market.info.min_size, market.info.symbol
            )));
        }
        if let Some(min_quote) = market.info.min_quote {
            let notional = req.size * req.price;
            if notional < min_quote {
                return Err(VenueError::InvalidRequest(format!(
                    "order value {notional} below the minimum {min_quote} for {}",
                    market.info.symbol
                )));
            }
        }
    }
    let (time_in_force, order_expiry) = match req.time_in_force {
        TimeInForce::ImmediateOrCancel => (OrderTimeInForce::ImmediateOrCancel, 0),
        TimeInForce::GoodTilCancel => (
            OrderTimeInForce::GoodTillTime,
            now_ms + DEFAULT_ORDER_EXPIRY_MS,
        ),
        TimeInForce::GoodTilTime(t) => {
            let ms = t.timestamp_millis();
            if ms <= now_ms {
                return Err(VenueError::InvalidRequest(format!(
                    "expiry {t} is in the past"
                )));
            }
            (OrderTimeInForce::GoodTillTime, ms)
        }
        TimeInForce::PostOnly => (OrderTimeInForce::PostOnly, now_ms + DEFAULT_ORDER_EXPIRY_MS),
    };
    // A resting order never outlives `expires_at` (IOC orders carry expiry 0; their tx
    // deadline `ExpiredAt` is capped when signing). Lighter refuses a resting order expiring
    // sooner than 5 minutes ahead (lighter-go `MinOrderExpiryPeriod`).
    let order_expiry = match (req.expires_at, order_expiry) {
        (Some(t), e) if e != 0 && t.timestamp_millis() < e => {
            let capped = t.timestamp_millis();
            if capped < now_ms + MIN_ORDER_EXPIRY_PERIOD_MS {
                return Err(VenueError::InvalidRequest(format!(
                    "expires_at {t} is less than 5 minutes ahead; Lighter refuses resting orders expiring that soon (use IOC)"
                )));
            }
            capped
        }
        (_, e) => e,
    };
    Ok(CreateOrder {
        market_index: market.market_index,
        client_order_index: req.client_id.get(),
        base_amount,
        price,
        is_ask: req.side == Side::Sell,
        order_type: OrderType::Limit,
        time_in_force,
        reduce_only: req.reduce_only,
        trigger_price: 0,
        order_expiry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::models::OrderBook;
    use crate::http::parse::market_spec;
    use rust_decimal_macros::dec;
    use venue_api::ClientOrderId;

    fn eth() -> MarketSpec {
        let book: OrderBook = serde_json::from_str(
            r#"{"symbol":"ETH","market_id":0,"market_type":"perp","status":"active","taker_fee":"0.0000",
            "maker_fee":"0.0000","min_base_amount":"0.0050","min_quote_amount":"10.000000",
            "supported_size_decimals":4,"supported_price_decimals":2}"#,
        )
        .unwrap();
        market_spec(&book, None).unwrap()
    }

    fn req(size: Decimal, price: Decimal, tif: TimeInForce) -> OrderRequest {
        OrderRequest {
            symbol: "ETH".into(),
            side: Side::Sell,
            size,
            price,
            time_in_force: tif,
            reduce_only: false,
            client_id: ClientOrderId::new(77).unwrap(),
            expires_at: None,
        }
    }

    #[test]
    fn market_flags_are_honoured() {
        use crate::http::models::{MarketConfig, OrderBookDetail};
        use crate::http::parse::market_status;
        let book = |status: &str| -> OrderBook {
            serde_json::from_str(&format!(
                r#"{{"symbol":"ETH","market_id":0,"status":"{status}","min_base_amount":"0.0050",
                "min_quote_amount":"10","supported_size_decimals":4,"supported_price_decimals":2}}"#
            ))
            .unwrap()
        };
        let detail = |force: Option<bool>| OrderBookDetail {
            market_id: 0,
            symbol: "ETH".into(),
            default_initial_margin_fraction: None,
            min_initial_margin_fraction: None,
            maintenance_margin_fraction: None,
            mark_price: None,
            market_config: Some(MarketConfig {
                force_reduce_only: force,
            }),
        };
        // (orderBooks status, force_reduce_only, reduce-only order, outcome)
        let cases = [
            ("active", None, false, Ok(MarketStatus::Active)),
            ("active", Some(false), false, Ok(MarketStatus::Active)),
            ("active", Some(true), true, Ok(MarketStatus::ReduceOnly)),
            ("active", Some(true), false, Err("reduce-only on Lighter")),
            ("inactive", None, true, Err("not active on Lighter")),
            ("frozen", Some(true), true, Err("not active on Lighter")),
        ];
        for (status, force, reduce_only, want) in cases {
            let b = book(status);
            let d = detail(force);
            let mut spec = market_spec(&b, Some(&d)).unwrap();
            spec.info.status = market_status(&b, Some(&d));
            let mut r = req(dec!(0.01), dec!(2500), TimeInForce::ImmediateOrCancel);
            r.reduce_only = reduce_only;
            match (build_create_order(&r, &spec, 1_000), want) {
                (Ok(_), Ok(s)) => assert_eq!(spec.info.status, s, "{status} {force:?}"),
                (Err(e), Err(text)) => {
                    assert!(e.to_string().contains(text), "{status} {force:?}: {e}");
                    assert!(e.to_string().contains("ETH"), "{e}");
                }
                (got, want) => panic!("{status} {force:?} {reduce_only}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn maps_fields_exactly() {
        let o = build_create_order(
            &req(dec!(0.0123), dec!(2500.25), TimeInForce::ImmediateOrCancel),
            &eth(),
            1_000,
        )
        .unwrap();
        assert_eq!(
            (o.base_amount, o.price, o.is_ask, o.order_expiry),
            (123, 250_025, true, 0)
        );
        assert_eq!(o.time_in_force, OrderTimeInForce::ImmediateOrCancel);
        assert_eq!(o.client_order_index, 77);
        let g = build_create_order(
            &req(dec!(0.01), dec!(2500), TimeInForce::GoodTilCancel),
            &eth(),
            1_000,
        )
        .unwrap();
        assert_eq!(g.order_expiry, 1_000 + DEFAULT_ORDER_EXPIRY_MS);
        let p = build_create_order(
            &req(dec!(0.01), dec!(2500), TimeInForce::PostOnly),
            &eth(),
            1_000,
        )
        .unwrap();
        assert_eq!(p.time_in_force, OrderTimeInForce::PostOnly);
    }

    #[test]
    fn refuses_off_grid_and_small_orders() {
        let off = build_create_order(
            &req(dec!(0.01235), dec!(2500), TimeInForce::ImmediateOrCancel),
            &eth(),
            0,
        );
        assert!(matches!(off, Err(VenueError::InvalidRequest(_))));
        let tick = build_create_order(
            &req(dec!(0.01), dec!(2500.001), TimeInForce::ImmediateOrCancel),
            &eth(),
            0,
        );
        assert!(matches!(tick, Err(VenueError::InvalidRequest(_))));
        let small = build_create_order(
            &req(dec!(0.001), dec!(2500), TimeInForce::ImmediateOrCancel),
            &eth(),
            0,
        );
        assert!(matches!(small, Err(VenueError::InvalidRequest(m)) if m.contains("minimum")));
        let cheap = build_create_order(
            &req(dec!(0.005), dec!(100), TimeInForce::ImmediateOrCancel),
            &eth(),
            0,
        );
        assert!(matches!(cheap, Err(VenueError::InvalidRequest(m)) if m.contains("order value")));
        let mut reduce = req(dec!(0.001), dec!(2500), TimeInForce::ImmediateOrCancel);
        reduce.reduce_only = true;
        assert!(build_create_order(&reduce, &eth(), 0).unwrap().reduce_only);
    }
}
