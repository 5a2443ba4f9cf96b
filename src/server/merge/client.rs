//! The Merge HRIS client: exactly the HTTP calls the product needs, with Merge's pagination,
//! retry and rate-limit rules. The API key and account tokens travel only in headers; they never
//! appear in a URL, a log line, an error or `Debug` output.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::MergeError;
use super::failure_budget::FailureBudget;
use super::models::{
    AccountDetails, AccountTokenResponse, Integration, Issue, LinkToken, Page, SyncStatus,
};
use super::query::{ListQuery, PAGE_SIZE};
use super::retry::{RetryPolicy, is_retryable};
use super::scopes;
use crate::domain::field_policy::Consent;
use crate::server::secret::Secret;

/// Merge's regional API hosts; accounts and data are bound to one.
pub const US_BASE_URL: &str = "https://api.merge.dev/api";
pub const EU_BASE_URL: &str = "https://api-eu.merge.dev/api";
pub const APAC_BASE_URL: &str = "https://api-ap.merge.dev/api";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Employees,
    Employments,
    Teams,
    Locations,
    Groups,
    Companies,
}

impl Resource {
    pub fn path(self) -> &'static str {
        match self {
            Resource::Employees => "/hris/v1/employees",
            Resource::Employments => "/hris/v1/employments",
            Resource::Teams => "/hris/v1/teams",
            Resource::Locations => "/hris/v1/locations",
            Resource::Groups => "/hris/v1/groups",
            Resource::Companies => "/hris/v1/companies",
        }
    }
}

#[derive(Clone)]
pub struct MergeClient {
    http: reqwest::Client,
    base_url: String,
    api_key: Secret,
    retry: RetryPolicy,
    budget: Arc<FailureBudget>,
}

impl std::fmt::Debug for MergeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergeClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// Who is linking, and what they agreed to share.
#[derive(Debug, Clone)]
pub struct EndUser {
    pub email: String,
    pub organization_name: String,
    /// Unique per connection, so one account can hold several HR systems.
    pub origin_id: String,
}

/// HR-system credentials for a bootstrap. `Debug` shows only the field names.
#[derive(Clone, Default, Serialize)]
pub struct Credentials(pub BTreeMap<String, String>);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// What link-token and bootstrap requests both say: who is linking which system, and the
/// fields the admin consented to.
fn linking_body(user: &EndUser, integration: &str, consent: &Consent) -> serde_json::Value {
    serde_json::json!({
        "end_user_email_address": user.email,
        "end_user_organization_name": user.organization_name,
        "end_user_origin_id": user.origin_id,
        "categories": ["hris"],
        "integration": integration,
        "category_common_model_scopes": scopes::category_common_model_scopes(consent),
    })
}

impl MergeClient {
    pub fn new(base_url: &str, api_key: Secret) -> Self {
        Self::with_policy(base_url, api_key, RetryPolicy::default())
    }

    pub fn with_policy(base_url: &str, api_key: Secret, retry: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("hr-connectors/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a TLS backend is compiled in");
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            retry,
            budget: Arc::new(FailureBudget::merge_default()),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every integration enabled for the Merge organisation, all pages.
    pub async fn organization_integrations(&self) -> Result<Vec<Integration>, MergeError> {
        let all: Vec<Integration> = self
            .all_pages(
                "organization integrations",
                "/organizations/integrations",
                None,
                &[],
            )
            .await?;
        Ok(all.into_iter().filter(|i| !i.slug.is_empty()).collect())
    }

    pub async fn create_link_token(
        &self,
        user: &EndUser,
        integration: &str,
        consent: &Consent,
    ) -> Result<LinkToken, MergeError> {
        let mut body = linking_body(user, integration, consent);
        body["link_expiry_mins"] = 30.into();
        // A hosted Link page the admin can be sent to, rather than Merge's embeddable script,
        // which this app does not load.
        body["should_create_magic_link_url"] = true.into();
        body["common_models"] = serde_json::json!(scopes::common_models(consent));
        self.send_json(
            "create link token",
            Method::POST,
            "/integrations/create-link-token",
            None,
            &[],
            Some(&body),
        )
        .await
    }

    pub async fn exchange_public_token(
        &self,
        public_token: &str,
    ) -> Result<AccountTokenResponse, MergeError> {
        // Tokens are URL-safe; refusing anything else keeps the path from being bent.
        if public_token.is_empty()
            || !public_token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(MergeError::Status {
                endpoint: "account token",
                status: StatusCode::BAD_REQUEST,
                headers: Default::default(),
                body: r#"{"detail":"The public token is malformed."}"#.into(),
            });
        }
        self.get_json(
            "account token",
            &format!("/integrations/account-token/{public_token}"),
            None,
            &[],
        )
        .await
    }

    /// Creates a linked account from credentials the admin typed in our own form. Merge enables
    /// this per organisation; where it is not enabled the caller falls back to Merge Link.
    pub async fn bootstrap_linked_account(
        &self,
        user: &EndUser,
        integration: &str,
        consent: &Consent,
        credentials: &Credentials,
    ) -> Result<AccountTokenResponse, MergeError> {
        let mut body = linking_body(user, integration, consent);
        body["credentials"] = serde_json::json!(credentials.0);
        self.send_json(
            "bootstrap linked account",
            Method::POST,
            "/integrations/bootstrap-linked-account",
            None,
            &[],
            Some(&body),
        )
        .await
    }

    /// One page of a Common Model list.
    pub async fn list_page<T: DeserializeOwned>(
        &self,
        account_token: &Secret,
        resource: Resource,
        query: &ListQuery,
        cursor: Option<&str>,
    ) -> Result<Page<T>, MergeError> {
        self.get_json(
            resource_endpoint(resource),
            resource.path(),
            Some(account_token),
            &query.pairs(cursor),
        )
        .await
    }

    /// Every page of a small list (teams, locations, groups); employees are paged by the caller.
    pub async fn list_all<T: DeserializeOwned>(
        &self,
        account_token: &Secret,
        resource: Resource,
        query: &ListQuery,
    ) -> Result<Vec<T>, MergeError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page: Page<T> = self
                .list_page(account_token, resource, query, cursor.as_deref())
                .await?;
            let next = page.next_cursor().map(str::to_owned);
            out.extend(page.results);
            match next {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    pub async fn sync_status(&self, account_token: &Secret) -> Result<Vec<SyncStatus>, MergeError> {
        self.all_pages(
            "sync status",
            "/hris/v1/sync-status",
            Some(account_token),
            &[],
        )
        .await
    }

    pub async fn account_details(
        &self,
        account_token: &Secret,
    ) -> Result<AccountDetails, MergeError> {
        self.get_json(
            "account details",
            "/hris/v1/account-details",
            Some(account_token),
            &[],
        )
        .await
    }

    /// Deletes the linked account at Merge (a POST, as Merge defines it).
    pub async fn delete_account(&self, account_token: &Secret) -> Result<(), MergeError> {
        self.execute(
            "delete account",
            Method::POST,
            "/hris/v1/delete-account",
            Some(account_token),
            &[],
            None,
        )
        .await
        .map(drop)
    }

    /// Open issues of one linked account.
    pub async fn issues(&self, linked_account_id: &str) -> Result<Vec<Issue>, MergeError> {
        self.all_pages(
            "issues",
            "/hris/v1/issues",
            None,
            &[("linked_account_id", linked_account_id.to_owned())],
        )
        .await
    }

    /// Follows a paginated list to its end, with identical parameters on every page.
    async fn all_pages<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: &str,
        account_token: Option<&Secret>,
        params: &[(&'static str, String)],
    ) -> Result<Vec<T>, MergeError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = params.to_vec();
            query.push(("page_size", PAGE_SIZE.to_string()));
            if let Some(c) = &cursor {
                query.push(("cursor", c.clone()));
            }
            let page: Page<T> = self.get_json(endpoint, path, account_token, &query).await?;
            let next = page.next_cursor().map(str::to_owned);
            out.extend(page.results);
            match next {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: &str,
        account_token: Option<&Secret>,
        query: &[(&'static str, String)],
    ) -> Result<T, MergeError> {
        self.send_json(endpoint, Method::GET, path, account_token, query, None)
            .await
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        account_token: Option<&Secret>,
        query: &[(&'static str, String)],
        body: Option<&Value>,
    ) -> Result<T, MergeError> {
        let bytes = self
            .execute(endpoint, method, path, account_token, query, body)
            .await?;
        serde_json::from_slice(&bytes).map_err(|source| MergeError::Decode { endpoint, source })
    }

    /// Sends one request, retrying what Merge says is transient, and returns the body.
    async fn execute(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        account_token: Option<&Secret>,
        query: &[(&'static str, String)],
        body: Option<&Value>,
    ) -> Result<Bytes, MergeError> {
        let url = format!("{}{}", self.base_url, path);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.budget.acquire().await;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(self.api_key.expose())
                .header("accept", "application/json")
                .query(query);
            if let Some(token) = account_token {
                req = req.header("X-Account-Token", token.expose());
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let outcome = match req.send().await {
                Ok(res) => {
                    let status = res.status();
                    let headers = res.headers().clone();
                    match res.bytes().await {
                        Ok(bytes) => Ok((status, headers, bytes)),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let retries_left = attempt <= self.retry.max_retries;
            match outcome {
                Ok((status, _, bytes)) if status.is_success() => return Ok(bytes),
                Ok((status, headers, bytes)) => {
                    if status.as_u16() >= 400 && status != StatusCode::TOO_MANY_REQUESTS {
                        self.budget.record_failure(std::time::Instant::now());
                    }
                    if is_retryable(status) && retries_left {
                        let wait = self
                            .retry
                            .delay(attempt, Some(&headers), chrono::Utc::now());
                        tracing::info!(
                            endpoint,
                            status = status.as_u16(),
                            attempt,
                            wait_ms = wait.as_millis() as u64,
                            "Merge request will be retried"
                        );
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(MergeError::Status {
                        endpoint,
                        status,
                        headers,
                        body: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                }
                Err(source) => {
                    // The URL can carry a public token in its path; keep it out of errors.
                    let source = source.without_url();
                    if retries_left {
                        let wait = self.retry.delay(attempt, None, chrono::Utc::now());
                        tracing::info!(endpoint, attempt, error = %source, wait_ms = wait.as_millis() as u64, "Merge request failed in transit; retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(MergeError::Transport { endpoint, source });
                }
            }
        }
    }
}

fn resource_endpoint(resource: Resource) -> &'static str {
    match resource {
        Resource::Employees => "employees",
        Resource::Employments => "employments",
        Resource::Teams => "teams",
        Resource::Locations => "locations",
        Resource::Groups => "groups",
        Resource::Companies => "companies",
    }
}
