//! What the sandbox remembers: linked accounts, open link sessions, public tokens and faults.
//! Linked accounts can be kept in a JSON file so the app's stored tokens survive a restart.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::workforce::{Workforce, mix};

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// When set, requests must carry exactly this API key; otherwise any non-empty key works.
    pub api_key: Option<String>,
    /// People per linked account unless the demo credentials say otherwise.
    pub default_size: u64,
    /// Fixed part of a simulated initial sync.
    pub initial_sync: Duration,
    /// Employees per second a simulated sync "reads" from the HR system.
    pub sync_rate: u64,
    /// How often the workforce changes on its own; `None` changes it only when asked.
    pub change_interval: Option<Duration>,
    pub hires_per_generation: u64,
    pub change_bp: u64,
    pub webhook: Option<WebhookTarget>,
    pub state_file: Option<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            default_size: 240,
            initial_sync: Duration::from_secs(4),
            sync_rate: 50_000,
            change_interval: None,
            hires_per_generation: 3,
            change_bp: 100,
            webhook: None,
            state_file: None,
        }
    }
}

#[derive(Clone)]
pub struct WebhookTarget {
    pub url: String,
    pub key: String,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Misbehaviour to inject, per linked account or for every request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Percentage of requests answered 429 with `Retry-After`.
    pub rate_limit_pct: u8,
    pub retry_after_secs: u64,
    /// Percentage of requests answered 500/502/503.
    pub server_error_pct: u8,
    /// Delay added to every response.
    pub slow_ms: u64,
    /// Percentage of list responses cut off mid-body.
    pub drop_pct: u8,
    /// The HR system stopped accepting the credentials.
    pub relink_needed: bool,
    /// Syncs finish as PARTIALLY_SYNCED.
    pub partial_sync: bool,
    /// Ignore scopes and `include_sensitive_fields`, as a misconfigured provider might, to
    /// prove that minimisation at ingestion holds on its own.
    pub leak_sensitive: bool,
}

impl Faults {
    pub fn merged(&self, other: &Faults) -> Faults {
        Faults {
            rate_limit_pct: self.rate_limit_pct.max(other.rate_limit_pct),
            retry_after_secs: self.retry_after_secs.max(other.retry_after_secs),
            server_error_pct: self.server_error_pct.max(other.server_error_pct),
            slow_ms: self.slow_ms.max(other.slow_ms),
            drop_pct: self.drop_pct.max(other.drop_pct),
            relink_needed: self.relink_needed || other.relink_needed,
            partial_sync: self.partial_sync || other.partial_sync,
            leak_sensitive: self.leak_sensitive || other.leak_sensitive,
        }
    }
}

/// Which models and fields the linked account's scopes switch off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scopes {
    pub disabled_models: BTreeSet<String>,
    pub disabled_fields: BTreeMap<String, BTreeSet<String>>,
}

impl Scopes {
    /// Reads both scope forms a link-token or bootstrap body may carry.
    pub fn from_request(body: &Value) -> Scopes {
        let mut scopes = Scopes::default();
        if let Some(models) = body["common_models"].as_array() {
            for m in models {
                let Some(model) = m["model_id"]
                    .as_str()
                    .and_then(|id| id.strip_prefix("hris."))
                else {
                    continue;
                };
                let reads = m["enabled_actions"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == "READ"));
                if !reads {
                    scopes.disabled_models.insert(model.to_owned());
                }
                scopes.add_fields(model, &m["disabled_fields"]);
            }
        }
        if let Some(models) = body["category_common_model_scopes"]["hris"].as_array() {
            for m in models {
                let Some(model) = m["model_name"].as_str() else {
                    continue;
                };
                if m["model_permissions"]["READ"]["is_enabled"] == Value::Bool(false) {
                    scopes.disabled_models.insert(model.to_owned());
                }
                let fp = &m["field_permissions"];
                scopes.add_fields(model, &fp["disabled_fields"]);
                scopes.add_fields(model, &fp["disabled"]);
            }
        }
        scopes
    }

    fn add_fields(&mut self, model: &str, list: &Value) {
        if let Some(fields) = list.as_array() {
            let entry = self.disabled_fields.entry(model.to_owned()).or_default();
            entry.extend(fields.iter().filter_map(|f| f.as_str().map(str::to_owned)));
        }
    }

    pub fn field_enabled(&self, model: &str, field: &str) -> bool {
        !self.disabled_models.contains(model)
            && !self
                .disabled_fields
                .get(model)
                .is_some_and(|f| f.contains(field))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndUser {
    pub email: String,
    pub organization_name: String,
    pub origin_id: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct LinkedAccount {
    pub id: Uuid,
    pub account_token: String,
    pub integration_slug: String,
    pub category: String,
    pub end_user: EndUser,
    pub status: String,
    pub completed_at: DateTime<Utc>,
    pub seed: u64,
    pub base_size: u64,
    pub domain: String,
    pub generations: Vec<DateTime<Utc>>,
    pub scopes: Scopes,
    pub sync_started: DateTime<Utc>,
    pub sync_duration_ms: u64,
    pub initial_sync_done: bool,
    pub missing_permissions: bool,
    pub faults: Faults,
    pub hires_per_generation: u64,
    pub change_bp: u64,
}

impl std::fmt::Debug for LinkedAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedAccount")
            .field("id", &self.id)
            .field("integration", &self.integration_slug)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl LinkedAccount {
    pub fn workforce(&self) -> Workforce {
        Workforce {
            seed: self.seed,
            base_size: self.base_size,
            domain: self.domain.clone(),
            linked_at: self.completed_at,
            generations: self.generations.clone(),
            hires_per_generation: self.hires_per_generation,
            change_bp: self.change_bp,
        }
    }

    pub fn syncing(&self, now: DateTime<Utc>) -> bool {
        now < self.sync_finishes()
    }

    pub fn sync_finishes(&self) -> DateTime<Utc> {
        self.sync_started + chrono::Duration::milliseconds(self.sync_duration_ms as i64)
    }
}

pub struct LinkSession {
    pub end_user: EndUser,
    pub integration: Option<String>,
    pub scopes: Scopes,
    pub expires: DateTime<Utc>,
}

#[derive(Default)]
pub struct Inner {
    pub accounts: HashMap<Uuid, LinkedAccount>,
    pub link_sessions: HashMap<String, LinkSession>,
    pub public_tokens: HashMap<String, (Uuid, DateTime<Utc>)>,
    pub global_faults: Faults,
    pub request_counter: u64,
    /// Per account: the generation it was worked out for, and people's indices in employment
    /// effective-date order.
    pub effective_order: HashMap<Uuid, (usize, Arc<Vec<u64>>)>,
}

impl Inner {
    pub fn by_token(&self, token: &str) -> Option<&LinkedAccount> {
        self.accounts.values().find(|a| a.account_token == token)
    }

    pub fn by_origin(&self, origin_id: &str, category: &str) -> Option<Uuid> {
        self.accounts
            .values()
            .find(|a| a.end_user.origin_id == origin_id && a.category == category)
            .map(|a| a.id)
    }

    /// A deterministic draw for fault injection: the same request sequence always meets the
    /// same faults, so fault tests are reproducible.
    pub fn roll(&mut self) -> u8 {
        self.request_counter += 1;
        (mix(self.request_counter ^ 0x5EED) % 100) as u8
    }
}

pub struct SandboxState {
    pub config: SandboxConfig,
    pub inner: Mutex<Inner>,
}

pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

impl SandboxState {
    pub fn new(config: SandboxConfig) -> Self {
        let mut inner = Inner::default();
        if let Some(path) = &config.state_file
            && let Ok(raw) = std::fs::read_to_string(path)
        {
            match serde_json::from_str::<Vec<LinkedAccount>>(&raw) {
                Ok(accounts) => {
                    inner.accounts = accounts.into_iter().map(|a| (a.id, a)).collect();
                }
                Err(err) => {
                    tracing::warn!(path = %path.display(), error = %err, "ignoring unreadable sandbox state")
                }
            }
        }
        Self {
            config,
            inner: Mutex::new(inner),
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes linked accounts to the state file, when one is configured.
    pub fn persist(&self, inner: &Inner) {
        let Some(path) = &self.config.state_file else {
            return;
        };
        let accounts: Vec<&LinkedAccount> = inner.accounts.values().collect();
        match serde_json::to_vec(&accounts) {
            Ok(bytes) => {
                let tmp = path.with_extension("tmp");
                if let Err(err) =
                    std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path))
                {
                    tracing::warn!(path = %path.display(), error = %err, "could not save sandbox state");
                }
            }
            Err(err) => tracing::warn!(error = %err, "could not encode sandbox state"),
        }
    }

    /// Creates a linked account, or relinks the one with the same origin id: same id, same
    /// token, fresh credentials and scopes, and a new sync.
    pub fn link(
        &self,
        end_user: EndUser,
        integration_slug: &str,
        scopes: Scopes,
        size: u64,
        missing_permissions: bool,
    ) -> (LinkedAccount, bool) {
        let now = Utc::now();
        let mut inner = self.lock();
        let duration = self.sync_duration(size, true);
        let existing = inner.by_origin(&end_user.origin_id, "hris");
        let relinked = existing
            .and_then(|id| inner.accounts.get_mut(&id))
            .map(|account| {
                account.status = "COMPLETE".into();
                account.scopes = scopes.clone();
                account.missing_permissions = missing_permissions;
                account.faults.relink_needed = false;
                account.end_user = end_user.clone();
                account.sync_started = now;
                account.sync_duration_ms = duration;
                account.clone()
            });
        let (account, is_relink) = match relinked {
            Some(a) => (a, true),
            None => {
                let origin_hash = end_user
                    .origin_id
                    .bytes()
                    .fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
                        (h ^ b as u64).wrapping_mul(0x100_0000_01B3)
                    });
                let domain = domain_for(&end_user.organization_name);
                let account = LinkedAccount {
                    id: super::workforce::uuid_from(origin_hash, 99, 0),
                    account_token: random_token(30),
                    integration_slug: integration_slug.to_owned(),
                    category: "hris".into(),
                    end_user,
                    status: "COMPLETE".into(),
                    completed_at: now,
                    seed: mix(origin_hash),
                    base_size: size,
                    domain,
                    generations: Vec::new(),
                    scopes,
                    sync_started: now,
                    sync_duration_ms: duration,
                    initial_sync_done: false,
                    missing_permissions,
                    faults: Faults::default(),
                    hires_per_generation: self.config.hires_per_generation,
                    change_bp: self.config.change_bp,
                };
                inner.accounts.insert(account.id, account.clone());
                (account, false)
            }
        };
        self.persist(&inner);
        (account, is_relink)
    }

    pub fn sync_duration(&self, size: u64, initial: bool) -> u64 {
        let base = if initial {
            self.config.initial_sync
        } else {
            self.config.initial_sync / 4
        };
        base.as_millis() as u64 + size * 1000 / self.config.sync_rate.max(1)
    }
}

/// The email domain of an organisation's synthetic people, shared by all its HR systems.
pub fn domain_for(organization: &str) -> String {
    let label: String = organization
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "ltd" && *w != "inc" && *w != "gmbh")
        .collect::<Vec<_>>()
        .join("-");
    if label.is_empty() {
        "staff.example".into()
    } else {
        format!("{label}.example")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_both_scope_forms() {
        let body = json!({
            "common_models": [
                {"model_id": "hris.Employee", "enabled_actions": ["READ"], "disabled_fields": ["ssn"]},
                {"model_id": "hris.BankInfo", "enabled_actions": [], "disabled_fields": []}
            ],
            "category_common_model_scopes": {"hris": [
                {"model_name": "Employee", "model_permissions": {"READ": {"is_enabled": true}},
                 "field_permissions": {"enabled_fields": ["work_email"], "disabled_fields": ["gender"]}},
                {"model_name": "TimeOff", "model_permissions": {"READ": {"is_enabled": false}}}
            ]}
        });
        let s = Scopes::from_request(&body);
        assert!(!s.field_enabled("Employee", "ssn"));
        assert!(!s.field_enabled("Employee", "gender"));
        assert!(s.field_enabled("Employee", "work_email"));
        assert!(!s.field_enabled("BankInfo", "bank_name"));
        assert!(!s.field_enabled("TimeOff", "status"));
    }

    #[test]
    fn relinking_keeps_the_account_and_its_token() {
        let state = SandboxState::new(SandboxConfig::default());
        let user = EndUser {
            email: "a@acme.example".into(),
            organization_name: "Acme Ltd".into(),
            origin_id: "acct_1_conn_1".into(),
        };
        let (first, relink) = state.link(user.clone(), "sage-hr", Scopes::default(), 10, false);
        assert!(!relink);
        assert_eq!(first.domain, "acme.example");
        let (second, relink) = state.link(user, "sage-hr", Scopes::default(), 10, false);
        assert!(relink);
        assert_eq!(first.id, second.id);
        assert_eq!(first.account_token, second.account_token);
    }
}
