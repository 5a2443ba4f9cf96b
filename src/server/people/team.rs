//! The Team page: who is on the account, their roles, and removing people. An account always
//! keeps at least one admin; changes that would leave none are refused.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::audit::AuditAction;
use crate::domain::role::Role;
use crate::domain::team::{PendingInvitation, TeamMember, TeamView};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::server::error::{Context, ServerError};
use crate::server::store::audit::{self, Actor};

struct MemberRow {
    id: Uuid,
    name: String,
    email: String,
    role: String,
    last_login_at: Option<DateTime<Utc>>,
    sso_only: bool,
}

struct InvitationRow {
    id: Uuid,
    email: String,
    role: String,
    inviter_name: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    expired: bool,
}

fn role_of(value: &str) -> Result<Role, ServerError> {
    Role::parse(value).ok_or_else(|| ServerError::Internal(format!("unknown role {value:?}")))
}

pub async fn view(pool: &PgPool, me: &CurrentUser) -> Result<TeamView, ServerError> {
    let members = sqlx::query_as!(
        MemberRow,
        r#"SELECT id, name, email, role, last_login_at, password_hash IS NULL AS "sso_only!"
         FROM users WHERE account_id = $1 ORDER BY role = 'admin' DESC, lower(name), email"#,
        me.account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing the team")?;
    // The view's columns come out nullable, though the table's are not.
    let invitations = sqlx::query_as!(
        InvitationRow,
        r#"SELECT id AS "id!", email AS "email!", role AS "role!", inviter_name AS "inviter_name!",
             created_at AS "created_at!", expires_at AS "expires_at!",
             expires_at <= now() AS "expired!"
         FROM open_invitations WHERE account_id = $1
         ORDER BY created_at DESC"#,
        me.account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing pending invitations")?;
    Ok(TeamView {
        account_name: me.account_name.clone(),
        can_manage: me.role == Role::Admin,
        members: members
            .into_iter()
            .map(|m| {
                Ok(TeamMember {
                    is_you: m.id == me.user_id,
                    role: role_of(&m.role)?,
                    user_id: m.id,
                    name: m.name,
                    email: m.email,
                    last_login_at: m.last_login_at,
                    single_sign_on_only: m.sso_only,
                })
            })
            .collect::<Result<_, ServerError>>()?,
        invitations: invitations
            .into_iter()
            .map(|i| {
                Ok(PendingInvitation {
                    role: role_of(&i.role)?,
                    id: i.id,
                    email: i.email,
                    inviter_name: i.inviter_name,
                    sent_at: i.created_at,
                    expires_at: i.expires_at,
                    expired: i.expired,
                })
            })
            .collect::<Result<_, ServerError>>()?,
    })
}

struct Target {
    name: String,
    email: String,
    role: Role,
}

/// Locks the account so that two admins changing roles at once cannot both demote the last
/// other admin, then loads the person changed.
async fn lock_target(
    tx: &mut Transaction<'_, Postgres>,
    admin: &CurrentUser,
    user_id: Uuid,
) -> Result<Target, AppError> {
    sqlx::query!(
        "SELECT id FROM accounts WHERE id = $1 FOR UPDATE",
        admin.account_id
    )
    .fetch_optional(&mut **tx)
    .await
    .context("locking the account")?;
    let row = sqlx::query!(
        "SELECT name, email, role FROM users WHERE id = $1 AND account_id = $2",
        user_id,
        admin.account_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .context("loading a team member")?;
    let row = row.ok_or_else(|| AppError::not_found("That person"))?;
    Ok(Target {
        role: role_of(&row.role)?,
        name: row.name,
        email: row.email,
    })
}

async fn ensure_another_admin(
    tx: &mut Transaction<'_, Postgres>,
    admin: &CurrentUser,
    target: &Target,
    doing: &str,
) -> Result<(), AppError> {
    if target.role != Role::Admin {
        return Ok(());
    }
    let admins = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM users WHERE account_id = $1 AND role = 'admin'"#,
        admin.account_id,
    )
    .fetch_one(&mut **tx)
    .await
    .context("counting admins")?;
    if admins <= 1 {
        return Err(AppError::Conflict(format!(
            "{} is the only admin of {}, so they can't be {doing}. Make someone else an admin \
             first: an account always needs one.",
            target.name, admin.account_name
        )));
    }
    Ok(())
}

pub async fn change_role(
    pool: &PgPool,
    admin: &CurrentUser,
    client_ip: &str,
    user_id: Uuid,
    role: Role,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await.context("starting a role change")?;
    let target = lock_target(&mut tx, admin, user_id).await?;
    if target.role == role {
        return Ok(());
    }
    ensure_another_admin(&mut tx, admin, &target, "made a campaign manager").await?;
    sqlx::query!(
        "UPDATE users SET role = $3 WHERE id = $1 AND account_id = $2",
        user_id,
        admin.account_id,
        role.as_str(),
    )
    .execute(&mut *tx)
    .await
    .context("changing a role")?;
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::RoleChanged,
        &format!("{} <{}>", target.name, target.email),
        &format!("{} → {}", target.role.label(), role.label()),
    )
    .await?;
    tx.commit().await.context("saving a role change")?;
    Ok(())
}

/// Removes a person from the account. Their sessions go with them, so they are signed out on
/// their next request; what they did (campaigns, the activity log) stays.
pub async fn remove(
    pool: &PgPool,
    admin: &CurrentUser,
    client_ip: &str,
    user_id: Uuid,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await.context("starting a removal")?;
    let target = lock_target(&mut tx, admin, user_id).await?;
    ensure_another_admin(&mut tx, admin, &target, "removed").await?;
    sqlx::query!(
        "DELETE FROM users WHERE id = $1 AND account_id = $2",
        user_id,
        admin.account_id,
    )
    .execute(&mut *tx)
    .await
    .context("removing a team member")?;
    audit::record_by(
        &mut *tx,
        &Actor::user(admin, client_ip),
        AuditAction::PersonRemoved,
        &format!("{} <{}>", target.name, target.email),
        target.role.label(),
    )
    .await?;
    tx.commit().await.context("saving a removal")?;
    Ok(())
}
