//! Common Model lists and lookups, generated on demand from the linked account's workforce.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::Sandbox;
use super::params::{ListParams, encode_cursor};
use super::render::{DEPARTMENT_COUNT, View, kind, parse_uuid};
use super::routes::{Authorized, detail, page_response_raw, require_account};
use super::workforce::{OFFICES, index_from};

type Q = Query<Vec<(String, String)>>;

const EMPLOYEE_EXPANDS: &[&str] = &[
    "company",
    "employments",
    "groups",
    "home_location",
    "manager",
    "pay_group",
    "team",
    "work_location",
];

struct Request {
    auth: Authorized,
    params: ListParams,
}

async fn prepare(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    query: &[(String, String)],
    expandable: &[&str],
    model: &str,
) -> Result<Request, Response> {
    let mut auth = require_account(sandbox, headers).await?;
    // Rendering reads faults from the account; global ones apply too.
    auth.account.faults = auth.faults.clone();
    if auth.account.scopes.disabled_models.contains(model) && !auth.faults.leak_sensitive {
        return Err(detail(
            StatusCode::FORBIDDEN,
            &format!("The {model} model is disabled for this linked account."),
        ));
    }
    let params = ListParams::parse(query, expandable)
        .map_err(|msg| detail(StatusCode::BAD_REQUEST, &msg))?;
    Ok(Request { auth, params })
}

fn view<'a>(req: &'a Request) -> View<'a> {
    View {
        account: &req.auth.account,
        workforce: req.auth.account.workforce(),
        expand: req.params.expand.clone(),
        include_sensitive: req.params.include_sensitive_fields,
    }
}

/// Walks record indices from the cursor, keeping those inside the window, until a page is full.
fn scan_people(req: &Request, render: impl Fn(&View, u64) -> String) -> Response {
    let v = view(req);
    let w = &v.workforce;
    let size = w.size();
    let mut results = Vec::with_capacity(req.params.page_size);
    let mut i = req.params.start;
    while i < size && results.len() < req.params.page_size {
        let windowed = req.params.modified_after.is_some() || req.params.modified_before.is_some();
        let visible = (!windowed || req.params.in_window(w.modified_at(i)))
            && (req.params.include_deleted_data || !w.is_deleted(i));
        if visible {
            results.push(render(&v, i));
        }
        i += 1;
    }
    let next = (i < size).then(|| encode_cursor(i));
    page_response_raw(results, next, &req.auth.faults, req.auth.roll)
}

/// Small, static lists (teams, offices, departments) created at link time.
fn static_page(req: &Request, count: u64, render: impl Fn(&View, u64) -> String) -> Response {
    let v = view(req);
    let created = v.workforce.linked_at;
    let start = req.params.start.min(count);
    let end = (start + req.params.page_size as u64).min(count);
    let results = if req.params.in_window(created) {
        (start..end).map(|i| render(&v, i)).collect()
    } else {
        Vec::new()
    };
    let next = (end < count && req.params.in_window(created)).then(|| encode_cursor(end));
    page_response_raw(results, next, &req.auth.faults, req.auth.roll)
}

pub async fn employees(State(s): State<Arc<Sandbox>>, headers: HeaderMap, Query(q): Q) -> Response {
    match prepare(&s, &headers, &q, EMPLOYEE_EXPANDS, "Employee").await {
        Ok(req) => scan_people(&req, |v, i| v.employee(&v.workforce.person(i))),
        Err(res) => res,
    }
}

pub async fn employee(
    State(s): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Q,
) -> Response {
    let req = match prepare(&s, &headers, &q, EMPLOYEE_EXPANDS, "Employee").await {
        Ok(req) => req,
        Err(res) => return res,
    };
    let v = view(&req);
    let index = parse_uuid(&id).and_then(|u| index_from(req.auth.account.seed, kind::EMPLOYEE, &u));
    match index.filter(|i| *i < v.workforce.size()) {
        Some(i) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            v.employee(&v.workforce.person(i)),
        )
            .into_response(),
        None => detail(
            StatusCode::NOT_FOUND,
            "No Employee matches the given query.",
        ),
    }
}

pub async fn employments(
    State(s): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Query(q): Q,
) -> Response {
    match prepare(&s, &headers, &q, &["employee", "pay_group"], "Employment").await {
        Ok(req) => scan_people(&req, |v, i| v.employment(&v.workforce.person(i))),
        Err(res) => res,
    }
}

pub async fn teams(State(s): State<Arc<Sandbox>>, headers: HeaderMap, Query(q): Q) -> Response {
    match prepare(&s, &headers, &q, &["parent_team"], "Team").await {
        Ok(req) => {
            let count = req.auth.account.workforce().team_count();
            static_page(&req, count, |v, t| v.team(t))
        }
        Err(res) => res,
    }
}

/// Offices first, then every person's home address (which Merge lists too).
pub async fn locations(State(s): State<Arc<Sandbox>>, headers: HeaderMap, Query(q): Q) -> Response {
    match prepare(&s, &headers, &q, &[], "Location").await {
        Ok(req) => {
            let offices = OFFICES.len() as u64;
            let count = offices + req.auth.account.workforce().size();
            static_page(&req, count, |v, i| {
                if i < offices {
                    v.office(i)
                } else {
                    v.home(&v.workforce.person(i - offices))
                }
            })
        }
        Err(res) => res,
    }
}

pub async fn groups(State(s): State<Arc<Sandbox>>, headers: HeaderMap, Query(q): Q) -> Response {
    match prepare(&s, &headers, &q, &[], "Group").await {
        Ok(req) => static_page(&req, DEPARTMENT_COUNT, |v, d| v.group(d + 1)),
        Err(res) => res,
    }
}

pub async fn companies(State(s): State<Arc<Sandbox>>, headers: HeaderMap, Query(q): Q) -> Response {
    match prepare(&s, &headers, &q, &[], "Company").await {
        Ok(req) => static_page(&req, 1, |v, _| v.company()),
        Err(res) => res,
    }
}
