//! Sign-ins in flight, and who a verified identity lets in.
//!
//! In-flight sign-ins live in Postgres rather than in a cookie: deleting the row as it is read
//! makes each one usable exactly once, on any replica, and the nonce and PKCE verifier (secrets)
//! are sealed rather than handed to the browser. The browser keeps only the state, in a
//! short-lived cookie, which binds the answer to the browser that started the sign-in.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::audit::AuditAction;
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::domain::sso::{SsoRefusal, email_domain};
use crate::server::auth::token;
use crate::server::crypto::SecretBox;
use crate::server::error::{Context, ServerError};
use crate::server::secret::Secret;
use crate::server::store::audit::{self, Actor};

use super::oidc::Identity;
use super::settings;

/// How long a sign-in may take between "Continue with …" and the provider's answer.
pub const TTL_SECS: i64 = 600;
/// Expired rows are kept this long so a late answer hears "expired" rather than "changed".
const KEEP_SECS: i64 = 3600;

pub fn nonce_context(id: Uuid) -> String {
    format!("sso-login-nonce:{id}")
}

pub fn verifier_context(id: Uuid) -> String {
    format!("sso-login-pkce:{id}")
}

/// Records a sign-in that has just been sent to the provider, and prunes long-dead ones.
pub async fn begin(
    pool: &PgPool,
    secrets: &SecretBox,
    account_id: Uuid,
    state: &Secret,
    nonce: &Secret,
    pkce_verifier: &Secret,
    return_path: &str,
) -> Result<(), ServerError> {
    sqlx::query!(
        "DELETE FROM sso_logins WHERE created_at < now() - make_interval(secs => $1)",
        KEEP_SECS as f64,
    )
    .execute(pool)
    .await
    .context("pruning old single sign-ins")?;
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO sso_logins (id, state_hash, account_id, nonce_enc, pkce_verifier_enc, return_path)
         VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        token::hash(state.expose()),
        account_id,
        secrets.encrypt(nonce, &nonce_context(id)),
        secrets.encrypt(pkce_verifier, &verifier_context(id)),
        return_path,
    )
    .execute(pool)
    .await
    .context("recording a single sign-in")?;
    Ok(())
}

pub struct Pending {
    pub account_id: Uuid,
    pub nonce: Secret,
    pub pkce_verifier: Secret,
    pub return_path: String,
}

pub enum Consumed {
    Fresh(Pending),
    Expired,
    /// No such state: never issued, changed on the way, or already used.
    Unknown,
}

/// Takes the sign-in with this state, once: the row is deleted as it is read.
pub async fn consume(
    pool: &PgPool,
    secrets: &SecretBox,
    state: &str,
) -> Result<Consumed, ServerError> {
    let Some(state) = token::plausible(state) else {
        return Ok(Consumed::Unknown);
    };
    let row = sqlx::query!(
        r#"DELETE FROM sso_logins WHERE state_hash = $1
         RETURNING id, account_id, nonce_enc, pkce_verifier_enc, return_path,
                   created_at > now() - make_interval(secs => $2) AS "fresh!""#,
        token::hash(state),
        TTL_SECS as f64,
    )
    .fetch_optional(pool)
    .await
    .context("taking a single sign-in")?;
    let Some(row) = row else {
        return Ok(Consumed::Unknown);
    };
    if !row.fresh {
        return Ok(Consumed::Expired);
    }
    Ok(Consumed::Fresh(Pending {
        account_id: row.account_id,
        nonce: secrets
            .decrypt(&row.nonce_enc, &nonce_context(row.id))
            .context("opening a single sign-in's nonce")?,
        pkce_verifier: secrets
            .decrypt(&row.pkce_verifier_enc, &verifier_context(row.id))
            .context("opening a single sign-in's PKCE verifier")?,
        return_path: row.return_path,
    }))
}

/// The person a verified identity is, once let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    pub user_id: Uuid,
    /// They joined the account just now.
    pub joined: bool,
}

/// The join rules. The address must come from the ID token, not be marked unverified, and be
/// at one of the account's domains. Then: a member of this account signs in; a member of
/// another account is refused; someone with an open invitation joins with its role; anyone
/// else joins as a campaign manager only if the account lets new people join automatically.
pub async fn admit(
    pool: &PgPool,
    account_id: Uuid,
    identity: &Identity,
    client_ip: &str,
) -> Result<Result<Admitted, SsoRefusal>, ServerError> {
    let Some(raw) = identity.email.as_deref() else {
        return Ok(Err(SsoRefusal::NoEmail));
    };
    let Ok(email) = EmailAddress::parse(raw) else {
        return Ok(Err(SsoRefusal::NoEmail));
    };
    if identity.email_verified == Some(false) {
        return Ok(Err(SsoRefusal::Unverified));
    }
    if !settings::covers(pool, account_id, email_domain(email.as_str())).await? {
        return Ok(Err(SsoRefusal::Domain));
    }

    // Twice at most: a first sign-in racing another one for the same address finds the
    // person the other created on its second pass.
    for _ in 0..2 {
        let member = sqlx::query!(
            "SELECT id, account_id FROM users WHERE email = $1",
            email.as_str()
        )
        .fetch_optional(pool)
        .await
        .context("looking up a person signing in")?;
        match member {
            Some(m) if m.account_id == account_id => {
                return Ok(Ok(Admitted {
                    user_id: m.id,
                    joined: false,
                }));
            }
            Some(_) => return Ok(Err(SsoRefusal::OtherAccount)),
            None => {}
        }
        match join(pool, account_id, &email, identity, client_ip).await? {
            Joined::Yes(user_id) => {
                return Ok(Ok(Admitted {
                    user_id,
                    joined: true,
                }));
            }
            Joined::NotInvited => return Ok(Err(SsoRefusal::NotInvited)),
            Joined::Raced => continue,
        }
    }
    Err(ServerError::Internal(
        "a first single sign-in kept racing another".into(),
    ))
}

enum Joined {
    Yes(Uuid),
    NotInvited,
    /// Someone with this address was created meanwhile.
    Raced,
}

async fn join(
    pool: &PgPool,
    account_id: Uuid,
    email: &EmailAddress,
    identity: &Identity,
    client_ip: &str,
) -> Result<Joined, ServerError> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    let Some(terms) = join_terms(&mut tx, account_id, email).await? else {
        return Ok(Joined::NotInvited);
    };
    let name = terms
        .invited_name
        .unwrap_or_else(|| name_from_identity(identity, email));

    let user_id = Uuid::new_v4();
    // No password: this person signs in through the identity provider.
    let created = sqlx::query!(
        "INSERT INTO users (id, account_id, email, name, role, password_hash, last_login_at)
         VALUES ($1, $2, $3, $4, $5, NULL, NULL)
         ON CONFLICT (email) DO NOTHING",
        user_id,
        account_id,
        email.as_str(),
        &name,
        terms.role.as_str(),
    )
    .execute(&mut *tx)
    .await
    .context("creating a person who signed in through single sign-on")?;
    if created.rows_affected() == 0 {
        return Ok(Joined::Raced);
    }
    if let Some(invitation_id) = terms.invitation_id {
        sqlx::query!(
            "UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1",
            invitation_id,
            user_id,
        )
        .execute(&mut *tx)
        .await
        .context("accepting an invitation through single sign-on")?;
    }
    audit::record_by(
        &mut *tx,
        &Actor {
            account_id,
            user_id: Some(user_id),
            name: &name,
            email: email.as_str(),
            client_ip,
        },
        AuditAction::SsoJoined,
        email.as_str(),
        &terms.detail,
    )
    .await?;
    tx.commit()
        .await
        .context("committing a single sign-on join")?;
    Ok(Joined::Yes(user_id))
}

/// On what terms someone new joins: an open invitation's, or the account's automatic joining.
struct JoinTerms {
    invitation_id: Option<Uuid>,
    role: Role,
    /// The name the invitation gave them, if any.
    invited_name: Option<String>,
    /// The activity log's line.
    detail: String,
}

/// `None` when nothing lets this address join. The invitation is locked, so a revocation
/// cannot slip in before it is accepted.
async fn join_terms(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    email: &EmailAddress,
) -> Result<Option<JoinTerms>, ServerError> {
    // The view's columns come out nullable, though the table's are not.
    let invitation = sqlx::query!(
        r#"SELECT id AS "id!", name AS "name!", role AS "role!", inviter_name AS "inviter_name!"
         FROM open_invitations
         WHERE account_id = $1 AND email = $2 AND expires_at > now()
         FOR UPDATE"#,
        account_id,
        email.as_str(),
    )
    .fetch_optional(&mut **tx)
    .await
    .context("looking up an invitation")?;
    let auto_join = sqlx::query_scalar!(
        "SELECT auto_join FROM sso_providers WHERE account_id = $1",
        account_id
    )
    .fetch_optional(&mut **tx)
    .await
    .context("reading the single sign-on join setting")?
    .unwrap_or(false);

    Ok(match invitation {
        Some(i) => {
            let role = Role::parse(&i.role).unwrap_or(Role::CampaignManager);
            Some(JoinTerms {
                invitation_id: Some(i.id),
                role,
                invited_name: Some(i.name).filter(|n| !n.trim().is_empty()),
                detail: format!(
                    "Joined as {} through single sign-on, invited by {}",
                    role.label().to_lowercase(),
                    i.inviter_name
                ),
            })
        }
        None if auto_join => Some(JoinTerms {
            invitation_id: None,
            role: Role::CampaignManager,
            invited_name: None,
            detail: "Joined as campaign manager through single sign-on: new people from the \
                     account's domains join automatically"
                .to_owned(),
        }),
        None => None,
    })
}

/// The name the identity provider gave, or else the address's local part.
fn name_from_identity(identity: &Identity, email: &EmailAddress) -> String {
    identity
        .name
        .as_deref()
        .map(|n| crate::domain::text::clip(n.trim(), 200))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            let local = email.as_str().split('@').next().unwrap_or("");
            crate::domain::text::clip(local, 200)
        })
}
