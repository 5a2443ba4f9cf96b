//! Connection alerts: after every sync and once a minute, workers review what is wrong with
//! each connection, open and close incidents, and email the people who get alerts: once when
//! an incident opens, reminders after 24 and 72 hours, and a short note when it is fixed.
//!
//! A review runs in one transaction under a lock, and each email is claimed on its incident
//! (and keyed in the outbox) before it is queued, so any number of workers and server instances
//! send each email exactly once.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::incident::{IncidentKind, IncidentView, email_due};
use crate::pages::help_guide::guide_path;
use crate::server::error::{Context, ServerError};
use crate::server::mail::alerts::{self as compose, Alert};
use crate::server::mail::outbox::{self, NewMail};
use crate::server::mail::people::Composed;
use crate::server::store::incidents::{self, Incident, Recipient};

/// What one review did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reviewed {
    pub opened: u64,
    pub closed: u64,
    /// Emails queued (one per recipient).
    pub emails: u64,
}

/// Reviews every connection as of `now` (the clock is a parameter so tests can move days on).
pub async fn review(
    pool: &PgPool,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Reviewed, ServerError> {
    let mut tx = pool.begin().await.context("starting an incident review")?;
    incidents::lock_reviews(&mut tx).await?;
    let mut done = Reviewed {
        opened: incidents::open_new(&mut tx, now).await?,
        closed: incidents::close_cleared(&mut tx, now).await?,
        emails: 0,
    };
    for incident in incidents::open(&mut tx).await? {
        if email_due(incident.emails_sent, incident.opened_at, now)
            && incidents::claim_email(&mut tx, incident.id, incident.emails_sent, now).await?
        {
            done.emails += send_opened(&mut tx, &incident, public_url).await?;
        }
    }
    for incident in incidents::fixed_unannounced(&mut tx).await? {
        if incidents::claim_fixed_email(&mut tx, incident.id).await? {
            let recipients = incidents::recipients(&mut tx, incident.account_id).await?;
            for r in &recipients {
                let mail = compose::fixed(&incident, &r.name, public_url);
                done.emails += queue(&mut tx, &incident, r, "fixed", &mail).await?;
            }
        }
    }
    tx.commit().await.context("committing an incident review")?;
    Ok(done)
}

/// Queues the opening email (or a reminder) about `incident` to everyone who gets alerts.
async fn send_opened(
    tx: &mut PgConnection,
    incident: &Incident,
    public_url: &str,
) -> Result<u64, ServerError> {
    let campaigns =
        incidents::campaigns_using(tx, incident.account_id, incident.connection_id).await?;
    let fix_url = format!("{public_url}{}", fix_path(incident));
    let mut queued = 0;
    for r in incidents::recipients(tx, incident.account_id).await? {
        let mail = compose::opened(&Alert {
            incident,
            name: &r.name,
            reminder: incident.emails_sent,
            campaigns: &campaigns,
            fix_url: &fix_url,
            public_url,
        });
        let key = format!("email-{}", incident.emails_sent);
        queued += queue(tx, incident, &r, &key, &mail).await?;
    }
    Ok(queued)
}

async fn queue(
    tx: &mut PgConnection,
    incident: &Incident,
    to: &Recipient,
    which: &str,
    mail: &Composed,
) -> Result<u64, ServerError> {
    let queued = outbox::enqueue(
        &mut *tx,
        NewMail {
            account_id: incident.account_id,
            dedupe_key: &format!("incident:{}:{which}:{}", incident.id, to.id),
            to: &to.email,
            subject: &mail.subject,
            body: &mail.body,
        },
    )
    .await?;
    Ok(u64::from(queued))
}

/// Where the fix is: the connection's page with its Relink dialog open, its history (with
/// Resync now) or its held removals, or the system's help for the permissions to grant.
fn fix_path(i: &Incident) -> String {
    match i.kind {
        IncidentKind::NeedsRelink => format!("/integrations/{}?relink", i.connection_id),
        IncidentKind::Failing => format!("/integrations/{}#history-title", i.connection_id),
        IncidentKind::RemovalsHeld => format!("/integrations/{}#held-title", i.connection_id),
        IncidentKind::MissingPermissions => guide_path(&i.slug),
    }
}

fn view(i: Incident) -> IncidentView {
    IncidentView {
        fix_path: fix_path(&i),
        connection_id: i.connection_id,
        connection: i.connection,
        kind: i.kind,
        detail: i.detail,
        since: i.opened_at,
        data_as_of: i.data_as_of,
    }
}

/// The account's open incidents, for the Integrations page's banner.
pub async fn for_account(
    pool: &PgPool,
    account_id: Uuid,
) -> Result<Vec<IncidentView>, ServerError> {
    let open = incidents::open_for_account(pool, account_id).await?;
    Ok(open.into_iter().map(view).collect())
}

/// The open incidents of the connections a campaign's recipients come from.
pub async fn for_campaign(
    pool: &PgPool,
    account_id: Uuid,
    campaign_id: Uuid,
) -> Result<Vec<IncidentView>, ServerError> {
    let open = incidents::open_for_campaign(pool, account_id, campaign_id).await?;
    Ok(open.into_iter().map(view).collect())
}
