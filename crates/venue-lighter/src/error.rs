//! How Lighter's answers map to [`VenueError`] (spec §2.4).
//!
//! The venue's numeric codes come first ([`CODE_TABLE`], the codes Lighter answered on
//! testnet as recorded in `../shared/docs/findings/live-lighter.md` row 15: 21104 invalid
//! nonce, 21100 account not found, 21108/21109 API key, 21120 invalid signature, 217xx order
//! field refusals). A code outside the table falls back to the message text: "nonce" ->
//! `Rejected { code: "invalid_nonce" }` (the caller resynchronises its nonce), auth words ->
//! `Auth`, margin words -> `InsufficientMargin`, anything else -> `Rejected` with the code.
//! HTTP 429 -> `RateLimited`. A 5xx without a venue code is `Unavailable` on a read and
//! outcome-unknown (`Transport`) on a write ([`RequestKind::Write`]): a gateway error may
//! come after the sequencer accepted the tx. Bodies that do not parse are `Decode`.

use crate::config::LighterConfigError;
use crate::signing::scaling::ScalingError;
use crate::signing::SigningError;
use std::time::Duration;
use venue_api::VenueError;

/// The `Rejected` code used for nonce errors.
pub const INVALID_NONCE_CODE: &str = "invalid_nonce";
/// The `Rejected` code of a tx refused for the volume quota (sendTx/sendTxBatch have their
/// own quota, apart from the request budget; the exact venue code is not recorded yet).
pub const VOLUME_QUOTA_CODE: &str = "volume_quota";

/// What a code of [`CODE_TABLE`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// The tx's nonce was refused: the tx did not execute (re-sign with a fresh nonce).
    InvalidNonce,
    /// Credentials or signature refused.
    Auth,
    /// An order field refused (size, price, time in force, price band).
    InvalidOrder,
}

/// Lighter's error codes as the venue answers them (HTTP 400 bodies `{code, message}`).
pub const CODE_TABLE: &[(i64, CodeKind, &str)] = &[
    (21100, CodeKind::Auth, "account not found"),
    (21104, CodeKind::InvalidNonce, "invalid nonce"),
    (21108, CodeKind::Auth, "api key replaced or invalid"),
    (21109, CodeKind::Auth, "api key not found"),
    (21120, CodeKind::Auth, "invalid signature"),
    (21701, CodeKind::InvalidOrder, "invalid base amount"),
    (21702, CodeKind::InvalidOrder, "invalid price"),
    (21705, CodeKind::InvalidOrder, "invalid order time in force"),
    (
        21706,
        CodeKind::InvalidOrder,
        "invalid order base or quote amount",
    ),
    (
        21734,
        CodeKind::InvalidOrder,
        "limit order price too far from the mark price",
    ),
];

/// Whether the request was a read or a state-changing write (`sendTx`, `sendTxBatch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Safe to retry.
    Read,
    /// Sent once; a lost answer leaves the outcome unknown.
    Write,
}

/// [`classify`] for a request of `kind`: a 5xx without a venue code on a write is
/// outcome-unknown (`Transport`), never "certainly not received".
pub fn classify_request(
    status: u16,
    code: Option<i64>,
    message: &str,
    retry_after: Option<Duration>,
    kind: RequestKind,
) -> VenueError {
    let venue_code = code.filter(|c| *c != 200 && *c != i64::from(status));
    if status >= 500 && kind == RequestKind::Write && venue_code.is_none() {
        return VenueError::Transport(format!(
            "HTTP {status} without a venue answer on a write: outcome unknown"
        ));
    }
    classify(status, code, message, retry_after)
}

/// Maps a non-success answer (HTTP status, the body's `code` and `message`).
pub fn classify(
    status: u16,
    code: Option<i64>,
    message: &str,
    retry_after: Option<Duration>,
) -> VenueError {
    let lower = message.to_ascii_lowercase();
    if status == 429
        || code == Some(429)
        || lower.contains("too many requests")
        || lower.contains("rate limit")
    {
        return VenueError::RateLimited { retry_after };
    }
    if let Some((c, kind, meaning)) = code.and_then(|c| CODE_TABLE.iter().find(|e| e.0 == c)) {
        let text = if message.is_empty() {
            (*meaning).to_string()
        } else {
            format!("{c} {message}")
        };
        return match kind {
            CodeKind::InvalidNonce => VenueError::Rejected {
                code: INVALID_NONCE_CODE.to_string(),
                message: text,
            },
            CodeKind::Auth => VenueError::Auth(text),
            CodeKind::InvalidOrder => VenueError::Rejected {
                code: c.to_string(),
                message: format!("{meaning}: {message}"),
            },
        };
    }
    if status >= 500 {
        return VenueError::Unavailable(format!("HTTP {status}: {message}"));
    }
    if lower.contains("nonce") {
        return VenueError::Rejected {
            code: INVALID_NONCE_CODE.to_string(),
            message: message.to_string(),
        };
    }
    if lower.contains("signature")
        || lower.contains("api key")
        || lower.contains("apikey")
        || lower.contains("auth")
        || lower.contains("unauthorized")
        || status == 401
        || status == 403
    {
        return VenueError::Auth(message.to_string());
    }
    // before the margin words: "not enough volume quota" is not a margin refusal
    if lower.contains("quota") {
        return VenueError::Rejected {
            code: VOLUME_QUOTA_CODE.to_string(),
            message: format!(
                "{message} (the account's sendTx volume quota is used up: the tx did not execute; \
                 it refills with traded volume and time)"
            ),
        };
    }
    if lower.contains("margin") || lower.contains("insufficient") || lower.contains("not enough") {
        return VenueError::InsufficientMargin(message.to_string());
    }
    let code = code.map_or_else(|| format!("http_{status}"), |c| c.to_string());
    VenueError::Rejected {
        code,
        message: message.to_string(),
    }
}

/// True for the nonce rejection produced by [`classify`].
pub fn is_nonce_error(err: &VenueError) -> bool {
    matches!(err, VenueError::Rejected { code, .. } if code == INVALID_NONCE_CODE)
}

/// Anything the Lighter adapter can fail with before or while talking to the venue (the same
/// shape as `venue_edgex::EdgexError`); every variant maps onto [`VenueError`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LighterError {
    /// Configuration is unusable. Example: `LIGHTER_ACCOUNT_INDEX="abc"`.
    #[error(transparent)]
    Config(#[from] LighterConfigError),
    /// A key or a transaction could not be signed. Example: a malformed private key.
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// A value is off the market's grid. Example: a size of 0.00015 with 4 size decimals.
    #[error(transparent)]
    Scaling(#[from] ScalingError),
    /// The venue call failed. Example: HTTP 503.
    #[error(transparent)]
    Venue(#[from] VenueError),
}

impl From<LighterError> for VenueError {
    fn from(e: LighterError) -> Self {
        match e {
            LighterError::Venue(v) => v,
            LighterError::Config(c) => match c {
                LighterConfigError::MissingCredentials { .. } => VenueError::Auth(c.to_string()),
                _ => VenueError::InvalidRequest(c.to_string()),
            },
            LighterError::Signing(s) => match s {
                SigningError::Key(_) | SigningError::Identity(_) => VenueError::Auth(s.to_string()),
                SigningError::Tx(_) | SigningError::Entropy(_) => {
                    VenueError::InvalidRequest(s.to_string())
                }
            },
            // off-grid values are refusals before sending
            LighterError::Scaling(s) => VenueError::InvalidRequest(s.to_string()),
        }
    }
}

/// Signing failures are refusals before sending (Auth for keys, InvalidRequest otherwise).
pub fn from_signing(err: SigningError) -> VenueError {
    LighterError::from(err).into()
}

/// Off-grid values are refusals before sending.
pub fn from_scaling(err: ScalingError) -> VenueError {
    LighterError::from(err).into()
}

/// Configuration problems surface as authentication problems (missing keys) or bad requests.
pub fn from_config(err: LighterConfigError) -> VenueError {
    LighterError::from(err).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        let cases: Vec<(u16, Option<i64>, &str, &str)> = vec![
            (429, None, "", "rate"),
            (400, Some(429), "Too Many Requests", "rate"),
            (503, None, "maintenance", "unavailable"),
            (500, Some(500), "internal", "unavailable"),
            (400, Some(21120), "invalid signature", "auth"),
            (400, Some(21104), "invalid nonce", "nonce"),
            (400, Some(21701), "invalid base amount", "rejected"),
            (400, Some(21734), "price too far", "rejected"),
            (400, Some(21109), "api key not found", "auth"),
            (400, Some(21100), "account not found", "auth"),
            (200, Some(21104), "", "nonce"),
            (
                400,
                Some(21999),
                "not enough margin to create order",
                "margin",
            ),
            (400, Some(21600), "invalid order price", "rejected"),
            (401, None, "", "auth"),
            (400, Some(21999), "not enough volume quota", "quota"),
            (400, None, "volume quota exceeded", "quota"),
        ];
        for (status, code, msg, want) in cases {
            let e = classify(status, code, msg, None);
            let got = match &e {
                VenueError::RateLimited { .. } => "rate",
                VenueError::Unavailable(_) => "unavailable",
                VenueError::Auth(_) => "auth",
                VenueError::InsufficientMargin(_) => "margin",
                VenueError::Rejected { .. } if is_nonce_error(&e) => "nonce",
                VenueError::Rejected { code, .. } if code == VOLUME_QUOTA_CODE => "quota",
                VenueError::Rejected { .. } => "rejected",
                _ => "other",
            };
            assert_eq!(got, want, "{status} {code:?} {msg}");
        }
        assert_eq!(
            classify(429, None, "", Some(Duration::from_secs(3))).retry_after(),
            Some(Duration::from_secs(3))
        );
        // 21701 is an invalid base amount, never a margin error
        assert_eq!(
            classify(400, Some(21701), "invalid base amount", None),
            VenueError::Rejected {
                code: "21701".into(),
                message: "invalid base amount: invalid base amount".into()
            }
        );
    }

    #[test]
    fn gateway_errors_on_writes_are_outcome_unknown() {
        for status in [500u16, 502, 503, 504] {
            let w = classify_request(status, None, "", None, RequestKind::Write);
            assert!(w.outcome_unknown(), "{status}: {w:?}");
            let r = classify_request(status, None, "", None, RequestKind::Read);
            assert!(matches!(r, VenueError::Unavailable(_)), "{status}: {r:?}");
        }
        // the venue answered with its own code: that decides
        let coded = classify_request(500, Some(21104), "invalid nonce", None, RequestKind::Write);
        assert!(is_nonce_error(&coded), "{coded:?}");
    }
}
