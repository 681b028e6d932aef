//! The maker's picture of its account: the last position and balance read, and our fills
//! seen after that read started (which the read may or may not include).
//!
//! Contract: [`AccountState::view`] gives the lowest and highest position the account may
//! hold now: the read position, and the read position plus every fill seen since the read
//! began (less the venue's settle grace). The inventory bound uses the high one for the bid and the low one for the ask, so a
//! fill the venue has not yet put in the position (Lighter shows fills 1-3 s late) can never
//! let a new order pass the bound; a fill counted twice only makes a side smaller.

use super::pricing::AccountView;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::time::Duration;
use venue_api::{Balance, Side};

/// Position and balance as last read, plus fills seen since.
#[derive(Debug, Clone, Default)]
pub struct AccountState {
    position: Option<Decimal>,
    balance: Option<Balance>,
    read_started: Option<DateTime<Utc>>,
    read_done: Option<DateTime<Utc>>,
    pending: Vec<(DateTime<Utc>, Decimal)>,
}

impl AccountState {
    /// A fill of ours seen at `at` (size > 0).
    pub fn note_fill(&mut self, at: DateTime<Utc>, side: Side, size: Decimal) {
        let signed = match side {
            Side::Buy => size,
            Side::Sell => -size,
        };
        self.pending.push((at, signed));
    }

    /// A read returned this position (signed base units, 0 = flat) and balance; fills seen
    /// before `started` are taken to be in it (the caller passes the read's start less the
    /// venue's settle grace, so a fill the venue may not show yet stays counted).
    pub fn on_read(
        &mut self,
        started: DateTime<Utc>,
        done: DateTime<Utc>,
        position: Decimal,
        balance: Balance,
    ) {
        self.position = Some(position);
        self.balance = Some(balance);
        self.read_started = Some(started);
        self.read_done = Some(done);
        self.pending.retain(|(at, _)| *at >= started);
    }

    /// True when the last read is older than `every` (or there is none).
    pub fn due(&self, now: DateTime<Utc>, every: Duration) -> bool {
        self.read_done
            .is_none_or(|at| (now - at).to_std().unwrap_or(Duration::ZERO) >= every)
    }

    /// How old the last read is.
    pub fn age(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.read_done
            .map(|at| (now - at).to_std().unwrap_or(Duration::ZERO))
    }

    /// The read position (without pending fills).
    pub fn position(&self) -> Option<Decimal> {
        self.position
    }

    /// The last balance read.
    pub fn balance(&self) -> Option<&Balance> {
        self.balance.as_ref()
    }

    /// Sum of the signed fills seen since the last read began.
    pub fn pending(&self) -> Decimal {
        self.pending.iter().map(|(_, s)| *s).sum()
    }

    /// The view the quotes are sized on; `None` before the first read.
    pub fn view(&self) -> Option<AccountView> {
        let (position, balance) = (self.position?, self.balance.as_ref()?);
        let with_pending = position + self.pending();
        Some(AccountView {
            available: balance.available,
            equity: balance.equity,
            position_low: position.min(with_pending),
            position_high: position.max(with_pending),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(s, 0).unwrap_or_default()
    }

    fn bal(available: Decimal) -> Balance {
        Balance {
            equity: dec!(1000),
            available,
            margin_usage: None,
            maintenance_margin: None,
            initial_margin: None,
        }
    }

    #[test]
    fn fills_after_a_read_widen_the_view_until_the_next_read() {
        let mut a = AccountState::default();
        assert_eq!(a.view(), None);
        assert!(a.due(at(0), Duration::from_secs(5)));
        a.on_read(at(10), at(11), dec!(0.02), bal(dec!(900)));
        assert!(!a.due(at(15), Duration::from_secs(5)));
        assert!(a.due(at(16), Duration::from_secs(5)));
        let v = a.view().unwrap();
        assert_eq!((v.position_low, v.position_high), (dec!(0.02), dec!(0.02)));
        // a buy of 0.01 and a sell of 0.004 seen after the read began
        a.note_fill(at(12), Side::Buy, dec!(0.01));
        a.note_fill(at(13), Side::Sell, dec!(0.004));
        let v = a.view().unwrap();
        assert_eq!((v.position_low, v.position_high), (dec!(0.02), dec!(0.026)));
        assert_eq!(v.available, dec!(900));
        // a read that began at 13 s holds the buy; the sell seen at 13 s may not be in it
        a.on_read(at(13), at(14), dec!(0.03), bal(dec!(880)));
        assert_eq!(a.pending(), dec!(-0.004));
        let v = a.view().unwrap();
        assert_eq!((v.position_low, v.position_high), (dec!(0.026), dec!(0.03)));
        a.on_read(at(20), at(21), dec!(0.026), bal(dec!(880)));
        assert_eq!(a.pending(), dec!(0));
        assert_eq!(a.age(at(23)), Some(Duration::from_secs(2)));
    }
}
