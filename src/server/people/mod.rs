//! People and their access to an account: the operator provisioning a client, admins inviting
//! and managing colleagues, and each person's own password and sessions. Every function takes
//! the acting person from the session (never from the browser) and scopes to their account.

pub mod account;
pub mod invitations;
pub mod reset;
pub mod team;

use sqlx::PgPool;

use crate::server::crypto::SecretBox;
use crate::server::state::AppState;

/// What people operations need besides the database: the key that seals emailed links and the
/// address those links point to.
#[derive(Clone, Copy)]
pub struct Mailing<'a> {
    pub pool: &'a PgPool,
    pub secrets: &'a SecretBox,
    pub public_url: &'a str,
}

impl<'a> Mailing<'a> {
    pub fn from_state(state: &'a AppState) -> Self {
        Mailing {
            pool: &state.pool,
            secrets: &state.secrets,
            public_url: &state.config.public_url,
        }
    }
}

/// True when a database error is a unique-constraint violation: two requests raced to create
/// the same thing, which is the caller's conflict, not a failure on our side.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
