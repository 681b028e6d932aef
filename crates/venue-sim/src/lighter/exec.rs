//! Transaction execution: verify (signature, expiry, nonce), then apply CreateOrder,
//! CancelOrder, CancelAllOrders and UpdateLeverage to the exchange. A batch is atomic.

use super::{bad, market_err, tx};
use crate::engine::{
    CancelReason, EngineError, Exchange, NewOrder, OrderRef, PendingAction, Tif, VenueKind,
};
use crate::faults::FaultKind;
use crate::http::SimResponse;
use crate::server::SimCore;
use rust_decimal::Decimal;
use tx::ReceivedTx;
use venue_api::Side;

/// How a verified tx is carried out: at once, after `delay_ms` of clock time (the venue's
/// fill-visibility delay or the `late` fault), or never (the `dropped` fault).
#[derive(Debug, Clone, Copy)]
struct Mode {
    delay_ms: i64,
    dropped: bool,
}

fn mode(core: &SimCore, fault: Option<FaultKind>) -> Mode {
    let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let base = ms(core.options.lighter_fill_delay);
    match fault {
        Some(FaultKind::Late(d)) => Mode {
            delay_ms: base.max(ms(d)),
            dropped: false,
        },
        Some(FaultKind::Dropped) => Mode {
            delay_ms: base,
            dropped: true,
        },
        _ => Mode {
            delay_ms: base,
            dropped: false,
        },
    }
}

/// Verifies and executes one tx; returns its hash. `fault` = the order fault taken for it.
pub(super) fn submit(
    core: &SimCore,
    tx_type: u8,
    info: &str,
    partial: bool,
    fault: Option<FaultKind>,
) -> Result<String, SimResponse> {
    let (chain, now, mode) = (
        core.options.lighter_chain_id,
        core.now_ms(),
        mode(core, fault),
    );
    core.with(|ex| submit_in(ex, chain, now, mode, tx_type, info, partial))
}

/// A batch is all or nothing: the first failure restores the state before the batch.
pub(super) fn submit_batch(
    core: &SimCore,
    txs: &[(u8, String, bool)],
    fault: Option<FaultKind>,
) -> Result<Vec<String>, SimResponse> {
    let (chain, now, mode) = (
        core.options.lighter_chain_id,
        core.now_ms(),
        mode(core, fault),
    );
    core.with(|ex| {
        let before = ex.clone();
        let mut hashes = Vec::with_capacity(txs.len());
        // A dropped batch is verified in full (consecutive nonces included), then
        // forgotten: answered 200, nothing executed, no nonce consumed.
        let run = Mode {
            dropped: false,
            ..mode
        };
        for (t, info, partial) in txs {
            match submit_in(ex, chain, now, run, *t, info, *partial) {
                Ok(h) => hashes.push(h),
                Err(e) => {
                    *ex = before;
                    return Err(e);
                }
            }
        }
        if mode.dropped {
            *ex = before;
        }
        Ok(hashes)
    })
}

fn submit_in(
    ex: &mut Exchange,
    chain: u32,
    now: i64,
    mode: Mode,
    tx_type: u8,
    info: &str,
    partial: bool,
) -> Result<String, SimResponse> {
    let rx = tx::parse(tx_type, info, chain).map_err(|e| bad(21600, format!("invalid tx: {e}")))?;
    let acct = rx.account_index.to_string();
    let a = ex
        .account(VenueKind::Lighter, &acct)
        .map_err(|_| bad(21100, "account not found"))?;
    let pk = a
        .lighter_auth
        .api_keys
        .get(&rx.api_key_index)
        .cloned()
        .ok_or_else(|| bad(21109, "api key not found"))?;
    if !tx::verify(&rx, &pk) {
        return Err(bad(21120, "invalid signature"));
    }
    if rx.expired_at < now {
        return Err(bad(21116, "transaction expired"));
    }
    let expected = a
        .lighter_auth
        .nonces
        .get(&rx.api_key_index)
        .copied()
        .unwrap_or(0);
    let skip_nonce = tx::attribute(&rx.info, 4) == Some(1);
    if !skip_nonce && rx.nonce != expected {
        return Err(bad(
            21104,
            format!("invalid nonce: expected {expected}, got {}", rx.nonce),
        ));
    }
    if mode.dropped {
        // Answered 200, never executed: the nonce stays free.
        return Ok(tx::digest_hex(&rx.digest));
    }
    let consumed = execute(ex, &rx, partial, now, mode.delay_ms)?;
    if consumed && !skip_nonce {
        if let Ok(a) = ex.account_mut(VenueKind::Lighter, &acct) {
            a.lighter_auth.nonces.insert(rx.api_key_index, expected + 1);
        }
    }
    Ok(tx::digest_hex(&rx.digest))
}

/// Queues a verified tx: it runs at `due` unless its `ExpiredAt` has passed by then (then it
/// fails in the sequencer without consuming its nonce).
fn queue(
    ex: &mut Exchange,
    rx: &ReceivedTx,
    action: PendingAction,
    due: i64,
) -> Result<(), SimResponse> {
    let nonce = (tx::attribute(&rx.info, 4) != Some(1)).then_some((rx.api_key_index, rx.nonce));
    ex.queue_tx(
        VenueKind::Lighter,
        &rx.account_index.to_string(),
        action,
        due,
        Some(rx.expired_at),
        nonce,
    )
    .map_err(market_err)
}

/// Applies a verified tx; with `delay_ms > 0`, orders and cancels are accepted now and take
/// effect `delay_ms` later (in tx order), as on the venue.
fn execute(
    ex: &mut Exchange,
    rx: &ReceivedTx,
    partial: bool,
    now: i64,
    delay_ms: i64,
) -> Result<bool, SimResponse> {
    let acct = rx.account_index.to_string();
    let i = &rx.info;
    let u = |k: &str| tx::uint(i, k).map_err(|e| bad(21600, e));
    match rx.tx_type {
        14 => {
            let market_id = u("MarketIndex")?.to_string();
            let m = ex
                .market(VenueKind::Lighter, &market_id)
                .map_err(market_err)?
                .clone();
            let size =
                Decimal::from(u("BaseAmount")?) * crate::engine::market::unit(m.size_decimals());
            let price =
                Decimal::from(u("Price")?) * crate::engine::market::unit(m.price_decimals());
            let expiry = i64::try_from(u("OrderExpiry")?).unwrap_or(i64::MAX);
            let tif = match (u("Type")?, u("TimeInForce")?) {
                (1, _) | (_, 0) => Tif::Ioc,
                (0, 1) => Tif::Gtt(expiry),
                (0, 2) => Tif::PostOnly((expiry > 0).then_some(expiry)),
                (t, f) => {
                    return Err(bad(
                        21705,
                        format!("invalid order time in force: type {t} / time in force {f}"),
                    ))
                }
            };
            if u("TriggerPrice")? != 0 {
                return Err(bad(21600, "trigger orders are not supported by venue-sim"));
            }
            let order = NewOrder {
                market_id,
                client_id: u("ClientOrderIndex")?.to_string(),
                side: if u("IsAsk")? == 1 {
                    Side::Sell
                } else {
                    Side::Buy
                },
                price,
                size,
                tif,
                reduce_only: u("ReduceOnly")? == 1,
                nonce: rx.nonce,
            };
            let fill_ratio = partial.then_some(Decimal::new(5, 1));
            if delay_ms > 0 {
                let action = PendingAction::Place {
                    order,
                    fill_ratio,
                    order_id: None,
                };
                return queue(ex, rx, action, now + delay_ms).map(|()| true);
            }
            let resting = order.tif != Tif::Ioc;
            match ex.place_order(VenueKind::Lighter, &acct, order.clone(), fill_ratio) {
                Ok(_) => Ok(true),
                // A resting order without the margin for it fails in the sequencer without
                // consuming its nonce (the venue's troubleshooting page); a taker order is
                // booked as cancelled for margin.
                Err(EngineError::InsufficientMargin(_)) if resting => Ok(false),
                Err(EngineError::InsufficientMargin(_)) => ex
                    .record_refused(VenueKind::Lighter, &acct, order, CancelReason::Margin)
                    .map(|_| true)
                    .map_err(market_err),
                Err(e) => Err(market_err(e)),
            }
        }
        15 => {
            let market_id = u("MarketIndex")?.to_string();
            ex.market(VenueKind::Lighter, &market_id)
                .map_err(market_err)?;
            let index = u("Index")?;
            if delay_ms > 0 {
                return queue(ex, rx, PendingAction::Cancel(index), now + delay_ms).map(|()| true);
            }
            // Accepted even when nothing is open: the sequencer executes it as a no-op.
            let _ = ex.cancel(VenueKind::Lighter, &acct, OrderRef::Either(index));
            Ok(true)
        }
        16 => {
            if u("TimeInForce")? == 0 {
                let market = tx::attribute(i, 5).map(|m| m.to_string());
                if delay_ms > 0 {
                    return queue(ex, rx, PendingAction::CancelAll(market), now + delay_ms)
                        .map(|()| true);
                }
                ex.cancel_all(VenueKind::Lighter, &acct, market.as_deref())
                    .map_err(market_err)?;
            }
            Ok(true)
        }
        20 => {
            let market_id = u("MarketIndex")?.to_string();
            let imf = u16::try_from(u("InitialMarginFraction")?)
                .map_err(|_| bad(21700, "invalid initial margin fraction"))?;
            if imf == 0 {
                return Err(bad(21700, "invalid initial margin fraction"));
            }
            let leverage = u32::from(10_000 / imf).max(1);
            ex.set_leverage(VenueKind::Lighter, &acct, &market_id, leverage)
                .map_err(|e| bad(21700, format!("invalid leverage: {e}")))?;
            if let Ok(a) = ex.account_mut(VenueKind::Lighter, &acct) {
                a.lighter_auth.imf.insert(market_id, imf);
            }
            Ok(true)
        }
        other => Err(bad(21600, format!("tx type {other} is not supported"))),
    }
}
