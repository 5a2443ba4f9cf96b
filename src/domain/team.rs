//! The people of an account as the Team, invitation and "Your account" pages show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::email::{EmailAddress, EmailError};
use super::role::Role;
use super::text::{self, TextError};

/// How long an emailed invitation works.
pub const INVITATION_DAYS: i64 = 7;
/// How long a password-reset link works.
pub const RESET_MINUTES: i64 = 60;
pub const MAX_MESSAGE: usize = 1000;
pub const MAX_NAME: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMember {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Joined through the company's identity provider and has no password here.
    pub single_sign_on_only: bool,
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub inviter_name: String,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamView {
    pub account_name: String,
    pub members: Vec<TeamMember>,
    pub invitations: Vec<PendingInvitation>,
    /// Admins change the team; campaign managers only see it.
    pub can_manage: bool,
}

/// What an admin typed to invite someone, validated the same way in the browser and on the
/// server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationDraft {
    pub email: String,
    pub role: Role,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidInvitation {
    pub email: EmailAddress,
    pub role: Role,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    #[error("{0}")]
    Email(#[from] EmailError),
    #[error("{0}")]
    Message(TextError),
}

impl InvitationDraft {
    pub fn validate(&self) -> Result<ValidInvitation, InvitationError> {
        let email = EmailAddress::parse(&self.email)?;
        let message = text::message("The message", &self.message, MAX_MESSAGE)
            .map_err(InvitationError::Message)?;
        Ok(ValidInvitation {
            email,
            role: self.role,
            message,
        })
    }
}

/// A person's name as they type it when joining.
pub fn validate_name(name: &str) -> Result<String, TextError> {
    let name = name.trim();
    text::one_line("Your name", name, MAX_NAME)?;
    Ok(name.to_owned())
}

/// An invitation as its link shows it to the person invited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub account_name: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub inviter_name: String,
    pub message: String,
    pub expires_at: DateTime<Utc>,
    /// Sent by the operator when the account was created: this person is its first admin.
    pub first_admin: bool,
}

/// Why an emailed link no longer works. Each says which, and who to ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkProblem {
    Unknown,
    Expired { ask: String },
    Used,
    Revoked { ask: String },
    Replaced,
}

impl LinkProblem {
    pub fn invitation_message(&self) -> String {
        match self {
            LinkProblem::Unknown => "This invitation link isn't valid. Check that you opened the whole link from the email, or ask the person who invited you to send a new invitation.".into(),
            LinkProblem::Expired { ask } => format!("This invitation has expired: invitations work for {INVITATION_DAYS} days. Ask {ask} to send you a new one."),
            LinkProblem::Used => "This invitation has already been used. If it was you, sign in with the email it was sent to; if you forgot the password, use \"Forgot your password?\" on the sign-in page.".into(),
            LinkProblem::Revoked { ask } => format!("This invitation was withdrawn. If you still need access, ask {ask}."),
            LinkProblem::Replaced => "A newer invitation was sent to you, so this link no longer works. Use the link in the most recent email.".into(),
        }
    }

    pub fn reset_message(&self) -> String {
        match self {
            LinkProblem::Expired { .. } => format!("This password reset link has expired: links work for {RESET_MINUTES} minutes. Ask for a new one below."),
            LinkProblem::Used | LinkProblem::Replaced => "This password reset link has already been used. If you still can't sign in, ask for a new one below.".into(),
            LinkProblem::Unknown | LinkProblem::Revoked { .. } => "This password reset link isn't valid. Check that you opened the whole link from the email, or ask for a new one below.".into(),
        }
    }
}

/// A place where someone is signed in, for "Your account".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedInSession {
    pub id: Uuid,
    pub device: String,
    pub client_ip: String,
    pub signed_in_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
    pub this_browser: bool,
}

/// A short description of a browser from its user agent ("Chrome on Linux"), enough to
/// recognise a session.
pub fn describe_device(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        ""
    };
    let system = if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        ""
    };
    match (browser, system) {
        ("", "") => "Unknown browser".to_owned(),
        (b, "") => b.to_owned(),
        ("", s) => format!("A browser on {s}"),
        (b, s) => format!("{b} on {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitations_validate_email_and_message() {
        let draft = |email: &str, message: &str| InvitationDraft {
            email: email.into(),
            role: Role::CampaignManager,
            message: message.into(),
        };
        let ok = draft(" Cam@Acme.Example ", "Welcome!\r\nSee you")
            .validate()
            .unwrap();
        assert_eq!(ok.email.as_str(), "cam@acme.example");
        assert_eq!(ok.message, "Welcome!\nSee you");
        assert!(draft("nope", "").validate().is_err());
        assert!(draft("a@b.example", &"x".repeat(1001)).validate().is_err());
        assert!(draft("a@b.example", "bell\u{7}").validate().is_err());
    }

    #[test]
    fn every_link_problem_says_what_to_do() {
        let ask = "Ada Admin".to_owned();
        for p in [
            LinkProblem::Unknown,
            LinkProblem::Expired { ask: ask.clone() },
            LinkProblem::Used,
            LinkProblem::Revoked { ask: ask.clone() },
            LinkProblem::Replaced,
        ] {
            assert!(p.invitation_message().len() > 40);
            assert!(p.reset_message().len() > 40);
        }
        assert!(
            LinkProblem::Expired { ask }
                .invitation_message()
                .contains("Ask Ada Admin")
        );
    }

    #[test]
    fn devices_are_named_from_the_user_agent() {
        assert_eq!(
            describe_device(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
            ),
            "Chrome on Linux"
        );
        assert_eq!(
            describe_device(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
            ),
            "Safari on iOS"
        );
        assert_eq!(describe_device(""), "Unknown browser");
    }
}
