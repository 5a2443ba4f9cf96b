//! A sync job's kind and state, as `sync_jobs` stores them and the sync history shows them.

use serde::{Deserialize, Serialize};

/// Why a sync runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "lowercase"))]
pub enum JobKind {
    Initial,
    Incremental,
    Manual,
    Webhook,
    Relink,
}

impl JobKind {
    /// Full syncs read everyone (and can detect removals); the others read a modified window.
    pub fn is_full(self) -> bool {
        matches!(self, JobKind::Initial | JobKind::Manual | JobKind::Relink)
    }

    /// Why it ran, in the words the history table uses.
    pub fn trigger(self) -> &'static str {
        match self {
            JobKind::Initial => "First sync",
            JobKind::Incremental => "Scheduled",
            JobKind::Manual => "Resync now",
            JobKind::Webhook => "Change in the HR system",
            JobKind::Relink => "After relinking",
        }
    }
}

/// Where a sync is, or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "lowercase"))]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    /// Finished, but something needs an admin (removals held for review).
    Partial,
    Failed,
}

impl JobState {
    /// Finished with the people it read stored, whether or not an admin has something to review.
    pub fn stored(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Partial)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobState::Queued => "Waiting",
            JobState::Running => "Running",
            JobState::Succeeded => "Succeeded",
            JobState::Partial => "Needs review",
            JobState::Failed => "Failed",
        }
    }

    pub fn css(self) -> &'static str {
        match self {
            JobState::Queued | JobState::Running => "status status--syncing",
            JobState::Succeeded => "status status--ok",
            JobState::Partial => "status status--warn",
            JobState::Failed => "status status--danger",
        }
    }
}
