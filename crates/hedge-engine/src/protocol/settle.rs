//! Sending orders and judging them from the venue.
//!
//! A submission never counts as a fill: after sending, the order is looked up by client id
//! until it is final. A lost answer (timeout, broken connection, unreadable reply) is
//! resolved the same way and never resent: if the venue does not know the order after the
//! settle timeout, it was not placed.

use super::engine::{EngineError, HedgeEngine};
use super::report::{LegOutcome, OrderExecution, OrderPurpose};
use crate::ids::LegRole;
use rust_decimal::Decimal;
use std::time::{Duration, Instant};
use tracing::Instrument;
use venue_api::{OrderAck, OrderRequest, PreparedOrder, Venue, VenueError};

/// An order after its send: when it started and ended, and what the venue answered.
#[derive(Debug)]
pub(super) struct Sent {
    pub request: OrderRequest,
    pub signing: Duration,
    pub start: Instant,
    pub answered: Instant,
    pub result: Result<OrderAck, VenueError>,
}

pub(super) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl HedgeEngine {
    /// Validates and signs an order without sending it.
    pub(super) async fn prepare(
        &self,
        venue: &dyn Venue,
        request: &OrderRequest,
    ) -> Result<PreparedOrder, EngineError> {
        venue
            .prepare_order(request)
            .await
            .map_err(|source| EngineError::Venue {
                venue: venue.id().to_string(),
                action: "order signing",
                source,
            })
    }

    /// Transmits one prepared order.
    pub(super) async fn send_one(venue: &dyn Venue, prepared: PreparedOrder) -> Sent {
        let request = prepared.request().clone();
        let signing = prepared.signing_time();
        let start = Instant::now();
        let result = venue.submit_order(prepared).await;
        Sent {
            request,
            signing,
            start,
            answered: Instant::now(),
            result,
        }
    }

    /// Transmits two prepared orders concurrently. All signing is already done, so the only
    /// work between the two sends is polling the first future once.
    pub(super) async fn send_pair(
        a: (&dyn Venue, PreparedOrder),
        b: (&dyn Venue, PreparedOrder),
    ) -> (Sent, Sent) {
        tokio::join!(Self::send_one(a.0, a.1), Self::send_one(b.0, b.1))
    }

    /// Follows a sent order to a final state and reports it (inside a span carrying the
    /// venue, leg, attempt and client id).
    pub(super) async fn settle(
        &self,
        venue: &dyn Venue,
        symbol: &str,
        leg: LegRole,
        purpose: OrderPurpose,
        sent: Sent,
    ) -> OrderExecution {
        let cid = sent.request.client_id;
        let span = tracing::info_span!(
            "order",
            venue = venue.id(),
            %leg,
            attempt = cid.get() % 10,
            %cid,
            ?purpose
        );
        self.settle_inner(venue, symbol, leg, purpose, sent)
            .instrument(span)
            .await
    }

    async fn settle_inner(
        &self,
        venue: &dyn Venue,
        symbol: &str,
        leg: LegRole,
        purpose: OrderPurpose,
        sent: Sent,
    ) -> OrderExecution {
        let mut exec = OrderExecution {
            venue: venue.id().to_string(),
            leg,
            purpose,
            request: sent.request.clone(),
            venue_order_id: None,
            outcome: LegOutcome::Unknown,
            filled_size: Decimal::ZERO,
            avg_fill_price: None,
            fee: None,
            error: None,
            resolved_by_lookup: false,
            definite_refusal: false,
            signing_us: micros(sent.signing),
            ack_us: Some(micros(sent.answered.duration_since(sent.start))),
            final_us: None,
        };
        let lost_answer = match &sent.result {
            Ok(ack) => {
                exec.venue_order_id = ack.venue_order_id.clone();
                false
            }
            Err(e) if !e.outcome_unknown() => {
                // The venue answered and refused: no order exists.
                exec.outcome = LegOutcome::Rejected;
                exec.error = Some(e.to_string());
                exec.definite_refusal = matches!(
                    e,
                    VenueError::InsufficientMargin(_)
                        | VenueError::InvalidRequest(_)
                        | VenueError::Auth(_)
                        | VenueError::UnknownMarket(_)
                );
                exec.final_us = exec.ack_us;
                return exec;
            }
            Err(e) => {
                exec.error = Some(format!(
                    "answer lost ({e}); looking the order up by client id"
                ));
                exec.resolved_by_lookup = true;
                true
            }
        };

        let cid = sent.request.client_id;
        // The timeout is measured on the injected clock, so it holds however slow each
        // status read is (and tests with a fast clock do not wait).
        let deadline = self.clock.now()
            + chrono::Duration::from_std(self.options.settle_timeout)
                .unwrap_or(chrono::Duration::MAX);
        let mut last_error: Option<VenueError> = None;
        let mut cancel_sent = false;
        // After a cancel (asynchronous on Lighter), a few more reads before "still working".
        let mut reads_after_cancel = 0u8;
        loop {
            let expired = self.clock.now() >= deadline;
            match venue.order_status(symbol, cid).await {
                Ok(Some(st)) if st.state.is_final() => {
                    exec.apply_status(&st);
                    exec.final_us = Some(micros(sent.start.elapsed()));
                    return exec;
                }
                Ok(Some(_)) if expired && !cancel_sent => {
                    // Still working after the timeout (should not happen with IOC): cancel it
                    // and read once more.
                    cancel_sent = true;
                    if let Err(e) = venue.cancel_order(symbol, cid).await {
                        last_error = Some(e);
                    }
                }
                Ok(Some(_)) if expired && reads_after_cancel < 5 => {
                    reads_after_cancel += 1;
                }
                Ok(Some(st)) if expired => {
                    exec.apply_status(&st);
                    exec.outcome = LegOutcome::Unknown;
                    exec.error = Some(format!(
                        "order still {:?} after cancel; positions decide",
                        st.state
                    ));
                    return exec;
                }
                Ok(None) if expired => {
                    if lost_answer {
                        exec.outcome = LegOutcome::Rejected;
                        exec.error = Some(
                            "answer lost and the venue has no such order: not placed (not resent)"
                                .into(),
                        );
                    } else {
                        exec.outcome = LegOutcome::Unknown;
                        exec.error =
                            Some("accepted but not found by client id; positions decide".into());
                    }
                    return exec;
                }
                Err(e) if expired => {
                    exec.outcome = LegOutcome::Unknown;
                    exec.error = Some(format!("status unreadable: {e}; positions decide"));
                    return exec;
                }
                Err(e) => last_error = Some(e),
                Ok(_) => {}
            }
            if let Some(e) = last_error.take() {
                tracing::debug!(venue = venue.id(), %cid, "status read failed: {e}");
            }
            self.clock.sleep(self.options.poll_interval).await;
        }
    }
}
