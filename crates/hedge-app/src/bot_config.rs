//! The rotation bot's `rotation_bot_config.json`, in the seed's format.
//!
//! Missing keys take the seed's code defaults (and are reported so the bot can log them);
//! keys starting with `comment` are ignored; an unknown key, a wrong type or an out-of-range
//! value refuses to start, naming the field and value. (The seed silently fell back to all
//! defaults, including a 2 % stop-loss, on any such problem: W16.)

use crate::json;
use crate::layers;
use crate::ConfigError;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// The default config path, relative to the working directory.
pub const DEFAULT_PATH: &str = "rotation_bot_config.json";

/// The shipped example (`configs/rotation_bot_config.json`); also the paper-mode default.
pub const EXAMPLE: &str = include_str!("../../../configs/rotation_bot_config.json");

/// The seed's default symbol list (`CRYPTO_LIST`), used by `funding_all`, `check_leverage`
/// and the bot when its config has none.
pub const DEFAULT_SYMBOLS: [&str; 15] = [
    "BTC", "ETH", "SOL", "BNB", "ASTER", "PAXG", "DOGE", "XRP", "LINK", "HYPE", "XPL", "TRUMP",
    "LTC", "PUMP", "FARTCOIN",
];

/// The validated bot configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BotConfig {
    /// Candidate symbols, upper case, in config order (ties in ranking keep this order).
    pub symbols_to_monitor: Vec<String>,
    /// Quote currency.
    pub quote: String,
    /// Leverage on both venues.
    pub leverage: u32,
    /// Largest position notional per leg, quote currency.
    pub notional_per_position: Decimal,
    /// From open to scheduled close.
    pub hold_duration_hours: Decimal,
    /// Cooldown after a close.
    pub wait_between_cycles_minutes: Decimal,
    /// Pause between HOLDING checks.
    pub check_interval_seconds: Decimal,
    /// Minimum net APR to enter, percent (inclusive).
    pub min_net_apr_threshold: Decimal,
    /// Stop-loss limit, percent of notional.
    pub stop_loss_percent: Decimal,
    /// Stop-loss on/off.
    pub enable_stop_loss: bool,
    /// Kept for compatibility: only one position is supported (must be 1).
    pub max_position_count: u32,
    /// Kept for compatibility (unused by the seed).
    pub enable_pnl_tracking: bool,
    /// Kept for compatibility (unused by the seed).
    pub enable_health_monitoring: bool,
    /// Exit threshold, percent net APR: while holding, a position whose remaining expected
    /// funding APR falls below it counts one exit signal (hysteresis: below the entry threshold).
    pub exit_net_apr_threshold: Decimal,
    /// Longest a position may be kept by `extend` decisions, hours (>= the planned hold).
    pub max_hold_hours: Decimal,
    /// A switch to another symbol must beat keeping by at least this many dollars.
    pub switch_margin_usd: Decimal,
    /// Consecutive checks with an exit signal before a close on rates (never a single flip).
    pub exit_confirmations: u32,
    /// A close is not sent within this many minutes before a settlement in our favour.
    pub settlement_guard_minutes: Decimal,
    /// Enter only when the expected net beats the round-trip fees over the hold.
    pub fee_aware_entry: bool,
    /// Stop-loss rule: combined PnL plus per-leg margin health (default), or the seed's
    /// worst-leg rule.
    pub stop_loss_mode: StopLossMode,
    /// Pause between stop-loss checks while holding (independent of the dashboard).
    pub stop_loss_check_interval_seconds: Decimal,
    /// Highest margin usage (0..1) a venue may show before the stop-loss closes.
    pub max_margin_usage: Decimal,
    /// Share of each venue's available collateral kept free when sizing, percent.
    pub margin_buffer_percent: Decimal,
    /// Cooldown of a symbol after its first failed or unwound open, minutes (doubles after
    /// each further failure).
    pub cooldown_base_minutes: Decimal,
    /// Longest cooldown of a symbol, minutes.
    pub cooldown_max_minutes: Decimal,
    /// Fees paid in one UTC day above which the bot pauses, quote currency.
    pub daily_fee_budget_usd: Decimal,
    /// Failed or unwound opens within one hour above which the bot pauses.
    pub max_failed_opens_per_hour: u32,
    /// Slippage allowance per fill on top of the book walk, basis points.
    pub extra_slippage_bps: Decimal,
}

/// Which stop-loss rule the bot applies (`combined` or `worst_leg`).
pub use hedge_engine::rotation::stoploss::StopLossMode;

/// The config value of a stop-loss mode.
pub fn stop_loss_mode_name(m: StopLossMode) -> &'static str {
    match m {
        StopLossMode::Combined => "combined",
        StopLossMode::WorstLeg => "worst_leg",
    }
}

impl Default for BotConfig {
    /// The seed's code defaults (not the shipped file's values).
    fn default() -> Self {
        Self {
            symbols_to_monitor: DEFAULT_SYMBOLS.iter().map(|s| s.to_string()).collect(),
            quote: "USD".into(),
            leverage: 3,
            notional_per_position: Decimal::from(100),
            hold_duration_hours: Decimal::from(8),
            wait_between_cycles_minutes: Decimal::from(5),
            check_interval_seconds: Decimal::from(60),
            min_net_apr_threshold: Decimal::from(5),
            stop_loss_percent: Decimal::from(2),
            enable_stop_loss: true,
            max_position_count: 1,
            enable_pnl_tracking: true,
            enable_health_monitoring: true,
            exit_net_apr_threshold: Decimal::ONE,
            max_hold_hours: Decimal::from(24),
            switch_margin_usd: Decimal::new(5, 1),
            exit_confirmations: 3,
            settlement_guard_minutes: Decimal::from(10),
            fee_aware_entry: true,
            stop_loss_mode: StopLossMode::Combined,
            stop_loss_check_interval_seconds: Decimal::from(10),
            max_margin_usage: Decimal::new(8, 1),
            margin_buffer_percent: Decimal::from(10),
            cooldown_base_minutes: Decimal::from(15),
            cooldown_max_minutes: Decimal::from(240),
            daily_fee_budget_usd: Decimal::from(10),
            max_failed_opens_per_hour: 3,
            extra_slippage_bps: Decimal::from(2),
        }
    }
}

/// A loaded bot config with the keys that took their default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedBotConfig {
    /// The configuration.
    pub config: BotConfig,
    /// Keys absent from the file (the bot logs them).
    pub defaulted: Vec<&'static str>,
}

const KEYS: [&str; 28] = [
    "symbols_to_monitor",
    "quote",
    "leverage",
    "notional_per_position",
    "hold_duration_hours",
    "wait_between_cycles_minutes",
    "check_interval_seconds",
    "min_net_apr_threshold",
    "stop_loss_percent",
    "enable_stop_loss",
    "max_position_count",
    "enable_pnl_tracking",
    "enable_health_monitoring",
    "exit_net_apr_threshold",
    "max_hold_hours",
    "switch_margin_usd",
    "exit_confirmations",
    "settlement_guard_minutes",
    "fee_aware_entry",
    "stop_loss_mode",
    "stop_loss_check_interval_seconds",
    "max_margin_usage",
    "margin_buffer_percent",
    "cooldown_base_minutes",
    "cooldown_max_minutes",
    "daily_fee_budget_usd",
    "max_failed_opens_per_hour",
    "extra_slippage_bps",
];

/// Loads the bot config for a run: `explicit` is `--config`, else `./rotation_bot_config.json`.
/// In paper mode a missing default file gives the shipped example's values, with a notice.
pub fn load_for_run(
    explicit: Option<&Path>,
    paper: bool,
) -> Result<(LoadedBotConfig, Option<String>), ConfigError> {
    load_layered(explicit, paper, &process_env(), &[])
}

/// The process environment as text pairs (a variable that is not UTF-8 is skipped, never a
/// panic; it cannot be one of ours).
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// The environment prefix of the bot's settings: `ROTATION_BOT_<KEY>` (e.g.
/// `ROTATION_BOT_LEVERAGE=4`) replaces a key of the file.
pub const ENV_PREFIX: &str = "ROTATION_BOT_";

/// How the bot config is layered (see [`crate::layers`]).
pub const SCHEMA: layers::Schema<'static> = layers::Schema {
    keys: &KEYS,
    list_keys: &["symbols_to_monitor"],
    env_prefix: ENV_PREFIX,
};

/// [`load_for_run`] with its layers given: the file (or, in paper mode without one, the
/// built-in example), then `ROTATION_BOT_<KEY>` variables among `env`, then `--set KEY=VALUE`
/// flags. An error names the layer the bad value came from.
pub fn load_layered(
    explicit: Option<&Path>,
    paper: bool,
    env: &[(String, String)],
    sets: &[String],
) -> Result<(LoadedBotConfig, Option<String>), ConfigError> {
    let path = explicit
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(DEFAULT_PATH).to_path_buf());
    let (text, source, notice) = if paper && explicit.is_none() && !path.exists() {
        let notice = format!(
            "PAPER: no {} found; using the built-in defaults (same as configs/rotation_bot_config.json)",
            path.display()
        );
        (
            EXAMPLE.to_string(),
            "built-in paper defaults".to_string(),
            Some(notice),
        )
    } else {
        (read(&path)?, path.display().to_string(), None)
    };
    let object = json::object(&text).map_err(|m| ConfigError::new(&source, m))?;
    let mut layered = layers::Layered::from_file(object, &source);
    layered
        .apply_env(&SCHEMA, env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| ConfigError::new(e.origin, e.message))?;
    layered
        .apply_flags(&SCHEMA, sets.iter().map(String::as_str))
        .map_err(|e| ConfigError::new(e.origin, e.message))?;
    let loaded = parse_object(layered.object.clone())
        .map_err(|m| ConfigError::new(layered.origin_of_message(&m, &source), m))?;
    Ok((loaded, notice))
}

fn read(path: &Path) -> Result<String, ConfigError> {
    let source = path.display().to_string();
    std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ConfigError::new(&source, "config file not found (give --config PATH, or copy configs/rotation_bot_config.json)")
        } else {
            ConfigError::new(&source, format!("cannot read config file: {e}"))
        }
    })
}

/// Loads and validates a bot config file (no environment or flag layers).
pub fn load(path: &Path) -> Result<LoadedBotConfig, ConfigError> {
    let text = read(path)?;
    parse(&text).map_err(|m| ConfigError::new(path.display().to_string(), m))
}

fn non_negative(field: &str, v: &Value) -> Result<Decimal, String> {
    let d = json::decimal(field, v)?;
    if d < Decimal::ZERO {
        return Err(format!("field \"{field}\" must be >= 0, got {d}"));
    }
    Ok(d)
}

fn percent(field: &str, v: &Value) -> Result<Decimal, String> {
    let d = non_negative(field, v)?;
    if d >= Decimal::ONE_HUNDRED {
        return Err(format!("field \"{field}\" must be below 100, got {d}"));
    }
    Ok(d)
}

fn positive(field: &str, v: &Value) -> Result<Decimal, String> {
    let d = json::decimal(field, v)?;
    if d <= Decimal::ZERO {
        return Err(format!("field \"{field}\" must be > 0, got {d}"));
    }
    Ok(d)
}

/// Parses and validates the JSON text of a bot config.
pub fn parse(text: &str) -> Result<LoadedBotConfig, String> {
    parse_object(json::object(text)?)
}

/// Validates a config object (the layers merged).
pub fn parse_object(obj: serde_json::Map<String, Value>) -> Result<LoadedBotConfig, String> {
    if let Some(unknown) = obj
        .keys()
        .find(|k| !json::is_comment(k) && !KEYS.contains(&k.as_str()))
    {
        return Err(format!(
            "unknown field \"{unknown}\" (known fields: {})",
            KEYS.join(", ")
        ));
    }
    let mut c = BotConfig::default();
    let defaulted = KEYS
        .iter()
        .copied()
        .filter(|k| !obj.contains_key(*k))
        .collect();
    for (key, v) in obj.iter().filter(|(k, _)| !json::is_comment(k)) {
        let k = key.as_str();
        match k {
            "symbols_to_monitor" => {
                let list = v.as_array().ok_or_else(|| {
                    format!(
                        "field \"{k}\" must be a list of symbols, got {}",
                        json::show(v)
                    )
                })?;
                let mut symbols = Vec::with_capacity(list.len());
                for item in list {
                    let s = json::string(k, item)?.trim().to_ascii_uppercase();
                    if s.is_empty() {
                        return Err(format!("field \"{k}\" contains an empty symbol"));
                    }
                    if symbols.contains(&s) {
                        return Err(format!("field \"{k}\" lists \"{s}\" twice"));
                    }
                    symbols.push(s);
                }
                if symbols.is_empty() {
                    return Err(format!("field \"{k}\" must list at least one symbol"));
                }
                c.symbols_to_monitor = symbols;
            }
            "quote" => {
                let q = json::string(k, v)?.trim().to_ascii_uppercase();
                if q.is_empty() {
                    return Err(format!("field \"{k}\" must not be empty"));
                }
                c.quote = q;
            }
            "leverage" => c.leverage = json::whole_positive(k, json::decimal(k, v)?)?,
            "notional_per_position" => c.notional_per_position = positive(k, v)?,
            "hold_duration_hours" => c.hold_duration_hours = positive(k, v)?,
            "check_interval_seconds" => c.check_interval_seconds = positive(k, v)?,
            "wait_between_cycles_minutes" => {
                let d = json::decimal(k, v)?;
                if d < Decimal::ZERO {
                    return Err(format!("field \"{k}\" must be >= 0, got {d}"));
                }
                c.wait_between_cycles_minutes = d;
            }
            "min_net_apr_threshold" => c.min_net_apr_threshold = json::decimal(k, v)?,
            "stop_loss_percent" => {
                let d = positive(k, v)?;
                if d > Decimal::ONE_HUNDRED {
                    return Err(format!("field \"{k}\" must be at most 100, got {d}"));
                }
                c.stop_loss_percent = d;
            }
            "enable_stop_loss" => c.enable_stop_loss = json::boolean(k, v)?,
            "max_position_count" => {
                let n = json::whole_positive(k, json::decimal(k, v)?)?;
                if n != 1 {
                    return Err(format!(
                        "field \"{k}\": only one position at a time is supported, got {n}"
                    ));
                }
                c.max_position_count = n;
            }
            "enable_pnl_tracking" => c.enable_pnl_tracking = json::boolean(k, v)?,
            "enable_health_monitoring" => c.enable_health_monitoring = json::boolean(k, v)?,
            "exit_net_apr_threshold" => c.exit_net_apr_threshold = json::decimal(k, v)?,
            "max_hold_hours" => c.max_hold_hours = positive(k, v)?,
            "switch_margin_usd" => c.switch_margin_usd = non_negative(k, v)?,
            "exit_confirmations" => {
                c.exit_confirmations = json::whole_positive(k, json::decimal(k, v)?)?
            }
            "settlement_guard_minutes" => c.settlement_guard_minutes = non_negative(k, v)?,
            "fee_aware_entry" => c.fee_aware_entry = json::boolean(k, v)?,
            "stop_loss_mode" => {
                c.stop_loss_mode = match json::string(k, v)?.trim() {
                    "combined" => StopLossMode::Combined,
                    "worst_leg" => StopLossMode::WorstLeg,
                    other => {
                        return Err(format!(
                            "field \"{k}\" must be \"combined\" or \"worst_leg\", got \"{other}\""
                        ))
                    }
                }
            }
            "stop_loss_check_interval_seconds" => {
                c.stop_loss_check_interval_seconds = positive(k, v)?
            }
            "max_margin_usage" => {
                let d = positive(k, v)?;
                if d > Decimal::ONE {
                    return Err(format!(
                        "field \"{k}\" is a fraction of equity and must be at most 1, got {d}"
                    ));
                }
                c.max_margin_usage = d;
            }
            "margin_buffer_percent" => c.margin_buffer_percent = percent(k, v)?,
            "cooldown_base_minutes" => c.cooldown_base_minutes = non_negative(k, v)?,
            "cooldown_max_minutes" => c.cooldown_max_minutes = non_negative(k, v)?,
            "daily_fee_budget_usd" => c.daily_fee_budget_usd = positive(k, v)?,
            "max_failed_opens_per_hour" => {
                c.max_failed_opens_per_hour = json::whole_positive(k, json::decimal(k, v)?)?
            }
            "extra_slippage_bps" => c.extra_slippage_bps = non_negative(k, v)?,
            _ => {}
        }
    }
    check_invariants(&c)?;
    Ok(LoadedBotConfig {
        config: c,
        defaulted,
    })
}

fn duration_of(amount: Decimal, unit_ms: u64) -> std::time::Duration {
    let ms = (amount * Decimal::from(unit_ms)).trunc();
    std::time::Duration::from_millis(
        rust_decimal::prelude::ToPrimitive::to_u64(&ms).unwrap_or(u64::MAX),
    )
}

fn whole_minutes(d: Decimal) -> u32 {
    rust_decimal::prelude::ToPrimitive::to_u32(&d.ceil()).unwrap_or(u32::MAX)
}

impl BotConfig {
    /// The loop's configuration; `max_cycles` is `--cycles N`. Refuses a combination the
    /// decision rules reject, naming the key and value.
    pub fn machine_config(
        &self,
        max_cycles: Option<u64>,
    ) -> Result<hedge_engine::rotation::machine::MachineConfig, String> {
        use hedge_engine::rotation::budget::Budgets;
        use hedge_engine::rotation::decide::Thresholds;
        use hedge_engine::rotation::economics::EconomicsParams;
        use hedge_engine::rotation::machine::MachineConfig;
        use hedge_engine::rotation::stoploss::StopLossSettings;
        let base = Thresholds::default();
        let guard = whole_minutes(self.settlement_guard_minutes);
        let buffer_minutes = base.settlement_buffer_seconds.div_ceil(60);
        let thresholds = Thresholds {
            min_net_apr_threshold: self.min_net_apr_threshold,
            exit_net_apr_threshold: self.exit_net_apr_threshold,
            exit_confirmations: self.exit_confirmations,
            hold_duration_hours: self.hold_duration_hours,
            max_hold_hours: self.max_hold_hours,
            switch_margin_usd: self.switch_margin_usd,
            settlement_guard_minutes: guard,
            max_close_delay_minutes: base
                .max_close_delay_minutes
                .max(guard.saturating_add(buffer_minutes).saturating_add(1)),
            fee_aware_entry: self.fee_aware_entry,
            ..base
        };
        thresholds.validate().map_err(|e| e.to_string())?;
        let budgets = Budgets {
            cooldown_base_minutes: whole_minutes(self.cooldown_base_minutes),
            cooldown_max_minutes: whole_minutes(self.cooldown_max_minutes),
            daily_fee_budget_usd: Some(self.daily_fee_budget_usd),
            max_failed_opens_per_hour: Some(self.max_failed_opens_per_hour),
        };
        budgets.validate().map_err(|e| e.to_string())?;
        let stop_loss = StopLossSettings {
            enable_stop_loss: self.enable_stop_loss,
            stop_loss_mode: self.stop_loss_mode,
            stop_loss_percent: self.stop_loss_percent,
            max_margin_usage: self.max_margin_usage,
        };
        stop_loss.validate().map_err(|e| e.to_string())?;
        Ok(MachineConfig {
            symbols: self.symbols_to_monitor.clone(),
            quote: self.quote.clone(),
            leverage: self.leverage,
            notional_per_position: self.notional_per_position,
            wait_between_cycles: duration_of(self.wait_between_cycles_minutes, 60_000),
            check_interval: duration_of(self.check_interval_seconds, 1000),
            stop_loss_interval: duration_of(self.stop_loss_check_interval_seconds, 1000),
            margin_buffer_percent: self.margin_buffer_percent,
            thresholds,
            economics: EconomicsParams {
                extra_slippage_bps: self.extra_slippage_bps,
                ..EconomicsParams::default()
            },
            budgets,
            stop_loss,
            max_cycles,
            // The seed's fixed 300 s after a failed selection.
            selection_backoff: std::time::Duration::from_secs(300),
            ..MachineConfig::default()
        })
    }
}

/// Rules between keys, each naming both keys and values.
fn check_invariants(c: &BotConfig) -> Result<(), String> {
    if c.exit_net_apr_threshold >= c.min_net_apr_threshold {
        return Err(format!(
            "field \"exit_net_apr_threshold\" ({}) must be below \"min_net_apr_threshold\" ({}): \
             the exit threshold is the lower side of the hysteresis",
            c.exit_net_apr_threshold, c.min_net_apr_threshold
        ));
    }
    if c.max_hold_hours < c.hold_duration_hours {
        return Err(format!(
            "field \"max_hold_hours\" ({}) must be at least \"hold_duration_hours\" ({})",
            c.max_hold_hours, c.hold_duration_hours
        ));
    }
    if c.cooldown_max_minutes < c.cooldown_base_minutes {
        return Err(format!(
            "field \"cooldown_max_minutes\" ({}) must be at least \"cooldown_base_minutes\" ({})",
            c.cooldown_max_minutes, c.cooldown_base_minutes
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    #[test]
    fn shipped_example_loads_with_its_values() {
        let l = parse(EXAMPLE).unwrap();
        assert!(l.defaulted.is_empty(), "{:?}", l.defaulted);
        let c = l.config;
        assert_eq!(c.symbols_to_monitor.len(), 13);
        assert_eq!(c.symbols_to_monitor[0], "BTC");
        assert_eq!(c.symbols_to_monitor[12], "XPL");
        assert_eq!(c.leverage, 3);
        assert_eq!(c.notional_per_position, dec!(320.0));
        assert_eq!(c.check_interval_seconds, dec!(300));
        assert_eq!(c.stop_loss_percent, dec!(25.0));
        assert!(c.enable_stop_loss);
    }

    #[test]
    fn missing_keys_take_code_defaults_and_are_reported() {
        let l = parse(r#"{"leverage": 2}"#).unwrap();
        assert_eq!(l.config.leverage, 2);
        assert_eq!(l.config.notional_per_position, dec!(100));
        assert_eq!(l.config.stop_loss_percent, dec!(2));
        assert_eq!(l.config.symbols_to_monitor.len(), 15);
        assert!(
            l.defaulted.contains(&"notional_per_position") && !l.defaulted.contains(&"leverage")
        );
    }

    #[rstest]
    #[case::unknown_key(r#"{"notional":5}"#, "unknown field \"notional\"")]
    #[case::zero_leverage(r#"{"leverage":0}"#, "field \"leverage\" must be > 0, got 0")]
    #[case::fractional_leverage(r#"{"leverage":1.5}"#, "whole number")]
    #[case::zero_notional(
        r#"{"notional_per_position":0}"#,
        "field \"notional_per_position\" must be > 0, got 0"
    )]
    #[case::negative_hold(
        r#"{"hold_duration_hours":-1}"#,
        "field \"hold_duration_hours\" must be > 0, got -1"
    )]
    #[case::negative_wait(r#"{"wait_between_cycles_minutes":-5}"#, "must be >= 0, got -5")]
    #[case::stop_loss_range(r#"{"stop_loss_percent":150}"#, "at most 100, got 150")]
    #[case::bool_type(
        r#"{"enable_stop_loss":"yes"}"#,
        "field \"enable_stop_loss\" must be true or false, got \"yes\""
    )]
    #[case::symbols_type(r#"{"symbols_to_monitor":"BTC"}"#, "must be a list of symbols")]
    #[case::symbols_empty(r#"{"symbols_to_monitor":[]}"#, "at least one symbol")]
    #[case::symbols_dup(r#"{"symbols_to_monitor":["btc","BTC"]}"#, "lists \"BTC\" twice")]
    #[case::positions(r#"{"max_position_count":2}"#, "only one position")]
    #[case::bad_json("{", "invalid JSON")]
    #[case::stop_loss_mode(
        r#"{"stop_loss_mode":"leg"}"#,
        "field \"stop_loss_mode\" must be \"combined\" or \"worst_leg\", got \"leg\""
    )]
    #[case::margin_usage(r#"{"max_margin_usage":1.5}"#, "at most 1, got 1.5")]
    #[case::buffer(r#"{"margin_buffer_percent":100}"#, "below 100, got 100")]
    #[case::confirmations(r#"{"exit_confirmations":0}"#, "\"exit_confirmations\" must be > 0")]
    #[case::hysteresis(
        r#"{"min_net_apr_threshold":5,"exit_net_apr_threshold":6}"#,
        "\"exit_net_apr_threshold\" (6) must be below \"min_net_apr_threshold\" (5)"
    )]
    #[case::hysteresis_equal(
        r#"{"min_net_apr_threshold":1,"exit_net_apr_threshold":1}"#,
        "\"exit_net_apr_threshold\" (1) must be below"
    )]
    #[case::max_hold(
        r#"{"hold_duration_hours":8,"max_hold_hours":4}"#,
        "\"max_hold_hours\" (4) must be at least \"hold_duration_hours\" (8)"
    )]
    #[case::cooldowns(
        r#"{"cooldown_base_minutes":30,"cooldown_max_minutes":10}"#,
        "\"cooldown_max_minutes\" (10) must be at least"
    )]
    #[case::slippage(
        r#"{"extra_slippage_bps":-1}"#,
        "\"extra_slippage_bps\" must be >= 0, got -1"
    )]
    #[case::fee_budget(r#"{"daily_fee_budget_usd":0}"#, "must be > 0, got 0")]
    fn invalid_bot_configs(#[case] text: &str, #[case] expected: &str) {
        let err = parse(text).unwrap_err();
        assert!(
            err.contains(expected),
            "{err:?} does not contain {expected:?}"
        );
    }

    #[test]
    fn new_keys_have_documented_defaults() {
        let c = parse("{}").unwrap().config;
        assert_eq!(c.stop_loss_mode, StopLossMode::Combined);
        assert_eq!(c.stop_loss_check_interval_seconds, dec!(10));
        assert_eq!(c.max_margin_usage, dec!(0.8));
        assert!(c.fee_aware_entry);
        assert_eq!(c.exit_confirmations, 3);
        let w = parse(r#"{"stop_loss_mode":"worst_leg","fee_aware_entry":false}"#)
            .unwrap()
            .config;
        assert_eq!(w.stop_loss_mode, StopLossMode::WorstLeg);
        assert!(!w.fee_aware_entry);
    }

    #[test]
    fn example_maps_onto_the_loop_configuration() {
        let c = parse(EXAMPLE).unwrap().config;
        let m = c.machine_config(Some(2)).unwrap();
        assert_eq!(m.check_interval, std::time::Duration::from_secs(300));
        assert_eq!(m.wait_between_cycles, std::time::Duration::from_secs(300));
        assert_eq!(m.stop_loss_interval, std::time::Duration::from_secs(10));
        assert_eq!(m.thresholds.hold_duration_hours, dec!(8));
        assert_eq!(m.thresholds.settlement_guard_minutes, 10);
        assert_eq!(m.budgets.max_failed_opens_per_hour, Some(3));
        assert_eq!(m.stop_loss.stop_loss_percent, dec!(25));
        assert_eq!(m.economics.extra_slippage_bps, dec!(2));
        assert_eq!(m.max_cycles, Some(2));
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = load(Path::new("/nonexistent/rotation.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/nonexistent/rotation.json") && e.contains("not found"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod layer_tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn environment_then_flags_replace_the_file_and_errors_name_their_layer() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("bot.json");
        std::fs::write(&path, r#"{"leverage": 3, "symbols_to_monitor": ["BTC"]}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let vars = env(&[
            ("ROTATION_BOT_LEVERAGE", "4"),
            ("ROTATION_BOT_SYMBOLS_TO_MONITOR", "ETH,SOL"),
            ("HOME", "/root"),
        ]);
        let (loaded, _) = load_layered(Some(&path), false, &vars, &["leverage=5".into()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.config.leverage, 5);
        assert_eq!(loaded.config.symbols_to_monitor, vec!["ETH", "SOL"]);

        let err = load_layered(
            Some(&path),
            false,
            &env(&[("ROTATION_BOT_LEVERAGE", "x")]),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("environment ROTATION_BOT_LEVERAGE:") && err.contains("\"x\""),
            "{err}"
        );
        let err = load_layered(
            Some(&path),
            false,
            &env(&[("ROTATION_BOT_LEVRAGE", "4")]),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("ROTATION_BOT_LEVRAGE"), "{err}");
        let err = load_layered(Some(&path), false, &[], &["leverage=0".into()])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--set leverage:"), "{err}");
        let err = load_layered(Some(&path), false, &[], &["nope=1".into()])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--set nope:"), "{err}");
    }
}
