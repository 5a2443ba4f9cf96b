//! A campaign's recipients as a CSV download (`GET /campaigns/{id}/export`). Names and titles
//! come from HR systems and are untrusted: every cell is quoted, and a cell a spreadsheet would
//! run as a formula is prefixed with `'` so it stays text.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::domain::audit::AuditAction;
use crate::server::auth::context::RequestSession;
use crate::server::state::AppState;
use crate::server::store::{audiences, audit, campaigns};

const HEADER: [&str; 8] = [
    "Name",
    "Work email",
    "Job title",
    "Team",
    "Office city",
    "Office country",
    "Start date",
    "HR system",
];

/// One CSV cell: quoted, quotes doubled, formula triggers neutralised.
pub fn cell(value: &str) -> String {
    let risky = value
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '|' | '%'));
    let value = if risky {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

pub fn to_csv(rows: &[audiences::ExportRow]) -> String {
    let mut out = String::new();
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(HEADER.iter().map(|h| cell(h)).collect()));
    for r in rows {
        let opt = |v: &Option<String>| cell(v.as_deref().unwrap_or(""));
        out.push_str(&line(vec![
            cell(&r.name),
            opt(&r.work_email),
            opt(&r.job_title),
            opt(&r.team),
            opt(&r.city),
            opt(&r.country),
            cell(&r.start_date.map(|d| d.to_string()).unwrap_or_default()),
            cell(&r.source),
        ]));
    }
    out
}

/// A file name from the campaign name, safe in a header on every platform.
fn file_name(campaign: &str) -> String {
    let slug: String = campaign
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let slug = if slug.is_empty() {
        "campaign".into()
    } else {
        slug
    };
    format!("{}-recipients.csv", &slug[..slug.len().min(60)])
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The export could not be made just now. Try again in a minute.",
    )
        .into_response()
}

pub async fn download(
    State(state): State<AppState>,
    Extension(session): Extension<RequestSession>,
    Path(id): Path<Uuid>,
) -> Response {
    let Some(user) = session.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let campaign = match campaigns::get(&state.pool, user.account_id, id).await {
        Ok(Some(c)) => c,
        Ok(None) => return (StatusCode::NOT_FOUND, "No such campaign.").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "could not load a campaign to export");
            return unavailable();
        }
    };
    let rows = match audiences::export(&state.pool, user.account_id, id).await {
        Ok(rows) => rows,
        Err(err) => {
            tracing::error!(error = %err, "could not export recipients");
            return unavailable();
        }
    };
    tracing::info!(campaign = %id, user = %user.user_id, rows = rows.len(), "recipients exported");
    if let Err(err) = audit::record(
        &state.pool,
        &user,
        &session.client_ip,
        AuditAction::RecipientsExported,
        &campaign.name,
        &format!("{} recipients", rows.len()),
    )
    .await
    {
        // An export that cannot be logged is not handed out.
        tracing::error!(error = %err, "could not log an export");
        return unavailable();
    }
    // A byte-order mark, so spreadsheet programs read the names as UTF-8.
    let body = format!("\u{feff}{}", to_csv(&rows));
    let disposition = format!("attachment; filename=\"{}\"", file_name(&campaign.name));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("Ada"), "\"Ada\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+44 20"), "\"'+44 20\"");
        assert_eq!(cell("-1"), "\"'-1\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            file_name("Q3 welcome gifts!"),
            "q3-welcome-gifts-recipients.csv"
        );
        assert_eq!(file_name("\"; rm -rf"), "rm-rf-recipients.csv");
        assert_eq!(file_name("日本"), "campaign-recipients.csv");
    }
}
