//! The built-in outbox: the account's outgoing mail, for development without a mail server.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub to: String,
    pub subject: String,
    /// `None` for a message with a private link when real mail is configured.
    pub body: Option<String>,
    /// The body's lines that are addresses on this site, to follow with a click.
    pub links: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_over_smtp: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxView {
    pub smtp_configured: bool,
    pub messages: Vec<OutboxEntry>,
}

#[server(endpoint = "mail/outbox")]
pub async fn outbox_messages() -> Result<OutboxView, AppError> {
    use crate::server::mail::outbox::{self, PrivateLinks};
    let (user, state) = crate::server::auth::context::signed_in()?;
    let private_links = if state.config.smtp_url.is_none() && !state.config.is_production() {
        PrivateLinks::Show
    } else {
        PrivateLinks::Hide
    };
    let messages = outbox::list(
        &state.pool,
        &state.secrets,
        user.account_id,
        50,
        private_links,
    )
    .await?
    .into_iter()
    .map(|m| OutboxEntry {
        to: m.to_address,
        subject: m.subject,
        links: m
            .body_text
            .iter()
            .flat_map(|b| b.lines())
            .map(str::trim)
            .filter(|l| l.starts_with(&format!("{}/", state.config.public_url)))
            .map(str::to_owned)
            .collect(),
        body: m.body_text,
        created_at: m.created_at,
        sent_over_smtp: m.sent_at.is_some(),
    })
    .collect();
    Ok(OutboxView {
        smtp_configured: state.config.smtp_url.is_some(),
        messages,
    })
}

/// Whether the main navigation offers the Outbox: in development it is where the demo's emails
/// go, so it is one click away; in production email goes to inboxes.
#[server(endpoint = "mail/outbox-in-navigation")]
pub async fn outbox_in_navigation() -> Result<bool, AppError> {
    use crate::server::auth::context::{current_user, state};
    current_user()?;
    Ok(!state()?.config.is_production())
}
