//! A Merge-compatible HRIS server, bundled so the product runs and is tested end to end where
//! Merge cannot be reached. The app starts it in-process when no `MERGE_API_KEY` is configured
//! and talks to it over loopback HTTP, so the production client code is what runs. It also runs
//! on its own: `cargo run --features ssr --bin merge-sandbox`.

// Handlers' helpers return the finished HTTP error response as their `Err`, axum style; boxing
// every one of them would only add noise.
#![allow(clippy::result_large_err)]

pub mod accounts;
pub mod admin;
pub mod catalogue;
pub mod credentials;
pub mod data;
pub mod linking;
pub mod params;
pub mod render;
pub mod routes;
pub mod state;
pub mod webhooks;
pub mod workforce;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, Weak};

use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use state::{EndUser, LinkedAccount, SandboxConfig, SandboxState, Scopes};
use webhooks::Webhooks;
use workforce::Change;

pub struct Sandbox {
    pub state: SandboxState,
    pub webhooks: Webhooks,
    root_url: OnceLock<String>,
    /// Background tasks (sync completion) need an owning handle to the sandbox.
    me: Weak<Sandbox>,
}

/// A running sandbox.
pub struct SandboxHandle {
    pub sandbox: Arc<Sandbox>,
    pub addr: SocketAddr,
}

impl SandboxHandle {
    /// The base URL to give a Merge client or SDK (`…/api`).
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Most webhook-driven change notifications one generation sends; beyond it, only the sync
/// completion tells receivers to look.
const MAX_CHANGE_EVENTS: usize = 200;

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Arc<Self> {
        let webhooks = Webhooks::start(config.webhook.clone());
        Arc::new_cyclic(|me| Self {
            state: SandboxState::new(config),
            webhooks,
            root_url: OnceLock::new(),
            me: me.clone(),
        })
    }

    pub fn root_url(&self) -> String {
        self.root_url
            .get()
            .cloned()
            .unwrap_or_else(|| "http://127.0.0.1".into())
    }

    /// Links (or relinks) an account, announces it, and schedules its sync's completion.
    pub fn link(
        &self,
        user: EndUser,
        slug: &str,
        scopes: Scopes,
        size: Option<u64>,
        missing_permissions: bool,
    ) -> LinkedAccount {
        let size = size.unwrap_or(self.state.config.default_size);
        let (account, is_relink) = self
            .state
            .link(user, slug, scopes, size, missing_permissions);
        self.webhooks.send(
            "LinkedAccount.linked",
            &account,
            json!({"account_token": account.account_token, "is_relink": is_relink}),
        );
        self.schedule_sync_completed(&account);
        account
    }

    pub fn schedule_sync_completed(&self, account: &LinkedAccount) {
        let Some(sandbox) = self.me.upgrade() else {
            return;
        };
        let id = account.id;
        let started = account.sync_started;
        let wait = (account.sync_finishes() - Utc::now())
            .to_std()
            .unwrap_or_default();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let current = sandbox.state.lock().accounts.get(&id).cloned();
            if let Some(account) = current.filter(|a| a.sync_started == started) {
                sandbox.complete_sync(&account);
            }
        });
    }

    /// Marks the sync done and sends `LinkedAccount.sync_completed`, once per sync.
    pub fn complete_sync(&self, account: &LinkedAccount) {
        let was_initial = {
            let mut inner = self.state.lock();
            let Some(stored) = inner.accounts.get_mut(&account.id) else {
                return;
            };
            let was_initial = !stored.initial_sync_done;
            stored.initial_sync_done = true;
            self.state.persist(&inner);
            was_initial
        };
        let result = if account.faults.partial_sync || account.missing_permissions {
            "PARTIALLY_SYNCED"
        } else {
            "DONE"
        };
        let now = render::ts(Utc::now());
        let status = json!({"last_sync_finished": now, "last_sync_result": result,
                            "data_fresh_as_of": render::ts(account.sync_started), "sync_status_reason": null});
        let integration = catalogue::find(&account.integration_slug).map(|e| e.name);
        self.webhooks.send(
            "LinkedAccount.sync_completed",
            account,
            json!({
                "is_initial_sync": was_initial,
                "integration_name": integration,
                "integration_id": account.integration_slug,
                "sync_status": {"hris.Employee": status, "hris.Employment": status, "hris.Team": status,
                                "hris.Location": status, "hris.Group": status},
            }),
        );
    }

    /// Adds a generation to one account's workforce and starts a sync that picks it up.
    pub fn advance(&self, id: Uuid) -> Option<Value> {
        let account = {
            let mut inner = self.state.lock();
            let account = inner.accounts.get_mut(&id)?;
            let now = Utc::now();
            let at = account.generations.last().map_or(now, |last| {
                now.max(*last + chrono::Duration::milliseconds(1))
            });
            account.generations.push(at);
            account.sync_started = now;
            account.sync_duration_ms = self
                .state
                .sync_duration(account.hires_per_generation * 10, false);
            let snapshot = account.clone();
            self.state.persist(&inner);
            snapshot
        };
        let w = account.workforce();
        let g = w.generation();
        let (mut hired, mut changed, mut left, mut deleted) = (0u64, 0u64, 0u64, 0u64);
        let view = render::View {
            account: &account,
            workforce: w.clone(),
            expand: vec![],
            include_sensitive: false,
            include_remote_data: false,
            enum_origins: vec![],
        };
        let mut events = 0usize;
        let mut emit = |event: &str, i: u64| {
            if events < MAX_CHANGE_EVENTS {
                events += 1;
                self.webhooks
                    .send(event, &account, view.employee_value(&w.person(i)));
            }
        };
        for i in 0..w.size() {
            if w.hired_in(i) == g {
                hired += 1;
                emit("Employee.added", i);
                continue;
            }
            match w.change(i, g) {
                Some(Change::Edit) => {
                    changed += 1;
                    emit("Employee.changed", i);
                }
                Some(Change::Leave) => {
                    left += 1;
                    emit("Employee.changed", i);
                }
                Some(Change::Delete) => {
                    deleted += 1;
                    emit("Employee.removed", i);
                }
                None => {}
            }
        }
        self.schedule_sync_completed(&account);
        Some(
            json!({"generation": g, "hired": hired, "changed": changed, "left": left, "deleted": deleted,
                    "size": w.size()}),
        )
    }
}

/// Serves a sandbox on `addr` (port 0 picks a free one) until the runtime stops.
pub async fn spawn(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<SandboxHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let sandbox = Sandbox::new(config);
    let _ = sandbox.root_url.set(format!("http://{addr}"));
    if let Some(every) = sandbox.state.config.change_interval {
        let weak = Arc::downgrade(&sandbox);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(s) = weak.upgrade() else { break };
                let ids: Vec<Uuid> = s.state.lock().accounts.keys().copied().collect();
                for id in ids {
                    s.advance(id);
                }
            }
        });
    }
    let app = routes::router(sandbox.clone());
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "the Merge sandbox stopped");
        }
    });
    Ok(SandboxHandle { sandbox, addr })
}
