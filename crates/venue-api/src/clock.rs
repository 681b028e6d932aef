//! An injectable clock, so that tests and paper mode can run hours in seconds.
//!
//! Everything that waits or timestamps in the engine, the bots and the simulator takes time
//! from a [`Clock`] instead of the system. [`SystemClock`] is real time; [`ManualClock`] only
//! moves when told to (tests), and wakes sleepers whose deadline has passed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

/// A source of time and of waits.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;

    /// Waits for `duration` of this clock's time.
    async fn sleep(&self, duration: Duration);
}

/// Real time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Real time sped up by a factor: one real second is `speed` seconds of this clock. Used by
/// paper mode's `--speed N`, shared by the simulator and the bots so that both see the same
/// accelerated time.
#[derive(Debug, Clone)]
pub struct ScaledClock {
    start_real: std::time::Instant,
    start: DateTime<Utc>,
    speed: u32,
}

impl ScaledClock {
    /// A clock reading `start` now and running `speed` times faster than real time
    /// (0 counts as 1).
    pub fn new(start: DateTime<Utc>, speed: u32) -> Self {
        Self {
            start_real: std::time::Instant::now(),
            start,
            speed: speed.max(1),
        }
    }

    /// The speed factor.
    pub fn speed(&self) -> u32 {
        self.speed
    }
}

#[async_trait]
impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.start_real.elapsed().saturating_mul(self.speed);
        self.start + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::MAX)
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration / self.speed).await;
    }
}

/// A clock that moves only when [`ManualClock::advance`] is called.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    tick: watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        let (tick, _) = watch::channel(start);
        Self {
            now: Mutex::new(start),
            tick,
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has passed.
    pub fn advance(&self, by: Duration) {
        let step = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        let new_now = {
            let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
            *now += step;
            *now
        };
        self.tick.send_replace(new_now);
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn sleep(&self, duration: Duration) {
        let deadline =
            self.now() + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        let mut rx = self.tick.subscribe();
        // The value is checked before each wait, so an advance between `now()` and
        // `subscribe()` is not missed.
        while *rx.borrow_and_update() < deadline && self.now() < deadline {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_only_past_their_deadline() {
        let clock = Arc::new(ManualClock::new(DateTime::<Utc>::UNIX_EPOCH));
        let c = clock.clone();
        let sleeper = tokio::spawn(async move { c.sleep(Duration::from_secs(3600)).await });
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(1800));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_secs(1800));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("woke")
            .expect("joined");
        assert_eq!(
            clock.now(),
            DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn scaled_clock_runs_faster_than_real_time() {
        let start = DateTime::<Utc>::UNIX_EPOCH;
        let clock = ScaledClock::new(start, 3600);
        // One hour of clock time is one second of (paused, auto-advanced) tokio time.
        let t0 = tokio::time::Instant::now();
        clock.sleep(Duration::from_secs(3600)).await;
        assert_eq!(tokio::time::Instant::now() - t0, Duration::from_secs(1));
        assert_eq!(ScaledClock::new(start, 0).speed(), 1);
    }

    #[tokio::test]
    async fn zero_sleep_returns_at_once() {
        let clock = ManualClock::new(DateTime::<Utc>::UNIX_EPOCH);
        tokio::time::timeout(Duration::from_secs(1), clock.sleep(Duration::ZERO))
            .await
            .expect("immediate");
    }
}
