//! The two-leg protocol (design.md, "The two-leg protocol"): open and close a hedge on two
//! venues without ever leaving a naked leg unnoticed.
//!
//! 1. Resolve both markets; one size on the common grid of both steps.
//! 2. Set and read back leverage on both venues before any order.
//! 3. Price each leg as a bounded aggressive limit; refuse bad books.
//! 4. Sign both orders, then send: concurrently (default) or pilot first.
//! 5. Judge each leg from the venue (order status by client id, then positions), never from
//!    the acknowledgement; a lost answer is looked up by client id, never resent.
//! 6. Repair within a bound (retry the missing part), else unwind reduce-only to a balanced
//!    size; if that fails, HALT (persisted) and refuse to trade until an operator resumes.
//! 7. Every order's client id derives from (operation, leg, attempt) and is journaled before
//!    it is sent.
//!
//! Waits use the injected [`Clock`], so tests and paper mode run fast; latencies in reports
//! are measured with the real monotonic clock.

mod close;
mod engine;
mod open;
mod recover;
mod reduce;
mod repair;
mod report;
mod settle;
mod single;

pub use close::CloseRequest;
pub use engine::{EngineError, ExecutionOptions, HedgeEngine, LegVenues};
pub use open::{LegMode, OpenPlan, OpenRequest};
pub use recover::{RecoveredOperation, RecoveredOrder, RecoveryReport};
pub use reduce::{ReduceReport, ReduceResult};
pub use repair::{RepairReport, RepairResult};
pub use report::{
    CloseReport, CloseResult, HedgeResult, LegOutcome, OpenReport, OrderExecution, OrderPurpose,
    PairPositions,
};
pub use single::OneLegRequest;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_recovery;
#[cfg(test)]
mod tests_reduce;
#[cfg(test)]
mod tests_repair;
#[cfg(test)]
mod tests_single;
