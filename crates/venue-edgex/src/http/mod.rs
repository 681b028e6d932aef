//! REST transport (`client`), wire structs (`models`), wire -> domain (`parse`), and the
//! request budget and backoff (`budget`).

pub mod budget;
pub mod client;
pub mod models;
pub mod parse;
