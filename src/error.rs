//! The one error type that crosses the wire between server functions and the browser.
//!
//! Every variant's message is a plain sentence a user can act on. Internal failures are logged
//! with their context on the server (see `server::error`) and arrive here as [`AppError::Internal`]
//! without any detail, so database or network error text never reaches a browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    #[error("Only an admin of your account can do that. Ask an admin for help.")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    /// Input that failed validation. `field` names the form field the message belongs next to.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    #[error("Too many attempts. Please wait {} and try again.", wait_phrase(*retry_after_secs))]
    Throttled { retry_after_secs: u64 },
    #[error("{0}")]
    Conflict(String),
    /// A dependency (the HR system, Merge, mail) refused or failed; the message says what to do.
    #[error("{0}")]
    Unavailable(String),
    #[error(
        "Something went wrong on our side. Please try again; if it keeps happening, contact support."
    )]
    Internal,
    /// The request never got a proper answer (network down, server restarting, bad encoding).
    #[error("We couldn't reach the server ({0}). Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("{what} was not found. It may have been removed."))
    }

    /// The message to show next to `field`, if this error is about that field.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid {
                field: Some(f),
                message,
            } if f == field => Some(message.clone()),
            _ => None,
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid { .. } => 422,
            AppError::Throttled { .. } => 429,
            AppError::Conflict(_) => 409,
            AppError::Unavailable(_) => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl From<crate::domain::staff_filter::FilterError> for AppError {
    fn from(err: crate::domain::staff_filter::FilterError) -> Self {
        AppError::invalid(err.field, err.message)
    }
}

impl From<crate::domain::text::TextError> for AppError {
    fn from(err: crate::domain::text::TextError) -> Self {
        AppError::Invalid {
            field: None,
            message: err.to_string(),
        }
    }
}

fn wait_phrase(secs: u64) -> String {
    match secs {
        0..=59 => "a minute".to_owned(),
        60..=119 => "1 minute".to_owned(),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

mod server_fn_glue {
    use super::AppError;
    use leptos::server_fn::codec::JsonEncoding;
    use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

    impl FromServerFnError for AppError {
        type Encoder = JsonEncoding;

        fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
            match value {
                // Arguments that could not be decoded are bad input, not a transport failure.
                ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => unreadable(),
                // The server only ever decodes what a client sent (a server function called
                // while rendering runs directly), so malformed JSON, a wrong type, an unknown
                // choice or bytes that are not UTF-8 are the caller's mistake. In the browser
                // the same error means our own reply was unreadable.
                #[cfg(feature = "ssr")]
                ServerFnErrorErr::Deserialization(_) => unreadable(),
                ServerFnErrorErr::ServerError(_) => AppError::Internal,
                other => AppError::Transport(short_reason(&other)),
            }
        }
    }

    pub(super) fn unreadable() -> AppError {
        AppError::Invalid {
            field: None,
            message: "The request could not be read: a value is missing, of the wrong kind or \
                      not one of the choices. Reload the page and try again."
                .into(),
        }
    }

    fn short_reason(err: &ServerFnErrorErr) -> String {
        match err {
            ServerFnErrorErr::Request(_) => "the request failed".into(),
            ServerFnErrorErr::Response(_) => "the response was unreadable".into(),
            ServerFnErrorErr::Deserialization(_) | ServerFnErrorErr::Serialization(_) => {
                "the data was unreadable".into()
            }
            _ => "unexpected reply".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_messages_belong_to_their_field_only() {
        let err = AppError::invalid("subdomain", "Enter your Sage HR subdomain.");
        assert_eq!(
            err.field_message("subdomain").as_deref(),
            Some("Enter your Sage HR subdomain.")
        );
        assert_eq!(err.field_message("api_key"), None);
    }

    #[test]
    fn throttling_says_how_long_to_wait() {
        let msg = AppError::Throttled {
            retry_after_secs: 301,
        }
        .to_string();
        assert_eq!(
            msg,
            "Too many attempts. Please wait 6 minutes and try again."
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn arguments_the_server_cannot_decode_are_bad_input() {
        use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
        for err in [
            ServerFnErrorErr::Deserialization("expected u32 at line 1 column 9".into()),
            ServerFnErrorErr::Args("invalid utf-8".into()),
            ServerFnErrorErr::MissingArg("filter".into()),
        ] {
            let app = AppError::from_server_fn_error(err);
            assert_eq!(app, server_fn_glue::unreadable());
            assert_eq!(app.http_status(), 422);
            assert!(!app.to_string().contains("u32"));
        }
    }

    #[test]
    fn internal_errors_carry_no_detail() {
        assert!(!AppError::Internal.to_string().contains("sqlx"));
        assert_eq!(AppError::Internal.http_status(), 500);
    }
}
