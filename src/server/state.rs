use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use super::clock::Clock;
use super::config::Config;
use super::crypto::SecretBox;
use super::merge::client::MergeClient;

/// What every request handler and server function can reach. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub secrets: Arc<SecretBox>,
    pub merge: MergeClient,
    pub clock: Clock,
}

impl AppState {
    pub fn new(
        leptos_options: LeptosOptions,
        pool: PgPool,
        config: Config,
        merge: MergeClient,
    ) -> Self {
        let secrets = config.secret_box();
        Self {
            leptos_options,
            pool,
            config: Arc::new(config),
            secrets: Arc::new(secrets),
            merge,
            clock: Clock::default(),
        }
    }
}
