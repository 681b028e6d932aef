//! REST transport (`client`, on the shared `venue-transport` budget and backoff), wire
//! structs (`models`), wire -> domain (`parse`).

pub mod client;
pub mod models;
pub mod parse;
