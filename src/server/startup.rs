//! Building and running the HTTP server.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request};
use axum::middleware;
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::{App, shell};

use super::auth::{guard, session};
use super::config::{Config, ConfigError};
use super::reseal::{self, ResealReport};
use super::state::AppState;
use super::{db, health, http, mail, merge_backend, recipients_csv, seed, site, sync, telemetry};

/// Form posts and server-function calls are small; anything bigger is refused with 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Site(#[from] site::SiteError),
    #[error("could not connect to the database: {0}")]
    Database(#[source] sqlx::Error),
    #[error("could not apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not seed the demo data: {0}")]
    Seed(#[source] super::error::ServerError),
    #[error("{0}")]
    Provision(#[source] super::people::invitations::ProvisionError),
    #[error("could not re-encrypt stored secrets: {0}")]
    Reseal(#[source] super::error::ServerError),
    #[error("{0}")]
    Mail(#[from] mail::outbox::MailerError),
    #[error("could not start the bundled Merge sandbox: {0}")]
    Sandbox(#[source] std::io::Error),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
}

pub async fn serve() -> Result<(), StartupError> {
    let config = Config::from_env()?;
    telemetry::init(config.log_json);
    let leptos_options = site::options()?;
    let pool = db::connect(&config.database_url)
        .await
        .map_err(StartupError::Database)?;
    db::MIGRATOR.run(&pool).await?;
    if config.seed_demo_data {
        seed::demo(&pool).await.map_err(StartupError::Seed)?;
    }

    let merge = merge_backend::connect(&config)
        .await
        .map_err(StartupError::Sandbox)?;
    let addr = leptos_options.site_addr;
    let state = AppState::new(leptos_options, pool, config, merge);
    spawn_reseal(&state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    spawn_housekeeping(state.clone(), stop_rx.clone());
    if let Some(url) = &state.config.smtp_url {
        let mailer =
            mail::outbox::Mailer::new(url, &state.config.mail_from).map_err(StartupError::Mail)?;
        mail::outbox::spawn(
            state.pool.clone(),
            state.secrets.clone(),
            mailer,
            stop_rx.clone(),
        );
    }
    sync::worker::spawn(
        sync_context(&state),
        4,
        state.config.sync_interval,
        stop_rx.clone(),
    );

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })?;
    tracing::info!(%addr, mode = ?state.config.mode, "listening");
    if state.config.seed_demo_data {
        seed::print_logins(&state.config.public_url);
    } else {
        println!("HR Connectors is running at {}", state.config.public_url);
    }

    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop_tx.send(true);
    })
    .await
    .map_err(StartupError::Serve)
}

/// `hr-connectors reseal-secrets`: one re-encryption pass with the configuration `serve` uses.
pub async fn reseal_secrets() -> Result<ResealReport, StartupError> {
    let config = Config::from_env()?;
    telemetry::init(config.log_json);
    let pool = db::connect(&config.database_url)
        .await
        .map_err(StartupError::Database)?;
    reseal::reseal_stale(&pool, &config.secret_box())
        .await
        .map_err(StartupError::Reseal)
}

/// `hr-connectors create-account`: a client account and its first admin's invitation.
pub async fn create_account(
    name: &str,
    admin_email: &str,
    admin_name: &str,
) -> Result<super::people::invitations::Provisioned, StartupError> {
    let config = Config::from_env()?;
    telemetry::init(config.log_json);
    let pool = db::connect(&config.database_url)
        .await
        .map_err(StartupError::Database)?;
    db::MIGRATOR.run(&pool).await?;
    let secrets = config.secret_box();
    super::people::invitations::provision_account(
        super::people::Mailing {
            pool: &pool,
            secrets: &secrets,
            public_url: &config.public_url,
        },
        name,
        admin_email,
        admin_name,
    )
    .await
    .map_err(StartupError::Provision)
}

/// In the background, so a large table never delays serving: until a value is re-encrypted the
/// previous key still opens it.
fn spawn_reseal(state: &AppState) {
    let pool = state.pool.clone();
    let secrets = state.secrets.clone();
    tokio::spawn(async move {
        match reseal::reseal_stale(&pool, &secrets).await {
            Ok(r) if r.unreadable > 0 => tracing::warn!(
                key = %r.key_fingerprint,
                resealed = r.resealed,
                unreadable = r.unreadable,
                changed_meanwhile = r.changed_meanwhile,
                "re-encrypted stored secrets; some could not be opened with any configured key"
            ),
            Ok(r) => tracing::info!(
                key = %r.key_fingerprint,
                resealed = r.resealed,
                changed_meanwhile = r.changed_meanwhile,
                "stored secrets are under the current key"
            ),
            Err(err) => tracing::warn!(error = %err, "could not re-encrypt stored secrets"),
        }
    });
}

/// The whole HTTP surface: the Leptos pages and server functions, plus plain routes.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let request_id = HeaderName::from_static("x-request-id");

    let mut router = Router::new();
    if state.config.test_clock {
        router = router.route("/test/clock", post(crate::server::clock::set));
    }
    router
        .route("/healthz", get(health::healthz))
        .route("/webhooks/merge", post(sync::webhook::receive))
        .route("/campaigns/{id}/export", get(recipients_csv::download))
        .route("/sso/start", get(crate::server::sso::routes::start))
        .route("/sso/callback", get(crate::server::sso::routes::callback))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::session_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            http::origin_check,
        ))
        .layer(middleware::from_fn(http::server_fn_status))
        .layer(middleware::from_fn(http::security_headers))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(http::readable_refusals))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // Path only: query strings can carry names and search terms.
                tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// What a sync worker of this process needs; the worker id names the host and process.
pub fn sync_context(state: &AppState) -> sync::run::SyncContext {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    sync::run::SyncContext {
        pool: state.pool.clone(),
        secrets: state.secrets.clone(),
        merge: state.merge.clone(),
        worker: format!(
            "{host}:{}:{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ),
        policy: sync::run::SyncPolicy::default(),
        public_url: state.config.public_url.clone(),
        clock: state.clock.clone(),
    }
}

fn spawn_housekeeping(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    match crate::server::integrations::disconnect::purge_expired(&state.pool).await {
                        Ok(n) if n > 0 => tracing::info!(connections = n, "deleted staff kept after disconnecting"),
                        Ok(_) => {}
                        Err(err) => tracing::warn!(error = %err, "could not purge disconnected staff"),
                    }
                    match session::purge_expired(&state.pool).await {
                        Ok(n) if n > 0 => tracing::info!(removed = n, "purged expired sessions"),
                        Ok(_) => {}
                        Err(err) => tracing::warn!(error = %err, "could not purge expired sessions"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
