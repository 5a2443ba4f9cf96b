//! Linked-account endpoints: sync status and its life cycle, force resync, account details,
//! deletion, issues and the organisation's linked accounts.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::Sandbox;
use super::catalogue;
use super::params::{Endpoint, Filter, ListParams, Test, boolean, page_of};
use super::render::ts;
use super::routes::{ApiKey, Authorized, detail, json_response, page_response};
use super::state::{Faults, LinkedAccount};
use crate::domain::field_policy::{DISABLED_MODELS, READ_MODELS};
use crate::server::merge::models::parse_datetime;

type Q = Query<Vec<(String, String)>>;

/// Reads a list's parameters, or answers Merge's 400.
fn list_params<R: 'static>(
    query: &[(String, String)],
    endpoint: &'static Endpoint<R>,
) -> Result<ListParams<R>, Response> {
    ListParams::parse(query, endpoint, |_, _| true)
        .map_err(|msg| detail(StatusCode::BAD_REQUEST, &msg))
}

fn time_of(value: &Value) -> Option<chrono::DateTime<Utc>> {
    value.as_str().and_then(parse_datetime)
}

fn sync_statuses(account: &LinkedAccount, faults: &Faults) -> Vec<Value> {
    let now = Utc::now();
    let syncing = account.syncing(now);
    let finished = account.sync_finishes();
    let outcome = if faults.relink_needed || account.status == "RELINK_NEEDED" {
        "FAILED"
    } else if faults.partial_sync || account.missing_permissions {
        "PARTIALLY_SYNCED"
    } else {
        "DONE"
    };
    READ_MODELS
        .iter()
        .chain(["Company"].iter())
        .chain(DISABLED_MODELS.iter().filter(|m| **m != "Company"))
        .map(|model| {
            let disabled = account.scopes.disabled_models.contains(*model);
            let status = if disabled {
                "DISABLED"
            } else if syncing {
                "SYNCING"
            } else {
                outcome
            };
            let done_before = account.initial_sync_done || !syncing;
            json!({
                "model_name": model,
                "model_id": format!("hris.{model}"),
                "last_sync_start": ts(account.sync_started),
                "next_sync_start": ts(account.sync_started + chrono::Duration::hours(24)),
                "last_sync_result": if disabled || (syncing && !account.initial_sync_done) { Value::Null } else { Value::String(outcome.into()) },
                "last_sync_finished": if done_before && !disabled { ts(finished.min(now)) } else { Value::Null },
                "data_fresh_as_of": if done_before && !disabled { ts(account.sync_started) } else { Value::Null },
                "historical_data_since": "1900-01-01T00:00:00Z",
                "status": status,
                "sync_status_reason": null,
                "is_initial_sync": !account.initial_sync_done && syncing,
                "selective_sync_configurations_usage": "IN_LAST_SYNC",
            })
        })
        .collect()
}

pub async fn sync_status(auth: Authorized, Query(q): Q) -> Response {
    let params = match list_params(&q, &Endpoint::<()>::PLAIN) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let (results, next) = page_of(&sync_statuses(&auth.account, &auth.faults), &params);
    page_response(results, next, &Faults::default(), 100)
}

pub async fn resync(State(s): State<Arc<Sandbox>>, auth: Authorized) -> Response {
    let account = {
        let mut inner = s.state.lock();
        let Some(account) = inner.accounts.get_mut(&auth.account.id) else {
            return detail(StatusCode::UNAUTHORIZED, "Invalid account token.");
        };
        if !account.syncing(Utc::now()) {
            account.sync_started = Utc::now();
            account.sync_duration_ms = s.state.sync_duration(account.workforce().size(), false);
        }
        let snapshot = account.clone();
        s.state.persist(&inner);
        snapshot
    };
    s.schedule_sync_completed(&account);
    json_response(&Value::Array(sync_statuses(&account, &auth.faults)))
}

/// The linked account as Merge describes it (account details, webhook payloads).
pub fn details_json(account: &LinkedAccount, faults: &Faults) -> Value {
    let integration = integration_name(account);
    let status = if faults.relink_needed {
        "RELINK_NEEDED"
    } else {
        account.status.as_str()
    };
    json!({
        "id": account.id.to_string(),
        "integration": integration,
        "integration_slug": account.integration_slug,
        "category": account.category,
        "end_user_origin_id": account.end_user.origin_id,
        "end_user_organization_name": account.end_user.organization_name,
        "end_user_email_address": account.end_user.email,
        "status": status,
        "webhook_listener_url": format!("https://sandbox.invalid/webhook-listener/{}", account.id),
        "is_duplicate": null,
        "account_type": "TEST",
        "completed_at": ts(account.completed_at),
        "instance_id": null,
        "instance_display_value": null,
    })
}

pub async fn account_details(auth: Authorized) -> Response {
    json_response(&details_json(&auth.account, &auth.faults))
}

pub async fn delete_account(State(s): State<Arc<Sandbox>>, auth: Authorized) -> Response {
    {
        let mut inner = s.state.lock();
        inner.accounts.remove(&auth.account.id);
        s.state.persist(&inner);
    }
    s.webhooks
        .send("LinkedAccount.deleted", &auth.account, json!({}));
    StatusCode::OK.into_response()
}

fn issues_of(account: &LinkedAccount) -> Vec<Value> {
    let mut out = Vec::new();
    let base = json!({
        "end_user": {"end_user_origin_id": account.end_user.origin_id,
                      "end_user_organization_name": account.end_user.organization_name},
        "first_incident_time": ts(account.completed_at),
        "last_incident_time": ts(account.sync_started),
        "is_muted": false,
    });
    if account.missing_permissions {
        let mut issue = base.clone();
        issue["id"] = json!(super::workforce::uuid_from(account.seed, 50, 1).to_string());
        issue["status"] = json!("ONGOING");
        issue["error_description"] = json!("Missing Permissions");
        issue["error_details"] =
            json!(["Missing permission to read employment details (job titles)."]);
        out.push(issue);
    }
    if account.faults.relink_needed || account.status == "RELINK_NEEDED" {
        let mut issue = base;
        issue["id"] = json!(super::workforce::uuid_from(account.seed, 50, 2).to_string());
        issue["status"] = json!("ONGOING");
        issue["error_description"] = json!("Invalid login credentials");
        issue["error_details"] =
            json!(["The HR system no longer accepts the stored credentials. Relink the account."]);
        out.push(issue);
    }
    out
}

/// An issue with what its filters read about the linked account it belongs to.
struct IssueRow {
    account_id: String,
    account_token: String,
    organization: String,
    integration: String,
    issue: Value,
}

static ISSUES: Endpoint<IssueRow> = Endpoint {
    expandable: &[],
    enum_fields: &[],
    order_by: &[],
    filters: &[
        Filter::new(
            "account_token",
            Test::Text(|r| Some(r.account_token.as_str().into())),
        ),
        Filter::new(
            "linked_account_id",
            Test::Text(|r| Some(r.account_id.as_str().into())),
        ),
        Filter::new(
            "end_user_organization_name",
            Test::Text(|r| Some(r.organization.as_str().into())),
        ),
        Filter::new(
            "integration_name",
            Test::Text(|r| Some(r.integration.as_str().into())),
        ),
        Filter::new(
            "status",
            Test::Choice(&["ONGOING", "RESOLVED"], |r| {
                r.issue["status"].as_str().map(Into::into)
            }),
        ),
        Filter::new(
            "include_muted",
            Test::Reveals(|r| r.issue["is_muted"] == Value::Bool(true)),
        ),
        // "Most recent action" is the last incident.
        Filter::new(
            "start_date",
            Test::After(|r| time_of(&r.issue["last_incident_time"])),
        ),
        Filter::new(
            "end_date",
            Test::Before(|r| time_of(&r.issue["last_incident_time"])),
        ),
        Filter::new(
            "first_incident_time_after",
            Test::After(|r| time_of(&r.issue["first_incident_time"])),
        ),
        Filter::new(
            "first_incident_time_before",
            Test::Before(|r| time_of(&r.issue["first_incident_time"])),
        ),
        Filter::new(
            "last_incident_time_after",
            Test::After(|r| time_of(&r.issue["last_incident_time"])),
        ),
        Filter::new(
            "last_incident_time_before",
            Test::Before(|r| time_of(&r.issue["last_incident_time"])),
        ),
    ],
};

fn integration_name(account: &LinkedAccount) -> String {
    catalogue::find(&account.integration_slug)
        .map(|e| e.name.to_owned())
        .unwrap_or_else(|| account.integration_slug.clone())
}

pub async fn issues(State(s): State<Arc<Sandbox>>, _: ApiKey, Query(q): Q) -> Response {
    let params = match list_params(&q, &ISSUES) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let inner = s.state.lock();
    let mut accounts: Vec<&LinkedAccount> = inner.accounts.values().collect();
    accounts.sort_by_key(|a| a.id);
    let matching: Vec<Value> = accounts
        .into_iter()
        .flat_map(|a| {
            issues_of(a).into_iter().map(|issue| IssueRow {
                account_id: a.id.to_string(),
                account_token: a.account_token.clone(),
                organization: a.end_user.organization_name.clone(),
                integration: integration_name(a),
                issue,
            })
        })
        .filter(|r| params.accepts(r))
        .map(|r| r.issue)
        .collect();
    let (results, next) = page_of(&matching, &params);
    page_response(results, next, &Faults::default(), 100)
}

/// A linked account as the organisation-wide list shows it.
struct AccountRow {
    item: Value,
    integration: String,
}

fn field(item: &Value, key: &str) -> Option<std::borrow::Cow<'static, str>> {
    item[key].as_str().map(|v| v.to_owned().into())
}

fn id_of(item: &Value) -> Option<uuid::Uuid> {
    item["id"]
        .as_str()
        .and_then(|v| uuid::Uuid::parse_str(v).ok())
}

static LINKED_ACCOUNTS: Endpoint<AccountRow> = Endpoint {
    expandable: &[],
    enum_fields: &[],
    order_by: &[],
    filters: &[
        Filter::new(
            "category",
            Test::Choice(
                &[
                    "accounting",
                    "ats",
                    "crm",
                    "datawarehouse",
                    "filestorage",
                    "hris",
                    "mktg",
                    "ticketing",
                ],
                |a| field(&a.item, "category"),
            ),
        ),
        Filter::new(
            "end_user_email_address",
            Test::Text(|a| field(&a.item, "end_user_email_address")),
        ),
        Filter::new(
            "end_user_organization_name",
            Test::Text(|a| field(&a.item, "end_user_organization_name")),
        ),
        Filter::new(
            "end_user_origin_id",
            Test::Text(|a| field(&a.item, "end_user_origin_id")),
        ),
        Filter::new(
            "end_user_origin_ids",
            Test::AnyText(|a| field(&a.item, "end_user_origin_id")),
        ),
        Filter::new("id", Test::Id(|a| id_of(&a.item))),
        Filter::new("ids", Test::AnyId(|a| id_of(&a.item))),
        Filter::new(
            "integration_name",
            Test::Text(|a| Some(a.integration.as_str().into())),
        ),
        // Documented as "if included, only test linked accounts; if not, only the others". Read
        // as a boolean, so that `false` asks for the others rather than for test accounts.
        Filter::new(
            "is_test_account",
            Test::Only(|a| a.item["account_type"] == "TEST"),
        ),
        Filter::new("status", Test::Text(|a| field(&a.item, "status"))),
    ],
};

pub async fn linked_accounts(State(s): State<Arc<Sandbox>>, _: ApiKey, Query(q): Q) -> Response {
    let params = match list_params(&q, &LINKED_ACCOUNTS) {
        Ok(p) => p,
        Err(res) => return res,
    };
    // Merge adds production duplicates of the account named by `id`, which must be a complete
    // production account. Every sandbox account is a test account, so the request cannot be met.
    for (key, value) in q.iter().filter(|(k, _)| k == "include_duplicates") {
        match boolean(key, value) {
            Ok(false) => {}
            Ok(true) => {
                return detail(
                    StatusCode::BAD_REQUEST,
                    "include_duplicates needs id to name a complete production linked account; \
                     every linked account here is a test account.",
                );
            }
            Err(msg) => return detail(StatusCode::BAD_REQUEST, &msg),
        }
    }
    let inner = s.state.lock();
    let mut accounts: Vec<&LinkedAccount> = inner.accounts.values().collect();
    accounts.sort_by_key(|a| a.id);
    let matching: Vec<Value> = accounts
        .into_iter()
        .map(|a| {
            let faults = a.faults.merged(&inner.global_faults);
            let mut item = details_json(a, &faults);
            // The organisation-wide list carries the integration as an object, not a name.
            item["integration"] = match catalogue::find(&a.integration_slug) {
                Some(e) => {
                    let mut integration = catalogue::to_json(&e, &s.root_url());
                    integration["passthrough_available"] = json!(false);
                    integration["available_model_operations"] = json!([]);
                    integration
                }
                None => Value::Null,
            };
            AccountRow {
                item,
                integration: integration_name(a),
            }
        })
        .filter(|a| params.accepts(a))
        .map(|a| a.item)
        .collect();
    let (results, next) = page_of(&matching, &params);
    page_response(results, next, &Faults::default(), 100)
}
