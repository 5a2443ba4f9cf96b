//! "Ask a colleague to connect": an admin hands the rest of connecting one HR system to someone
//! with rights in it, who needs no account here. What the admin types, what the link's page
//! shows, the states an invitation goes through and the one narrowing rule live here, so the
//! browser and the server check them the same way.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::email::{EmailAddress, EmailError};
use super::field_policy::Consent;
use super::integration::{CatalogueItem, SyncProgress};
use super::team::{MAX_MESSAGE, MAX_NAME};
use super::text::{self, TextError};

/// How long a link to connect works.
pub const LINK_DAYS: i64 = 7;
/// An invitation still open this long after it was sent gets one reminder.
pub const REMINDER_AFTER_DAYS: i64 = 3;
/// How long after connecting the link's page keeps showing that connection's first sync.
pub const PROGRESS_HOURS: i64 = 24;
pub const MAX_REASON: usize = 500;

/// What an admin typed to ask a colleague.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ConnectRequestDraft {
    pub name: String,
    pub email: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidConnectRequest {
    pub name: String,
    pub email: EmailAddress,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectRequestError {
    #[error("Enter your colleague's name.")]
    NoName,
    #[error("{0}")]
    Name(TextError),
    #[error("{0}")]
    Email(#[from] EmailError),
    #[error("{0}")]
    Message(TextError),
}

impl ConnectRequestError {
    /// The form field the message belongs next to.
    pub fn field(&self) -> &'static str {
        match self {
            ConnectRequestError::NoName | ConnectRequestError::Name(_) => "name",
            ConnectRequestError::Email(_) => "email",
            ConnectRequestError::Message(_) => "message",
        }
    }
}

impl ConnectRequestDraft {
    pub fn validate(&self) -> Result<ValidConnectRequest, ConnectRequestError> {
        Ok(ValidConnectRequest {
            name: self.name()?,
            email: EmailAddress::parse(&self.email)?,
            message: self.message()?,
        })
    }

    /// The problem with one field ("name", "email" or "message"), for checking it as it is
    /// typed.
    pub fn problem_with(&self, field: &str) -> Option<ConnectRequestError> {
        match field {
            "name" => self.name().err(),
            "email" => EmailAddress::parse(&self.email).err().map(Into::into),
            "message" => self.message().err(),
            _ => None,
        }
    }

    fn name(&self) -> Result<String, ConnectRequestError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(ConnectRequestError::NoName);
        }
        text::one_line("The name", name, MAX_NAME).map_err(ConnectRequestError::Name)?;
        Ok(name.to_owned())
    }

    fn message(&self) -> Result<String, ConnectRequestError> {
        text::message("The message", &self.message, MAX_MESSAGE)
            .map_err(ConnectRequestError::Message)
    }
}

/// The colleague's reason for declining, optional.
pub fn decline_reason(typed: &str) -> Result<String, TextError> {
    text::message("The reason", typed, MAX_REASON)
}

/// Reasons offered with one click on the decline form; any other can be typed.
pub const COMMON_REASONS: &[&str] = &[
    "We don't use this system.",
    "This needs approval first.",
    "I'm not the right person to ask.",
];

/// The colleague may switch proposed optional fields off, never on: the consent given is the
/// proposal with some fields left out.
pub fn narrowed(proposed: &Consent, chosen: &Consent) -> Result<(), String> {
    let allowed: BTreeSet<&str> = proposed.optional_on().collect();
    match chosen.optional_on().find(|k| !allowed.contains(k)) {
        None => Ok(()),
        Some(extra) => Err(format!(
            "The request did not include {}, so it cannot be shared through this link.",
            super::field_policy::field(extra).map_or("that field", |f| f.label)
        )),
    }
}

/// Who made a connection through a request, as its data receipt says.
pub fn made_by(colleague: &str, email: &str, inviter: &str) -> String {
    format!("{colleague} ({email}), at the request of {inviter}")
}

/// Where an invitation is, as the Integrations page lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    Sent,
    Opened,
    Connected,
    Declined,
    Expired,
    Revoked,
}

impl InvitationStatus {
    /// The one rule for an invitation's state: a finished outcome wins over the clock, and an
    /// open one expires at `expires_at`.
    pub fn at(moments: &InvitationMoments, now: DateTime<Utc>) -> Self {
        if moments.connected_at.is_some() {
            InvitationStatus::Connected
        } else if moments.declined_at.is_some() {
            InvitationStatus::Declined
        } else if moments.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if moments.expires_at <= now {
            InvitationStatus::Expired
        } else if moments.opened_at.is_some() {
            InvitationStatus::Opened
        } else {
            InvitationStatus::Sent
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvitationStatus::Sent => "Sent",
            InvitationStatus::Opened => "Opened",
            InvitationStatus::Connected => "Connected",
            InvitationStatus::Declined => "Declined",
            InvitationStatus::Expired => "Expired",
            InvitationStatus::Revoked => "Revoked",
        }
    }

    /// Still waiting for the colleague: it can be revoked.
    pub fn is_open(self) -> bool {
        matches!(self, InvitationStatus::Sent | InvitationStatus::Opened)
    }

    /// Not answered yet, expired or not: a new link can be sent.
    pub fn can_resend(self) -> bool {
        self.is_open() || self == InvitationStatus::Expired
    }
}

/// The moments that decide an invitation's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationMoments {
    pub expires_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub declined_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One invitation on the Integrations page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectInvitationView {
    pub id: Uuid,
    pub invitee_name: String,
    pub invitee_email: String,
    pub system: String,
    pub inviter_name: String,
    pub sent_at: DateTime<Utc>,
    pub status: InvitationStatus,
    pub decline_reason: Option<String>,
    pub connection_id: Option<Uuid>,
}

impl ConnectInvitationView {
    /// "Declined: We don't use this system." and the like, for the list.
    pub fn status_line(&self) -> String {
        match (&self.status, &self.decline_reason) {
            (InvitationStatus::Declined, Some(r)) if !r.is_empty() => format!("Declined: {r}"),
            (s, _) => s.label().to_owned(),
        }
    }
}

/// What the link's page shows: who asks, for which system, and what they proposed. Nothing
/// else of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectRequestPage {
    pub company: String,
    pub inviter_name: String,
    pub invitee_name: String,
    pub message: String,
    pub system: CatalogueItem,
    pub proposed: Consent,
    pub expires_at: DateTime<Utc>,
}

/// The first sync of the connection a colleague made, for the link's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectedProgress {
    pub system: String,
    pub inviter_name: String,
    pub progress: Option<SyncProgress>,
}

/// Why a link no longer works. An unknown link and an expired one get the same words, so a
/// guessed or altered link learns nothing; the others were opened by the person they were sent
/// to and say who to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedLink {
    NotValid,
    Connected { system: String, ask: String },
    Declined { ask: String },
    Revoked { ask: String },
    Replaced,
}

impl ClosedLink {
    pub fn message(&self) -> String {
        match self {
            ClosedLink::NotValid => format!(
                "This link is not valid any more. Links to connect an HR system work for {LINK_DAYS} days; ask the person who sent it for a new one."
            ),
            ClosedLink::Connected { system, ask } => format!(
                "This link has been used: {system} is connected. If something else is needed, ask {ask}."
            ),
            ClosedLink::Declined { ask } => format!(
                "This request was declined, so the link no longer works. If it is needed after all, ask {ask} to send a new one."
            ),
            ClosedLink::Revoked { ask } => format!(
                "This request was withdrawn, so the link no longer works. If you have questions, ask {ask}."
            ),
            ClosedLink::Replaced => {
                "A newer link was sent for this request, so this one no longer works. Use the link in the most recent email.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn moments(expires_in_days: i64) -> InvitationMoments {
        InvitationMoments {
            expires_at: Utc::now() + Duration::days(expires_in_days),
            opened_at: None,
            connected_at: None,
            declined_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn an_outcome_wins_over_the_clock_and_open_links_expire() {
        let now = Utc::now();
        let mut m = moments(7);
        assert_eq!(InvitationStatus::at(&m, now), InvitationStatus::Sent);
        m.opened_at = Some(now);
        assert_eq!(InvitationStatus::at(&m, now), InvitationStatus::Opened);
        assert_eq!(
            InvitationStatus::at(&m, now + Duration::days(8)),
            InvitationStatus::Expired
        );
        m.connected_at = Some(now);
        assert_eq!(
            InvitationStatus::at(&m, now + Duration::days(8)),
            InvitationStatus::Connected
        );
        let mut d = moments(7);
        d.declined_at = Some(now);
        assert_eq!(InvitationStatus::at(&d, now), InvitationStatus::Declined);
        assert!(!InvitationStatus::Declined.is_open());
    }

    #[test]
    fn a_colleague_can_narrow_the_proposal_but_not_widen_it() {
        let proposed = Consent::from_optional(["job_title", "birthday"]).unwrap();
        let fewer = Consent::from_optional(["birthday"]).unwrap();
        assert!(narrowed(&proposed, &fewer).is_ok());
        assert!(narrowed(&proposed, &proposed).is_ok());
        let wider = Consent::from_optional(["birthday", "personal_email"]).unwrap();
        let err = narrowed(&proposed, &wider).unwrap_err();
        assert!(err.contains("Personal email"), "{err}");
    }

    #[test]
    fn the_request_form_names_the_field_at_fault() {
        let draft = |name: &str, email: &str, message: &str| ConnectRequestDraft {
            name: name.into(),
            email: email.into(),
            message: message.into(),
        };
        assert_eq!(
            draft(" ", "jo@acme.example", "")
                .validate()
                .unwrap_err()
                .field(),
            "name"
        );
        assert_eq!(
            draft("Jo", "not an address", "")
                .validate()
                .unwrap_err()
                .field(),
            "email"
        );
        assert_eq!(
            draft("Jo", "jo@acme.example", "a\0b")
                .validate()
                .unwrap_err()
                .field(),
            "message"
        );
        let ok = draft(" Jo Bloggs ", "jo@acme.example", "Thanks!\r\nAda")
            .validate()
            .unwrap();
        assert_eq!(ok.name, "Jo Bloggs");
        assert_eq!(ok.message, "Thanks!\nAda");
    }

    #[test]
    fn a_guessed_link_and_an_expired_one_read_the_same() {
        assert!(ClosedLink::NotValid.message().contains("not valid"));
        assert!(
            ClosedLink::Revoked {
                ask: "Ada Admin".into()
            }
            .message()
            .contains("Ada Admin")
        );
    }
}
