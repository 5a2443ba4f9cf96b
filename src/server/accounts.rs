//! Client accounts (organisations) and their users.

use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::domain::user::CurrentUser;

use super::auth::password;
use super::error::{Context, ServerError};

pub async fn create_account(pool: &PgPool, name: &str) -> Result<Uuid, ServerError> {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO accounts (id, name) VALUES ($1, $2)")
        .bind(id)
        .bind(name)
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
    sqlx::query(
        "INSERT INTO users (id, account_id, email, name, role, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(user.account_id)
    .bind(user.email.as_str())
    .bind(user.name)
    .bind(user.role.as_str())
    .bind(hash)
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
    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(pool)
        .await
        .context("looking up a user for sign-in")
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    user_id: Uuid,
    account_id: Uuid,
    account_name: String,
    name: String,
    email: String,
    role: String,
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

pub(crate) const USER_COLUMNS: &str = "u.id AS user_id, u.account_id, a.name AS account_name, \
     u.name, u.email, u.role";

pub async fn current_user(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<Option<CurrentUser>, ServerError> {
    let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.id = $1"
    )))
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .context("loading a user")?;
    row.map(UserRow::into_current_user).transpose()
}
