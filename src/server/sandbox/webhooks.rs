//! Signed webhook delivery, as Merge does it: `{hook, linked_account, data}` with
//! `X-Merge-Webhook-Signature`, retried twice more after a 5xx, a timeout or a dropped
//! connection, never after a 4xx.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::state::{LinkedAccount, WebhookTarget};
use crate::server::merge::signature;

#[derive(Clone)]
pub struct Webhooks {
    tx: Option<mpsc::UnboundedSender<Vec<u8>>>,
    target: Option<WebhookTarget>,
}

impl Webhooks {
    /// Starts the delivery worker when a target is configured.
    pub fn start(target: Option<WebhookTarget>) -> Self {
        let Some(t) = target.clone() else {
            return Self {
                tx: None,
                target: None,
            };
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a TLS backend is compiled in");
            while let Some(body) = rx.recv().await {
                deliver(&http, &t, body).await;
            }
        });
        Self {
            tx: Some(tx),
            target,
        }
    }

    pub fn send(&self, event: &str, account: &LinkedAccount, data: Value) {
        let (Some(tx), Some(target)) = (&self.tx, &self.target) else {
            return;
        };
        let payload = json!({
            "hook": {"id": uuid::Uuid::new_v4().to_string(), "event": event, "target": target.url},
            "linked_account": super::accounts::details_json(account, &account.faults),
            "data": data,
        });
        let _ = tx.send(payload.to_string().into_bytes());
    }
}

async fn deliver(http: &reqwest::Client, target: &WebhookTarget, body: Vec<u8>) {
    let signature = signature::sign(target.key.as_bytes(), &body);
    for attempt in 1..=3u32 {
        let res = http
            .post(&target.url)
            .header("content-type", "application/json")
            .header(signature::HEADER, &signature)
            .body(body.clone())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => return,
            Ok(r) if r.status().is_client_error() => {
                tracing::warn!(
                    status = r.status().as_u16(),
                    "sandbox webhook refused; not retrying"
                );
                return;
            }
            Ok(r) => tracing::info!(
                status = r.status().as_u16(),
                attempt,
                "sandbox webhook failed"
            ),
            Err(err) => {
                tracing::info!(error = %err.without_url(), attempt, "sandbox webhook failed")
            }
        }
        tokio::time::sleep(Duration::from_secs(attempt as u64)).await;
    }
}
