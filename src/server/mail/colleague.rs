//! Emails of "ask a colleague to connect": the request with its link, one reminder, and the
//! admin's notice when the colleague declines. (The admin hears about a connection made through
//! the first-sync email, which says who made it.) Plain text, like every email here.

use chrono::{DateTime, Utc};

use super::people::Composed;
use crate::domain::connect_invitation::LINK_DAYS;

pub struct Request<'a> {
    pub company: &'a str,
    pub inviter_name: &'a str,
    pub inviter_email: &'a str,
    pub invitee_name: &'a str,
    pub system: &'a str,
    pub message: &'a str,
    pub link: &'a str,
}

fn quoted(who: &str, message: &str) -> String {
    if message.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = message.lines().map(|l| format!("> {l}")).collect();
    format!("{who} wrote:\n{}\n\n", lines.join("\n"))
}

pub fn request(r: &Request<'_>) -> Composed {
    Composed {
        subject: format!(
            "{} asks you to connect {} to &Open for {}",
            r.inviter_name, r.system, r.company
        ),
        body: format!(
            "Hello {invitee},\n\n\
             {inviter} ({inviter_email}) is setting up &Open HR Connectors for {company}, so \
             they can send gifts to colleagues, and asked you to connect {system}.\n\n\
             {message}\
             The link shows exactly which staff details would be read (read-only) and lets you \
             switch optional ones off. Then you connect it (with {system}'s details, or by \
             signing in to it), or decline with a reason. No account is needed. It works for \
             {LINK_DAYS} days, until {system} is connected:\n\
             {link}\n\n\
             If you weren't expecting this, ask {inviter} or ignore this email.\n\n\
             — &Open HR Connectors\n",
            invitee = r.invitee_name,
            inviter = r.inviter_name,
            inviter_email = r.inviter_email,
            company = r.company,
            system = r.system,
            message = quoted(r.inviter_name, r.message),
            link = r.link,
        ),
    }
}

/// Sent once to a colleague who has not answered yet. It carries no link (the link exists only
/// in the first email), so it points there.
pub fn reminder(r: &Request<'_>, sent_at: DateTime<Utc>, expires_at: DateTime<Utc>) -> Composed {
    Composed {
        subject: format!(
            "Reminder: {} asked you to connect {} for {}",
            r.inviter_name, r.system, r.company
        ),
        body: format!(
            "Hello {invitee},\n\n\
             On {sent} {inviter} asked you to connect {system} to &Open HR Connectors for \
             {company}. The link in that email (subject \"{subject}\") works until {expires}.\n\n\
             If you can't find it, or this should go to someone else, reply to {inviter} \
             ({inviter_email}) and they can send a new link.\n\n\
             — &Open HR Connectors\n",
            invitee = r.invitee_name,
            inviter = r.inviter_name,
            inviter_email = r.inviter_email,
            company = r.company,
            system = r.system,
            sent = sent_at.format("%-d %B"),
            expires = expires_at.format("%-d %B %Y, %H:%M UTC"),
            subject = request(r).subject,
        ),
    }
}

pub fn declined(r: &Request<'_>, reason: &str, public_url: &str) -> Composed {
    let reason = if reason.is_empty() {
        "They gave no reason.".to_owned()
    } else {
        quoted(r.invitee_name, reason).trim_end().to_owned()
    };
    Composed {
        subject: format!("{} declined to connect {}", r.invitee_name, r.system),
        body: format!(
            "Hello {inviter},\n\n\
             {invitee} declined your request to connect {system}.\n\n\
             {reason}\n\n\
             Nothing was connected. You can connect it yourself, or ask someone else, from \
             Integrations:\n\
             {public_url}/integrations\n\n\
             — &Open HR Connectors\n",
            inviter = r.inviter_name,
            invitee = r.invitee_name,
            system = r.system,
        ),
    }
}
