//! Linked-account endpoints: sync status and its life cycle, force resync, account details,
//! deletion, issues and the organisation's linked accounts.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::Sandbox;
use super::catalogue;
use super::render::ts;
use super::routes::{detail, json_response, page_response, require_account, require_api_key};
use super::state::{Faults, LinkedAccount};
use crate::domain::field_policy::{DISABLED_MODELS, READ_MODELS};

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

pub async fn sync_status(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    match require_account(&s, &headers).await {
        Ok(auth) => page_response(
            sync_statuses(&auth.account, &auth.faults),
            None,
            &Faults::default(),
            100,
        ),
        Err(res) => res,
    }
}

pub async fn resync(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let auth = match require_account(&s, &headers).await {
        Ok(a) => a,
        Err(res) => return res,
    };
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
    let integration = catalogue::find(&account.integration_slug)
        .map(|e| e.name.to_owned())
        .unwrap_or_else(|| account.integration_slug.clone());
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

pub async fn account_details(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    match require_account(&s, &headers).await {
        Ok(auth) => json_response(&details_json(&auth.account, &auth.faults)),
        Err(res) => res,
    }
}

pub async fn delete_account(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let auth = match require_account(&s, &headers).await {
        Ok(a) => a,
        Err(res) => return res,
    };
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

pub async fn issues(
    State(s): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(res) = require_api_key(&s, &headers) {
        return res;
    }
    let wanted = |key: &str| q.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let by_id = wanted("linked_account_id");
    let by_token = wanted("account_token");
    let inner = s.state.lock();
    let mut accounts: Vec<&LinkedAccount> = inner
        .accounts
        .values()
        .filter(|a| by_id.as_ref().is_none_or(|id| a.id.to_string() == *id))
        .filter(|a| by_token.as_ref().is_none_or(|t| a.account_token == *t))
        .collect();
    accounts.sort_by_key(|a| a.id);
    let results = accounts.into_iter().flat_map(issues_of).collect();
    page_response(results, None, &Faults::default(), 100)
}

pub async fn linked_accounts(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    if let Err(res) = require_api_key(&s, &headers) {
        return res;
    }
    let inner = s.state.lock();
    let mut accounts: Vec<&LinkedAccount> = inner.accounts.values().collect();
    accounts.sort_by_key(|a| a.id);
    let results = accounts
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
            item
        })
        .collect();
    page_response(results, None, &Faults::default(), 100)
}
