//! Connections as the Integrations page shows them, always for one account.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::connect_invitation::made_by;
use crate::domain::credentials::tenant_address;
use crate::domain::integration::{ConnectionView, Health, Phase, SyncProgress};
use crate::server::error::ServerError;
use crate::server::sandbox::catalogue;
use crate::server::store::connect_invitations;
use crate::server::store::connections::{self, Connection, ConnectionStatus};
use crate::server::store::jobs::{self, Job};
use crate::server::store::reach;

pub fn progress(job: &Job) -> SyncProgress {
    let phase = Phase::parse(&job.phase, job.state, job.derived_at.is_some());
    let end = job.finished_at.unwrap_or_else(Utc::now);
    let since = |t: Option<chrono::DateTime<Utc>>| t.map(|s| (end - s).num_seconds().max(0));
    SyncProgress {
        phase,
        received: job.received as i64,
        expected: job.expected.map(i64::from),
        elapsed_secs: since(job.started_at).unwrap_or(0),
        phase_secs: since(job.phase_started_at).unwrap_or(0),
        error: job.error.clone().filter(|_| phase == Phase::Failed),
        added: job.added as i64,
        updated: job.updated as i64,
        removed: job.removed as i64,
        skipped: job.skipped as i64,
    }
}

fn health(status: &ConnectionStatus) -> Health {
    match status {
        ConnectionStatus::Syncing => Health::Syncing,
        ConnectionStatus::Healthy => Health::Healthy,
        ConnectionStatus::NeedsAttention => Health::NeedsAttention,
        ConnectionStatus::NeedsRelink => Health::NeedsRelink,
        ConnectionStatus::Disconnected => Health::Disconnected,
    }
}

pub async fn view(pool: &PgPool, c: &Connection) -> Result<ConnectionView, ServerError> {
    let latest = jobs::latest(pool, c.id).await?;
    let progress = latest.as_ref().map(progress);
    let running = progress.as_ref().is_some_and(|p| p.phase.is_running());
    let consented_by: Option<String> = match c.consented_by {
        Some(u) => {
            sqlx::query_scalar!("SELECT name FROM users WHERE id = $1", u)
                .fetch_optional(pool)
                .await?
        }
        None => connect_invitations::made_by(pool, c.id)
            .await?
            .map(|(name, email, inviter)| made_by(&name, &email, &inviter)),
    };
    let mut h = health(&c.status);
    if running && c.status != ConnectionStatus::Disconnected {
        h = Health::Syncing;
    }
    let missing_access = reach::missing_access(pool, c, latest.as_ref()).await?;
    // After a full sync, until the next sync: who of its people campaigns can choose.
    let full_sync_done = latest.as_ref().is_some_and(|j| j.full_sync)
        && progress.as_ref().is_some_and(|p| p.phase == Phase::Ready);
    let reach = if full_sync_done {
        Some(reach::reach(pool, c.id).await?)
    } else {
        None
    };
    Ok(ConnectionView {
        id: c.id,
        category: c.category.clone(),
        slug: c.integration_slug.clone(),
        system: c.integration_name.clone(),
        label: c.label.clone(),
        tenant_address: c
            .tenant
            .as_deref()
            .map(|t| tenant_address(&c.integration_slug, t)),
        color: catalogue::color(&c.integration_name),
        health: h,
        reason: c.status_reason.clone(),
        people: c.people_count as i64,
        data_as_of: c.data_as_of,
        progress,
        consented_by,
        consented_at: c.consented_at,
        fields_enabled: c
            .consent
            .enabled_fields()
            .map(|f| f.label.to_owned())
            .collect(),
        disconnected_at: c.disconnected_at,
        missing_access,
        reach,
    })
}

pub async fn list(pool: &PgPool, account_id: Uuid) -> Result<Vec<ConnectionView>, ServerError> {
    let mut out = Vec::new();
    for c in connections::list(pool, account_id).await? {
        out.push(view(pool, &c).await?);
    }
    Ok(out)
}
