//! Chooses the Merge the app talks to: the real API when an API key is configured, otherwise
//! the bundled sandbox, started in-process on a loopback port and reached over HTTP so the
//! production client code is exercised.

use std::net::SocketAddr;

use super::config::{Config, MergeBackend};
use super::merge::client::MergeClient;
use super::sandbox;
use super::sandbox::state::{SandboxConfig, WebhookTarget};
use super::secret::Secret;

pub async fn connect(config: &Config) -> std::io::Result<MergeClient> {
    match &config.merge {
        MergeBackend::Remote { base_url, api_key } => {
            Ok(MergeClient::new(base_url, api_key.clone()))
        }
        MergeBackend::Sandbox => {
            let api_key = super::sandbox::state::random_token(24);
            let state_file = config
                .dev_secrets_file
                .parent()
                .map(|dir| dir.join("merge-sandbox-state.json"));
            let sandbox_config = SandboxConfig {
                api_key: Some(api_key.clone()),
                webhook: Some(WebhookTarget {
                    url: format!("{}/webhooks/merge", config.public_url),
                    key: config.merge_webhook_key.expose().to_owned(),
                }),
                state_file,
                ..SandboxConfig::default()
            };
            let addr: SocketAddr = ([127, 0, 0, 1], config.sandbox_port).into();
            let handle = sandbox::spawn(sandbox_config, addr).await?;
            tracing::info!(base_url = %handle.api_url(), "using the bundled Merge sandbox");
            Ok(MergeClient::new(&handle.api_url(), Secret::new(api_key)))
        }
    }
}
