//! Client order ids of a market maker: `tag << 32 | counter`, below 2^48 as every venue
//! requires.
//!
//! The 16-bit tag says which program owns an order; the 32-bit counter starts at the wall
//! clock's milliseconds (mod 2^32) and counts up, so a restart does not reuse the previous
//! run's ids as long as a run places fewer than one order per millisecond on average (the
//! counter wraps after 49.7 days; it skips 0).
//!
//! Tags are chosen below 0x8000 so they never meet the hedge engine's ids (operation
//! milliseconds x 100: since 2023 those are at least 1.67e14, i.e. a tag of at least 38 800).

use super::MmError;
use venue_api::ClientOrderId;

/// The EdgeX maker's tag ("EX").
pub const EDGEX_MAKER_TAG: u16 = 0x4558;
/// The Lighter maker's tag ("LT").
pub const LIGHTER_MAKER_TAG: u16 = 0x4C54;

/// The largest tag: keeps clear of the hedge engine's ids (see the module doc).
pub const MAX_TAG: u16 = 0x7FFF;

const LOW_MASK: u64 = 0xFFFF_FFFF;

/// The id allocator of one maker process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIds {
    tag: u16,
    next: u64,
}

impl ClientIds {
    /// Ids with `tag` (1..=0x7FFF), counting from `now_ms` (the wall clock, mod 2^32).
    pub fn new(tag: u16, now_ms: i64) -> Result<Self, MmError> {
        if tag == 0 || tag > MAX_TAG {
            return Err(MmError::Setting {
                name: "client id tag",
                value: tag.to_string(),
                expected: "in 1..=32767",
            });
        }
        Ok(Self {
            tag,
            next: (now_ms.unsigned_abs()) & LOW_MASK,
        })
    }

    /// The tag.
    pub fn tag(&self) -> u16 {
        self.tag
    }

    /// A fresh id.
    pub fn next_id(&mut self) -> ClientOrderId {
        loop {
            let low = self.next & LOW_MASK;
            self.next = (low + 1) & LOW_MASK;
            if low == 0 {
                continue;
            }
            if let Some(id) = ClientOrderId::new((u64::from(self.tag) << 32) | low) {
                return id;
            }
        }
    }

    /// True when `id` carries our tag.
    pub fn is_ours(&self, id: ClientOrderId) -> bool {
        id.get() >> 32 == u64::from(self.tag)
    }
}
