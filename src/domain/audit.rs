//! The account's activity log as admins read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    Connected,
    Relinked,
    Disconnected,
    DataDeleted,
    RemovalsReviewed,
    RecipientsExported,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Connected => "connected",
            AuditAction::Relinked => "relinked",
            AuditAction::Disconnected => "disconnected",
            AuditAction::DataDeleted => "data_deleted",
            AuditAction::RemovalsReviewed => "removals_reviewed",
            AuditAction::RecipientsExported => "recipients_exported",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        [
            AuditAction::Connected,
            AuditAction::Relinked,
            AuditAction::Disconnected,
            AuditAction::DataDeleted,
            AuditAction::RemovalsReviewed,
            AuditAction::RecipientsExported,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Connected => "Connected an HR system",
            AuditAction::Relinked => "Relinked an HR system",
            AuditAction::Disconnected => "Disconnected an HR system",
            AuditAction::DataDeleted => "Deleted synced staff data",
            AuditAction::RemovalsReviewed => "Reviewed held removals",
            AuditAction::RecipientsExported => "Exported recipients",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: Option<AuditAction>,
    pub subject: String,
    pub detail: String,
    pub client_ip: String,
}
