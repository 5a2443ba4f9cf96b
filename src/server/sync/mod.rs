//! The sync engine: durable jobs in Postgres, minimisation at ingestion, page-by-page reads
//! with checkpoints, webhook-triggered and periodic syncs.

pub mod jobs;
pub mod minimise;
pub mod run;
pub mod webhook;
pub mod worker;
