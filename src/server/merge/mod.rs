//! Merge's unified HRIS API: the HTTP client and what it reads and sends.

pub mod client;
pub mod error;
pub mod failure_budget;
pub mod models;
pub mod query;
pub mod retry;
pub mod scopes;
pub mod signature;
