//! Client accounts (organisations) and their users.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::domain::user::CurrentUser;

use super::auth::password;
use super::error::{Context, ServerError};

pub async fn create_account(pool: &PgPool, name: &str) -> Result<Uuid, ServerError> {
    let id = Uuid::new_v4();
    sqlx::query!("INSERT INTO accounts (id, name) VALUES ($1, $2)", id, name)
        .execute(pool)
        .await
        .context("creating an account")?;
    Ok(id)
}

pub struct NewUser<'a> {
    pub account_id: Uuid,
    pub email: &'a EmailAddress,
    pub name: &'a str,
    pub role: Role,
    /// `None` for someone who signs in only through the company's identity provider.
    pub password: Option<&'a str>,
}

pub async fn create_user(pool: &PgPool, user: NewUser<'_>) -> Result<Uuid, ServerError> {
    let id = Uuid::new_v4();
    let hash = match user.password {
        Some(p) => Some(password::hash(p.to_owned()).await?),
        None => None,
    };
    sqlx::query!(
        "INSERT INTO users (id, account_id, email, name, role, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        user.account_id,
        user.email.as_str(),
        user.name,
        user.role.as_str(),
        hash,
    )
    .execute(pool)
    .await
    .context("creating a user")?;
    Ok(id)
}

/// The id and password hash (none for single-sign-on people) of the user with this email.
pub async fn credentials_for(
    pool: &PgPool,
    email: &EmailAddress,
) -> Result<Option<(Uuid, Option<String>)>, ServerError> {
    let row = sqlx::query!(
        "SELECT id, password_hash FROM users WHERE email = $1",
        email.as_str()
    )
    .fetch_optional(pool)
    .await
    .context("looking up a user for sign-in")?;
    Ok(row.map(|r| (r.id, r.password_hash)))
}

/// A signed-in person as stored; the session lookup builds one too.
pub(crate) struct UserRow {
    pub(crate) user_id: Uuid,
    pub(crate) account_id: Uuid,
    pub(crate) account_name: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) role: String,
}

impl UserRow {
    pub(crate) fn into_current_user(self) -> Result<CurrentUser, ServerError> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| ServerError::Internal(format!("unknown role {:?}", self.role)))?;
        Ok(CurrentUser {
            user_id: self.user_id,
            account_id: self.account_id,
            account_name: self.account_name,
            name: self.name,
            email: self.email,
            role,
        })
    }
}

pub async fn current_user(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<Option<CurrentUser>, ServerError> {
    let row = sqlx::query_as!(
        UserRow,
        "SELECT u.id AS user_id, u.account_id, a.name AS account_name, u.name, u.email, u.role
         FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.id = $1",
        user_id,
    )
    .fetch_optional(pool)
    .await
    .context("loading a user")?;
    row.map(UserRow::into_current_user).transpose()
}
