//! Connection incidents: the ways a connection can need a person, how each is said, where it is
//! fixed, and when its emails are due. The server opens and closes incidents
//! (`server::alerts`); the banners and the emails word them from here.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What is wrong with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum IncidentKind {
    /// The HR system stopped accepting the access it gave (Merge: relink needed).
    NeedsRelink,
    /// Three syncs in a row failed, or none succeeded for a day while the connection is on
    /// (the rule itself is `connection_conditions`, migration 0025).
    Failing,
    /// A sync would remove many people at once and waits for an admin.
    RemovalsHeld,
    /// Merge reports that the HR system withholds permissions the product asked for.
    MissingPermissions,
}

/// Reminders after the opening email, counted from when the incident opened.
pub const REMINDER_HOURS: [i64; 2] = [24, 72];

impl IncidentKind {
    /// What is wrong, as a sentence about the connection.
    pub fn headline(self, connection: &str) -> String {
        match self {
            IncidentKind::NeedsRelink => {
                format!(
                    "{connection} needs to be relinked: the HR system no longer accepts its access."
                )
            }
            IncidentKind::Failing => {
                format!("{connection} is not syncing: its recent syncs failed.")
            }
            IncidentKind::RemovalsHeld => {
                format!("{connection} would remove many people at once and waits for your review.")
            }
            IncidentKind::MissingPermissions => {
                format!(
                    "{connection} is missing permissions in the HR system, so some details are not synced."
                )
            }
        }
    }

    /// The button or link that fixes it.
    pub fn fix_label(self) -> &'static str {
        match self {
            IncidentKind::NeedsRelink => "Relink",
            IncidentKind::Failing => "See the sync history",
            IncidentKind::RemovalsHeld => "Review removals",
            IncidentKind::MissingPermissions => "Which permissions to grant",
        }
    }
}

/// Whether the next email about an open incident is due: the first at once, then one at each
/// of [`REMINDER_HOURS`] after it opened, and none after those. Reminders are at least a day
/// apart, so an incident never sends more than one email a day.
pub fn email_due(sent: i32, opened_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    match usize::try_from(sent) {
        Ok(0) => true,
        Ok(n) => REMINDER_HOURS
            .get(n - 1)
            .is_some_and(|h| now >= opened_at + Duration::hours(*h)),
        Err(_) => false,
    }
}

/// What campaigns work from while a connection's incident is open: its people as of its last
/// good sync (`data_as_of`), or none if it never finished one. The banners and the emails say
/// this in the same words.
pub fn campaigns_meanwhile(data_as_of: Option<DateTime<Utc>>) -> String {
    match data_as_of {
        Some(at) => format!(
            "Campaigns use its people as of the last good sync ({}) until this is fixed.",
            at.format("%-d %b %Y, %H:%M UTC")
        ),
        None => "Campaigns have none of its people until this is fixed: it never finished a sync."
            .to_owned(),
    }
}

/// An open incident as the banners show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentView {
    pub connection_id: Uuid,
    pub connection: String,
    pub kind: IncidentKind,
    /// What the connection said (Merge's words for permissions, the sync's error, …).
    pub detail: String,
    pub since: DateTime<Utc>,
    /// The last good sync: what campaigns work from meanwhile.
    pub data_as_of: Option<DateTime<Utc>>,
    pub fix_path: String,
}

impl IncidentView {
    pub fn headline(&self) -> String {
        self.kind.headline(&self.connection)
    }

    /// What it means for campaigns, for people who choose recipients.
    pub fn for_campaigns(&self) -> String {
        campaigns_meanwhile(self.data_as_of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_go_at_once_then_after_one_and_three_days_then_stop() {
        let opened = DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |h: i64| opened + Duration::hours(h);
        assert!(email_due(0, opened, opened));
        assert!(!email_due(1, opened, at(23)));
        assert!(email_due(1, opened, at(24)));
        assert!(!email_due(2, opened, at(71)));
        assert!(email_due(2, opened, at(72)));
        assert!(!email_due(3, opened, at(24 * 30)));
        assert!(!email_due(-1, opened, at(1)));
    }
}
