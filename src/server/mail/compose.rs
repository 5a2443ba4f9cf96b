//! The connection email: sent to the admin who connected an HR system when its first sync
//! finishes or fails. Plain text, so names from HR systems cannot become markup in a mail client.

use sqlx::PgPool;

use super::outbox::{self, NewMail};
use crate::domain::field_policy::BLOCKED;
use crate::server::error::{Context, ServerError};
use crate::server::store::connections::Connection;
use crate::server::sync::jobs::Job;
use crate::server::sync::minimise::SkipReason;

fn skip_lines(job: &Job) -> String {
    if job.skipped == 0 {
        return "People skipped: none".to_owned();
    }
    let reasons: Vec<String> = job
        .skip_reasons
        .0
        .iter()
        .map(|(key, n)| format!("  - {n} {}", SkipReason::label_of_key(key)))
        .collect();
    format!("People skipped: {}\n{}", job.skipped, reasons.join("\n"))
}

/// Queues the email for a finished first sync (once per job).
pub async fn first_sync_finished(
    pool: &PgPool,
    connection: &Connection,
    job: &Job,
    people: i64,
    public_url: &str,
) -> Result<(), ServerError> {
    let Some(user) = connection.consented_by else {
        return Ok(());
    };
    let recipient: Option<(String, String)> =
        sqlx::query_as("SELECT email, name FROM users WHERE id = $1 AND account_id = $2")
            .bind(user)
            .bind(connection.account_id)
            .fetch_optional(pool)
            .await
            .context("finding who connected")?;
    let Some((email, name)) = recipient else {
        return Ok(());
    };
    let system = &connection.integration_name;
    let failed = job.state == "failed";
    let subject = if failed {
        format!("{system}: the first sync did not finish")
    } else {
        format!("{system} is connected: {people} people synced")
    };
    let fields: Vec<&str> = connection
        .consent
        .enabled_fields()
        .map(|f| f.label)
        .collect();
    let blocked: Vec<&str> = BLOCKED.iter().map(|b| b.label).collect();
    let body = if failed {
        format!(
            "Hello {name},\n\n\
             The first sync of {system} (\"{label}\") did not finish: {error}\n\n\
             Nothing was lost. Open Integrations to retry or relink:\n{public_url}/integrations\n\n\
             — &Open HR Connectors\n",
            label = connection.label,
            error = job.error.as_deref().unwrap_or("an unexpected error."),
        )
    } else {
        format!(
            "Hello {name},\n\n\
             {system} (\"{label}\") is connected to &Open and its first sync has finished.\n\n\
             People synced: {people}\n\
             {skipped}\n\n\
             Fields shared: {fields}\n\
             Never requested: {blocked}\n\n\
             Your campaigns can now choose recipients from this staff list. See the connection:\n\
             {public_url}/integrations\n\n\
             — &Open HR Connectors\n",
            label = connection.label,
            skipped = skip_lines(job),
            fields = fields.join(", "),
            blocked = blocked.join(", "),
        )
    };
    outbox::enqueue(
        pool,
        NewMail {
            account_id: connection.account_id,
            dedupe_key: &format!("first-sync:{}", job.id),
            to: &email,
            subject: &subject,
            body: &body,
        },
    )
    .await?;
    Ok(())
}
