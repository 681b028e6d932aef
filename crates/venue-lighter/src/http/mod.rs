//! REST transport: [`client`] (requests, retries, budget), [`models`] (wire structs),
//! [`parse`] (wire -> domain).

pub mod budget;
pub mod client;
pub mod models;
pub mod parse;

pub use client::{HttpSettings, LighterHttp};
