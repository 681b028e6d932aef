//! REST transport: [`client`] (requests, retries, the shared `venue-transport` budget), [`models`] (wire structs),
//! [`parse`] (wire -> domain).

pub mod client;
pub mod models;
pub mod parse;

pub use client::{HttpSettings, LighterHttp, LighterHttpClient};
