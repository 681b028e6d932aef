//! Actions a venue accepted but executes later (Lighter's sequencer, the `late` fault): they
//! run in FIFO order once due. An action past its expiry never executes; on Lighter its nonce
//! is given back, and the later txs of the same key already accepted fail with it (they are
//! one nonce ahead), as the venue documents.

use super::{CancelReason, EngineError, Exchange, OrderRef, Pending, PendingAction, VenueKind};

impl Exchange {
    /// Queues an action to run at `due_ms` (venues that execute asynchronously: the answer
    /// comes first, the effect later). Orders are checked now, executed in FIFO order.
    pub fn queue(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        action: PendingAction,
        due_ms: i64,
    ) -> Result<(), EngineError> {
        self.queue_tx(venue, account_id, action, due_ms, None, None)
    }

    /// [`Exchange::queue`] with the action's expiry (ms) and its Lighter (key, nonce).
    pub fn queue_tx(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        action: PendingAction,
        due_ms: i64,
        expires_ms: Option<i64>,
        nonce: Option<(u8, i64)>,
    ) -> Result<(), EngineError> {
        self.account(venue, account_id)?;
        let mut mid = None;
        if let PendingAction::Place { order, .. } = &action {
            self.check_order(venue, account_id, order)?;
            mid = Some(self.mark(venue, &order.market_id)?);
        }
        self.pending.push(Pending {
            due_ms,
            venue,
            account_id: account_id.to_string(),
            action,
            expires_ms,
            nonce,
            mid,
        });
        Ok(())
    }

    /// The queued (accepted, not yet executed) order of `account_id` with this client id
    /// or exchange id, as `(order, exchange id)`.
    pub fn queued_order(
        &self,
        venue: VenueKind,
        account_id: &str,
        by: OrderRef<'_>,
    ) -> Option<(&super::NewOrder, Option<u64>)> {
        self.pending.iter().find_map(|p| match &p.action {
            PendingAction::Place {
                order, order_id, ..
            } if p.venue == venue && p.account_id == account_id => {
                let hit = match by {
                    OrderRef::Client(c) => order.client_id == c,
                    OrderRef::Id(id) => *order_id == Some(id),
                    OrderRef::Either(id) => {
                        *order_id == Some(id) || order.client_id == id.to_string()
                    }
                };
                hit.then_some((order, *order_id))
            }
            _ => None,
        })
    }

    /// Removes a queued order (cancelled before it executed) and records it as cancelled
    /// by the user; returns whether one was found.
    pub fn cancel_queued(&mut self, venue: VenueKind, account_id: &str, by: OrderRef<'_>) -> bool {
        let Some((order, order_id)) = self
            .queued_order(venue, account_id, by)
            .map(|(o, id)| (o.clone(), id))
        else {
            return false;
        };
        self.pending.retain(|p| {
            !(p.venue == venue
                && p.account_id == account_id
                && matches!(&p.action, PendingAction::Place { order: o, .. } if o.client_id == order.client_id))
        });
        let _ = self.record_refused_as(venue, account_id, order, CancelReason::User, order_id);
        true
    }

    /// Runs queued actions that are due (in order).
    pub(super) fn run_pending(&mut self) {
        let now = self.now_ms;
        let (due, later): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.due_ms <= now);
        self.pending = later;
        let mut failed: Vec<(VenueKind, String, u8, i64)> = Vec::new();
        for p in due {
            let (venue, id) = (p.venue, p.account_id.as_str());
            // A tx accepted after one of its key failed in the sequencer is a nonce ahead.
            let ahead = p.nonce.is_some_and(|(k, n)| {
                failed
                    .iter()
                    .any(|(v, a, fk, fnonce)| *v == venue && a == id && *fk == k && n > *fnonce)
            });
            let expired = p.expires_ms.is_some_and(|e| e < p.due_ms);
            if ahead || expired {
                if let Some((k, n)) = p.nonce {
                    if !ahead {
                        failed.push((venue, id.to_string(), k, n));
                    }
                    if let Ok(a) = self.account_mut(venue, id) {
                        let next = a.lighter_auth.nonces.entry(k).or_insert(n);
                        *next = (*next).min(n);
                    }
                } else if let PendingAction::Place {
                    order,
                    order_id: Some(oid),
                    ..
                } = p.action
                {
                    // Acknowledged with an id: the venue shows it cancelled as expired.
                    let _ =
                        self.record_refused_as(venue, id, order, CancelReason::Expired, Some(oid));
                }
                continue;
            }
            match p.action {
                PendingAction::Place {
                    order,
                    fill_ratio,
                    order_id,
                } => {
                    match self.place_order_at(venue, id, order.clone(), fill_ratio, order_id, p.mid)
                    {
                        Ok(_) => {}
                        // A resting Lighter order without the margin for it fails in the
                        // sequencer without consuming its nonce, like an expired tx.
                        Err(EngineError::InsufficientMargin(_))
                            if order.tif != super::Tif::Ioc && p.nonce.is_some() =>
                        {
                            if let Some((k, n)) = p.nonce {
                                failed.push((venue, id.to_string(), k, n));
                                if let Ok(a) = self.account_mut(venue, id) {
                                    let next = a.lighter_auth.nonces.entry(k).or_insert(n);
                                    *next = (*next).min(n);
                                }
                            }
                        }
                        Err(EngineError::InsufficientMargin(_)) => {
                            let _ = self.record_refused_as(
                                venue,
                                id,
                                order,
                                CancelReason::Margin,
                                order_id,
                            );
                        }
                        Err(_) => {
                            let _ = self.record_refused_as(
                                venue,
                                id,
                                order,
                                CancelReason::Rejected,
                                order_id,
                            );
                        }
                    }
                }
                PendingAction::Cancel(index) => {
                    let _ = self.cancel(venue, id, OrderRef::Either(index));
                }
                PendingAction::CancelAll(market) => {
                    let _ = self.cancel_all(venue, id, market.as_deref());
                }
                PendingAction::Leverage {
                    market_id,
                    leverage,
                } => {
                    let _ = self.set_leverage(venue, id, &market_id, leverage);
                }
            }
        }
        // Later txs of a failed key that are not due yet fail too when they come up.
        if !failed.is_empty() {
            self.pending.retain(|p| {
                !p.nonce.is_some_and(|(k, n)| {
                    failed.iter().any(|(v, a, fk, fnonce)| {
                        *v == p.venue && *a == p.account_id && *fk == k && n > *fnonce
                    })
                })
            });
        }
    }
}
