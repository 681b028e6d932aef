//! Operator pause and resume without writing the bot's state file from a second process.
//!
//! `rotation-bot pause` writes `<state>.pause` (reason and time); `rotation-bot resume`
//! removes it and writes `<state>.resume`. The running bot reads both at every turn: a pause
//! file pauses new opens; a resume file clears any pause (operator or budget: the budgets'
//! counters are re-armed as [`BudgetState::resume`] says) and is then removed. A bot that is
//! not running sees them at its next start. The engine's HALT is not touched: only
//! `hedge-cli resume` clears it.
//!
//! [`BudgetState::resume`]: crate::rotation::budget::BudgetState::resume

use super::{EventKind, Machine, MachineError};
use crate::rotation::state::{BotStatus, Pause};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The two request files beside a state file.
#[derive(Debug, Clone)]
pub struct ControlFiles {
    /// `<state>.pause`.
    pub pause: PathBuf,
    /// `<state>.resume`.
    pub resume: PathBuf,
}

/// What `rotation-bot pause` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRequest {
    /// For people.
    pub reason: String,
    /// When.
    pub since: DateTime<Utc>,
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

impl ControlFiles {
    /// The request files of a state file.
    pub fn beside(state_file: &Path) -> Self {
        Self {
            pause: sibling(state_file, ".pause"),
            resume: sibling(state_file, ".resume"),
        }
    }

    /// `rotation-bot pause`.
    pub fn request_pause(&self, reason: &str, now: DateTime<Utc>) -> std::io::Result<()> {
        let req = PauseRequest {
            reason: reason.to_string(),
            since: now,
        };
        let text = serde_json::to_string_pretty(&req).map_err(std::io::Error::other)?;
        let _ = std::fs::remove_file(&self.resume);
        crate::store::write_atomic(&self.pause, text.as_bytes())
    }

    /// `rotation-bot resume`.
    pub fn request_resume(&self, now: DateTime<Utc>) -> std::io::Result<()> {
        match std::fs::remove_file(&self.pause) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        crate::store::write_atomic(&self.resume, now.to_rfc3339().as_bytes())
    }

    /// The pending operator pause, if any (an unreadable file still pauses).
    pub fn pending_pause(&self) -> Option<PauseRequest> {
        match std::fs::read_to_string(&self.pause) {
            Ok(text) => Some(
                serde_json::from_str(&text).unwrap_or_else(|_| PauseRequest {
                    reason: format!("pause file {} (unreadable)", self.pause.display()),
                    since: DateTime::<Utc>::UNIX_EPOCH,
                }),
            ),
            Err(_) => None,
        }
    }

    /// True when a resume is pending.
    pub fn pending_resume(&self) -> bool {
        self.resume.exists()
    }
}

impl Machine {
    /// Applies pending operator requests (resume first, then pause).
    pub(super) fn poll_control(&mut self) -> Result<(), MachineError> {
        let Some(control) = self.control.clone() else {
            return Ok(());
        };
        let now = self.clock.now();
        if control.pending_resume() {
            let _ = std::fs::remove_file(&control.resume);
            if let Some(p) = self.state.pause.take() {
                tracing::warn!(
                    "RESUMED by the operator (was paused by {}: {})",
                    p.by,
                    p.reason
                );
                self.state.budget.resume(now);
                self.decide("resume", None, "operator resume", &p);
                self.emit(EventKind::Recovered, None, "resumed by the operator");
                if self.state.state == BotStatus::Paused {
                    return self.transition(BotStatus::Idle);
                }
                self.save()?;
            }
        }
        if let Some(req) = control.pending_pause() {
            let already = self
                .state
                .pause
                .as_ref()
                .is_some_and(|p| p.by == "operator");
            if !already {
                let reason = if req.reason.is_empty() {
                    "paused by the operator".to_string()
                } else {
                    req.reason.clone()
                };
                self.pause("operator", reason, None)?;
            }
        }
        Ok(())
    }

    /// Pauses new opens; PAUSED when flat (a held position stays HOLDING and is watched).
    pub(super) fn pause(
        &mut self,
        by: &str,
        reason: String,
        until: Option<DateTime<Utc>>,
    ) -> Result<(), MachineError> {
        let now = self.clock.now();
        tracing::warn!("*** PAUSED ({by}): {reason}. Nothing new opens; positions are watched ***");
        self.emit(
            if by == "budget" {
                EventKind::BudgetTripped
            } else {
                EventKind::Paused
            },
            None,
            reason.clone(),
        );
        self.state.pause = Some(Pause {
            by: by.into(),
            reason: reason.clone(),
            since: now,
            until,
        });
        self.decide("pause", None, reason, serde_json::json!({ "by": by }));
        if self.state.current_position.is_none()
            && matches!(
                self.state.state,
                BotStatus::Idle | BotStatus::Waiting | BotStatus::Analyzing
            )
        {
            return self.transition(BotStatus::Paused);
        }
        self.save()
    }

    /// Trips or clears the budget pause; returns true when the state changed.
    pub(super) fn refresh_budget_pause(&mut self) -> Result<bool, MachineError> {
        let now = self.clock.now();
        let tripped = self.state.budget.tripped(&self.cfg.budgets, now);
        let budget_paused = self.state.pause.as_ref().is_some_and(|p| p.by == "budget");
        match tripped {
            Some(reason) if self.state.pause.is_none() => {
                self.pause("budget", reason.to_string(), None)?;
                Ok(true)
            }
            None if budget_paused => {
                tracing::warn!("budget window passed: pause ended");
                self.state.pause = None;
                self.emit(EventKind::Recovered, None, "budget pause ended");
                if self.state.state == BotStatus::Paused {
                    self.transition(BotStatus::Idle)?;
                } else {
                    self.save()?;
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
