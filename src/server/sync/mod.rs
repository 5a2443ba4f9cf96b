//! The sync engine: minimisation at ingestion, page-by-page reads with checkpoints,
//! webhook-triggered and periodic syncs. Its durable jobs live in the store (`store::jobs`).

pub mod minimise;
pub mod run;
pub mod webhook;
pub mod worker;
