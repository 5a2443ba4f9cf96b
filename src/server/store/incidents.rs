//! Connection incidents (`connection_incidents`): opened and closed from the one SQL rule of
//! what is wrong with a connection (`connection_conditions`, migration 0025), and the claims
//! that let exactly one worker send each email about them.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::incident::IncidentKind;
use crate::server::error::{Context, ServerError};

/// An incident and what its emails and banners say about its connection.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: Uuid,
    pub account_id: Uuid,
    pub connection_id: Uuid,
    pub connection: String,
    pub system: String,
    pub slug: String,
    pub kind: IncidentKind,
    pub detail: String,
    pub opened_at: DateTime<Utc>,
    pub emails_sent: i32,
    pub data_as_of: Option<DateTime<Utc>>,
}

/// `query_as!` into [`Incident`]; `$rest` follows the join of incidents (`i`) and their
/// connections (`c`).
macro_rules! incident_query {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Incident,
            r#"SELECT i.id, i.account_id, i.connection_id, c.label AS connection,
                   c.integration_name AS system, c.integration_slug AS slug,
                   i.kind AS "kind: IncidentKind", i.detail, i.opened_at,
                   i.emails_sent, c.data_as_of
               FROM connection_incidents i JOIN connections c ON c.id = i.connection_id "# + $rest
            $(, $arg)*
        )
    };
}

/// Takes the review's lock for the rest of the transaction: reviews on several server instances
/// run one after another, so one cannot close what another just opened, or send its email too.
pub async fn lock_reviews(tx: &mut PgConnection) -> Result<(), ServerError> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('connection-incidents'))")
        .execute(&mut *tx)
        .await
        .context("taking the incident review's lock")?;
    Ok(())
}

/// Opens an incident for every condition that holds at `at` and has none open yet; returns how
/// many opened.
pub async fn open_new(tx: &mut PgConnection, at: DateTime<Utc>) -> Result<u64, ServerError> {
    let opened = sqlx::query!(
        "INSERT INTO connection_incidents (id, account_id, connection_id, kind, detail, opened_at)
         SELECT gen_random_uuid(), account_id, connection_id, kind, detail, $1
         FROM connection_conditions($1)
         ON CONFLICT (connection_id, kind) WHERE closed_at IS NULL DO NOTHING",
        at,
    )
    .execute(&mut *tx)
    .await
    .context("opening connection incidents")?;
    Ok(opened.rows_affected())
}

/// Closes the open incidents whose condition no longer holds at `at`: fixed, or gone with
/// their disconnected connection.
pub async fn close_cleared(tx: &mut PgConnection, at: DateTime<Utc>) -> Result<u64, ServerError> {
    let closed = sqlx::query!(
        "UPDATE connection_incidents i
         SET closed_at = $1,
             closed_because = CASE WHEN c.status = 'disconnected' THEN 'disconnected' ELSE 'fixed' END
         FROM connections c
         WHERE c.id = i.connection_id AND i.closed_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM connection_conditions($1) now
                           WHERE now.connection_id = i.connection_id AND now.kind = i.kind)",
        at,
    )
    .execute(&mut *tx)
    .await
    .context("closing connection incidents")?;
    Ok(closed.rows_affected())
}

/// Every open incident, oldest first.
pub async fn open(tx: &mut PgConnection) -> Result<Vec<Incident>, ServerError> {
    incident_query!("WHERE i.closed_at IS NULL ORDER BY i.opened_at, i.id")
        .fetch_all(&mut *tx)
        .await
        .context("listing open incidents")
}

/// Closed incidents that were emailed about and whose "fixed" email has not gone yet.
pub async fn fixed_unannounced(tx: &mut PgConnection) -> Result<Vec<Incident>, ServerError> {
    incident_query!(
        "WHERE i.closed_because = 'fixed' AND i.emails_sent > 0 AND NOT i.fixed_email_sent
         ORDER BY i.closed_at, i.id"
    )
    .fetch_all(&mut *tx)
    .await
    .context("listing fixed incidents")
}

/// Records that the next email about an incident goes now; false if it had already gone
/// (`sent` is the count the caller saw).
pub async fn claim_email(
    tx: &mut PgConnection,
    id: Uuid,
    sent: i32,
    at: DateTime<Utc>,
) -> Result<bool, ServerError> {
    let claimed = sqlx::query!(
        "UPDATE connection_incidents SET emails_sent = emails_sent + 1, last_email_at = $3
         WHERE id = $1 AND emails_sent = $2 AND closed_at IS NULL",
        id,
        sent,
        at,
    )
    .execute(&mut *tx)
    .await
    .context("claiming an incident email")?;
    Ok(claimed.rows_affected() == 1)
}

/// Records that the "fixed" email goes now; false if it had already gone.
pub async fn claim_fixed_email(tx: &mut PgConnection, id: Uuid) -> Result<bool, ServerError> {
    let claimed = sqlx::query!(
        "UPDATE connection_incidents SET fixed_email_sent = true
         WHERE id = $1 AND NOT fixed_email_sent",
        id,
    )
    .execute(&mut *tx)
    .await
    .context("claiming a fixed-incident email")?;
    Ok(claimed.rows_affected() == 1)
}

/// Someone to email about an account's incidents.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// The people of an account who get connection alerts (`user_gets_connection_alerts`).
pub async fn recipients(
    tx: &mut PgConnection,
    account_id: Uuid,
) -> Result<Vec<Recipient>, ServerError> {
    sqlx::query_as!(
        Recipient,
        "SELECT id, name, email FROM users
         WHERE account_id = $1 AND user_gets_connection_alerts(connection_alerts, role)
         ORDER BY email",
        account_id,
    )
    .fetch_all(&mut *tx)
    .await
    .context("finding who gets connection alerts")
}

/// The names of the account's campaigns (not archived) whose recipients include people of the
/// connection.
pub async fn campaigns_using(
    tx: &mut PgConnection,
    account_id: Uuid,
    connection_id: Uuid,
) -> Result<Vec<String>, ServerError> {
    sqlx::query_scalar!(
        "SELECT name FROM campaigns k
         WHERE k.account_id = $1 AND k.archived_at IS NULL
           AND EXISTS (SELECT 1 FROM campaign_members m
                       WHERE m.campaign_id = k.id AND m.connection_id = $2)
         ORDER BY lower(name)",
        account_id,
        connection_id,
    )
    .fetch_all(&mut *tx)
    .await
    .context("finding the campaigns a connection feeds")
}

/// The account's open incidents, oldest first; a connection disconnected since its last
/// review has none.
pub async fn open_for_account(
    pool: &PgPool,
    account_id: Uuid,
) -> Result<Vec<Incident>, ServerError> {
    incident_query!(
        "WHERE i.account_id = $1 AND i.closed_at IS NULL AND c.status <> 'disconnected'
         ORDER BY i.opened_at, i.id",
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing an account's open incidents")
}

/// The open incidents of the connections whose people are recipients of one of the account's
/// campaigns.
pub async fn open_for_campaign(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
) -> Result<Vec<Incident>, ServerError> {
    incident_query!(
        "WHERE i.account_id = $1 AND i.closed_at IS NULL AND c.status <> 'disconnected'
           AND EXISTS (SELECT 1 FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id
                       WHERE m.campaign_id = $2 AND k.account_id = $1
                         AND m.connection_id = i.connection_id)
         ORDER BY i.opened_at, i.id",
        account_id,
        campaign_id,
    )
    .fetch_all(pool)
    .await
    .context("listing a campaign's open incidents")
}
