//! The server layer's error type. It carries full context for the logs; converting it into the
//! wire-level [`AppError`] logs it and keeps the detail on the server.

use crate::error::AppError;

use super::crypto::CryptoError;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{context}: {source}")]
    Db {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("{context}: {source}")]
    Crypto {
        context: &'static str,
        #[source]
        source: CryptoError,
    },
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for ServerError {
    fn from(source: sqlx::Error) -> Self {
        ServerError::Db {
            context: "database query failed",
            source,
        }
    }
}

/// Adds a short description of what was being done to a lower-level error.
pub trait Context<T> {
    fn context(self, what: &'static str) -> Result<T, ServerError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, what: &'static str) -> Result<T, ServerError> {
        self.map_err(|source| ServerError::Db {
            context: what,
            source,
        })
    }
}

impl<T> Context<T> for Result<T, CryptoError> {
    fn context(self, what: &'static str) -> Result<T, ServerError> {
        self.map_err(|source| ServerError::Crypto {
            context: what,
            source,
        })
    }
}

impl From<ServerError> for AppError {
    fn from(err: ServerError) -> Self {
        if let Some(refusal) = refused_by_the_database(&err) {
            tracing::warn!(error = %err, "refused by a database constraint");
            return refusal;
        }
        tracing::error!(error = %err, "internal error");
        AppError::Internal
    }
}

/// A statement the database refused because of what it was asked to store, not because it
/// failed: two people making the same change at once (a unique key), something removed in the
/// meantime (a reference) or a value outside a column's rules. The caller can act on these, so
/// they are answered 409/422 rather than "something went wrong".
fn refused_by_the_database(err: &ServerError) -> Option<AppError> {
    use sqlx::error::ErrorKind;
    let ServerError::Db {
        source: sqlx::Error::Database(db),
        ..
    } = err
    else {
        return None;
    };
    let invalid = || AppError::Invalid {
        field: None,
        message: "One of the values was not accepted. Check what you entered and try again.".into(),
    };
    match db.kind() {
        ErrorKind::UniqueViolation => Some(AppError::Conflict(
            "That already exists; someone may have made the same change a moment ago. Reload the page to see it."
                .into(),
        )),
        ErrorKind::ForeignKeyViolation => Some(AppError::Conflict(
            "Something this refers to was removed a moment ago. Reload the page and try again."
                .into(),
        )),
        ErrorKind::CheckViolation | ErrorKind::NotNullViolation => Some(invalid()),
        // Class 22, data exceptions: a number out of range, text the column cannot hold.
        _ if db.code().is_some_and(|c| c.starts_with("22")) => Some(invalid()),
        _ => None,
    }
}
