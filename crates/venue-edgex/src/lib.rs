//! `venue-edgex`: the EdgeX adapter (REST, WebSocket, V1 Stark and V2 EIP-712 signing).
//!
//! Not built yet: filled by the EdgeX adapter issue.
