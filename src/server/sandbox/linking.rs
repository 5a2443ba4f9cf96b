//! Linking: link tokens, the emulated Merge Link page, public-token exchange, and bootstrap with
//! credentials. One linked account per `end_user_origin_id`; linking again is a relink.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::Sandbox;
use super::catalogue;
use super::credentials::{Verdict, check};
use super::routes::{ApiKey, detail, json_response};
use super::state::{EndUser, LinkSession, LinkedAccount, Scopes, random_token};
use crate::domain::credentials::{FieldKind, SignIn, sign_in_for};

/// Reads and checks the end-user part of a link-token or bootstrap body, DRF style.
fn end_user(body: &Value) -> Result<EndUser, Response> {
    let mut errors = serde_json::Map::new();
    let mut field = |name: &str| -> String {
        match body[name].as_str().map(str::trim) {
            Some(v) if !v.is_empty() && v.chars().count() <= 100 => v.to_owned(),
            Some(v) if !v.is_empty() => {
                errors.insert(
                    name.into(),
                    json!(["Ensure this field has no more than 100 characters."]),
                );
                String::new()
            }
            _ => {
                errors.insert(name.into(), json!(["This field is required."]));
                String::new()
            }
        }
    };
    let user = EndUser {
        email: field("end_user_email_address"),
        organization_name: field("end_user_organization_name"),
        origin_id: field("end_user_origin_id"),
    };
    let hris = body["categories"]
        .as_array()
        .is_some_and(|c| c.iter().any(|x| x == "hris"));
    if !hris {
        errors.insert(
            "categories".into(),
            json!(["This sandbox links HRIS accounts: include \"hris\"."]),
        );
    }
    if errors.is_empty() {
        Ok(user)
    } else {
        Err((StatusCode::BAD_REQUEST, axum::Json(Value::Object(errors))).into_response())
    }
}

fn integration(body: &Value) -> Result<Option<catalogue::Entry>, Response> {
    match body["integration"].as_str() {
        None | Some("") => Ok(None),
        Some(slug) => match catalogue::find(slug) {
            Some(e) => Ok(Some(e)),
            None => Err((
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({"integration": [format!("\"{slug}\" is not a valid integration.")]}),
                ),
            )
                .into_response()),
        },
    }
}

/// Reads the JSON body shared by link-token and bootstrap requests.
fn linking_request(raw: &[u8]) -> Result<(Value, EndUser, Option<catalogue::Entry>), Response> {
    let body = serde_json::from_slice::<Value>(raw)
        .map_err(|_| detail(StatusCode::BAD_REQUEST, "JSON parse error."))?;
    let user = end_user(&body)?;
    let entry = integration(&body)?;
    Ok((body, user, entry))
}

pub async fn create_link_token(
    State(s): State<Arc<Sandbox>>,
    _: ApiKey,
    body: axum::body::Bytes,
) -> Response {
    let (body, user, entry) = match linking_request(&body) {
        Ok(parts) => parts,
        Err(res) => return res,
    };
    let expiry = body["link_expiry_mins"]
        .as_i64()
        .unwrap_or(30)
        .clamp(30, 10_080);
    let token = random_token(30);
    let relink_name = {
        let inner = s.state.lock();
        inner
            .by_origin(&user.origin_id, "hris")
            .and_then(|id| inner.accounts.get(&id))
            .and_then(|a| catalogue::find(&a.integration_slug))
            .map(|e| e.name)
    };
    let integration_name = relink_name.or(entry.as_ref().map(|e| e.name));
    s.state.lock().link_sessions.insert(
        token.clone(),
        LinkSession {
            end_user: user,
            integration: entry.map(|e| e.slug),
            scopes: Scopes::from_request(&body),
            expires: Utc::now() + Duration::minutes(expiry),
        },
    );
    let magic = body["should_create_magic_link_url"]
        .as_bool()
        .unwrap_or(false)
        .then(|| format!("{}/link/{token}", s.root_url()));
    // Merge's schema types both optional fields as strings: absent, never null.
    let mut answer = json!({ "link_token": token });
    if let Some(name) = integration_name {
        answer["integration_name"] = json!(name);
    }
    if let Some(url) = magic {
        answer["magic_link_url"] = json!(url);
    }
    json_response(&answer)
}

fn account_token_json(account: &LinkedAccount, base: &str) -> Value {
    let integration = catalogue::find(&account.integration_slug)
        .map(|e| catalogue::to_json(&e, base))
        .unwrap_or(Value::Null);
    json!({
        "account_token": account.account_token,
        "integration": integration,
        "id": account.id.to_string(),
    })
}

pub async fn account_token(
    State(s): State<Arc<Sandbox>>,
    _: ApiKey,
    Path(public_token): Path<String>,
) -> Response {
    let account = {
        let mut inner = s.state.lock();
        // Single use: the exchange consumes the public token.
        match inner.public_tokens.remove(&public_token) {
            Some((id, expires)) if expires > Utc::now() => inner.accounts.get(&id).cloned(),
            _ => None,
        }
    };
    match account {
        Some(a) => json_response(&account_token_json(&a, &s.root_url())),
        None => detail(
            StatusCode::NOT_FOUND,
            "This public token does not exist, was already used, or has expired.",
        ),
    }
}

/// Merge's error shape for a rejected credential, pointing at the field.
fn rejected(field: &str, status: u16, problem_type: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        axum::Json(json!({
            "detail": message,
            "errors": [{
                "source": {"pointer": format!("/credentials/{field}")},
                "title": problem_type.replace('_', " ").to_lowercase(),
                "detail": message,
                "problem_type": problem_type,
            }]
        })),
    )
        .into_response()
}

pub async fn bootstrap(
    State(s): State<Arc<Sandbox>>,
    _: ApiKey,
    body: axum::body::Bytes,
) -> Response {
    let (body, user, entry) = match linking_request(&body) {
        Ok(parts) => parts,
        Err(res) => return res,
    };
    let entry = match entry {
        Some(e) => e,
        None => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"integration": ["This field is required."]})),
            )
                .into_response();
        }
    };
    if sign_in_for(&entry.slug) == SignIn::OAuth {
        return detail(
            StatusCode::BAD_REQUEST,
            &format!("{} signs in with OAuth; use Merge Link.", entry.name),
        );
    }
    let credentials: BTreeMap<String, String> = body["credentials"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let (size, limited) = match check(&entry.slug, entry.name, &credentials) {
        Verdict::Linked { size } => (size, false),
        Verdict::MissingPermissions { size } => (size, true),
        Verdict::Rejected {
            field,
            status,
            problem_type,
            detail: message,
        } => return rejected(field, status, problem_type, &message),
    };
    let account = s.link(
        user,
        &entry.slug,
        Scopes::from_request(&body),
        size,
        limited,
    );
    json_response(&account_token_json(&account, &s.root_url()))
}

#[derive(serde::Deserialize)]
pub struct LinkQuery {
    return_to: Option<String>,
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}}main{{background:#fff;border-radius:14px;box-shadow:0 8px 30px #0002;padding:28px;max-width:380px;width:calc(100% - 32px)}}h1{{font-size:1.25rem}}label{{display:block;margin:12px 0 4px;font-weight:600}}input{{width:100%;box-sizing:border-box;padding:10px;border:1px solid #bbb;border-radius:8px;font-size:1rem}}button{{margin-top:16px;padding:10px 16px;border-radius:8px;border:0;font-size:1rem;cursor:pointer}}.primary{{background:#1f2a44;color:#fff}}.error{{color:#b00020}}small{{color:#555}}</style></head>
<body><main>{body}</main></body></html>"#
    ))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Only http(s) addresses are acceptable redirect targets.
fn safe_return(raw: Option<&str>) -> Option<String> {
    let r = raw?.trim();
    (r.starts_with("http://") || r.starts_with("https://")).then(|| r.to_owned())
}

pub async fn link_page(
    State(s): State<Arc<Sandbox>>,
    Path(link_token): Path<String>,
    Query(q): Query<LinkQuery>,
) -> Response {
    render_link_page(&s, &link_token, q.return_to.as_deref(), None)
}

fn render_link_page(
    s: &Sandbox,
    link_token: &str,
    return_to: Option<&str>,
    error: Option<&str>,
) -> Response {
    let (slug, org) = {
        let inner = s.state.lock();
        match inner.link_sessions.get(link_token) {
            Some(session) if session.expires > Utc::now() => (
                session.integration.clone(),
                session.end_user.organization_name.clone(),
            ),
            _ => {
                return (
                    StatusCode::NOT_FOUND,
                    page(
                        "Link expired",
                        "<h1>This link has expired</h1><p>Close this window and start again.</p>",
                    ),
                )
                    .into_response();
            }
        }
    };
    let Some(entry) = slug.as_deref().and_then(catalogue::find) else {
        return (
            StatusCode::BAD_REQUEST,
            page("Choose a system", "<h1>No HR system chosen</h1><p>This sandbox's Link needs a preselected integration.</p>"),
        )
            .into_response();
    };
    let return_field = return_to
        .map(|r| {
            format!(
                r#"<input type="hidden" name="return_to" value="{}">"#,
                esc(r)
            )
        })
        .unwrap_or_default();
    let fields = match sign_in_for(&entry.slug) {
        SignIn::OAuth => format!(
            "<p>You will be asked to sign in to {} and allow read access for {}.</p>",
            esc(entry.name),
            esc(&org)
        ),
        SignIn::Fields { fields, .. } => fields
            .iter()
            .map(|f| {
                let kind = if matches!(f.kind, FieldKind::Secret) { "password" } else { "text" };
                format!(
                    r#"<label for="f-{k}">{l}</label><input id="f-{k}" name="{k}" type="{kind}" autocomplete="off">"#,
                    k = f.key,
                    l = esc(f.label)
                )
            })
            .collect(),
    };
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, esc(e)))
        .unwrap_or_default();
    page(
        "Merge Link (sandbox)",
        &format!(
            r#"<small>Merge Link · sandbox</small><h1>Connect {name}</h1>{error}
<form method="post">{return_field}{fields}
<button class="primary" type="submit" name="action" value="authorize">Sign in with {name}</button>
<button type="submit" name="action" value="cancel">Cancel</button></form>"#,
            name = esc(entry.name)
        ),
    )
    .into_response()
}

pub async fn link_submit(
    State(s): State<Arc<Sandbox>>,
    Path(link_token): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let return_to = safe_return(form.get("return_to").map(String::as_str));
    if form.get("action").map(String::as_str) == Some("cancel") {
        return match return_to {
            Some(r) => Redirect::to(&with_param(&r, "link_exit", "1")).into_response(),
            None => page(
                "Cancelled",
                "<h1>Cancelled</h1><p>You can close this window.</p>",
            )
            .into_response(),
        };
    }
    let session = {
        let inner = s.state.lock();
        inner
            .link_sessions
            .get(&link_token)
            .filter(|l| l.expires > Utc::now())
            .map(|l| (l.end_user.clone(), l.integration.clone(), l.scopes.clone()))
    };
    let Some((user, Some(slug), scopes)) = session else {
        return render_link_page(&s, &link_token, return_to.as_deref(), None);
    };
    let name = catalogue::find(&slug)
        .map(|e| e.name)
        .unwrap_or("the HR system");
    let (size, limited) = match check(&slug, name, &form) {
        Verdict::Linked { size } => (size, false),
        Verdict::MissingPermissions { size } => (size, true),
        Verdict::Rejected {
            detail: message, ..
        } => {
            return render_link_page(&s, &link_token, return_to.as_deref(), Some(&message));
        }
    };
    let account = s.link(user, &slug, scopes, size, limited);
    let public_token = random_token(24);
    {
        let mut inner = s.state.lock();
        // A link token is single-use.
        inner.link_sessions.remove(&link_token);
        inner.public_tokens.insert(
            public_token.clone(),
            (account.id, Utc::now() + Duration::minutes(10)),
        );
    }
    match return_to {
        Some(r) => Redirect::to(&with_param(&r, "public_token", &public_token)).into_response(),
        None => (
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "public_token": public_token }).to_string(),
        )
            .into_response(),
    }
}

fn with_param(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={value}")
}
