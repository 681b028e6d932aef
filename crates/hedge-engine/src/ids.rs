//! Deterministic client order ids: derived from (operation, leg, attempt), so that after a
//! crash or a lost answer the engine can find exactly what it sent, and never sends the same
//! order twice.
//!
//! Layout (decimal): `operation * 100 + leg * 10 + attempt`, where `operation` is a
//! persisted, strictly increasing number (milliseconds since the epoch at the operation's
//! start, bumped past the last one used), `leg` is 1 for the long-side venue and 2 for the
//! short-side venue, and `attempt` is 0..=9. The result stays below 2^48, which every venue
//! accepts.

use serde::{Deserialize, Serialize};
use std::fmt;
use venue_api::ClientOrderId;

/// Which leg of the hedge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LegRole {
    /// The venue holding (or meant to hold) the long position.
    Long,
    /// The venue holding (or meant to hold) the short position.
    Short,
}

impl LegRole {
    /// Both roles, long first.
    pub const BOTH: [LegRole; 2] = [LegRole::Long, LegRole::Short];

    fn digit(self) -> u64 {
        match self {
            LegRole::Long => 1,
            LegRole::Short => 2,
        }
    }

    /// The other leg.
    pub fn other(self) -> Self {
        match self {
            LegRole::Long => LegRole::Short,
            LegRole::Short => LegRole::Long,
        }
    }
}

impl fmt::Display for LegRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LegRole::Long => "long",
            LegRole::Short => "short",
        })
    }
}

/// Attempts per leg and operation that fit in the id.
pub const MAX_ATTEMPTS: u8 = 10;

/// The largest operation number whose ids still fit in 48 bits.
pub const MAX_OPERATION: u64 = ClientOrderId::MAX / 100;

/// One open, close or repair sequence, numbered so that its orders can be found again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OperationId(u64);

impl OperationId {
    /// An operation number, if its ids fit.
    pub fn new(n: u64) -> Option<Self> {
        (n > 0 && n <= MAX_OPERATION).then_some(Self(n))
    }

    /// The next operation after `last`, at least `now_ms` (so ids also sort by time).
    pub fn next(last: Option<OperationId>, now_ms: u64) -> Option<Self> {
        let floor = last.map(|l| l.0 + 1).unwrap_or(1);
        Self::new(now_ms.max(floor))
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The client id of `leg`'s `attempt`-th order in this operation.
    pub fn client_id(self, leg: LegRole, attempt: u8) -> Option<ClientOrderId> {
        if attempt >= MAX_ATTEMPTS {
            return None;
        }
        ClientOrderId::new(self.0 * 100 + leg.digit() * 10 + u64::from(attempt))
    }

    /// Decodes a client id made by [`OperationId::client_id`].
    pub fn decode(id: ClientOrderId) -> Option<(OperationId, LegRole, u8)> {
        let v = id.get();
        let leg = match (v / 10) % 10 {
            1 => LegRole::Long,
            2 => LegRole::Short,
            _ => return None,
        };
        Some((OperationId::new(v / 100)?, leg, (v % 10) as u8))
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_are_readable_and_round_trip() {
        let op = OperationId::new(1_764_000_000_000).unwrap();
        let id = op.client_id(LegRole::Short, 3).unwrap();
        assert_eq!(id.get(), 176_400_000_000_023);
        assert_eq!(OperationId::decode(id), Some((op, LegRole::Short, 3)));
        assert!(op.client_id(LegRole::Long, 10).is_none());
    }

    #[test]
    fn next_is_strictly_increasing_even_when_the_clock_is_not() {
        let a = OperationId::next(None, 5_000).unwrap();
        let b = OperationId::next(Some(a), 4_000).unwrap();
        assert!(b > a);
        assert_eq!(b.get(), 5_001);
        assert!(OperationId::next(None, MAX_OPERATION + 1).is_none());
    }

    proptest! {
        #[test]
        fn distinct_inputs_give_distinct_ids(op in 1u64..MAX_OPERATION, a in 0u8..10, b in 0u8..10, long in any::<bool>()) {
            let op = OperationId::new(op).unwrap();
            let leg = if long { LegRole::Long } else { LegRole::Short };
            let x = op.client_id(leg, a).unwrap();
            prop_assert_eq!(OperationId::decode(x), Some((op, leg, a)));
            prop_assert_ne!(x, op.client_id(leg.other(), b).unwrap());
            if a != b { prop_assert_ne!(x, op.client_id(leg, b).unwrap()); }
        }
    }
}
