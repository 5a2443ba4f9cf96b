//! The connection email: sent to the admin who connected an HR system when its first sync
//! finishes or fails. Plain text, so names from HR systems cannot become markup in a mail client.

use sqlx::PgPool;

use super::outbox::{self, NewMail};
use crate::domain::field_policy::BLOCKED;
use crate::domain::integration::{MissingAccess, Reach, people};
use crate::domain::numbers::grouped;
use crate::pages::help_guide::guide_path;
use crate::server::error::{Context, ServerError};
use crate::server::model::records::SkipReason;
use crate::server::store::connections::Connection;
use crate::server::store::jobs::{Job, JobState};
use crate::server::store::reach;

fn skip_lines(job: &Job) -> String {
    if job.skipped == 0 {
        return "People skipped: none".to_owned();
    }
    let reasons: Vec<String> = job
        .skip_reasons
        .0
        .iter()
        .map(|(key, n)| format!("  - {} {}", grouped(*n), SkipReason::label_of_key(key)))
        .collect();
    format!(
        "People skipped: {}\n{}",
        grouped(job.skipped as i64),
        reasons.join("\n")
    )
}

/// The system's name, and the connection's own name when the admin gave it another.
fn named(connection: &Connection) -> String {
    named_as(&connection.integration_name, &connection.label)
}

/// A name that already starts with the system's ("Sage HR · globex") is said as it is.
pub(super) fn named_as(system: &str, label: &str) -> String {
    if label
        .trim()
        .to_lowercase()
        .starts_with(&system.trim().to_lowercase())
    {
        label.trim().to_owned()
    } else {
        format!("{system} (\"{label}\")")
    }
}

/// Queues the email for a finished first sync (once per job).
pub async fn first_sync_finished(
    pool: &PgPool,
    connection: &Connection,
    job: &Job,
    public_url: &str,
) -> Result<(), ServerError> {
    // The admin who connected it, or the admin whose request a colleague answered.
    let recipient = sqlx::query!(
        r#"SELECT u.email, u.name, i.invitee_name AS "colleague?"
           FROM (SELECT $1::uuid AS consented_by) c
           LEFT JOIN connect_invitations i ON i.connection_id = $2
           JOIN users u ON u.id = coalesce(c.consented_by, i.invited_by)
           WHERE u.account_id = $3"#,
        connection.consented_by,
        connection.id,
        connection.account_id,
    )
    .fetch_optional(pool)
    .await
    .context("finding who connected")?;
    let Some(recipient) = recipient else {
        return Ok(());
    };
    let system = &connection.integration_name;
    let failed = job.state == JobState::Failed;
    let missing = reach::missing_access(pool, connection, Some(job)).await?;
    let reach = reach::reach(pool, connection.id).await?;
    let subject = match (&missing, failed) {
        (_, true) => format!("{system}: the first sync did not finish"),
        (Some(_), false) => format!(
            "{system} is connected, but some data is missing: {} synced",
            people(reach.synced)
        ),
        (None, false) => format!("{system} is connected: {} synced", people(reach.synced)),
    };
    let subject = match &recipient.colleague {
        Some(colleague) => format!("{colleague} answered your request. {subject}"),
        None => subject,
    };
    let greeting = match &recipient.colleague {
        Some(colleague) => format!(
            "Hello {},\n\n{colleague} connected {} at your request.",
            recipient.name,
            named(connection)
        ),
        None => format!("Hello {},", recipient.name),
    };
    let body = if failed {
        failure_body(&greeting, connection, job, public_url)
    } else {
        success_body(
            &greeting,
            connection,
            job,
            &reach,
            missing.as_ref(),
            public_url,
        )
    };
    outbox::enqueue(
        pool,
        NewMail {
            account_id: connection.account_id,
            dedupe_key: &format!("first-sync:{}", job.id),
            to: &recipient.email,
            subject: &subject,
            body: &body,
        },
    )
    .await?;
    Ok(())
}

fn failure_body(greeting: &str, connection: &Connection, job: &Job, public_url: &str) -> String {
    format!(
        "{greeting}\n\n\
         The first sync of {named} did not finish: {error}\n\n\
         Nothing was lost. Open Integrations to retry or relink:\n{public_url}/integrations\n\n\
         — &Open HR Connectors\n",
        named = named(connection),
        error = job.error.as_deref().unwrap_or("an unexpected error."),
    )
}

fn success_body(
    greeting: &str,
    connection: &Connection,
    job: &Job,
    reach: &Reach,
    missing: Option<&MissingAccess>,
    public_url: &str,
) -> String {
    let mut difference = String::new();
    for line in reach.reasons() {
        difference.push_str(&format!("  - {line}\n"));
    }
    let access = missing.map_or_else(String::new, |m| {
        missing_access_note(connection, m, public_url)
    });
    let fields: Vec<&str> = connection
        .consent
        .enabled_fields()
        .map(|f| f.label)
        .collect();
    let blocked: Vec<&str> = BLOCKED.iter().map(|b| b.label).collect();
    format!(
        "{greeting}\n\n\
         {named} is connected to &Open and its first sync has finished.\n\n\
         {access}\
         People synced: {synced}\n\
         Campaigns can choose: {recipients}\n\
         {difference}\
         {skipped}\n\n\
         Fields shared: {fields}\n\
         Never requested: {blocked}\n\n\
         Next: start a campaign and choose its recipients from this staff list:\n\
         {public_url}/campaigns?new\n\
         See the people:\n\
         {public_url}/people\n\n\
         — &Open HR Connectors\n",
        named = named(connection),
        synced = grouped(reach.synced),
        recipients = grouped(reach.recipients),
        skipped = skip_lines(job),
        fields = fields.join(", "),
        blocked = blocked.join(", "),
    )
}

/// What the HR system withheld, and how the admin gets it granted.
fn missing_access_note(connection: &Connection, m: &MissingAccess, public_url: &str) -> String {
    let system = &connection.integration_name;
    let empty = if m.empty_filters.is_empty() {
        "No filter is empty yet, but some details may be missing.".to_owned()
    } else {
        format!(
            "Until this is fixed, these filters find no one from {system}: {}.",
            m.empty_filters.join(", ")
        )
    };
    format!(
        "Some data is missing. {system} did not give Merge everything it asked for:\n  {problem}\n\
         {empty}\n\
         Ask your {system} admin to grant the missing permissions (the guide lists them):\n\
         {public_url}{guide}\n\
         Then choose \"Resync now\" on the connection to check again:\n\
         {public_url}/integrations/{id}\n\n",
        problem = m.problem,
        guide = guide_path(&connection.integration_slug),
        id = connection.id,
    )
}
