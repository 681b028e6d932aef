//! Signals during a trading command (issue 14, item 5).
//!
//! The first SIGINT or SIGTERM prints "finishing the operation safely (signal again to
//! abort)" and lets the operation finish; the command then exits with its normal code. A
//! second one writes HALTED ("operation N interrupted") when an operation is in flight, and
//! exits 130 (SIGINT) or 143 (SIGTERM). The journal entry stays unfinished, so the next
//! trading command's recovery resolves it from the venues.

use crate::ctx::Ctx;
use crate::{code, Failure};
use std::future::Future;

/// Runs `fut` under the two-signal rule.
#[cfg(unix)]
pub async fn guarded(
    ctx: &Ctx,
    fut: impl Future<Output = Result<u8, Failure>>,
) -> Result<u8, Failure> {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut int, mut term) = match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(i), Ok(t)) => (i, t),
        _ => {
            tracing::warn!("signal handlers unavailable; running unguarded");
            return fut.await;
        }
    };
    tokio::pin!(fut);
    let mut seen = 0u32;
    loop {
        let exit = tokio::select! {
            r = &mut fut => return r,
            _ = int.recv() => code::INTERRUPTED,
            _ = term.recv() => code::TERMINATED,
        };
        seen += 1;
        if seen == 1 {
            tracing::warn!("first signal: finishing the operation");
            eprintln!(
                "{}finishing the operation safely (signal again to abort)",
                ctx.tag()
            );
            continue;
        }
        let message = match ctx.wiring.engine.halt_interrupted() {
            Ok(Some(op)) => format!(
                "operation {op} interrupted by a second signal: HALTED. The next command \
                 recovers it from the venues; check `hedge-cli status`"
            ),
            Ok(None) => "interrupted by a second signal before any order was sent".to_string(),
            Err(e) => format!(
                "interrupted by a second signal; could not persist HALTED ({e}): check both \
                 venues before trading"
            ),
        };
        tracing::error!("{message}");
        return Err(Failure {
            code: exit,
            message,
        });
    }
}

/// Runs `fut` (no signal handling on this platform).
#[cfg(not(unix))]
pub async fn guarded(
    _ctx: &Ctx,
    fut: impl Future<Output = Result<u8, Failure>>,
) -> Result<u8, Failure> {
    fut.await
}
