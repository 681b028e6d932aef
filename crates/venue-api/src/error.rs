//! The error every venue call returns: typed so that callers can decide (retry, wait, stop)
//! without parsing text.

use std::time::Duration;

/// An error from a venue call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VenueError {
    /// The request did not complete: connection refused, reset, TLS failure, timeout.
    /// Example: the venue's load balancer closed the connection mid-request.
    #[error("transport error: {0}")]
    Transport(String),

    /// No answer within the deadline. For a write, the venue may or may not have acted:
    /// the caller must look the order up, never resend blindly.
    /// Example: `createOrder` sent, no response after 10 s.
    #[error("timed out after {0:?}")]
    Timeout(Duration),

    /// The venue asked us to slow down (HTTP 429 or a rate-limit code).
    /// Example: more than 60 requests in a minute on a standard account.
    #[error("rate limited{}", retry_after.map(|d| format!(" (retry after {d:?})")).unwrap_or_default())]
    RateLimited {
        /// How long the venue asked us to wait, when it said.
        retry_after: Option<Duration>,
    },

    /// The venue answered and refused the request.
    /// Example: code `ORDER_PRICE_OUT_OF_RANGE`, message "price exceeds limit".
    #[error("rejected by venue: {code}: {message}")]
    Rejected {
        /// The venue's error code, as text.
        code: String,
        /// The venue's message.
        message: String,
    },

    /// The venue rejected our credentials or signature.
    /// Example: "invalid signature", "api key not found", a stale auth timestamp.
    #[error("authentication failed: {0}")]
    Auth(String),

    /// The symbol is not listed on this venue (or not for this quote currency).
    /// Example: `FARTCOINUSD` absent from the contract list.
    #[error("unknown market: {0}")]
    UnknownMarket(String),

    /// Not enough collateral for the order or leverage change.
    /// Example: an order whose initial margin exceeds the available balance.
    #[error("insufficient margin: {0}")]
    InsufficientMargin(String),

    /// The request was refused before sending because a value does not fit the venue's rules.
    /// Example: a size of 0.0015 on a 0.001 step grid.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The venue answered with something we could not parse. The raw body is kept for the
    /// DEBUG log only; `Display` never prints it.
    /// Example: an HTML error page from a proxy instead of JSON.
    #[error("could not decode venue response: {reason}")]
    Decode {
        /// What was wrong.
        reason: String,
        /// The body as received (DEBUG log only; may be long).
        raw_body: String,
    },

    /// The venue's server failed (HTTP 5xx) or announced maintenance.
    /// Example: HTTP 503 during a deploy.
    #[error("venue unavailable: {0}")]
    Unavailable(String),

    /// The venue cannot do this at all (a declared capability, not a failure).
    /// Example: a venue without a funding-history endpoint.
    #[error("not supported by this venue: {0}")]
    Unsupported(String),
}

impl VenueError {
    /// True when repeating the same READ later may succeed. Writes are never retried
    /// blindly: a timed-out order must be looked up by client id first.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            VenueError::Transport(_)
                | VenueError::Timeout(_)
                | VenueError::RateLimited { .. }
                | VenueError::Unavailable(_)
        )
    }

    /// True when the outcome of a write is unknown: the venue may have acted on it. A 5xx
    /// ([`VenueError::Unavailable`]: 500, 502, 503, 504 without a venue error code) counts:
    /// a gateway can answer 502/504 after the order reached the matching engine, so the
    /// order must be looked up by client id, never counted as "not placed".
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            VenueError::Transport(_)
                | VenueError::Timeout(_)
                | VenueError::Decode { .. }
                | VenueError::Unavailable(_)
        )
    }

    /// How long the venue asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            VenueError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn decode() -> VenueError {
        VenueError::Decode {
            reason: "expected value".into(),
            raw_body: "<html>secret-ish</html>".into(),
        }
    }

    #[rstest]
    #[case::transport(VenueError::Transport("reset".into()), true, true)]
    #[case::timeout(VenueError::Timeout(Duration::from_secs(10)), true, true)]
    #[case::rate_limited(VenueError::RateLimited { retry_after: Some(Duration::from_secs(2)) }, true, false)]
    #[case::unavailable(VenueError::Unavailable("503".into()), true, true)]
    #[case::rejected(VenueError::Rejected { code: "X".into(), message: "no".into() }, false, false)]
    #[case::auth(VenueError::Auth("bad sig".into()), false, false)]
    #[case::unknown_market(VenueError::UnknownMarket("FOO".into()), false, false)]
    #[case::margin(VenueError::InsufficientMargin("need 10".into()), false, false)]
    #[case::invalid(VenueError::InvalidRequest("off grid".into()), false, false)]
    #[case::decode(decode(), false, true)]
    #[case::unsupported(VenueError::Unsupported("history".into()), false, false)]
    fn retry_and_unknown_outcome_table(
        #[case] err: VenueError,
        #[case] retryable: bool,
        #[case] unknown: bool,
    ) {
        assert_eq!(err.is_retryable(), retryable, "{err}");
        assert_eq!(err.outcome_unknown(), unknown, "{err}");
    }

    #[test]
    fn decode_display_hides_the_raw_body() {
        let text = decode().to_string();
        assert!(!text.contains("secret-ish"), "{text}");
    }

    #[test]
    fn retry_after_is_exposed() {
        let e = VenueError::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
        };
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
        assert!(e.to_string().contains("retry after"));
        assert_eq!(VenueError::Transport("x".into()).retry_after(), None);
    }
}
