//! One rule for who counts. Every listing (the recipients search, campaign audiences, the
//! campaign list's counts, exports, "why isn't this person in my list?", the filter options and
//! a connection's reach) agrees with the same definitions of a leaver, someone starting later,
//! a record the HR system still lists and a visible connection, on an account that has all of
//! them: leavers and pending starters as the HR system marks them and as their dates make them
//! (today being the boundary), removed and deleted records, a connection disconnected past its
//! read-only days, one within them and one waiting to be relinked. The expected sets are worked out here from the
//! raw columns, independently of the SQL functions the listings use.

use crate::common;

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use common::SyncedEnv;
use hr_connectors::domain::campaign::{AudienceKind, ValidCampaign};
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::server::campaigns::why_not;
use hr_connectors::server::store::connections::Connection;
use hr_connectors::server::store::{audiences, campaigns, derived, reach, staff_query};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug)]
struct Raw {
    key: String,
    connection_id: Uuid,
    employment_status: Option<String>,
    termination_date: Option<NaiveDate>,
    start_date: Option<NaiveDate>,
    removed_at: Option<DateTime<Utc>>,
    deleted: bool,
    is_primary: bool,
    country: Option<String>,
    status: String,
    read_only_until: Option<DateTime<Utc>>,
}

struct Judged {
    raw: Raw,
    left: bool,
    not_started: bool,
    in_hr_data: bool,
    visible: bool,
}

impl Judged {
    fn shown(&self) -> bool {
        self.raw.is_primary && self.in_hr_data && self.visible
    }
}

async fn judged(pool: &PgPool, account: Uuid) -> Vec<Judged> {
    let clock = sqlx::query!(r#"SELECT current_date AS "today!", now() AS "now!""#)
        .fetch_one(pool)
        .await
        .unwrap();
    let (today, now) = (clock.today, clock.now);
    let rows = sqlx::query_as!(
        Raw,
        r#"SELECT p.connection_id::text || '/' || p.merge_id AS "key!", p.connection_id,
             p.employment_status, p.termination_date, p.start_date, p.removed_at, p.deleted,
             p.is_primary, p.country, c.status, c.read_only_until
         FROM staff p JOIN connections c ON c.id = p.connection_id WHERE p.account_id = $1"#,
        account,
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|raw| Judged {
            left: raw.employment_status.as_deref() == Some("INACTIVE")
                || raw.termination_date.is_some_and(|d| d <= today),
            not_started: raw.employment_status.as_deref() == Some("PENDING")
                || raw.start_date.is_some_and(|d| d > today),
            in_hr_data: raw.removed_at.is_none() && !raw.deleted,
            visible: raw.status != "disconnected" || raw.read_only_until.is_some_and(|t| t > now),
            raw,
        })
        .collect()
}

/// The judged person with `key`.
fn find<'a>(people: &'a [Judged], key: &str) -> &'a Judged {
    people.iter().find(|p| p.raw.key == key).unwrap()
}

/// Sets one column of the first active, dated, not-yet-changed person of `connection` and
/// returns their key. `$set` is literal SQL, so that each statement is checked at compile time.
macro_rules! mark {
    ($pool:expr, $connection:expr, $set:literal, $taken:expr $(,)?) => {{
        let taken: &mut BTreeSet<String> = $taken;
        let key = sqlx::query_scalar!(
            "UPDATE staff SET "
                + $set
                + r#" WHERE (connection_id, merge_id) = (
                     SELECT connection_id, merge_id FROM staff
                     WHERE connection_id = $1 AND employment_status = 'ACTIVE'
                       AND termination_date IS NULL AND start_date < current_date
                       AND NOT (connection_id::text || '/' || merge_id = ANY($2))
                     ORDER BY merge_id LIMIT 1)
                 RETURNING connection_id::text || '/' || merge_id AS "key!""#,
            $connection,
            &taken.iter().cloned().collect::<Vec<_>>(),
        )
        .fetch_one($pool)
        .await
        .unwrap();
        taken.insert(key.clone());
        key
    }};
}

/// Two sets of keys are equal; otherwise says how many differ each way and names a few.
fn same<T: Ord + std::fmt::Debug>(listed: &BTreeSet<T>, expected: &BTreeSet<T>, what: &str) {
    let extra: Vec<_> = listed.difference(expected).take(3).collect();
    let missing: Vec<_> = expected.difference(listed).take(3).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{what}: {} listed but not expected (e.g. {extra:?}), {} expected but not listed (e.g. {missing:?})",
        listed.difference(expected).count(),
        expected.difference(listed).count(),
    );
}

/// Creates a campaign named `name` and saves its audience.
async fn campaign_of(
    env: &SyncedEnv,
    name: &str,
    kind: AudienceKind,
    filter: &StaffFilter,
) -> Uuid {
    let pool = &env.state.pool;
    let account = env.admin.account_id;
    let draft = ValidCampaign {
        name: name.into(),
        occasion: "Other".into(),
        budget_minor: None,
        currency: "GBP".into(),
        notes: String::new(),
    };
    let id = campaigns::create(pool, account, env.admin.user_id, &draft)
        .await
        .unwrap();
    audiences::save(pool, account, id, kind, filter, Vec::new())
        .await
        .unwrap();
    id
}

/// The people of acme made to sit on each rule's boundary.
struct Marked {
    left_today: String,
    leaving_later: String,
    starting_later: String,
    starting_today: String,
    removed: String,
    deleted: String,
}

/// Puts people of acme on each rule's boundary, disconnects globex past its read-only days and
/// initech within them, and leaves acme waiting to be relinked.
async fn mark_the_boundaries(
    pool: &PgPool,
    acme: &Connection,
    globex: &Connection,
    initech: &Connection,
) -> Marked {
    let mut taken = BTreeSet::new();
    let left_today = mark!(pool, acme.id, "termination_date = current_date", &mut taken);
    let leaving_later = mark!(
        pool,
        acme.id,
        "termination_date = current_date + 10",
        &mut taken
    );
    let starting_later = mark!(pool, acme.id, "start_date = current_date + 5", &mut taken);
    let starting_today = mark!(pool, acme.id, "start_date = current_date", &mut taken);
    // The generated workforce usually has some of each; these make sure.
    mark!(pool, acme.id, "employment_status = 'INACTIVE'", &mut taken);
    mark!(pool, acme.id, "employment_status = 'PENDING'", &mut taken);
    let removed = mark!(pool, acme.id, "removed_at = now()", &mut taken);
    let deleted = mark!(pool, acme.id, "deleted = true", &mut taken);
    sqlx::query!(
        "UPDATE connections SET status = 'disconnected', disconnected_at = now() - interval '40 days',
             read_only_until = now() - interval '10 days' WHERE id = $1",
        globex.id,
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query!(
        "UPDATE connections SET status = 'disconnected', disconnected_at = now() - interval '2 days',
             read_only_until = now() + interval '28 days' WHERE id = $1",
        initech.id,
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query!(
        "UPDATE connections SET status = 'needs_relink' WHERE id = $1",
        acme.id,
    )
    .execute(pool)
    .await
    .unwrap();
    Marked {
        left_today,
        leaving_later,
        starting_later,
        starting_today,
        removed,
        deleted,
    }
}

/// The judgement here agrees with the boundaries as marked, and the account has every case.
fn assert_every_case_is_there(
    people: &[Judged],
    marked: &Marked,
    acme: &Connection,
    globex: &Connection,
    initech: &Connection,
) {
    let find = |key: &str| find(people, key);
    assert!(find(&marked.left_today).left && !find(&marked.leaving_later).left);
    assert!(find(&marked.starting_later).not_started && !find(&marked.starting_today).not_started);
    assert!(!find(&marked.removed).in_hr_data && !find(&marked.deleted).in_hr_data);
    for (what, status) in [("left", "INACTIVE"), ("pending", "PENDING")] {
        assert!(
            people
                .iter()
                .any(|p| p.shown() && p.raw.employment_status.as_deref() == Some(status)),
            "the fixture has people the HR system marks {what}"
        );
    }
    assert!(
        people
            .iter()
            .any(|p| p.raw.connection_id == globex.id && !p.visible)
    );
    // Read-only and waiting for a relink, their people are still shown.
    for c in [initech, acme] {
        assert!(
            people
                .iter()
                .any(|p| p.raw.connection_id == c.id && p.shown())
        );
    }
}

/// The recipients search, with and without leavers and people starting later.
async fn assert_the_search_agrees(pool: &PgPool, account: Uuid, people: &[Judged]) {
    for (include_leavers, include_pending) in
        [(false, false), (true, false), (false, true), (true, true)]
    {
        let f = StaffFilter {
            include_leavers,
            include_pending,
            ..StaffFilter::default()
        };
        let rows = common::every_row(pool, account, &f).await.unwrap();
        let listed: BTreeSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        let expected: BTreeSet<&str> = people
            .iter()
            .filter(|p| {
                p.shown() && (include_leavers || !p.left) && (include_pending || !p.not_started)
            })
            .map(|p| p.raw.key.as_str())
            .collect();
        same(
            &listed,
            &expected,
            &format!("leavers {include_leavers}, pending {include_pending}"),
        );
        for r in &rows {
            let p = find(people, &r.key);
            let status = if p.left {
                "Left"
            } else if p.not_started {
                "Starting soon"
            } else {
                "Active"
            };
            assert_eq!(r.status, status, "{}", r.key);
        }
    }
}

/// Campaign audiences: the saved people who still count, in the list, its count and the export.
/// Returns everyone saved.
async fn assert_the_audience_agrees(
    pool: &PgPool,
    account: Uuid,
    all: Uuid,
    people: &[Judged],
) -> BTreeSet<String> {
    let members: BTreeSet<String> = sqlx::query_scalar!(
        r#"SELECT connection_id::text || '/' || merge_id AS "key!" FROM campaign_members
           WHERE campaign_id = $1"#,
        all,
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let eligible: BTreeSet<String> = members
        .iter()
        .filter(|k| {
            let p = find(people, k);
            p.in_hr_data && p.visible && !p.left
        })
        .cloned()
        .collect();
    assert!(eligible.len() < members.len());
    let mut listed = BTreeSet::new();
    for page in 0.. {
        let chunk = audiences::recipients(pool, account, all, "", page)
            .await
            .unwrap()
            .unwrap();
        if chunk.rows.is_empty() {
            break;
        }
        assert_eq!(chunk.total as usize, eligible.len());
        listed.extend(chunk.rows.into_iter().map(|r| r.key));
    }
    same(&listed, &eligible, "campaign recipients");
    let summary = campaigns::get(pool, account, all).await.unwrap().unwrap();
    assert_eq!(summary.recipients as usize, eligible.len());
    let exported = audiences::export(pool, account, all).await.unwrap();
    assert_eq!(exported.len(), eligible.len());
    members
}

/// Why not: each rule gives its reason, and someone who counts is included. `all` saved
/// everyone as `members`; `started` follows the default filter.
async fn assert_why_not_agrees(
    pool: &PgPool,
    account: Uuid,
    (all, started): (Uuid, Uuid),
    people: &[Judged],
    members: &BTreeSet<String>,
    marked: &Marked,
    globex: &Connection,
) {
    let explain = |campaign: Uuid, key: String| async move {
        why_not::explain(pool, account, campaign, &key)
            .await
            .unwrap()
            .unwrap()
    };
    let leaver = explain(all, marked.left_today.clone()).await;
    assert!(
        !leaver.included
            && leaver
                .reasons
                .iter()
                .any(|r| r.contains("Leavers never receive gifts")),
        "{leaver:?}"
    );
    let gone = people
        .iter()
        .find(|p| p.raw.connection_id == globex.id && members.contains(&p.raw.key))
        .unwrap();
    let gone = explain(all, gone.raw.key.clone()).await;
    assert!(
        !gone.included && gone.reasons.iter().any(|r| r.contains("was disconnected")),
        "{gone:?}"
    );
    let stays = explain(all, marked.leaving_later.clone()).await;
    assert!(stays.included, "{stays:?}");
    let later = explain(started, marked.starting_later.clone()).await;
    assert!(
        !later.included && later.reasons.iter().any(|r| r.contains("They start on")),
        "{later:?}"
    );
}

/// Filter options come from the people shown and the connections visible.
async fn assert_the_filter_options_agree(
    pool: &PgPool,
    account: Uuid,
    people: &[Judged],
    visible: [Uuid; 2],
) {
    let options = staff_query::options(pool, account).await.unwrap();
    let sources: BTreeSet<Uuid> = options
        .sources
        .iter()
        .map(|(id, _)| id.parse().unwrap())
        .collect();
    assert_eq!(sources, BTreeSet::from(visible));
    assert_eq!(options.connections, 2);
    let countries: BTreeSet<&str> = options
        .countries
        .iter()
        .map(|(code, _)| code.as_str())
        .collect();
    let expected: BTreeSet<&str> = people
        .iter()
        .filter(|p| p.shown())
        .filter_map(|p| p.raw.country.as_deref())
        .collect();
    assert_eq!(countries, expected);
}

/// A connection's reach counts by the same rules.
async fn assert_the_reach_agrees(pool: &PgPool, people: &[Judged], connection: Uuid) {
    let r = reach::reach(pool, connection).await.unwrap();
    let of_connection = || {
        people
            .iter()
            .filter(|p| p.raw.connection_id == connection && p.in_hr_data)
    };
    assert_eq!(r.synced as usize, of_connection().count());
    assert_eq!(
        r.leavers as usize,
        of_connection().filter(|p| p.left).count()
    );
    assert_eq!(
        r.not_started as usize,
        of_connection().filter(|p| !p.left && p.not_started).count()
    );
    assert_eq!(
        r.recipients as usize,
        of_connection()
            .filter(|p| !p.left && !p.not_started && p.raw.is_primary)
            .count()
    );
}

#[sqlx::test]
async fn every_listing_agrees_on_who_counts(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let acme = env.connect("acme").await;
    let globex = env.connect("globex").await;
    let initech = env.connect("initech").await;

    // Saved while everyone is visible, read after: the audience's people who stop counting drop
    // out when it is read.
    let everyone = StaffFilter {
        include_leavers: true,
        include_pending: true,
        ..StaffFilter::default()
    };
    let all = campaign_of(&env, "Everyone", AudienceKind::Snapshot, &everyone).await;
    let default = StaffFilter::default();
    let started = campaign_of(&env, "Started", AudienceKind::Dynamic, &default).await;

    let marked = mark_the_boundaries(&pool, &acme, &globex, &initech).await;
    derived::refresh_account(&pool, account).await.unwrap();

    let people = judged(&pool, account).await;
    assert_every_case_is_there(&people, &marked, &acme, &globex, &initech);
    assert_the_search_agrees(&pool, account, &people).await;
    let members = assert_the_audience_agrees(&pool, account, all, &people).await;
    let campaigns = (all, started);
    assert_why_not_agrees(
        &pool, account, campaigns, &people, &members, &marked, &globex,
    )
    .await;
    assert_the_filter_options_agree(&pool, account, &people, [acme.id, initech.id]).await;
    assert_the_reach_agrees(&pool, &people, acme.id).await;
}
