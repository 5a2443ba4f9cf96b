//! The recipients query against real Postgres: each filter, and random combinations compared
//! with a plain in-memory reference over the same staff.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use hr_connectors::domain::role::Role;
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::domain::user::CurrentUser;
use hr_connectors::server::integrations::connect::{ConnectInput, connect_with_credentials};
use hr_connectors::server::merge::client::MergeClient;
use hr_connectors::server::sandbox::{self, state::SandboxConfig};
use hr_connectors::server::secret::Secret;
use hr_connectors::server::store::staff_query;
use hr_connectors::server::sync::run::{SyncContext, SyncPolicy};
use hr_connectors::server::sync::worker::run_one;
use rand::{Rng, SeedableRng};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
struct Person {
    connection_id: Uuid,
    merge_id: String,
    display_name: String,
    work_email: Option<String>,
    team_id: Option<String>,
    manager_id: Option<String>,
    country: Option<String>,
    start_date: Option<NaiveDate>,
    employment_status: Option<String>,
    termination_date: Option<NaiveDate>,
    search_text: String,
    connected_at: chrono::DateTime<Utc>,
}

async fn synced_account(pool: &PgPool) -> (Uuid, Vec<Person>, Vec<(Uuid, String, Option<String>)>) {
    let handle = sandbox::spawn(
        SandboxConfig {
            api_key: Some("k".into()),
            initial_sync: Duration::from_millis(50),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let merge = MergeClient::new(&handle.api_url(), Secret::new("k"));
    let state = common::state_with(pool.clone(), merge.clone());
    let u = common::user(pool, "Acme Ltd", "ada@acme.example", Role::Admin).await;
    let admin = CurrentUser {
        user_id: u.user_id,
        account_id: u.account_id,
        account_name: "Acme Ltd".into(),
        name: "Ada".into(),
        email: u.email.clone(),
        role: Role::Admin,
    };
    for subdomain in ["acme", "globex"] {
        connect_with_credentials(
            &state,
            &admin,
            ConnectInput {
                slug: "sage-hr".into(),
                label: subdomain.into(),
                optional_fields: vec!["job_title".into()],
                credentials: BTreeMap::from([
                    ("subdomain".into(), subdomain.into()),
                    ("api_key".into(), "demo-api-key".into()),
                ]),
            },
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ctx = SyncContext {
        pool: pool.clone(),
        secrets: state.secrets.clone(),
        merge,
        worker: "w".into(),
        policy: SyncPolicy {
            poll_merge_every: Duration::from_millis(20),
            ..SyncPolicy::default()
        },
        public_url: "http://127.0.0.1:3000".into(),
    };
    while run_one(&ctx).await.unwrap().is_some() {}
    let people: Vec<Person> = sqlx::query_as(
        "SELECT s.connection_id, s.merge_id, s.display_name, s.work_email, s.team_id, s.manager_id, s.country,
                s.start_date, s.employment_status, s.termination_date, s.search_text, c.created_at AS connected_at
         FROM staff s JOIN connections c ON c.id = s.connection_id WHERE s.account_id = $1",
    )
    .bind(u.account_id)
    .fetch_all(pool)
    .await
    .unwrap();
    let teams: Vec<(Uuid, String, Option<String>)> =
        sqlx::query_as("SELECT connection_id, merge_id, parent_id FROM teams")
            .fetch_all(pool)
            .await
            .unwrap();
    (u.account_id, people, teams)
}

/// The straightforward reference: filter everyone in memory, then keep one row per email. The
/// typo-tolerant text match is Postgres' trigram function (`text`), which the reference reuses
/// rather than re-implements; everything else is computed here.
fn reference(
    people: &[Person],
    teams: &[(Uuid, String, Option<String>)],
    f: &StaffFilter,
    text: &BTreeSet<String>,
) -> BTreeSet<String> {
    let today = Utc::now().date_naive();
    let team_set: BTreeSet<(Uuid, String)> = {
        let mut set: BTreeSet<(Uuid, String)> = f
            .teams
            .iter()
            .filter_map(|t| t.split_once('/'))
            .map(|(c, id)| (Uuid::parse_str(c).unwrap(), id.to_owned()))
            .collect();
        loop {
            let more: Vec<_> = teams
                .iter()
                .filter(|(c, id, parent)| {
                    parent
                        .as_ref()
                        .is_some_and(|p| set.contains(&(*c, p.clone())))
                        && !set.contains(&(*c, id.clone()))
                })
                .map(|(c, id, _)| (*c, id.clone()))
                .collect();
            if more.is_empty() {
                break set;
            }
            set.extend(more);
        }
    };
    let reports: Option<BTreeSet<(Uuid, String)>> = f.manager.as_ref().map(|m| {
        let (c, id) = m.split_once('/').unwrap();
        let c = Uuid::parse_str(c).unwrap();
        let mut frontier = vec![id.to_owned()];
        let mut out = BTreeSet::new();
        while let Some(boss) = frontier.pop() {
            for p in people
                .iter()
                .filter(|p| p.connection_id == c && p.manager_id.as_deref() == Some(&boss))
            {
                if out.insert((c, p.merge_id.clone())) && !f.direct_only {
                    frontier.push(p.merge_id.clone());
                }
            }
        }
        out
    });
    // One record per work email: the earliest-connected connection's.
    let mut by_person: BTreeMap<String, &Person> = BTreeMap::new();
    for p in people {
        let key = p
            .work_email
            .clone()
            .map(|e| e.to_lowercase())
            .unwrap_or_else(|| format!("{}/{}", p.connection_id, p.merge_id));
        let keep = match by_person.get(&key) {
            Some(q) => (p.connected_at, p.connection_id) < (q.connected_at, q.connection_id),
            None => true,
        };
        if keep {
            by_person.insert(key, p);
        }
    }
    by_person
        .values()
        .filter(|p| {
            f.q.trim().is_empty() || text.contains(&format!("{}/{}", p.connection_id, p.merge_id))
        })
        .filter(|p| {
            f.teams.is_empty()
                || p.team_id
                    .as_ref()
                    .is_some_and(|t| team_set.contains(&(p.connection_id, t.clone())))
        })
        .filter(|p| {
            reports
                .as_ref()
                .is_none_or(|r| r.contains(&(p.connection_id, p.merge_id.clone())))
        })
        .filter(|p| {
            f.joined_within.is_none_or(|d| {
                p.start_date
                    .is_some_and(|s| s <= today && s > today - chrono::Duration::days(d as i64))
            })
        })
        .filter(|p| {
            f.countries.is_empty() || p.country.as_ref().is_some_and(|c| f.countries.contains(c))
        })
        .filter(|p| {
            f.include_leavers
                || (p.employment_status.as_deref() != Some("INACTIVE")
                    && p.termination_date.is_none_or(|t| t > today))
        })
        .filter(|p| {
            f.include_pending
                || (p.employment_status.as_deref() != Some("PENDING")
                    && p.start_date.is_none_or(|s| s <= today))
        })
        .map(|p| format!("{}/{}", p.connection_id, p.merge_id))
        .collect()
}

/// Records whose search text matches `q` (substring, or trigram word similarity ≥ 0.35).
async fn text_matches(pool: &PgPool, account: Uuid, q: &str) -> BTreeSet<String> {
    let q = hr_connectors::server::sync::minimise::search_text(&[Some(q.trim())]);
    sqlx::query_scalar(
        "SELECT connection_id::text || '/' || merge_id FROM staff
         WHERE account_id = $1 AND (strpos(search_text, $2) > 0 OR word_similarity($2, search_text) >= 0.35)",
    )
    .bind(account)
    .bind(q)
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

async fn check(
    pool: &PgPool,
    account: Uuid,
    people: &[Person],
    teams: &[(Uuid, String, Option<String>)],
    f: &StaffFilter,
) {
    let text = text_matches(pool, account, &f.q).await;
    assert_eq!(
        query_keys(pool, account, f).await,
        reference(people, teams, f, &text),
        "{f:?}"
    );
}

async fn query_keys(pool: &PgPool, account: Uuid, f: &StaffFilter) -> BTreeSet<String> {
    staff_query::keys(pool, account, f)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect()
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn every_filter_matches_the_reference(pool: PgPool) {
    let (account, people, teams) = synced_account(&pool).await;
    let everyone = query_keys(&pool, account, &StaffFilter::default()).await;
    check(&pool, account, &people, &teams, &StaffFilter::default()).await;
    // Two systems, 1,440 records; shared people count once and leavers are out by default.
    assert!(everyone.len() < people.len());

    let sample = &people[123];
    let manager = people
        .iter()
        .find(|p| p.manager_id.is_none() && p.connection_id == sample.connection_id)
        .unwrap();
    let some_team = teams
        .iter()
        .find(|t| t.2.is_none())
        .map(|t| format!("{}/{}", t.0, t.1))
        .unwrap();
    let fixed = vec![
        StaffFilter {
            q: sample.display_name.split(' ').next().unwrap().to_owned(),
            ..Default::default()
        },
        StaffFilter {
            teams: vec![some_team.clone()],
            ..Default::default()
        },
        StaffFilter {
            manager: Some(format!("{}/{}", manager.connection_id, manager.merge_id)),
            ..Default::default()
        },
        StaffFilter {
            manager: Some(format!("{}/{}", manager.connection_id, manager.merge_id)),
            direct_only: true,
            ..Default::default()
        },
        StaffFilter {
            joined_within: Some(30),
            ..Default::default()
        },
        StaffFilter {
            countries: vec!["DE".into(), "GB".into()],
            ..Default::default()
        },
        StaffFilter {
            include_leavers: true,
            include_pending: true,
            ..Default::default()
        },
        StaffFilter {
            joined_within: Some(90),
            countries: vec!["DE".into()],
            ..Default::default()
        },
    ];
    for f in &fixed {
        check(&pool, account, &people, &teams, f).await;
    }

    // Random combinations.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let countries = ["GB", "DE", "US", "FR", "SG", "BR", "PL", "AU", "CA"];
    for _ in 0..60 {
        let p = &people[rng.gen_range(0..people.len())];
        let f = StaffFilter {
            q: if rng.gen_bool(0.3) {
                p.search_text
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(4)
                    .collect()
            } else {
                String::new()
            },
            teams: if rng.gen_bool(0.4) {
                let t = &teams[rng.gen_range(0..teams.len())];
                vec![format!("{}/{}", t.0, t.1)]
            } else {
                vec![]
            },
            manager: p
                .manager_id
                .as_ref()
                .filter(|_| rng.gen_bool(0.3))
                .map(|m| format!("{}/{m}", p.connection_id)),
            direct_only: rng.gen_bool(0.5),
            joined_within: [None, Some(7), Some(30), Some(90), Some(2000)][rng.gen_range(0..5)],
            countries: (0..rng.gen_range(0..3))
                .map(|_| countries[rng.gen_range(0..countries.len())].to_owned())
                .collect(),
            include_pending: rng.gen_bool(0.3),
            include_leavers: rng.gen_bool(0.3),
            page: 0,
        };
        check(&pool, account, &people, &teams, &f).await;
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn search_is_accent_case_and_typo_tolerant_and_account_scoped(pool: PgPool) {
    let (account, _, _) = synced_account(&pool).await;
    let names = |f: StaffFilter| {
        let pool = pool.clone();
        async move {
            staff_query::keys(&pool, account, &f)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.display_name)
                .collect::<Vec<_>>()
        }
    };
    let jose = names(StaffFilter {
        q: "jose".into(),
        ..Default::default()
    })
    .await;
    assert!(jose.iter().any(|n| n.contains("José")), "{jose:?}");
    let upper = names(StaffFilter {
        q: "JOSÉ".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(jose, upper);
    let stephen = names(StaffFilter {
        q: "stephen".into(),
        ..Default::default()
    })
    .await;
    assert!(stephen.iter().any(|n| n.contains("Steven")), "{stephen:?}");
    // Markup in a search is just text.
    assert!(
        names(StaffFilter {
            q: "<script>".into(),
            ..Default::default()
        })
        .await
        .iter()
        .all(|n| n.contains("<script>"))
    );

    let other = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    assert_eq!(
        staff_query::count(&pool, other.account_id, &StaffFilter::default())
            .await
            .unwrap(),
        0
    );
}
