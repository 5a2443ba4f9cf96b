//! HR-system connections of an account. Merge account tokens are stored encrypted
//! (AES-256-GCM, bound to the connection id) and decrypted only to call Merge.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::audit::{AuditAction, fields_shared};
use crate::domain::field_policy::Consent;
use crate::domain::integration::distinct_label;
use crate::server::crypto::SecretBox;
use crate::server::error::{Context, ServerError};
use crate::server::secret::Secret;
use crate::server::store::audit::{self, Actor};
use crate::server::store::jobs::{self, JobKind};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::Type, serde::Serialize, serde::Deserialize)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ConnectionStatus {
    Syncing,
    Healthy,
    NeedsAttention,
    NeedsRelink,
    Disconnected,
}

#[derive(Debug, Clone)]
pub struct Connection {
    pub id: Uuid,
    pub account_id: Uuid,
    pub category: String,
    pub integration_slug: String,
    pub integration_name: String,
    /// Distinct within the account: see `domain::integration::distinct_label`.
    pub label: String,
    pub tenant: Option<String>,
    pub origin_id: String,
    pub merge_account_id: Option<String>,
    pub status: ConnectionStatus,
    pub status_reason: Option<String>,
    pub consent: Consent,
    pub consented_by: Option<Uuid>,
    pub consented_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub data_as_of: Option<DateTime<Utc>>,
    pub people_count: i32,
    pub synced_through: Option<DateTime<Utc>>,
    pub disconnected_at: Option<DateTime<Utc>>,
}

/// The consent column as stored: JSON.
type StoredConsent = sqlx::types::Json<Consent>;

/// `query_as!` converts each column with `.into()`, so a stored consent reads straight into
/// [`Connection::consent`].
impl From<StoredConsent> for Consent {
    fn from(stored: StoredConsent) -> Self {
        stored.0
    }
}

/// `query_as!` into [`Connection`]: `$sql` is the statement up to its column list, `$rest`
/// follows it. The macro needs literal SQL, so the shared column list lives here.
macro_rules! connection_query {
    ($sql:literal, $rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Connection,
            $sql + r#" id, account_id, category, integration_slug, integration_name, label, tenant,
                origin_id, merge_account_id, status AS "status: ConnectionStatus", status_reason,
                consent AS "consent: StoredConsent", consented_by, consented_at, created_at,
                data_as_of, people_count, synced_through, disconnected_at "# + $rest
            $(, $arg)*
        )
    };
}

pub struct NewConnection<'a> {
    pub id: Uuid,
    pub account_id: Uuid,
    pub integration_slug: &'a str,
    pub integration_name: &'a str,
    /// The name wanted; numbered if another connection of the account has it.
    pub label: &'a str,
    pub tenant: Option<&'a str>,
    pub origin_id: &'a str,
    pub merge_account_id: Option<&'a str>,
    pub account_token: &'a Secret,
    pub consent: &'a Consent,
    /// The admin who consented here; `None` when a colleague did, through `requested_by`'s link.
    pub consented_by: Option<Uuid>,
    /// The admin whose request a colleague answered by connecting, for the activity log.
    pub requested_by: Option<&'a str>,
    /// The sync queued with it: a first sync, or one after relinking.
    pub first_sync: JobKind,
}

pub(crate) fn token_context(connection_id: Uuid) -> String {
    format!("merge-account-token:{connection_id}")
}

/// The origin id Merge gets for a new connection: unique per connection, so one account can
/// hold several HR systems, and chosen before linking so retries relink instead of duplicating.
pub fn origin_id(account_id: Uuid, connection_id: Uuid) -> String {
    format!(
        "acct_{}_conn_{}",
        account_id.simple(),
        connection_id.simple()
    )
}

/// Serialises the naming of an account's connections, so two at once cannot take one name.
async fn lock_names(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    account_id: Uuid,
) -> Result<(), ServerError> {
    sqlx::query!(
        r#"SELECT pg_advisory_xact_lock(hashtextextended('connection-names:' || $1::uuid::text, 0))
               AS "locked: ()""#,
        account_id,
    )
    .execute(&mut **tx)
    .await
    .context("locking connection names")?;
    Ok(())
}

/// The names the account's other connections have, disconnected ones included: their kept
/// staff and their history are named too.
async fn names_taken(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    account_id: Uuid,
    except: Uuid,
) -> Result<Vec<String>, ServerError> {
    sqlx::query_scalar!(
        "SELECT label FROM connections WHERE account_id = $1 AND id <> $2",
        account_id,
        except,
    )
    .fetch_all(&mut **tx)
    .await
    .context("reading connection names")
}

/// Creates a connection, or for an origin id that exists (a relink) replaces its Merge account
/// and token only: the label, the tenant, the consent and who gave it stay as they were. Its
/// sync (`new.first_sync`) is queued in the same transaction, so a connection never waits for a
/// sync that was not queued.
pub async fn create(
    pool: &PgPool,
    secrets: &SecretBox,
    new: NewConnection<'_>,
    by: &Actor<'_>,
) -> Result<Connection, ServerError> {
    let mut tx = pool
        .begin()
        .await
        .context("starting to store a connection")?;
    let connection = create_in(&mut tx, secrets, new, by).await?;
    tx.commit().await.context("storing a connection")?;
    Ok(connection)
}

/// [`create`] inside the caller's transaction, for a connection that uses something up with it
/// (a colleague's link).
pub async fn create_in(
    tx: &mut Transaction<'_, Postgres>,
    secrets: &SecretBox,
    new: NewConnection<'_>,
    by: &Actor<'_>,
) -> Result<Connection, ServerError> {
    let sealed = secrets.encrypt(new.account_token, &token_context(new.id));
    lock_names(tx, new.account_id).await?;
    let label = distinct_label(new.label, &names_taken(tx, new.account_id, new.id).await?);
    let connection = connection_query!(
        "INSERT INTO connections (id, account_id, integration_slug, integration_name, label, tenant,
             origin_id, merge_account_id, account_token_enc, status, consent, consented_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'syncing', $10, $11)
         ON CONFLICT (origin_id) DO UPDATE SET
             account_token_enc = excluded.account_token_enc,
             merge_account_id = excluded.merge_account_id,
             status = 'syncing', status_reason = NULL
         RETURNING",
        "",
        new.id,
        new.account_id,
        new.integration_slug,
        new.integration_name,
        label,
        new.tenant,
        new.origin_id,
        new.merge_account_id,
        sealed,
        sqlx::types::Json(new.consent) as _,
        new.consented_by,
    )
    .fetch_one(&mut **tx)
    .await
    .context("creating a connection")?;
    jobs::enqueue(&mut **tx, new.id, new.first_sync).await?;
    let action = if new.first_sync == JobKind::Initial {
        AuditAction::Connected
    } else {
        AuditAction::Relinked
    };
    let detail = match new.requested_by {
        Some(admin) => format!("At the request of {admin}. {}", fields_shared(new.consent)),
        None => fields_shared(new.consent),
    };
    audit::record_by(&mut **tx, by, action, &connection.label, &detail).await?;
    Ok(connection)
}

/// The account's connection to this tenant of this system that is still in use, if any.
pub async fn live_for_tenant(
    pool: &PgPool,
    account_id: Uuid,
    slug: &str,
    tenant: &str,
) -> Result<Option<Connection>, ServerError> {
    connection_query!(
        "SELECT",
        "FROM connections
         WHERE account_id = $1 AND integration_slug = $2 AND lower(tenant) = lower($3)
           AND status <> 'disconnected'",
        account_id,
        slug,
        tenant,
    )
    .fetch_optional(pool)
    .await
    .context("finding a connection to the same tenant")
}

pub async fn list(pool: &PgPool, account_id: Uuid) -> Result<Vec<Connection>, ServerError> {
    connection_query!(
        "SELECT",
        "FROM connections WHERE account_id = $1 ORDER BY created_at",
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing connections")
}

pub async fn get(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
) -> Result<Option<Connection>, ServerError> {
    connection_query!(
        "SELECT",
        "FROM connections WHERE account_id = $1 AND id = $2",
        account_id,
        id,
    )
    .fetch_optional(pool)
    .await
    .context("loading a connection")
}

/// For the sync worker, which acts on a job rather than for a signed-in user.
pub async fn get_for_sync(pool: &PgPool, id: Uuid) -> Result<Option<Connection>, ServerError> {
    connection_query!("SELECT", "FROM connections WHERE id = $1", id)
        .fetch_optional(pool)
        .await
        .context("loading a connection for sync")
}

pub async fn by_merge_account(
    pool: &PgPool,
    merge_account_id: &str,
) -> Result<Option<Connection>, ServerError> {
    connection_query!(
        "SELECT",
        "FROM connections WHERE merge_account_id = $1 AND status <> 'disconnected'",
        merge_account_id,
    )
    .fetch_optional(pool)
    .await
    .context("finding a connection by Merge account")
}

pub async fn account_token(
    pool: &PgPool,
    secrets: &SecretBox,
    id: Uuid,
) -> Result<Option<Secret>, ServerError> {
    let sealed = sqlx::query_scalar!(
        "SELECT account_token_enc FROM connections WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await
    .context("reading a connection's token")?;
    match sealed.flatten() {
        Some(s) => secrets
            .decrypt(&s, &token_context(id))
            .map(Some)
            .context("decrypting a Merge account token"),
        None => Ok(None),
    }
}

pub async fn set_status(
    pool: &PgPool,
    id: Uuid,
    status: ConnectionStatus,
    reason: Option<&str>,
) -> Result<(), ServerError> {
    sqlx::query!(
        "UPDATE connections SET status = $2, status_reason = $3 WHERE id = $1",
        id,
        status as ConnectionStatus,
        reason,
    )
    .execute(pool)
    .await
    .context("updating a connection's status")?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renamed {
    Done,
    NoSuchConnection,
    /// Another connection of the account already has that name.
    Taken,
}

/// Renames one of the account's connections, unless another of them has that name.
pub async fn rename(
    pool: &PgPool,
    account_id: Uuid,
    id: Uuid,
    label: &str,
) -> Result<Renamed, ServerError> {
    let mut tx = pool.begin().await.context("starting a rename")?;
    lock_names(&mut tx, account_id).await?;
    let taken = names_taken(&mut tx, account_id, id).await?;
    if distinct_label(label, &taken) != label {
        return Ok(Renamed::Taken);
    }
    let n = sqlx::query!(
        "UPDATE connections SET label = $3 WHERE account_id = $1 AND id = $2",
        account_id,
        id,
        label,
    )
    .execute(&mut *tx)
    .await
    .context("renaming a connection")?
    .rows_affected();
    tx.commit().await.context("committing a rename")?;
    Ok(if n == 1 {
        Renamed::Done
    } else {
        Renamed::NoSuchConnection
    })
}

/// Marks a connection disconnected after cancelling its syncs, in one transaction: its staff is
/// kept read-only until `keep_until`, or, without it, deleted with its teams and departments.
/// Returns the connection's account.
pub async fn mark_disconnected(
    pool: &PgPool,
    id: Uuid,
    keep_until: Option<DateTime<Utc>>,
    reason: &str,
    by: Option<&Actor<'_>>,
) -> Result<Uuid, ServerError> {
    let mut tx = pool.begin().await.context("starting a disconnect")?;
    sqlx::query!(
        "DELETE FROM sync_jobs WHERE connection_id = $1 AND state IN ('queued', 'running')",
        id,
    )
    .execute(&mut *tx)
    .await
    .context("cancelling syncs")?;
    if keep_until.is_none() {
        purge(&mut tx, id).await?;
    }
    let disconnected = sqlx::query!(
        "UPDATE connections SET status = $2, status_reason = $3, account_token_enc = NULL,
             disconnected_at = now(), read_only_until = $4,
             people_count = CASE WHEN $4::timestamptz IS NULL THEN 0 ELSE people_count END
         WHERE id = $1
         RETURNING account_id, label",
        id,
        ConnectionStatus::Disconnected as ConnectionStatus,
        reason,
        keep_until,
    )
    .fetch_one(&mut *tx)
    .await
    .context("marking a connection disconnected")?;
    let label = &disconnected.label;
    if let Some(by) = by {
        audit::record_by(&mut *tx, by, AuditAction::Disconnected, label, reason).await?;
        if keep_until.is_none() {
            audit::record_by(&mut *tx, by, AuditAction::DataDeleted, label, reason).await?;
        }
    }
    tx.commit().await.context("finishing a disconnect")?;
    Ok(disconnected.account_id)
}

/// Deletes what the connection's syncs stored: its staff, their management chains, its teams
/// and departments.
async fn purge(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
) -> Result<(), ServerError> {
    let what = "purging a connection's data";
    sqlx::query!("DELETE FROM staff_chains WHERE connection_id = $1", id)
        .execute(&mut **tx)
        .await
        .context(what)?;
    sqlx::query!("DELETE FROM staff WHERE connection_id = $1", id)
        .execute(&mut **tx)
        .await
        .context(what)?;
    sqlx::query!("DELETE FROM teams WHERE connection_id = $1", id)
        .execute(&mut **tx)
        .await
        .context(what)?;
    sqlx::query!("DELETE FROM departments WHERE connection_id = $1", id)
        .execute(&mut **tx)
        .await
        .context(what)?;
    Ok(())
}

/// Disconnected connections whose read-only days are over.
pub async fn read_only_expired(pool: &PgPool) -> Result<Vec<Uuid>, ServerError> {
    sqlx::query_scalar!(
        "SELECT id FROM connections WHERE status = 'disconnected' AND read_only_until < now()",
    )
    .fetch_all(pool)
    .await
    .context("finding expired disconnected connections")
}

/// Records a finished sync on its connection: its health, as of when the data was read, how
/// many people it lists, and Merge's ongoing issue with the linked account, if any. A connection disconnected meanwhile is left as it is.
pub async fn record_sync(
    pool: &PgPool,
    id: Uuid,
    status: ConnectionStatus,
    reason: Option<&str>,
    data_as_of: DateTime<Utc>,
    people: i64,
    merge_issue: Option<&str>,
) -> Result<(), ServerError> {
    sqlx::query!(
        "UPDATE connections SET status = $2, status_reason = $3, data_as_of = $4, synced_through = $4,
             people_count = $5, merge_issue = $6
         WHERE id = $1 AND status <> 'disconnected'",
        id,
        status as ConnectionStatus,
        reason,
        data_as_of,
        people as i32,
        merge_issue,
    )
    .execute(pool)
    .await
    .context("recording a finished sync")?;
    Ok(())
}

/// The demo account's CRM integration, so the Integrations page shows every category. CRM
/// systems are connected by &Open's sales team, not through this product, and carry no staff.
pub async fn add_demo_crm(pool: &PgPool, account_id: Uuid) -> Result<(), ServerError> {
    sqlx::query!(
        "INSERT INTO connections (id, account_id, category, integration_slug, integration_name, label,
             origin_id, status, consent, data_as_of)
         VALUES ($1, $2, 'crm', 'salesforce', 'Salesforce', 'Sales pipeline', $3, 'healthy', '{\"optional_on\": []}', now())
         ON CONFLICT (origin_id) DO NOTHING",
        Uuid::new_v4(),
        account_id,
        format!("demo_{}_crm_salesforce", account_id.simple()),
    )
    .execute(pool)
    .await
    .context("seeding the demo CRM integration")?;
    Ok(())
}
