//! How Lighter's answers map to [`VenueError`] (spec §2.4): HTTP 429 -> `RateLimited`,
//! 5xx -> `Unavailable`, "invalid signature"/auth problems -> `Auth`, nonce problems ->
//! `Rejected { code: "invalid_nonce" }` (the caller resynchronises its nonce), margin
//! problems -> `InsufficientMargin`, anything else -> `Rejected`. Bodies that do not parse are
//! `Decode { raw_body }`.

use crate::config::LighterConfigError;
use crate::signing::scaling::ScalingError;
use crate::signing::SigningError;
use std::time::Duration;
use venue_api::VenueError;

/// The `Rejected` code used for nonce errors.
pub const INVALID_NONCE_CODE: &str = "invalid_nonce";

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

/// Signing failures are refusals before sending.
pub fn from_signing(err: SigningError) -> VenueError {
    match err {
        SigningError::Key(_) | SigningError::Identity(_) => VenueError::Auth(err.to_string()),
        SigningError::Tx(_) | SigningError::Entropy(_) => {
            VenueError::InvalidRequest(err.to_string())
        }
    }
}

/// Off-grid values are refusals before sending.
pub fn from_scaling(err: ScalingError) -> VenueError {
    VenueError::InvalidRequest(err.to_string())
}

/// Configuration problems surface as authentication problems (missing keys) or bad requests.
pub fn from_config(err: LighterConfigError) -> VenueError {
    match err {
        LighterConfigError::MissingCredentials { .. } => VenueError::Auth(err.to_string()),
        _ => VenueError::InvalidRequest(err.to_string()),
    }
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
            (
                400,
                Some(21701),
                "not enough margin to create order",
                "margin",
            ),
            (400, Some(21600), "invalid order price", "rejected"),
            (401, None, "", "auth"),
        ];
        for (status, code, msg, want) in cases {
            let e = classify(status, code, msg, None);
            let got = match &e {
                VenueError::RateLimited { .. } => "rate",
                VenueError::Unavailable(_) => "unavailable",
                VenueError::Auth(_) => "auth",
                VenueError::InsufficientMargin(_) => "margin",
                VenueError::Rejected { .. } if is_nonce_error(&e) => "nonce",
                VenueError::Rejected { .. } => "rejected",
                _ => "other",
            };
            assert_eq!(got, want, "{status} {code:?} {msg}");
        }
        assert_eq!(
            classify(429, None, "", Some(Duration::from_secs(3))).retry_after(),
            Some(Duration::from_secs(3))
        );
    }
}
