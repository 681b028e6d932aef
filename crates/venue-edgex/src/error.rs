//! The crate's errors and their mapping onto [`venue_api::VenueError`].
//!
//! EdgeX documents only `SUCCESS` and `INVALID_CONTRACT_ID`; other codes are passed through as
//! `Rejected { code, message }` unless their name plainly says authentication, margin, rate
//! limit or unknown contract (a conservative name match, kept in one table below). Raw bodies
//! go to the DEBUG log only.

use crate::config::EdgexConfigError;
use crate::signing::SigningError;
use serde_json::Value;
use std::time::Duration;
use venue_api::VenueError;

/// Anything the EdgeX adapter can fail with before or while talking to the venue.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EdgexError {
    /// Configuration is unusable. Example: `EDGEX_ACCOUNT_ID="abc"`.
    #[error(transparent)]
    Config(#[from] EdgexConfigError),
    /// A key or a value could not be signed. Example: a size off the resolution grid.
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// The venue call failed. Example: HTTP 503.
    #[error(transparent)]
    Venue(#[from] VenueError),
}

impl EdgexError {
    /// True when repeating the same read later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, EdgexError::Venue(e) if e.is_retryable())
    }
}

impl From<EdgexError> for VenueError {
    fn from(e: EdgexError) -> Self {
        match e {
            EdgexError::Venue(v) => v,
            EdgexError::Config(c) => VenueError::Auth(c.to_string()),
            EdgexError::Signing(s) => s.into(),
        }
    }
}

impl From<SigningError> for VenueError {
    fn from(e: SigningError) -> Self {
        match e {
            SigningError::InvalidKey(_) => VenueError::Auth(e.to_string()),
            SigningError::InvalidValue(_)
            | SigningError::InvalidMetadata(_)
            | SigningError::SignatureFailed(_) => VenueError::InvalidRequest(e.to_string()),
        }
    }
}

/// Maps a non-`SUCCESS` envelope to a typed error.
pub fn map_venue_code(code: &str, msg: Option<&str>, error_param: Option<&Value>) -> VenueError {
    let mut message = msg.unwrap_or("").to_string();
    if let Some(param) =
        error_param.filter(|p| !p.is_null() && p.as_object().is_none_or(|o| !o.is_empty()))
    {
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(&param.to_string());
    }
    let upper = code.to_ascii_uppercase();
    let has = |needle: &str| upper.contains(needle);
    if upper == "INVALID_CONTRACT_ID" || has("CONTRACT_NOT_FOUND") || has("CONTRACT_NOT_EXIST") {
        VenueError::UnknownMarket(format!("{code}: {message}"))
    } else if has("SIGNATURE")
        || has("API_KEY")
        || has("APIKEY")
        || has("PASSPHRASE")
        || has("UNAUTHORIZED")
        || has("AUTH")
    {
        VenueError::Auth(format!("{code}: {message}"))
    } else if has("MARGIN_NOT_ENOUGH")
        || has("INSUFFICIENT")
        || has("BALANCE_NOT_ENOUGH")
        || has("NOT_ENOUGH_MARGIN")
    {
        VenueError::InsufficientMargin(format!("{code}: {message}"))
    } else if has("RATE_LIMIT") || has("TOO_MANY_REQUEST") || has("FREQUENCY") {
        VenueError::RateLimited { retry_after: None }
    } else {
        VenueError::Rejected {
            code: code.to_string(),
            message,
        }
    }
}

/// A body that could not be understood; the raw body is logged at DEBUG only.
pub fn decode_error(reason: impl Into<String>, raw_body: &str) -> VenueError {
    let reason = reason.into();
    tracing::debug!(target: "venue_edgex::http", %reason, raw_body, "undecodable EdgeX response");
    VenueError::Decode {
        reason,
        raw_body: raw_body.to_string(),
    }
}

/// Whether a request was a read or a write: a gateway error on a write leaves its outcome
/// unknown (the venue may have acted before the gateway failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A GET (market data, account, order lookups): safe to retry.
    Read,
    /// A POST that changes state (create, cancel, leverage): sent once.
    Write,
}

/// Maps a non-2xx HTTP status.
///
/// A body carrying an EdgeX error code is mapped by its code, whatever the status (the venue
/// answered, so it decided). A 5xx without one is `Unavailable` on a read and outcome-unknown
/// (`Transport`) on a write: a gateway timeout after EdgeX accepted an order must make the
/// caller look the order up, never conclude "not placed".
pub fn map_http_status(
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
    kind: RequestKind,
) -> VenueError {
    tracing::debug!(target: "venue_edgex::http", status, raw_body = body, "EdgeX HTTP error");
    let venue_code = serde_json::from_str::<crate::http::models::Envelope>(body)
        .ok()
        .and_then(|env| {
            env.code
                .filter(|c| !c.is_empty() && c != "SUCCESS")
                .map(|code| map_venue_code(&code, env.msg.as_deref(), env.error_param.as_ref()))
        });
    match status {
        429 => VenueError::RateLimited { retry_after },
        401 | 403 => VenueError::Auth(format!("HTTP {status}")),
        500..=599 => match (venue_code, kind) {
            (Some(e), _) => e,
            (None, RequestKind::Read) => VenueError::Unavailable(format!("HTTP {status}")),
            (None, RequestKind::Write) => VenueError::Transport(format!(
                "HTTP {status} without a venue answer on a write: outcome unknown"
            )),
        },
        _ => venue_code.unwrap_or_else(|| VenueError::Rejected {
            code: format!("HTTP_{status}"),
            message: format!("HTTP status {status}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::unknown("INVALID_CONTRACT_ID", "UnknownMarket")]
    #[case::sig("INVALID_L2_SIGNATURE", "Auth")]
    #[case::key("API_KEY_NOT_FOUND", "Auth")]
    #[case::margin("MARGIN_NOT_ENOUGH", "InsufficientMargin")]
    #[case::rate("RATE_LIMIT_EXCEEDED", "RateLimited")]
    #[case::other("ORDER_PRICE_OUT_OF_RANGE", "Rejected")]
    fn code_table(#[case] code: &str, #[case] kind: &str) {
        let e = map_venue_code(code, Some("msg"), None);
        assert!(format!("{e:?}").starts_with(kind), "{code} -> {e:?}");
    }

    #[test]
    fn rejected_keeps_code_message_and_error_param() {
        let e = map_venue_code(
            "ORDER_SIZE_TOO_SMALL",
            Some("too small"),
            Some(&json!({"min": "0.001"})),
        );
        assert_eq!(
            e,
            VenueError::Rejected {
                code: "ORDER_SIZE_TOO_SMALL".into(),
                message: "too small {\"min\":\"0.001\"}".into()
            }
        );
    }

    #[rstest]
    #[case(429, true)]
    #[case(503, true)]
    #[case(500, true)]
    #[case(401, false)]
    #[case(404, false)]
    fn http_status_retry_table(#[case] status: u16, #[case] retryable: bool) {
        assert_eq!(
            map_http_status(status, None, "<html>", RequestKind::Read).is_retryable(),
            retryable
        );
    }

    #[rstest]
    #[case::gateway_502(502, "<html>bad gateway</html>", "Transport")]
    #[case::gateway_504(504, "", "Transport")]
    #[case::internal_500(500, "{}", "Transport")]
    #[case::unavailable_503(503, "upstream", "Transport")]
    #[case::coded_500(500, r#"{"code":"ORDER_PRICE_OUT_OF_RANGE","msg":"x"}"#, "Rejected")]
    #[case::coded_margin(503, r#"{"code":"MARGIN_NOT_ENOUGH","msg":"x"}"#, "InsufficientMargin")]
    fn gateway_errors_on_writes_are_outcome_unknown(
        #[case] status: u16,
        #[case] body: &str,
        #[case] kind: &str,
    ) {
        let write = map_http_status(status, None, body, RequestKind::Write);
        assert!(
            format!("{write:?}").starts_with(kind),
            "{status} {body} -> {write:?}"
        );
        assert_eq!(write.outcome_unknown(), kind == "Transport", "{write:?}");
        // A read has no outcome to be unknown about: what matters is that it may be retried
        // when the venue gave no definite answer.
        let read = map_http_status(status, None, body, RequestKind::Read);
        assert_eq!(read.is_retryable(), kind == "Transport", "{read:?}");
    }

    #[test]
    fn retry_after_is_kept() {
        let e = map_http_status(429, Some(Duration::from_secs(3)), "", RequestKind::Read);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    }
}
