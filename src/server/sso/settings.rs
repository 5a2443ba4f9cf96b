//! The account's single sign-on settings. The client secret is sealed with the `SecretBox`,
//! bound to the provider row, and only ever decrypted to talk to the identity provider.

use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::audit::AuditAction;
use crate::domain::sso::{AdminChoice, SsoSettingsView, ValidSso, email_domain};
use crate::domain::user::CurrentUser;
use crate::server::crypto::SecretBox;
use crate::server::error::{Context, ServerError};
use crate::server::secret::Secret;
use crate::server::store::audit::{self, Actor};

pub fn secret_context(provider_id: Uuid) -> String {
    format!("sso-client-secret:{provider_id}")
}

/// What the sign-in flow needs of a provider. `client_secret` is opened on load.
pub struct Provider {
    pub id: Uuid,
    pub account_id: Uuid,
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub auto_join: bool,
}

struct ProviderRow {
    id: Uuid,
    account_id: Uuid,
    display_name: String,
    issuer_url: String,
    client_id: String,
    client_secret_enc: String,
    auto_join: bool,
    required: bool,
    break_glass_user: Option<Uuid>,
}

async fn row(
    db: impl PgExecutor<'_>,
    account_id: Uuid,
) -> Result<Option<ProviderRow>, ServerError> {
    sqlx::query_as!(
        ProviderRow,
        "SELECT id, account_id, display_name, issuer_url, client_id, client_secret_enc, auto_join,
             required, break_glass_user
         FROM sso_providers WHERE account_id = $1",
        account_id,
    )
    .fetch_optional(db)
    .await
    .context("loading single sign-on settings")
}

/// The provider of an account, with its secret opened.
pub async fn provider(
    pool: &PgPool,
    secrets: &SecretBox,
    account_id: Uuid,
) -> Result<Option<Provider>, ServerError> {
    let Some(r) = row(pool, account_id).await? else {
        return Ok(None);
    };
    let client_secret = secrets
        .decrypt(&r.client_secret_enc, &secret_context(r.id))
        .context("opening a single sign-on client secret")?;
    Ok(Some(Provider {
        id: r.id,
        account_id: r.account_id,
        display_name: r.display_name,
        issuer_url: r.issuer_url,
        client_id: r.client_id,
        client_secret,
        auto_join: r.auto_join,
    }))
}

/// Whether the account's single sign-on covers this domain.
pub async fn covers(pool: &PgPool, account_id: Uuid, domain: &str) -> Result<bool, ServerError> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM sso_domains WHERE domain = $1 AND account_id = $2)
             AS "covers!""#,
        domain,
        account_id,
    )
    .fetch_one(pool)
    .await
    .context("checking a single sign-on domain")
}

/// Where an address signs in through single sign-on: the account whose provider covers its
/// domain. Someone whose address is a member of *another* account keeps signing in as before,
/// so a domain claimed by one account can't steer another account's people to its provider.
pub struct Target {
    pub account_id: Uuid,
    pub display_name: String,
    pub required: bool,
}

pub async fn target_for_email(pool: &PgPool, email: &str) -> Result<Option<Target>, ServerError> {
    sqlx::query_as!(
        Target,
        "SELECT p.account_id, p.display_name, p.required
         FROM sso_domains d
         JOIN sso_providers p ON p.account_id = d.account_id
         WHERE d.domain = $1
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = $2 AND u.account_id <> d.account_id)",
        email_domain(email),
        email,
    )
    .fetch_optional(pool)
    .await
    .context("looking up single sign-on for an address")
}

/// Before checking a password: the provider's name when this address's domain belongs to an
/// account that requires single sign-on and the address is not its break-glass admin. It
/// depends on the address only (as the sign-in page's hint does), so it tells nobody whether
/// the person exists.
pub async fn password_refused_for_email(
    pool: &PgPool,
    email: &str,
) -> Result<Option<String>, ServerError> {
    sqlx::query_scalar!(
        "SELECT p.display_name
         FROM sso_domains d
         JOIN sso_providers p ON p.account_id = d.account_id
         LEFT JOIN users b ON b.id = p.break_glass_user
         WHERE d.domain = $1 AND p.required
           AND b.email IS DISTINCT FROM $2
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = $2 AND u.account_id <> d.account_id)",
        email_domain(email),
        email,
    )
    .fetch_optional(pool)
    .await
    .context("checking whether single sign-on is required")
}

/// After a correct password (so it reveals nothing to someone without one): the provider's
/// name when the person's account requires single sign-on and they are not its break-glass
/// admin. This covers members whose address is outside the account's domains. Password reset
/// asks the same question.
pub async fn password_refused_for_user(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<Option<String>, ServerError> {
    sqlx::query_scalar!(
        "SELECT p.display_name FROM users u
         JOIN sso_providers p ON p.account_id = u.account_id
         WHERE u.id = $1 AND p.required AND p.break_glass_user IS DISTINCT FROM u.id",
        user_id,
    )
    .fetch_optional(pool)
    .await
    .context("checking whether single sign-on is required")
}

async fn admins(pool: &PgPool, account_id: Uuid) -> Result<Vec<AdminChoice>, ServerError> {
    sqlx::query_as!(
        AdminChoice,
        "SELECT id, name, email FROM users WHERE account_id = $1 AND role = 'admin'
         ORDER BY lower(name), email",
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing the account's admins")
}

pub fn redirect_uri(public_url: &str) -> String {
    format!("{}/sso/callback", public_url.trim_end_matches('/'))
}

/// The settings page's view for the account; the secret is reported only as saved or not.
pub async fn view(
    pool: &PgPool,
    account_id: Uuid,
    public_url: &str,
) -> Result<SsoSettingsView, ServerError> {
    let admins = admins(pool, account_id).await?;
    let redirect_uri = redirect_uri(public_url);
    let Some(r) = row(pool, account_id).await? else {
        return Ok(SsoSettingsView {
            configured: false,
            display_name: String::new(),
            issuer_url: String::new(),
            client_id: String::new(),
            secret_saved: false,
            domains: Vec::new(),
            auto_join: false,
            required: false,
            break_glass_user: None,
            admins,
            redirect_uri,
        });
    };
    let domains = saved_domains(pool, account_id).await?;
    Ok(SsoSettingsView {
        configured: true,
        display_name: r.display_name,
        issuer_url: r.issuer_url,
        client_id: r.client_id,
        secret_saved: true,
        domains,
        auto_join: r.auto_join,
        required: r.required,
        break_glass_user: r.break_glass_user,
        admins,
        redirect_uri,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The domain already belongs to another account.
    #[error("domain {0} is taken")]
    DomainTaken(String),
    /// The chosen break-glass person is not an admin of this account.
    #[error("break-glass user is not an admin of the account")]
    NotAnAdmin,
    /// No secret was given and none is saved.
    #[error("no client secret")]
    NoSecret,
    #[error(transparent)]
    Server(#[from] ServerError),
}

async fn saved_domains(
    db: impl PgExecutor<'_>,
    account_id: Uuid,
) -> Result<Vec<String>, ServerError> {
    sqlx::query_scalar!(
        "SELECT domain FROM sso_domains WHERE account_id = $1 ORDER BY domain",
        account_id,
    )
    .fetch_all(db)
    .await
    .context("listing single sign-on domains")
}

/// Creates or replaces the account's settings and domains, and logs the change, in one
/// transaction. The issuer must already have passed discovery.
pub async fn save(
    pool: &PgPool,
    secrets: &SecretBox,
    admin: &CurrentUser,
    client_ip: &str,
    valid: &ValidSso,
) -> Result<(), SaveError> {
    let account_id = admin.account_id;
    let mut tx = pool.begin().await.context("starting a transaction")?;
    // Serialises two admins saving at once, so the log describes what each one changed.
    sqlx::query!(
        "SELECT id FROM accounts WHERE id = $1 FOR UPDATE",
        account_id
    )
    .fetch_optional(&mut *tx)
    .await
    .context("locking the account")?;
    let before = row(&mut *tx, account_id).await?;
    check_choices(&mut tx, account_id, valid).await?;

    let id = before.as_ref().map(|b| b.id).unwrap_or_else(Uuid::new_v4);
    let sealed = match (&valid.client_secret, &before) {
        (Some(secret), _) => secrets.encrypt(&Secret::new(secret.clone()), &secret_context(id)),
        (None, Some(b)) => b.client_secret_enc.clone(),
        (None, None) => return Err(SaveError::NoSecret),
    };
    upsert_provider(&mut tx, id, account_id, valid, &sealed).await?;
    let old_domains = replace_domains(&mut tx, account_id, &valid.domains).await?;

    let detail = describe_change(before.as_ref(), &old_domains, valid);
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::SsoSettingsChanged,
        &valid.display_name,
        &detail,
    )
    .await?;
    tx.commit()
        .await
        .context("committing single sign-on settings")?;
    Ok(())
}

/// Refuses a break-glass person who is not an admin of the account, and domains that belong
/// to another account.
async fn check_choices(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    valid: &ValidSso,
) -> Result<(), SaveError> {
    if let Some(id) = valid.break_glass_user {
        let is_admin = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND account_id = $2 AND role = 'admin')
                 AS "is_admin!""#,
            id,
            account_id,
        )
        .fetch_one(&mut **tx)
        .await
        .context("checking the break-glass admin")?;
        if !is_admin {
            return Err(SaveError::NotAnAdmin);
        }
    }
    let taken = sqlx::query_scalar!(
        "SELECT domain FROM sso_domains WHERE domain = ANY($1) AND account_id <> $2
         ORDER BY domain LIMIT 1",
        &valid.domains,
        account_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .context("checking single sign-on domains")?;
    match taken {
        Some(domain) => Err(SaveError::DomainTaken(domain)),
        None => Ok(()),
    }
}

async fn upsert_provider(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    account_id: Uuid,
    valid: &ValidSso,
    sealed_secret: &str,
) -> Result<(), ServerError> {
    sqlx::query!(
        "INSERT INTO sso_providers (id, account_id, display_name, issuer_url, client_id,
             client_secret_enc, auto_join, required, break_glass_user)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (account_id) DO UPDATE SET display_name = EXCLUDED.display_name,
             issuer_url = EXCLUDED.issuer_url, client_id = EXCLUDED.client_id,
             client_secret_enc = EXCLUDED.client_secret_enc, auto_join = EXCLUDED.auto_join,
             required = EXCLUDED.required, break_glass_user = EXCLUDED.break_glass_user,
             updated_at = now()",
        id,
        account_id,
        &valid.display_name,
        &valid.issuer_url,
        &valid.client_id,
        sealed_secret,
        valid.auto_join,
        valid.required,
        valid.break_glass_user,
    )
    .execute(&mut **tx)
    .await
    .context("saving single sign-on settings")?;
    Ok(())
}

/// Makes `domains` the account's domains; returns the ones it had before, sorted.
async fn replace_domains(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    domains: &[String],
) -> Result<Vec<String>, SaveError> {
    let old_domains = saved_domains(&mut **tx, account_id).await?;
    sqlx::query!(
        "DELETE FROM sso_domains WHERE account_id = $1 AND NOT (domain = ANY($2))",
        account_id,
        domains,
    )
    .execute(&mut **tx)
    .await
    .context("removing single sign-on domains")?;
    let inserted = sqlx::query!(
        "INSERT INTO sso_domains (domain, account_id) SELECT unnest($1::text[]), $2
         ON CONFLICT (domain) DO NOTHING",
        domains,
        account_id,
    )
    .execute(&mut **tx)
    .await
    .context("adding single sign-on domains")?;
    let added: Vec<&String> = domains
        .iter()
        .filter(|d| !old_domains.contains(d))
        .collect();
    if inserted.rows_affected() != added.len() as u64 {
        // Another account claimed one of them between the check and here.
        let first = added.first().map(|d| d.to_string()).unwrap_or_default();
        return Err(SaveError::DomainTaken(first));
    }
    Ok(old_domains)
}

/// The activity log's line: what changed, never the secret itself.
fn describe_change(before: Option<&ProviderRow>, old_domains: &[String], v: &ValidSso) -> String {
    let on_off = |b: bool| if b { "on" } else { "off" };
    let Some(b) = before else {
        return format!(
            "Set up single sign-on with {} ({}) for {}; new people join automatically: {}; required: {}",
            v.display_name,
            v.issuer_url,
            v.domains.join(", "),
            on_off(v.auto_join),
            on_off(v.required)
        );
    };
    let mut changes = Vec::new();
    if b.display_name != v.display_name {
        changes.push(format!("name {} → {}", b.display_name, v.display_name));
    }
    if b.issuer_url != v.issuer_url {
        changes.push(format!("issuer {} → {}", b.issuer_url, v.issuer_url));
    }
    if b.client_id != v.client_id {
        changes.push(format!("client ID {} → {}", b.client_id, v.client_id));
    }
    if v.client_secret.is_some() {
        changes.push("client secret replaced".into());
    }
    let mut new_domains = v.domains.clone();
    new_domains.sort();
    if old_domains != new_domains.as_slice() {
        changes.push(format!(
            "domains {} → {}",
            old_domains.join(", "),
            v.domains.join(", ")
        ));
    }
    if b.auto_join != v.auto_join {
        changes.push(format!(
            "new people join automatically: {}",
            on_off(v.auto_join)
        ));
    }
    if b.required != v.required {
        changes.push(format!("required: {}", on_off(v.required)));
    }
    if b.break_glass_user != v.break_glass_user {
        changes.push("break-glass admin changed".into());
    }
    if changes.is_empty() {
        "Saved without changes".into()
    } else {
        changes.join("; ")
    }
}

/// Turns single sign-on off for the account; `false` when it was not set up.
pub async fn remove(
    pool: &PgPool,
    admin: &CurrentUser,
    client_ip: &str,
) -> Result<bool, ServerError> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    let name = sqlx::query_scalar!(
        "DELETE FROM sso_providers WHERE account_id = $1 RETURNING display_name",
        admin.account_id,
    )
    .fetch_optional(&mut *tx)
    .await
    .context("removing single sign-on settings")?;
    let Some(name) = name else {
        return Ok(false);
    };
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::SsoSettingsChanged,
        &name,
        "Turned single sign-on off",
    )
    .await?;
    tx.commit()
        .await
        .context("committing single sign-on removal")?;
    Ok(true)
}
