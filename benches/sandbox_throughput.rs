//! How fast the bundled sandbox serves employees to the Merge client, in 100-record pages with
//! the expansions the sync uses. Target: at least 20,000 employees per second on a
//! 2-core machine, so the sandbox is never the bottleneck of the sync benchmark.
//!
//! Run: `cargo bench --features ssr --bench sandbox_throughput [-- <employees>]`

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hr_connectors::domain::field_policy::Consent;
use hr_connectors::server::merge::client::{Credentials, EndUser, MergeClient, Resource};
use hr_connectors::server::merge::models::{Employee, Page};
use hr_connectors::server::merge::query::ListQuery;
use hr_connectors::server::sandbox::{self, state::SandboxConfig};
use hr_connectors::server::secret::Secret;

#[tokio::main]
async fn main() {
    let size: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let handle = sandbox::spawn(
        SandboxConfig {
            api_key: Some("bench".into()),
            default_size: size,
            initial_sync: Duration::ZERO,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("sandbox");
    let client = MergeClient::new(&handle.api_url(), Secret::new("bench"));
    // Personio has no subdomain, so the workforce takes the configured default size.
    let linked = client
        .bootstrap_linked_account(
            &EndUser {
                email: "bench@acme.example".into(),
                organization_name: "Acme Ltd".into(),
                origin_id: "bench".into(),
            },
            "personio",
            &Consent::defaults(),
            &Credentials(BTreeMap::from([
                ("client_id".into(), "papi-bench".into()),
                ("client_secret".into(), "demo-secret".into()),
            ])),
        )
        .await
        .expect("link");
    let token = Secret::new(linked.account_token);
    let query = ListQuery {
        expand: vec!["employments", "work_location", "groups"],
        ..ListQuery::default()
    };

    let started = Instant::now();
    let mut cursor: Option<String> = None;
    let (mut people, mut pages) = (0usize, 0usize);
    loop {
        let page: Page<Employee> = client
            .list_page(&token, Resource::Employees, &query, cursor.as_deref())
            .await
            .expect("page");
        people += page.results.len();
        pages += 1;
        match page.next_cursor() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sandbox → client: {people} employees in {pages} pages of 100 (expand employments, work_location, groups) in {secs:.2} s = {:.0} employees/s ({:.2} ms/page)",
        people as f64 / secs,
        secs * 1000.0 / pages as f64
    );
    assert_eq!(people as u64, size, "every employee arrives exactly once");
}
