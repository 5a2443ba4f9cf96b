//! What the connection details page shows: the data receipt (what is stored, who consented,
//! what changed since, who was removed), the sync history, and removals held for review.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::integration::ConnectionView;
use super::sync_job::JobState;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRecord {
    pub id: Uuid,
    pub trigger: String,
    pub outcome: JobState,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub added: i64,
    pub updated: i64,
    pub removed: i64,
    pub held: i64,
    /// Each reason with how many people it kept out.
    pub skipped: Vec<(String, i64)>,
    pub error: Option<String>,
}

impl SyncRecord {
    pub fn duration_secs(&self) -> Option<i64> {
        Some((self.finished_at? - self.started_at?).num_seconds().max(0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RemovalReason {
    /// Merge reported the record deleted in the HR system.
    DeletedInHrSystem,
    /// A full sync no longer found the person.
    NoLongerListed,
}

impl RemovalReason {
    pub fn label(self) -> &'static str {
        match self {
            RemovalReason::DeletedInHrSystem => "Deleted in the HR system",
            RemovalReason::NoLongerListed => "No longer listed by the HR system",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonLine {
    pub name: String,
    pub job_title: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Removal {
    pub person: PersonLine,
    pub reason: RemovalReason,
}

/// Sums over every sync since consent was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeTotals {
    pub syncs: i64,
    pub added: i64,
    pub updated: i64,
    pub removed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionDetails {
    pub connection: ConnectionView,
    pub changes: ChangeTotals,
    pub history: Vec<SyncRecord>,
    /// The most recent removals and deletions, newest first, and how many there are in all.
    pub removals: Vec<Removal>,
    pub removals_total: i64,
    /// People a sync no longer found but did not remove, because it would have removed too many.
    pub held: Vec<PersonLine>,
    pub held_total: i64,
}

/// How many people each list on the page shows.
pub const LIST_LIMIT: i64 = 20;
pub const HISTORY_LIMIT: i64 = 20;
