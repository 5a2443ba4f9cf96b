//! The bundled Merge sandbox as a standalone server, for Merge's official SDKs, demos and
//! benchmarks. Configuration (all optional):
//!
//! - `SANDBOX_ADDR` (default `127.0.0.1:4010`)
//! - `SANDBOX_API_KEY`: the only API key accepted; any non-empty key when unset
//! - `SANDBOX_SIZE`: people per linked account unless the demo credentials set it (default 240)
//! - `SANDBOX_INITIAL_SYNC_MS`: fixed part of a simulated initial sync (default 4000)
//! - `SANDBOX_CHANGE_INTERVAL_SECS`: let the workforce change on its own this often
//! - `SANDBOX_WEBHOOK_URL` and `SANDBOX_WEBHOOK_KEY`: where and how to sign webhooks
//! - `SANDBOX_STATE_FILE`: keep linked accounts across restarts

use std::time::Duration;

use hr_connectors::server::sandbox::{self, state::SandboxConfig, state::WebhookTarget};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number(name: &str) -> Option<u64> {
    var(name).map(|v| {
        v.trim().parse().unwrap_or_else(|_| {
            eprintln!("{name} must be a whole number, not {v:?}");
            std::process::exit(2)
        })
    })
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let defaults = SandboxConfig::default();
    let webhook = match (var("SANDBOX_WEBHOOK_URL"), var("SANDBOX_WEBHOOK_KEY")) {
        (Some(url), Some(key)) => Some(WebhookTarget { url, key }),
        (None, None) => None,
        _ => {
            eprintln!("set both SANDBOX_WEBHOOK_URL and SANDBOX_WEBHOOK_KEY, or neither");
            std::process::exit(2)
        }
    };
    let config = SandboxConfig {
        api_key: var("SANDBOX_API_KEY"),
        default_size: number("SANDBOX_SIZE").unwrap_or(defaults.default_size),
        initial_sync: number("SANDBOX_INITIAL_SYNC_MS")
            .map(Duration::from_millis)
            .unwrap_or(defaults.initial_sync),
        change_interval: number("SANDBOX_CHANGE_INTERVAL_SECS").map(Duration::from_secs),
        webhook,
        state_file: var("SANDBOX_STATE_FILE").map(Into::into),
        ..defaults
    };
    let addr = var("SANDBOX_ADDR").unwrap_or_else(|| "127.0.0.1:4010".into());
    let addr = addr.parse().unwrap_or_else(|_| {
        eprintln!("SANDBOX_ADDR must be host:port, not {addr:?}");
        std::process::exit(2)
    });
    let handle = match sandbox::spawn(config, addr).await {
        Ok(h) => h,
        Err(err) => {
            eprintln!("could not listen on {addr}: {err}");
            std::process::exit(1)
        }
    };
    println!("Merge sandbox listening: base URL {}", handle.api_url());
    let _ = tokio::signal::ctrl_c().await;
}
