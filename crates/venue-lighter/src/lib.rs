//! `venue-lighter`: the Lighter adapter (REST, WebSocket, transaction signing, nonces).
//!
//! Not built yet: filled by the Lighter adapter issue.
