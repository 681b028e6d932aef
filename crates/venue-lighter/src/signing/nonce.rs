//! Nonce manager for one (account, API key): fetch `nextNonce` once, then hand out
//! n, n+1, ... locally (spec §8, the SDK's "optimistic" manager).
//!
//! Contract:
//! - `allocate` is safe to call from many tasks at once: the state sits behind one async
//!   mutex that is also held while fetching, so a nonce is never handed out twice and the
//!   server is asked once even when many callers start together.
//! - The server accepts exactly `nextNonce`, so txs must reach it in allocation order. The
//!   adapter signs in `prepare_order` and sends in `submit_order`; callers submit prepared
//!   orders of one venue in the order they were prepared.
//! - After an "invalid nonce" answer call [`NonceManager::invalidate`]: the next allocation
//!   fetches again. After a send that certainly did not reach the venue call
//!   [`NonceManager::release`]: the nonce is reused if nothing was allocated after it,
//!   otherwise the manager resynchronises (a gap would stall every later tx).
//! - A signed tx that is dropped without being sent (e.g. the other leg of a hedge failed to
//!   prepare) is handed back by its [`NonceGuard`], synchronously: reused when it was the
//!   last nonce, otherwise the next allocation resynchronises.
//! - Send order: the SDK holds a lock from allocation to send; with separate prepare and
//!   submit steps that would deadlock a caller that prepares two orders first. Instead every
//!   allocated nonce stays "outstanding" until it is settled (sent, or handed back), and a
//!   sender first waits for its turn ([`NonceManager::wait_turn`]: no lower nonce
//!   outstanding), bounded by a timeout, so txs reach the venue in nonce order.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

/// Hands out nonces for one API key.
#[derive(Debug, Default)]
pub struct NonceManager {
    next: Mutex<Option<i64>>,
    /// Set when a nonce could not be handed back at once; forces a resync.
    dirty: AtomicBool,
    /// Allocated nonces not yet sent or handed back.
    outstanding: std::sync::Mutex<BTreeSet<i64>>,
    /// Woken whenever a nonce is settled.
    settled: Notify,
}

/// Hands its nonce back when dropped unless [`NonceGuard::consume`] was called (the tx was
/// sent, or its fate was settled by the sender).
#[derive(Debug)]
pub struct NonceGuard {
    manager: Arc<NonceManager>,
    nonce: i64,
    armed: bool,
}

impl NonceGuard {
    /// Guards `nonce` of `manager`.
    pub fn new(manager: Arc<NonceManager>, nonce: i64) -> Self {
        Self {
            manager,
            nonce,
            armed: true,
        }
    }

    /// The guarded nonce.
    pub fn nonce(&self) -> i64 {
        self.nonce
    }

    /// Marks the nonce as used (no hand-back on drop).
    pub fn consume(mut self) {
        self.armed = false;
    }
}

impl Drop for NonceGuard {
    fn drop(&mut self) {
        if self.armed {
            self.manager.release_now(self.nonce);
        }
    }
}

impl NonceManager {
    /// A manager that fetches on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next nonce; `fetch` (returning the server's `nextNonce`) runs only when the
    /// manager has no valid value.
    pub async fn allocate<F, Fut, E>(&self, fetch: F) -> Result<i64, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<i64, E>>,
    {
        let mut range = self.allocate_many(1, fetch).await?;
        Ok(range.next().unwrap_or_default())
    }

    /// `count` consecutive nonces (for a batch), allocated atomically.
    pub async fn allocate_many<F, Fut, E>(
        &self,
        count: u32,
        fetch: F,
    ) -> Result<std::ops::Range<i64>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<i64, E>>,
    {
        let mut next = self.next.lock().await;
        if self.dirty.swap(false, Ordering::SeqCst) {
            *next = None;
        }
        let start = match *next {
            Some(n) => n,
            None => fetch().await?,
        };
        let end = start + i64::from(count);
        *next = Some(end);
        self.outstanding_set().extend(start..end);
        Ok(start..end)
    }

    fn outstanding_set(&self) -> std::sync::MutexGuard<'_, BTreeSet<i64>> {
        self.outstanding.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks a nonce as settled (its tx was sent, whatever the answer, or it was handed
    /// back) and wakes senders waiting for their turn.
    pub fn settle(&self, nonce: i64) {
        self.outstanding_set().remove(&nonce);
        self.settled.notify_waiters();
    }

    /// Waits until no nonce below `nonce` is outstanding, at most `max_wait`. Returns false
    /// on timeout (the caller sends anyway; the venue then decides).
    pub async fn wait_turn(&self, nonce: i64, max_wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + max_wait;
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            // register before checking, so a settle between the check and the wait is seen
            notified.as_mut().enable();
            if self
                .outstanding_set()
                .first()
                .is_none_or(|lowest| *lowest >= nonce)
            {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }

    /// Forgets the local counter: the next allocation asks the server.
    pub async fn invalidate(&self) {
        *self.next.lock().await = None;
    }

    /// Gives back a nonce whose tx certainly did not reach the venue.
    pub async fn release(&self, nonce: i64) {
        let mut next = self.next.lock().await;
        Self::hand_back(&mut next, nonce);
        drop(next);
        self.settle(nonce);
    }

    /// [`NonceManager::release`] without waiting (for `Drop`): when the state is busy the
    /// next allocation resynchronises instead.
    pub fn release_now(&self, nonce: i64) {
        match self.next.try_lock() {
            Ok(mut next) => Self::hand_back(&mut next, nonce),
            Err(_) => self.dirty.store(true, Ordering::SeqCst),
        }
        self.settle(nonce);
    }

    fn hand_back(next: &mut Option<i64>, nonce: i64) {
        if *next == Some(nonce + 1) {
            *next = Some(nonce);
        } else {
            *next = None;
        }
    }

    /// The nonce the next allocation would return without fetching, if known.
    pub async fn peek(&self) -> Option<i64> {
        if self.dirty.load(Ordering::SeqCst) {
            return None;
        }
        *self.next.lock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_senders_never_share_a_nonce_and_fetch_once() {
        let mgr = Arc::new(NonceManager::new());
        let fetches = Arc::new(AtomicU32::new(0));
        let mut handles = Vec::new();
        for _ in 0..64 {
            let (mgr, fetches) = (mgr.clone(), fetches.clone());
            handles.push(tokio::spawn(async move {
                mgr.allocate(|| async {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok::<i64, ()>(1000)
                })
                .await
                .unwrap()
            }));
        }
        let mut seen = HashSet::new();
        for h in handles {
            assert!(seen.insert(h.await.unwrap()), "duplicate nonce");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(seen, (1000..1064).collect());
    }

    #[tokio::test]
    async fn resync_after_invalid_nonce_and_release_rules() {
        let mgr = NonceManager::new();
        assert_eq!(mgr.allocate(|| async { Ok::<_, ()>(5) }).await, Ok(5));
        assert_eq!(mgr.allocate(|| async { Ok::<_, ()>(99) }).await, Ok(6));
        mgr.invalidate().await;
        assert_eq!(mgr.allocate(|| async { Ok::<_, ()>(40) }).await, Ok(40));
        // releasing the last nonce reuses it
        mgr.release(40).await;
        assert_eq!(mgr.peek().await, Some(40));
        assert_eq!(mgr.allocate(|| async { Ok::<_, ()>(0) }).await, Ok(40));
        // releasing an older one forces a resync instead of leaving a gap
        let _ = mgr.allocate(|| async { Ok::<_, ()>(0) }).await;
        mgr.release(40).await;
        assert_eq!(mgr.peek().await, None);
        // a failed fetch leaves the manager unsynchronised
        assert_eq!(
            mgr.allocate(|| async { Err::<i64, _>("down") }).await,
            Err("down")
        );
        assert_eq!(
            mgr.allocate_many(3, || async { Ok::<_, ()>(7) }).await,
            Ok(7..10)
        );
        assert_eq!(mgr.peek().await, Some(10));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn senders_wait_for_lower_nonces() {
        let mgr = Arc::new(NonceManager::new());
        let a = mgr.allocate(|| async { Ok::<_, ()>(1) }).await.unwrap();
        let b = mgr.allocate(|| async { Ok::<_, ()>(0) }).await.unwrap();
        assert!(
            mgr.wait_turn(a, Duration::from_millis(10)).await,
            "lowest goes at once"
        );
        let m = mgr.clone();
        let waiter = tokio::spawn(async move { m.wait_turn(b, Duration::from_secs(10)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "b waits for a");
        mgr.settle(a);
        assert!(waiter.await.unwrap());
        mgr.settle(b);
        // a lower nonce never settled: the wait ends at the timeout
        let c = mgr.allocate(|| async { Ok::<_, ()>(0) }).await.unwrap();
        let d = mgr.allocate(|| async { Ok::<_, ()>(0) }).await.unwrap();
        assert!(!mgr.wait_turn(d, Duration::from_millis(20)).await);
        // a dropped guard settles too
        drop(NonceGuard::new(mgr.clone(), c));
        assert!(mgr.wait_turn(d, Duration::from_millis(10)).await);
    }

    #[tokio::test]
    async fn dropped_guard_hands_the_nonce_back() {
        let mgr = Arc::new(NonceManager::new());
        let n = mgr.allocate(|| async { Ok::<_, ()>(20) }).await.unwrap();
        drop(NonceGuard::new(mgr.clone(), n));
        assert_eq!(mgr.peek().await, Some(20), "last nonce reused");
        let a = mgr.allocate(|| async { Ok::<_, ()>(0) }).await.unwrap();
        let b = mgr.allocate(|| async { Ok::<_, ()>(0) }).await.unwrap();
        NonceGuard::new(mgr.clone(), b).consume();
        assert_eq!(mgr.peek().await, Some(22));
        drop(NonceGuard::new(mgr.clone(), a));
        assert_eq!(mgr.peek().await, None, "an older nonce forces a resync");
        // busy state: the hand-back is deferred to the next allocation
        let held = mgr.next.lock().await;
        mgr.release_now(99);
        drop(held);
        assert_eq!(mgr.allocate(|| async { Ok::<_, ()>(50) }).await, Ok(50));
    }
}
