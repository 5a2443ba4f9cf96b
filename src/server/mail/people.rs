//! Emails about people: an invitation to join, a password reset link, and the notice that a
//! password was changed. Plain text like every message here, so names typed by people cannot
//! become markup in a mail client.

use chrono::{DateTime, Utc};

use crate::domain::role::Role;
use crate::domain::team::{INVITATION_DAYS, RESET_MINUTES};

pub struct Composed {
    pub subject: String,
    pub body: String,
}

pub struct Invitation<'a> {
    pub account_name: &'a str,
    /// The operator's invitation for a new account's first admin.
    pub first_admin: bool,
    pub inviter_name: &'a str,
    pub role: Role,
    pub message: &'a str,
    pub link: &'a str,
}

pub fn invitation(i: &Invitation<'_>) -> Composed {
    let role = match i.role {
        Role::Admin => {
            "an admin: you'll connect HR systems, manage the team and build gift campaigns"
        }
        Role::CampaignManager => {
            "a campaign manager: you'll choose who receives gifts from your company's staff list"
        }
    };
    let message = if i.message.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = i.message.lines().map(|l| format!("> {l}")).collect();
        format!("{} wrote:\n{}\n\n", i.inviter_name, quoted.join("\n"))
    };
    if i.first_admin {
        return Composed {
            subject: format!(
                "Your &Open HR Connectors account for {} is ready",
                i.account_name
            ),
            body: format!(
                "Hello,\n\n\
                 The &Open HR Connectors account for {account} is ready, and you are its first \
                 admin: you'll connect your HR systems, invite colleagues and build gift \
                 campaigns.\n\n\
                 Set your name and password here (the link works once, for {INVITATION_DAYS} days):\n\
                 {link}\n\n\
                 — &Open HR Connectors\n",
                account = i.account_name,
                link = i.link,
            ),
        };
    }
    Composed {
        subject: format!(
            "{} invited you to {} on &Open HR Connectors",
            i.inviter_name, i.account_name
        ),
        body: format!(
            "Hello,\n\n\
             {inviter} invited you to join {account} on &Open HR Connectors as {role}.\n\n\
             {message}\
             Set your name and password here (the link works once, for {INVITATION_DAYS} days):\n\
             {link}\n\n\
             If you weren't expecting this, you can ignore this email.\n\n\
             — &Open HR Connectors\n",
            inviter = i.inviter_name,
            account = i.account_name,
            link = i.link,
        ),
    }
}

pub fn reset(name: &str, link: &str) -> Composed {
    Composed {
        subject: "Reset your &Open HR Connectors password".into(),
        body: format!(
            "Hello {name},\n\n\
             Someone (hopefully you) asked to reset your password. Choose a new one here (the \
             link works once, for {RESET_MINUTES} minutes):\n\
             {link}\n\n\
             If you didn't ask, ignore this email: your password stays as it is.\n\n\
             — &Open HR Connectors\n"
        ),
    }
}

/// The answer to "Forgot your password?" for someone whose company requires single sign-on.
pub fn sign_in_with_provider(name: &str, provider: &str, public_url: &str) -> Composed {
    Composed {
        subject: "How to sign in to &Open HR Connectors".into(),
        body: format!(
            "Hello {name},\n\n\
             Someone (hopefully you) asked to reset your password. Your company signs in to \
             HR Connectors with {provider}, so there is no password to reset: choose \
             \"Continue with {provider}\" on the sign-in page:\n\
             {public_url}/login\n\n\
             If you can't sign in to {provider}, ask your company's IT team.\n\n\
             — &Open HR Connectors\n"
        ),
    }
}

pub fn password_changed(name: &str, at: DateTime<Utc>, public_url: &str) -> Composed {
    Composed {
        subject: "Your &Open HR Connectors password was changed".into(),
        body: format!(
            "Hello {name},\n\n\
             Your password was changed on {when}. You were signed out everywhere else.\n\n\
             If this wasn't you, reset your password now and tell an admin of your account:\n\
             {public_url}/forgot-password\n\n\
             — &Open HR Connectors\n",
            when = at.format("%-d %B %Y at %H:%M UTC"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_names_who_asked_and_quotes_their_message() {
        let mail = invitation(&Invitation {
            account_name: "Acme Ltd",
            first_admin: false,
            inviter_name: "Ada Admin",
            role: Role::CampaignManager,
            message: "Welcome aboard!\nAda",
            link: "https://hrc.example/invitation?token=abc",
        });
        assert_eq!(
            mail.subject,
            "Ada Admin invited you to Acme Ltd on &Open HR Connectors"
        );
        assert!(mail.body.contains("> Welcome aboard!\n> Ada"));
        assert!(mail.body.contains("as a campaign manager"));
        assert!(mail.body.contains("for 7 days"));
        assert!(
            mail.body
                .contains("\nhttps://hrc.example/invitation?token=abc\n")
        );
    }
}
