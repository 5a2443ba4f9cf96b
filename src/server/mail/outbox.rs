//! The durable outbox and its delivery worker.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::server::crypto::SecretBox;
use crate::server::error::{Context, ServerError};
use crate::server::secret::Secret;

pub struct NewMail<'a> {
    pub account_id: Uuid,
    /// One message per key, ever: a retried sync or a second worker cannot send it twice.
    pub dedupe_key: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Queues a message; returns false if one with the same key already exists.
pub async fn enqueue(db: impl PgExecutor<'_>, mail: NewMail<'_>) -> Result<bool, ServerError> {
    insert(db, Uuid::new_v4(), &mail, mail.body, None).await
}

/// Queues a message whose body carries a private link (an invitation, a password reset): the
/// body is stored encrypted, so a copy of the database cannot be used to join an account.
pub async fn enqueue_sealed(
    db: impl PgExecutor<'_>,
    secrets: &SecretBox,
    mail: NewMail<'_>,
) -> Result<bool, ServerError> {
    let id = Uuid::new_v4();
    let sealed = secrets.encrypt(&Secret::new(mail.body), &body_context(id));
    insert(db, id, &mail, "", Some(&sealed)).await
}

pub(crate) fn body_context(mail_id: Uuid) -> String {
    format!("mail-body:{mail_id}")
}

async fn insert(
    db: impl PgExecutor<'_>,
    id: Uuid,
    mail: &NewMail<'_>,
    body_text: &str,
    body_sealed: Option<&str>,
) -> Result<bool, ServerError> {
    let n = sqlx::query!(
        "INSERT INTO mail_outbox (id, account_id, dedupe_key, to_address, subject, body_text, body_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
        id,
        mail.account_id,
        mail.dedupe_key,
        mail.to,
        mail.subject,
        body_text,
        body_sealed,
    )
    .execute(db)
    .await
    .context("queueing mail")?
    .rows_affected();
    Ok(n == 1)
}

/// A stored message's body, opening it when it was sealed.
fn open_body(
    secrets: &SecretBox,
    id: Uuid,
    body_text: String,
    body_sealed: Option<&str>,
) -> Result<String, ServerError> {
    match body_sealed {
        None => Ok(body_text),
        Some(sealed) => secrets
            .decrypt(sealed, &body_context(id))
            .map(|s| s.expose().to_owned())
            .map_err(|e| ServerError::Internal(format!("opening mail {id}: {e}"))),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub to_address: String,
    pub subject: String,
    /// `None` when the message carries a private link and the caller may not read it.
    pub body_text: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

struct StoredMessage {
    id: Uuid,
    to_address: String,
    subject: String,
    body_text: String,
    body_sealed: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

/// Whether `list` opens messages carrying private links. Only the development outbox does:
/// there it is the only way to follow an invitation; with real mail they stay in the inbox of
/// the person they were sent to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PrivateLinks {
    Show,
    Hide,
}

pub async fn list(
    pool: &PgPool,
    secrets: &SecretBox,
    account_id: Uuid,
    limit: i64,
    private_links: PrivateLinks,
) -> Result<Vec<OutboxMessage>, ServerError> {
    let rows = sqlx::query_as!(
        StoredMessage,
        "SELECT id, to_address, subject, body_text, body_sealed, created_at, sent_at
         FROM mail_outbox WHERE account_id = $1 ORDER BY created_at DESC LIMIT $2",
        account_id,
        limit,
    )
    .fetch_all(pool)
    .await
    .context("listing the outbox")?;
    rows.into_iter()
        .map(|m| {
            let body_text = match (&m.body_sealed, private_links) {
                (Some(_), PrivateLinks::Hide) => None,
                _ => Some(open_body(
                    secrets,
                    m.id,
                    m.body_text,
                    m.body_sealed.as_deref(),
                )?),
            };
            Ok(OutboxMessage {
                id: m.id,
                to_address: m.to_address,
                subject: m.subject,
                body_text,
                created_at: m.created_at,
                sent_at: m.sent_at,
            })
        })
        .collect()
}

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("SMTP_URL is not a valid SMTP address: {0}")]
    Url(String),
    #[error("MAIL_FROM is not a valid address: {0}")]
    From(String),
}

impl Mailer {
    pub fn new(smtp_url: &Secret, from: &str) -> Result<Self, MailerError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url.expose())
            // The URL can hold a password; never echo it.
            .map_err(|_| MailerError::Url("check the scheme, host and port".into()))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailerError::From(e.to_string()))?;
        Ok(Self { transport, from })
    }
}

/// Sends due messages. Without a mailer nothing is sent: the outbox page is the delivery.
/// Returns how many were sent.
pub async fn deliver_due(
    pool: &PgPool,
    secrets: &SecretBox,
    mailer: &Mailer,
) -> Result<usize, ServerError> {
    let mut tx = pool.begin().await.context("starting mail delivery")?;
    let due = sqlx::query!(
        "SELECT id, to_address, subject, body_text, body_sealed, attempts FROM mail_outbox
         WHERE sent_at IS NULL AND next_attempt_at <= now() AND attempts < 10
         ORDER BY created_at LIMIT 20 FOR UPDATE SKIP LOCKED"
    )
    .fetch_all(&mut *tx)
    .await
    .context("claiming mail")?;
    let mut sent = 0;
    for m in due {
        let (id, attempts) = (m.id, m.attempts);
        let body = open_body(secrets, id, m.body_text, m.body_sealed.as_deref());
        let result = match body {
            Err(e) => Err(e.to_string()),
            Ok(body) => match m.to_address.parse::<Mailbox>() {
                Ok(to) => match Message::builder()
                    .from(mailer.from.clone())
                    .to(to)
                    .subject(m.subject)
                    .body(body)
                {
                    Ok(message) => mailer
                        .transport
                        .send(message)
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
                Err(e) => Err(e.to_string()),
            },
        };
        match result {
            Ok(()) => {
                sqlx::query!(
                    "UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1,
                         last_error = NULL
                     WHERE id = $1",
                    id,
                )
                .execute(&mut *tx)
                .await
                .context("marking mail sent")?;
                sent += 1;
            }
            Err(err) => {
                tracing::warn!(mail = %id, attempt = attempts + 1, error = %err, "mail delivery failed; will retry");
                sqlx::query!(
                    "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2,
                         next_attempt_at = now() + make_interval(secs => $3)
                     WHERE id = $1",
                    id,
                    &err,
                    30.0 * 2f64.powi(attempts.min(8)),
                )
                .execute(&mut *tx)
                .await
                .context("rescheduling mail")?;
            }
        }
    }
    tx.commit().await.context("finishing mail delivery")?;
    Ok(sent)
}

/// Delivers mail every few seconds until `stop`.
pub fn spawn(
    pool: PgPool,
    secrets: std::sync::Arc<SecretBox>,
    mailer: Mailer,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(err) = deliver_due(&pool, &secrets, &mailer).await {
                        tracing::warn!(error = %err, "mail delivery round failed");
                    }
                }
                _ = stop.changed() => break,
            }
        }
    });
}
