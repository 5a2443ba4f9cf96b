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
    AccountCreated,
    InvitationSent,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    RoleChanged,
    PersonRemoved,
    PasswordChanged,
    PasswordReset,
    SignedOutElsewhere,
    SsoSettingsChanged,
    SsoJoined,
    ConnectRequestSent,
    ConnectRequestResent,
    ConnectRequestOpened,
    ConnectRequestDeclined,
    ConnectRequestRevoked,
}

impl AuditAction {
    pub const ALL: &[AuditAction] = &[
        AuditAction::Connected,
        AuditAction::Relinked,
        AuditAction::Disconnected,
        AuditAction::DataDeleted,
        AuditAction::RemovalsReviewed,
        AuditAction::RecipientsExported,
        AuditAction::AccountCreated,
        AuditAction::InvitationSent,
        AuditAction::InvitationResent,
        AuditAction::InvitationRevoked,
        AuditAction::InvitationAccepted,
        AuditAction::RoleChanged,
        AuditAction::PersonRemoved,
        AuditAction::PasswordChanged,
        AuditAction::PasswordReset,
        AuditAction::SignedOutElsewhere,
        AuditAction::SsoSettingsChanged,
        AuditAction::SsoJoined,
        AuditAction::ConnectRequestSent,
        AuditAction::ConnectRequestResent,
        AuditAction::ConnectRequestOpened,
        AuditAction::ConnectRequestDeclined,
        AuditAction::ConnectRequestRevoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Connected => "connected",
            AuditAction::Relinked => "relinked",
            AuditAction::Disconnected => "disconnected",
            AuditAction::DataDeleted => "data_deleted",
            AuditAction::RemovalsReviewed => "removals_reviewed",
            AuditAction::RecipientsExported => "recipients_exported",
            AuditAction::AccountCreated => "account_created",
            AuditAction::InvitationSent => "invitation_sent",
            AuditAction::InvitationResent => "invitation_resent",
            AuditAction::InvitationRevoked => "invitation_revoked",
            AuditAction::InvitationAccepted => "invitation_accepted",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::PersonRemoved => "person_removed",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::SignedOutElsewhere => "signed_out_elsewhere",
            AuditAction::SsoSettingsChanged => "sso_settings_changed",
            AuditAction::SsoJoined => "sso_joined",
            AuditAction::ConnectRequestSent => "connect_request_sent",
            AuditAction::ConnectRequestResent => "connect_request_resent",
            AuditAction::ConnectRequestOpened => "connect_request_opened",
            AuditAction::ConnectRequestDeclined => "connect_request_declined",
            AuditAction::ConnectRequestRevoked => "connect_request_revoked",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Connected => "Connected an HR system",
            AuditAction::Relinked => "Relinked an HR system",
            AuditAction::Disconnected => "Disconnected an HR system",
            AuditAction::DataDeleted => "Deleted synced staff data",
            AuditAction::RemovalsReviewed => "Reviewed held removals",
            AuditAction::RecipientsExported => "Exported recipients",
            AuditAction::AccountCreated => "Created the account",
            AuditAction::InvitationSent => "Invited a person",
            AuditAction::InvitationResent => "Resent an invitation",
            AuditAction::InvitationRevoked => "Revoked an invitation",
            AuditAction::InvitationAccepted => "Joined the account",
            AuditAction::RoleChanged => "Changed a person's role",
            AuditAction::PersonRemoved => "Removed a person",
            AuditAction::PasswordChanged => "Changed their password",
            AuditAction::PasswordReset => "Reset their password",
            AuditAction::SignedOutElsewhere => "Signed out their other sessions",
            AuditAction::SsoSettingsChanged => "Changed single sign-on settings",
            AuditAction::SsoJoined => "Joined through single sign-on",
            AuditAction::ConnectRequestSent => "Asked a colleague to connect an HR system",
            AuditAction::ConnectRequestResent => "Resent a request to connect",
            AuditAction::ConnectRequestOpened => "Opened a request to connect",
            AuditAction::ConnectRequestDeclined => "Declined a request to connect",
            AuditAction::ConnectRequestRevoked => "Withdrew a request to connect",
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

/// The activity log's detail for a connection made or relinked: what its HR system shares.
pub fn fields_shared(consent: &super::field_policy::Consent) -> String {
    format!("Fields shared: {}", field_labels(consent))
}

/// The activity log's detail for a request to connect: what the admin proposed to share.
pub fn fields_proposed(consent: &super::field_policy::Consent) -> String {
    format!("Proposed: {}", field_labels(consent))
}

fn field_labels(consent: &super::field_policy::Consent) -> String {
    let fields: Vec<&str> = consent.enabled_fields().map(|f| f.label).collect();
    fields.join(", ")
}

/// The activity log's detail for held removals an admin settled.
pub fn removals_reviewed(applied: bool, people: u64) -> String {
    if applied {
        format!("Removed {people} people the HR system no longer lists")
    } else {
        format!("Kept {people} people the HR system no longer lists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_stored_name() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
        }
        assert_eq!(AuditAction::parse("nope"), None);
    }
}
