//! Spec 4 item 7: changes to `symbols_to_monitor`, leverage (or the sizing, hold and stop-loss
//! settings) while a position is open apply only after it is closed.
//!
//! The settings a position was opened with are saved in it (`opened_with`, stamped at the
//! first save after the open or adoption). At start-up, when the config differs, the bot says
//! what changed, manages the held position with the settings it was opened with, and switches
//! to the new config once that position is closed (whatever closed it).

use super::{Machine, MachineConfig};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The key in the position's `extra` map.
const KEY: &str = "opened_with";

/// The settings that govern a held position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedWith {
    /// `symbols_to_monitor` (switch candidates while holding).
    pub symbols_to_monitor: Vec<String>,
    /// `leverage`.
    pub leverage: u32,
    /// `notional_per_position`.
    pub notional_per_position: Decimal,
    /// `hold_duration_hours`.
    pub hold_duration_hours: Decimal,
    /// `max_hold_hours` (extensions).
    pub max_hold_hours: Decimal,
    /// `enable_stop_loss`.
    pub enable_stop_loss: bool,
    /// `stop_loss_percent`.
    pub stop_loss_percent: Decimal,
}

impl OpenedWith {
    /// The settings of `cfg`.
    pub fn of(cfg: &MachineConfig) -> Self {
        Self {
            symbols_to_monitor: cfg.symbols.clone(),
            leverage: cfg.leverage,
            notional_per_position: cfg.notional_per_position,
            hold_duration_hours: cfg.thresholds.hold_duration_hours,
            max_hold_hours: cfg.thresholds.max_hold_hours,
            enable_stop_loss: cfg.stop_loss.enable_stop_loss,
            stop_loss_percent: cfg.stop_loss.stop_loss_percent,
        }
    }

    /// `cfg` with these settings in place of its own.
    pub fn apply(&self, cfg: &MachineConfig) -> MachineConfig {
        let mut c = cfg.clone();
        c.symbols = self.symbols_to_monitor.clone();
        c.leverage = self.leverage;
        c.notional_per_position = self.notional_per_position;
        c.thresholds.hold_duration_hours = self.hold_duration_hours;
        c.thresholds.max_hold_hours = self.max_hold_hours;
        c.stop_loss.enable_stop_loss = self.enable_stop_loss;
        c.stop_loss.stop_loss_percent = self.stop_loss_percent;
        c
    }

    /// "key old -> new" for every setting that differs.
    pub fn changes(&self, new: &Self) -> Vec<String> {
        let mut out = Vec::new();
        let mut cmp = |k: &str, a: String, b: String| {
            if a != b {
                out.push(format!("{k} {a} -> {b}"));
            }
        };
        cmp(
            "symbols_to_monitor",
            format!("{:?}", self.symbols_to_monitor),
            format!("{:?}", new.symbols_to_monitor),
        );
        cmp(
            "leverage",
            self.leverage.to_string(),
            new.leverage.to_string(),
        );
        let d = |x: Decimal| x.normalize().to_string();
        cmp(
            "notional_per_position",
            d(self.notional_per_position),
            d(new.notional_per_position),
        );
        cmp(
            "hold_duration_hours",
            d(self.hold_duration_hours),
            d(new.hold_duration_hours),
        );
        cmp(
            "max_hold_hours",
            d(self.max_hold_hours),
            d(new.max_hold_hours),
        );
        cmp(
            "enable_stop_loss",
            self.enable_stop_loss.to_string(),
            new.enable_stop_loss.to_string(),
        );
        cmp(
            "stop_loss_percent",
            d(self.stop_loss_percent),
            d(new.stop_loss_percent),
        );
        out
    }
}

impl Machine {
    /// Stamps the held position with the current settings when it has none yet.
    pub(super) fn stamp_opened_with(&mut self) {
        let snapshot = OpenedWith::of(&self.cfg);
        if let Some(p) = self.state.current_position.as_mut() {
            if !p.extra.contains_key(KEY) {
                if let Ok(v) = serde_json::to_value(snapshot) {
                    p.extra.insert(KEY.into(), v);
                }
            }
        }
    }

    /// At start-up: a held position opened with other settings keeps them until closed.
    pub(super) fn hold_with_opening_config(&mut self) {
        let Some(p) = &self.state.current_position else {
            return;
        };
        let Some(old) = p
            .extra
            .get(KEY)
            .and_then(|v| serde_json::from_value::<OpenedWith>(v.clone()).ok())
        else {
            return;
        };
        let changes = old.changes(&OpenedWith::of(&self.cfg));
        if changes.is_empty() {
            return;
        }
        let symbol = p.symbol.clone();
        let msg = format!(
            "config changed while {symbol} is held ({}): the held position keeps the settings \
             it was opened with until it is closed; the new config applies from the next cycle",
            changes.join(", ")
        );
        tracing::warn!("{msg}");
        self.decide(
            "config_change",
            Some(&symbol),
            msg,
            serde_json::json!({"opened_with": old, "new": OpenedWith::of(&self.cfg)}),
        );
        let held = old.apply(&self.cfg);
        self.next_cfg = Some(std::mem::replace(&mut self.cfg, held));
    }

    /// After a close: the config that waited for it applies now.
    pub(super) fn apply_waiting_config(&mut self) {
        if let Some(next) = self.next_cfg.take() {
            let changes = OpenedWith::of(&self.cfg).changes(&OpenedWith::of(&next));
            let msg = format!(
                "the held position is closed: the new config applies from now on ({})",
                changes.join(", ")
            );
            tracing::warn!("{msg}");
            self.decide("config_applied", None, msg, ());
            self.cfg = next;
        }
    }
}
