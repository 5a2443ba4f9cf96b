//! The built-in outbox: the account's outgoing mail, for development without a mail server.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub to: String,
    pub subject: String,
    pub body: String,
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
    use crate::server::auth::context::{current_user, state};
    let user = current_user()?;
    let state = state()?;
    let messages = crate::server::mail::outbox::list(&state.pool, user.account_id, 50)
        .await?
        .into_iter()
        .map(|m| OutboxEntry {
            to: m.to_address,
            subject: m.subject,
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
