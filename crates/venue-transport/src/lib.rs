//! The transport pieces both venue adapters share, written once:
//!
//! - [`budget`]: the request budget of one venue account, with **write priority**: order
//!   sends (create, cancel, leverage) are served before status polls and market reads, reads
//!   never take the last [`BudgetConfig::write_reserve`] tokens, and a 429 with `Retry-After`
//!   pauses every request for that long.
//! - [`backoff`]: jittered exponential backoff for retried reads and WebSocket reconnects
//!   (the delays come from `backon`'s `ExponentialBuilder`); a venue's `Retry-After` wins.
//! - [`tls`]: the one TLS stack (rustls with the `ring` provider), installed once.
//! - [`ws`]: the WebSocket reconnect loop (connect, backoff with jitter, resubscribe, client
//!   pings, silence = dead) that both adapters' streams run on; the venue's protocol (frames,
//!   sequence gaps and their resync) is a [`WsHandler`].
//!
//! Writes are never retried by this crate: a lost answer to a write is resolved by looking
//! the order up.

pub mod backoff;
pub mod budget;
pub mod tls;
pub mod ws;

pub use backoff::{backoff_delay, RetryPolicy};
pub use budget::{
    default_share, parse_share_pct, BudgetConfig, Priority, RequestBudget, DEFAULT_SHARES,
};
pub use tls::install_tls_provider;
pub use ws::{Reply, WsConfig, WsHandler, WsStatus, WsTask};

/// The rate-limit headers of a response (`x-ratelimit-*`, `ratelimit-*`, `retry-after`,
/// `x-volume-quota-*`): name and value pairs, names lower-case. `doctor` shows the last ones
/// seen so that an operator learns the venue's real limits.
pub fn rate_limit_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .filter_map(|(name, value)| {
            let n = name.to_ascii_lowercase();
            let wanted = n.contains("ratelimit")
                || n.contains("rate-limit")
                || n.contains("quota")
                || n == "retry-after";
            wanted.then(|| (n, String::from_utf8_lossy(value).into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn rate_limit_headers_are_picked() {
        let h = [
            ("X-RateLimit-Remaining", b"59".as_slice()),
            ("content-type", b"application/json".as_slice()),
            ("Retry-After", b"2".as_slice()),
        ];
        assert_eq!(
            super::rate_limit_headers(h),
            vec![
                ("x-ratelimit-remaining".to_string(), "59".to_string()),
                ("retry-after".to_string(), "2".to_string())
            ]
        );
    }
}
