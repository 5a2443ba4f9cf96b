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
        tracing::error!(error = %err, "internal error");
        AppError::Internal
    }
}
