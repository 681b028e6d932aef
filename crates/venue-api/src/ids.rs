//! Identifier newtypes that must not be mixed up with each other or with plain strings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A venue's own identifier of a market: a contract id such as `"10000072"` on one venue, an
/// integer market index such as `"2"` on another. Kept as text so both fit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MarketId(pub String);

impl fmt::Display for MarketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for MarketId {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

/// A client order id chosen by us, so that an order whose answer was lost can be found again.
///
/// It is an integer below 2^48 so that every venue can carry it: some venues take a free
/// string (we send the decimal text), others a 48-bit integer index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientOrderId(u64);

impl ClientOrderId {
    /// The largest value every venue accepts (2^48 - 1).
    pub const MAX: u64 = (1 << 48) - 1;

    /// A client id, or `None` when the value is 0 or does not fit in 48 bits.
    pub fn new(value: u64) -> Option<Self> {
        (value != 0 && value <= Self::MAX).then_some(Self(value))
    }

    /// The integer value.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_order_id_bounds() {
        assert!(ClientOrderId::new(0).is_none());
        assert!(ClientOrderId::new(1 << 48).is_none());
        assert_eq!(
            ClientOrderId::new(ClientOrderId::MAX).map(|c| c.get()),
            Some(ClientOrderId::MAX)
        );
        assert_eq!(
            ClientOrderId::new(42).map(|c| c.to_string()),
            Some("42".to_string())
        );
    }
}
