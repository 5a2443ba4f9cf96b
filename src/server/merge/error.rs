use http::{HeaderMap, StatusCode};

/// What went wrong talking to Merge. Statuses keep their headers and body (as Merge's SDKs do)
/// so callers can read `Retry-After` or a `detail`; nothing here ever holds a key or a token.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("Merge answered {status} to {endpoint}: {}", summary(body))]
    Status {
        endpoint: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: String,
    },
    #[error("could not reach Merge for {endpoint}: {source}")]
    Transport {
        endpoint: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("Merge's answer to {endpoint} could not be read: {source}")]
    Decode {
        endpoint: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

impl MergeError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            MergeError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Merge's DRF-style `{"detail": "…"}` message, when there is one.
    pub fn detail(&self) -> Option<String> {
        match self {
            MergeError::Status { body, .. } => serde_json::from_str::<serde_json::Value>(body)
                .ok()?
                .get("detail")?
                .as_str()
                .map(str::to_owned),
            _ => None,
        }
    }

    /// Whether the credentials or the account token are no longer accepted.
    pub fn needs_relink(&self) -> bool {
        match self {
            MergeError::Status { status, body, .. } => {
                *status == StatusCode::UNAUTHORIZED || body.contains("RELINK_NEEDED")
            }
            _ => false,
        }
    }
}

/// Error bodies are short JSON in practice; cap what reaches a log line.
fn summary(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.chars().count() > 300 {
        format!("{}…", trimmed.chars().take(300).collect::<String>())
    } else {
        trimmed.to_owned()
    }
}
