//! `doctor`: a read-only pre-flight of a live account, run before the first trade and by the
//! bots at start-up. Nothing here sends an order or changes a setting.
//!
//! Per venue, one [`Check`] per line: credentials present (and EdgeX's API generation),
//! EdgeX server-time skew, account readable, the Lighter API key registered and equal to ours
//! (EdgeX V1: `l2Key` equal to our Stark key), every configured symbol resolving (with the
//! venue's contract name), funding readable (Lighter: both endpoints, their units agreeing),
//! leverage readable, and the request budget in force. [`DoctorReport::passed`] is true only
//! when every check passed.
//!
//! [`record`] saves one response of every read endpoint the adapters use, redacted (keys,
//! signatures, addresses and account ids), in the layout of the repository's `fixtures/`.

use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;
use venue_api::{Venue, VenueError};
use venue_edgex::{ApiVersion, EdgexVenue};
use venue_lighter::LighterVenue;

mod record;
pub use record::{record, redact};

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `edgex` or `lighter`.
    pub venue: &'static str,
    /// What was checked, e.g. `api key` or `symbol BTC`.
    pub name: String,
    /// Passed.
    pub ok: bool,
    /// What was seen (ok) or why it failed.
    pub detail: String,
    /// How to fix it (failures only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// All checks of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    /// In the order they ran.
    pub checks: Vec<Check>,
}

impl DoctorReport {
    /// True when every check passed (exit 0).
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    fn push(
        &mut self,
        venue: &'static str,
        name: impl Into<String>,
        result: Result<String, (String, String)>,
    ) {
        let (ok, detail, fix) = match result {
            Ok(detail) => (true, detail, None),
            Err((why, fix)) => (false, why, Some(fix)),
        };
        self.checks.push(Check {
            venue,
            name: name.into(),
            ok,
            detail,
            fix,
        });
    }
}

/// The venues a doctor run reads (the concrete adapters: some checks are venue-specific).
#[derive(Debug, Clone)]
pub struct DoctorVenues {
    /// EdgeX.
    pub edgex: Arc<EdgexVenue>,
    /// Lighter.
    pub lighter: Arc<LighterVenue>,
}

impl DoctorVenues {
    /// The live adapters from the environment's settings (same construction as
    /// [`crate::wiring::Wiring::live`]).
    pub fn live(
        settings: &crate::credentials::VenueSettings,
        quote: &str,
    ) -> Result<Self, crate::ConfigError> {
        let edgex = EdgexVenue::new(settings.edgex.clone().with_quote(quote))
            .map_err(|e| crate::ConfigError::new("environment", format!("EdgeX: {e}")))?;
        let lighter = LighterVenue::new(settings.lighter.clone())
            .map_err(|e| crate::ConfigError::new("environment", format!("Lighter: {e}")))?;
        Ok(Self {
            edgex: Arc::new(edgex),
            lighter: Arc::new(lighter),
        })
    }

    /// The paper adapters on a running simulator session (as [`crate::wiring::Wiring::paper`]
    /// builds them).
    pub fn paper(
        session: &venue_sim::paper::PaperSession,
        clock: Arc<dyn venue_api::Clock>,
    ) -> Result<Self, crate::ConfigError> {
        let err = |e: &dyn std::fmt::Display| crate::ConfigError::new("paper", e.to_string());
        let edgex = EdgexVenue::with_clock(
            session
                .edgex_config()
                .with_request_timeout(crate::wiring::PAPER_REQUEST_TIMEOUT)
                .with_request_budget(1000, 1000),
            clock.clone(),
        )
        .map_err(|e| err(&e))?;
        let mut lighter_config = session.lighter_config().map_err(|e| err(&e))?;
        lighter_config.request_timeout = crate::wiring::PAPER_REQUEST_TIMEOUT;
        lighter_config.requests_per_minute = 60_000;
        let http = venue_lighter::HttpSettings::from_config(&lighter_config);
        let lighter = LighterVenue::with_parts(lighter_config, http, clock).map_err(|e| err(&e))?;
        Ok(Self {
            edgex: Arc::new(edgex),
            lighter: Arc::new(lighter),
        })
    }
}

/// Largest accepted ratio between Lighter's two funding figures (per hour): a unit error
/// (×8 per-8h vs hourly, ×100 percent vs fraction) lands far outside.
const FUNDING_AGREEMENT_RATIO: i64 = 4;
/// Below this (per hour, as a fraction) both figures count as agreeing whatever the ratio.
const FUNDING_NOISE: Decimal = Decimal::from_parts(2, 0, 0, false, 5); // 0.00002

fn failed(e: &VenueError, fix: &str) -> (String, String) {
    (e.to_string(), fix.to_string())
}

/// Runs every check on both venues for `symbols`.
pub async fn run(venues: &DoctorVenues, symbols: &[String]) -> DoctorReport {
    let mut report = DoctorReport::default();
    edgex_checks(&venues.edgex, symbols, &mut report).await;
    lighter_checks(&venues.lighter, symbols, &mut report).await;
    report
}

async fn edgex_checks(v: &EdgexVenue, symbols: &[String], r: &mut DoctorReport) {
    const V: &str = "edgex";
    let creds = v.config().credentials().is_some();
    let generation = match v.api_version() {
        ApiVersion::V1 => "V1 (Stark key)",
        ApiVersion::V2 => "V2 (API key + EIP-712 trading key)",
    };
    r.push(
        V,
        "credentials",
        if creds {
            Ok(format!("present, generation {generation}"))
        } else {
            Err((
                "no EdgeX credentials".to_string(),
                "set EDGEX_ACCOUNT_ID and the V1 (EDGEX_STARK_PRIVATE_KEY) or V2 (EDGEX_API_KEY, EDGEX_API_PASSPHRASE, EDGEX_API_SECRET, EDGEX_TRADING_PRIVATE_KEY) variables".to_string(),
            ))
        },
    );
    r.push(
        V,
        "server time",
        match v.check_clock().await {
            Ok(Some(offset)) => Ok(format!(
                "host clock skew {offset} ms (applied to signatures)"
            )),
            Ok(None) => Err((
                "getServerTime unreadable".to_string(),
                "check EDGEX_BASE_URL and the network".to_string(),
            )),
            Err(e) => Err(failed(&e, "sync the host clock (NTP)")),
        },
    );
    if creds {
        r.push(
            V,
            "account",
            match v.balance().await {
                Ok(b) => Ok(format!(
                    "equity {} available {}",
                    b.equity.round_dp(2),
                    b.available.round_dp(2)
                )),
                Err(e) => Err(failed(&e, "check EDGEX_ACCOUNT_ID and the credentials")),
            },
        );
        r.push(
            V,
            "key",
            match v.check_credentials().await {
                Ok(()) if v.api_version() == ApiVersion::V1 => {
                    Ok("l2Key equals our Stark public key".to_string())
                }
                Ok(()) => Ok("authenticated read accepted (V2 has no key read-back)".to_string()),
                Err(e) => Err(failed(&e, "use the Stark key registered for this account")),
            },
        );
    }
    for s in symbols {
        r.push(
            V,
            format!("symbol {s}"),
            match v.market(s).await {
                Ok(m) => Ok(format!(
                    "contract {}{} (id {})",
                    m.symbol, m.quote, m.market_id.0
                )),
                Err(e) => Err(failed(
                    &e,
                    "pick a symbol EdgeX lists (see the list above) or fix \"quote\"",
                )),
            },
        );
        r.push(
            V,
            format!("funding {s}"),
            match v.funding(s).await {
                Ok(f) => Ok(format!("{} per {} min", f.rate, f.interval_minutes)),
                Err(e) => Err(failed(
                    &e,
                    "retry later; EdgeX must publish the contract's ticker",
                )),
            },
        );
        if creds {
            r.push(
                V,
                format!("leverage {s}"),
                leverage_check(
                    v.leverage(s).await,
                    "contract default",
                    "check the account's trade settings",
                ),
            );
        }
    }
    r.push(
        V,
        "request budget",
        Ok(budget_text(
            &v.config().budget(),
            "EdgeX publishes no REST limit",
            &v.http().rate_limit_headers(),
        )),
    );
}

async fn lighter_checks(v: &LighterVenue, symbols: &[String], r: &mut DoctorReport) {
    const V: &str = "lighter";
    let signer = v.signer();
    r.push(
        V,
        "credentials",
        match &signer {
            Ok(s) => Ok(format!(
                "present, account {} key index {}",
                "*".repeat(3),
                s.api_key_index()
            )),
            Err(e) => Err(failed(
                e,
                "set LIGHTER_PRIVATE_KEY, LIGHTER_ACCOUNT_INDEX and LIGHTER_API_KEY_INDEX",
            )),
        },
    );
    if signer.is_ok() {
        r.push(
            V,
            "api key",
            match v.check_api_key().await {
                Ok(()) => Ok("registered public key equals ours".to_string()),
                Err(e) => Err(failed(&e, "register this key (or use the key registered at LIGHTER_API_KEY_INDEX); nothing will be sent until it matches")),
            },
        );
        r.push(
            V,
            "account",
            match v.balance().await {
                Ok(b) => Ok(format!(
                    "equity {} available {}",
                    b.equity.round_dp(2),
                    b.available.round_dp(2)
                )),
                Err(e) => Err(failed(&e, "check LIGHTER_ACCOUNT_INDEX")),
            },
        );
    }
    let bulk = v.funding_rates(symbols).await;
    for s in symbols {
        r.push(
            V,
            format!("symbol {s}"),
            match v.market(s).await {
                Ok(m) => Ok(format!("market {} (index {})", m.symbol, m.market_id.0)),
                Err(e) => Err(failed(&e, "pick a symbol Lighter lists")),
            },
        );
        let current = match &bulk {
            Ok(rows) => rows
                .iter()
                .find(|(sym, _)| sym == s)
                .map(|(_, rate)| rate.clone())
                .unwrap_or_else(|| Err(VenueError::Unavailable(format!("no bulk row for {s}")))),
            Err(e) => Err(e.clone()),
        };
        let settled = v.funding_history(s, 3).await.map(|h| h.into_iter().next());
        r.push(
            V,
            format!("funding {s}"),
            funding_agreement(current, settled),
        );
        if signer.is_ok() {
            r.push(
                V,
                format!("leverage {s}"),
                leverage_check(
                    v.leverage(s).await,
                    "market default",
                    "check the account's positions read",
                ),
            );
        }
    }
    r.push(
        V,
        "request budget",
        Ok(budget_text(
            &v.http().budget(),
            "LIGHTER_REQUESTS_PER_MINUTE, LIGHTER_WRITE_RESERVE",
            &v.http().rate_limit_headers(),
        )),
    );
}

/// The leverage line of one symbol; `default_label` names what the venue reports when the
/// account never set one.
fn leverage_check(
    read: Result<venue_api::LeverageSetting, VenueError>,
    default_label: &str,
    fix: &str,
) -> Result<String, (String, String)> {
    match read {
        Ok(l) if l.explicitly_set => Ok(format!("{}x", l.leverage)),
        Ok(l) => Ok(format!("{}x ({default_label})", l.leverage)),
        Err(e) => Err(failed(&e, fix)),
    }
}

/// The request-budget line: the configured figures, where they come from, and the
/// rate-limit headers the venue sent.
fn budget_text(
    b: &venue_transport::BudgetConfig,
    source: &str,
    headers: &[(String, String)],
) -> String {
    format!(
        "{} requests/min, burst {}, {} kept for order sends ({source}); {}",
        b.per_minute,
        b.burst,
        b.write_reserve,
        headers_text(headers)
    )
}

fn headers_text(headers: &[(String, String)]) -> String {
    if headers.is_empty() {
        "no rate-limit headers seen".to_string()
    } else {
        format!(
            "rate-limit headers: {}",
            headers
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Lighter's two funding figures, both converted to a fraction per hour, must agree within
/// [`FUNDING_AGREEMENT_RATIO`] (or both be noise-small).
pub fn funding_agreement(
    current: Result<venue_api::FundingRate, VenueError>,
    settled: Result<Option<venue_api::FundingPoint>, VenueError>,
) -> Result<String, (String, String)> {
    let current = current.map_err(|e| {
        failed(
            &e,
            "retry later; /api/v1/funding-rates must list the market",
        )
    })?;
    let settled = settled
        .map_err(|e| failed(&e, "retry later; /api/v1/fundings must answer"))?
        .ok_or_else(|| {
            (
                "no settled funding in the last hours".to_string(),
                "retry later".to_string(),
            )
        })?;
    let per_hour =
        |rate: Decimal, minutes: u32| rate / Decimal::from(minutes.max(1)) * Decimal::from(60);
    let a = per_hour(current.rate, current.interval_minutes);
    let b = per_hour(settled.rate, settled.interval_minutes);
    let (small, big) = if a.abs() <= b.abs() {
        (a.abs(), b.abs())
    } else {
        (b.abs(), a.abs())
    };
    let agree = big <= FUNDING_NOISE || big <= small * Decimal::from(FUNDING_AGREEMENT_RATIO);
    let text = format!("funding-rates {a}/h, fundings {b}/h");
    if agree {
        Ok(text)
    } else {
        Err((
            format!("{text}: the two endpoints disagree beyond x{FUNDING_AGREEMENT_RATIO} (a unit change?)"),
            "a rate that jumped since the last settlement disagrees too: run doctor again after the next settlement; if it still disagrees, do not trade on Lighter funding until the units are checked, and record both responses with --record".to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use venue_api::{FundingPoint, FundingRate};

    fn rate(r: Decimal, minutes: u32) -> FundingRate {
        FundingRate {
            rate: r,
            interval_minutes: minutes,
            next_funding_time: None,
            time: None,
        }
    }

    fn point(r: Decimal) -> Option<FundingPoint> {
        Some(FundingPoint {
            time: Utc::now(),
            rate: r,
            interval_minutes: 60,
        })
    }

    #[test]
    fn funding_agreement_catches_unit_errors() {
        use rust_decimal_macros::dec;
        // 0.0012 %/h on both endpoints
        assert!(funding_agreement(Ok(rate(dec!(0.000012), 60)), Ok(point(dec!(0.000012)))).is_ok());
        // the bulk figure read as hourly while it is per 8 h: x8
        assert!(
            funding_agreement(Ok(rate(dec!(0.000096), 60)), Ok(point(dec!(0.000012)))).is_err()
        );
        // percent read as a fraction: x100
        assert!(funding_agreement(Ok(rate(dec!(0.0012), 60)), Ok(point(dec!(0.000012)))).is_err());
        // both tiny: noise
        assert!(
            funding_agreement(Ok(rate(dec!(0.000001), 60)), Ok(point(dec!(-0.000002)))).is_ok()
        );
        assert!(funding_agreement(Ok(rate(dec!(0.000012), 60)), Ok(None)).is_err());
    }

    #[test]
    fn passed_needs_every_check() {
        let mut r = DoctorReport::default();
        assert!(!r.passed(), "no check is not a pass");
        r.push("edgex", "a", Ok("fine".into()));
        assert!(r.passed());
        r.push("lighter", "b", Err(("bad".into(), "fix it".into())));
        assert!(!r.passed());
        assert_eq!(r.checks[1].fix.as_deref(), Some("fix it"));
    }
}
