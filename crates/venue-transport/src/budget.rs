//! The request budget of one venue account, with write priority.
//!
//! A token bucket (integer milli-tokens, no floats): `per_minute` tokens a minute, at most
//! `burst` banked. Two classes share it:
//! - [`Priority::Write`] (order create, cancel, leverage, and the nonce read that precedes
//!   them) takes any token and, while one waits, no read is served;
//! - [`Priority::Read`] (status polls, market and account reads) never takes the last
//!   `write_reserve` tokens, so an order send never queues behind a burst of polls.
//!
//! A 429 with `Retry-After` pauses both classes for that long ([`RequestBudget::pause`]).
//!
//! Hand-written rather than `governor`: governor's limiters are first-come on one quota and
//! cannot express "reads must leave N tokens" or "a waiting write goes first"; two separate
//! governors would let the classes together exceed the venue's one limit.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

const MILLI: u64 = 1000;

/// Which share of the budget a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// A state-changing request (or the nonce read right before one): served first.
    Write,
    /// Everything else.
    Read,
}

/// Budget figures of one venue account.
///
/// Documented defaults: Lighter [`BudgetConfig::LIGHTER_STANDARD`] (60 requests a minute,
/// the Standard account's limit, burst 10, 3 reserved for writes); EdgeX
/// [`BudgetConfig::EDGEX_DEFAULT`] (600 a minute, burst 20, 5 reserved; EdgeX publishes no
/// REST limit, see findings/live-edgex.md row 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetConfig {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Tokens banked at most (back-to-back requests).
    pub burst: u32,
    /// Tokens reads may not take (kept for writes); below `burst`.
    pub write_reserve: u32,
}

impl BudgetConfig {
    /// Lighter Standard account: 60 requests a minute.
    pub const LIGHTER_STANDARD: Self = Self {
        per_minute: 60,
        burst: 10,
        write_reserve: 3,
    };
    /// EdgeX: 10 a second, burst 20, 5 kept for writes.
    pub const EDGEX_DEFAULT: Self = Self {
        per_minute: 600,
        burst: 20,
        write_reserve: 5,
    };

    /// This process's share of the account's budget, `pct` percent (1..=100) of the rate
    /// and of the burst (each at least 1; the reserve kept within the burst). The venue's
    /// limit is per account (IP / L1 address), not per process: processes that trade one
    /// account together (the bot and the monitor) must split it so that their sum stays
    /// under the limit.
    pub fn share(self, pct: u8) -> Self {
        let pct = u64::from(pct.clamp(1, 100));
        let scale = |v: u32| u32::try_from(u64::from(v) * pct / 100).unwrap_or(v).max(1);
        Self {
            per_minute: scale(self.per_minute),
            burst: scale(self.burst),
            write_reserve: self.write_reserve,
        }
        .normalized()
    }

    /// Figures made consistent: at least 1 a minute and a burst of 1; the reserve leaves
    /// reads at least one token of the burst.
    pub fn normalized(self) -> Self {
        let burst = self.burst.max(1);
        Self {
            per_minute: self.per_minute.max(1),
            burst,
            write_reserve: self.write_reserve.min(burst.saturating_sub(1)),
        }
    }
}

/// Parses a budget share in percent: a whole number from 1 to 100 (a trailing `%` allowed).
pub fn parse_share_pct(text: &str) -> Result<u8, &'static str> {
    text.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|p| (1..=100).contains(p))
        .ok_or("expected a whole percent from 1 to 100")
}

/// Suggested shares of one account's request budget per binary, so that all three running
/// together stay under the venue's limit: `rotation-bot` 50 %, `liq-monitor` 30 %,
/// `hedge-cli` 20 % (the environment variable of each venue overrides it).
pub const DEFAULT_SHARES: [(&str, u8); 3] =
    [("rotation-bot", 50), ("liq-monitor", 30), ("hedge-cli", 20)];

/// The suggested share of `program` ([`DEFAULT_SHARES`]); 100 for any other program.
pub fn default_share(program: &str) -> u8 {
    DEFAULT_SHARES
        .iter()
        .find(|(name, _)| *name == program)
        .map_or(100, |(_, pct)| *pct)
}

#[derive(Debug)]
struct State {
    milli_tokens: u64,
    refilled: Instant,
    writes_waiting: u32,
    paused_until: Option<Instant>,
}

/// The budget (share one per venue account).
#[derive(Debug)]
pub struct RequestBudget {
    config: BudgetConfig,
    state: Mutex<State>,
}

impl RequestBudget {
    /// A full bucket.
    pub fn new(config: BudgetConfig) -> Self {
        let config = config.normalized();
        Self {
            state: Mutex::new(State {
                milli_tokens: u64::from(config.burst) * MILLI,
                refilled: Instant::now(),
                writes_waiting: 0,
                paused_until: None,
            }),
            config,
        }
    }

    /// The figures in force.
    pub fn config(&self) -> BudgetConfig {
        self.config
    }

    fn refill(&self, s: &mut State, now: Instant) {
        let elapsed_ms =
            u64::try_from(now.duration_since(s.refilled).as_millis()).unwrap_or(u64::MAX);
        // per_minute tokens per 60 000 ms = per_minute milli-tokens per 60 ms
        let gained = elapsed_ms.saturating_mul(u64::from(self.config.per_minute)) / 60;
        if gained > 0 {
            s.milli_tokens = (s.milli_tokens + gained).min(u64::from(self.config.burst) * MILLI);
            s.refilled = now;
        }
    }

    fn wait_for(&self, missing_milli: u64) -> Duration {
        // missing milli-tokens at per_minute/60 milli-tokens per ms
        Duration::from_millis(
            (missing_milli * 60)
                .div_ceil(u64::from(self.config.per_minute))
                .max(1),
        )
    }

    /// Waits until a request of `priority` may be sent, and takes its token.
    pub async fn acquire(&self, priority: Priority) {
        let mut registered = false;
        loop {
            let wait = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                self.refill(&mut s, now);
                let paused = s.paused_until.filter(|t| *t > now);
                let need = match priority {
                    Priority::Write => MILLI,
                    Priority::Read => (1 + u64::from(self.config.write_reserve)) * MILLI,
                };
                let blocked_by_writes = priority == Priority::Read && s.writes_waiting > 0;
                if paused.is_none() && !blocked_by_writes && s.milli_tokens >= need {
                    s.milli_tokens -= MILLI;
                    if registered {
                        s.writes_waiting -= 1;
                    }
                    return;
                }
                if priority == Priority::Write && !registered {
                    s.writes_waiting += 1;
                    registered = true;
                }
                match paused {
                    Some(until) => until - now,
                    None if blocked_by_writes => Duration::from_millis(5),
                    None => self.wait_for(need - s.milli_tokens.min(need)),
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// The venue asked us to wait (HTTP 429): no request of either class is sent for
    /// `retry_after` (at most `cap`), and the bucket is emptied.
    pub async fn pause(&self, retry_after: Duration, cap: Duration) {
        let mut s = self.state.lock().await;
        let now = Instant::now();
        let until = now + retry_after.min(cap);
        s.paused_until = Some(s.paused_until.map_or(until, |t| t.max(until)));
        s.milli_tokens = 0;
        s.refilled = until;
        tracing::warn!(target: "venue_transport", ?retry_after, "rate limited by the venue; pausing requests");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn shares_split_the_account_budget() {
        let l = BudgetConfig::LIGHTER_STANDARD;
        // (share, per minute, burst, reserve)
        let cases = [
            (100, 60, 10, 3),
            (50, 30, 5, 3),
            (30, 18, 3, 2),
            (20, 12, 2, 1),
            (1, 1, 1, 0),
        ];
        for (pct, per_minute, burst, reserve) in cases {
            assert_eq!(l.share(pct), cfg(per_minute, burst, reserve), "{pct} %");
        }
        let total: u32 = DEFAULT_SHARES
            .iter()
            .map(|(_, p)| l.share(*p).per_minute)
            .sum();
        assert!(
            total <= l.per_minute,
            "the binaries together stay under the limit"
        );
        assert_eq!(default_share("liq-monitor"), 30);
        assert_eq!(default_share("some-tool"), 100);
        assert_eq!(parse_share_pct(" 50% "), Ok(50));
        for bad in ["0", "101", "half", "-5", ""] {
            assert!(parse_share_pct(bad).is_err(), "{bad}");
        }
    }

    fn cfg(per_minute: u32, burst: u32, write_reserve: u32) -> BudgetConfig {
        BudgetConfig {
            per_minute,
            burst,
            write_reserve,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn reads_leave_the_reserve_to_writes() {
        let b = RequestBudget::new(cfg(60, 5, 2));
        let start = Instant::now();
        for _ in 0..3 {
            b.acquire(Priority::Read).await;
        }
        assert_eq!(
            Instant::now(),
            start,
            "3 reads fit in burst 5 minus reserve 2"
        );
        for _ in 0..2 {
            b.acquire(Priority::Write).await;
        }
        assert_eq!(
            Instant::now(),
            start,
            "the 2 reserved tokens go to writes at once"
        );
        b.acquire(Priority::Read).await;
        // a read needs 1 + 2 tokens at 1 a second
        assert!(Instant::now() - start >= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_write_goes_before_waiting_reads() {
        let b = Arc::new(RequestBudget::new(cfg(60, 1, 0)));
        b.acquire(Priority::Read).await; // bucket empty
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (b, order) = (b.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                b.acquire(Priority::Read).await;
                order.lock().unwrap().push(format!("read{i}"));
            }));
        }
        tokio::task::yield_now().await;
        let (bw, ow) = (b.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            bw.acquire(Priority::Write).await;
            ow.lock().unwrap().push("write".to_string());
        }));
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            order.lock().unwrap()[0],
            "write",
            "{:?}",
            order.lock().unwrap()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_both_classes() {
        let b = RequestBudget::new(cfg(6000, 10, 2));
        let start = Instant::now();
        b.pause(Duration::from_secs(3), Duration::from_secs(10))
            .await;
        b.acquire(Priority::Write).await;
        assert!(Instant::now() - start >= Duration::from_secs(3));
        // capped
        let t = Instant::now();
        b.pause(Duration::from_secs(600), Duration::from_secs(5))
            .await;
        b.acquire(Priority::Read).await;
        let waited = Instant::now() - t;
        assert!(
            waited >= Duration::from_secs(5) && waited < Duration::from_secs(7),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn sustained_rate_is_per_minute() {
        let b = RequestBudget::new(cfg(60, 1, 0));
        let start = Instant::now();
        for _ in 0..11 {
            b.acquire(Priority::Read).await;
        }
        let took = Instant::now() - start;
        assert!(
            took >= Duration::from_secs(10) && took < Duration::from_secs(11),
            "{took:?}"
        );
    }

    #[test]
    fn reserve_never_starves_reads() {
        assert_eq!(cfg(60, 3, 9).normalized().write_reserve, 2);
        assert_eq!(cfg(0, 0, 0).normalized(), cfg(1, 1, 0));
    }
}
