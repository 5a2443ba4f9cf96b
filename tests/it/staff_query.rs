//! The recipients query against real Postgres: each filter, and random combinations compared
//! with a plain in-memory reference over the same staff.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Utc};
use hr_connectors::domain::role::Role;
use hr_connectors::domain::staff_filter::{PAGE_SIZE, SortOrder, StaffFilter, StaffRow};
use hr_connectors::server::integrations::connect::{ConnectInput, connect_with_credentials};
use hr_connectors::server::store::staff_query;
use rand::{Rng, SeedableRng};
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
struct Person {
    connection_id: Uuid,
    merge_id: String,
    display_name: String,
    work_email: Option<String>,
    team_id: Option<String>,
    manager_id: Option<String>,
    country: Option<String>,
    city: Option<String>,
    job_title: Option<String>,
    department_ids: Vec<String>,
    birthday_month: Option<i16>,
    birthday_day: Option<i16>,
    start_date: Option<NaiveDate>,
    employment_status: Option<String>,
    termination_date: Option<NaiveDate>,
    search_text: String,
    connected_at: chrono::DateTime<Utc>,
}

struct Team {
    connection_id: Uuid,
    merge_id: String,
    parent_id: Option<String>,
}

impl Team {
    /// How the Team filter names the team.
    fn key(&self) -> String {
        format!("{}/{}", self.connection_id, self.merge_id)
    }
}

/// A person, as `connection/merge id` keys name them.
#[derive(Debug, Clone)]
struct Key {
    connection_id: Uuid,
    merge_id: String,
}

/// Changes the account's staff behind the sync's back (`$1` is the account), then brings what
/// is derived from them up to date as the worker does after a sync. The statement is literal
/// SQL, so that each one is checked at compile time.
macro_rules! change_staff {
    ($pool:expr, $account:expr, $sql:literal $(,)?) => {{
        let (pool, account): (&PgPool, Uuid) = ($pool, $account);
        sqlx::query!($sql, account).execute(pool).await.unwrap();
        fold(pool, account).await;
    }};
}

/// The keys of the account's people the staff view shows (leavers included) for whom the
/// literal SQL `condition` on `staff` holds.
macro_rules! shown_where {
    ($pool:expr, $account:expr, $condition:literal $(,)?) => {
        sqlx::query_scalar!(
            r#"SELECT connection_id::text || '/' || merge_id AS "key!" FROM staff
               WHERE account_id = $1 AND is_primary AND removed_at IS NULL AND NOT deleted
                 AND "#
                + $condition,
            $account,
        )
        .fetch_all($pool)
        .await
        .unwrap()
        .into_iter()
        .collect::<BTreeSet<String>>()
    };
}

async fn synced_account(pool: &PgPool) -> (Uuid, Vec<Person>, Vec<Team>) {
    let env = common::SyncedEnv::new(pool.clone()).await;
    for subdomain in ["acme", "globex"] {
        connect_with_credentials(
            &env.state,
            &env.admin,
            ConnectInput {
                slug: "sage-hr".into(),
                label: subdomain.into(),
                // Birthdays from one system only, so the filter meets people without one.
                optional_fields: if subdomain == "acme" {
                    vec!["job_title".into(), "birthday".into()]
                } else {
                    vec!["job_title".into()]
                },
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
    env.drain().await;
    let account = env.admin.account_id;
    let people = people_of(pool, account).await;
    let teams = sqlx::query_as!(Team, "SELECT connection_id, merge_id, parent_id FROM teams")
        .fetch_all(pool)
        .await
        .unwrap();
    (account, people, teams)
}

async fn people_of(pool: &PgPool, account: Uuid) -> Vec<Person> {
    sqlx::query_as!(
        Person,
        "SELECT s.connection_id, s.merge_id, s.display_name, s.work_email, s.team_id, s.manager_id, s.country,
                s.city, s.job_title, s.department_ids, s.birthday_month, s.birthday_day, s.start_date, s.employment_status, s.termination_date, s.search_text, c.created_at AS connected_at
         FROM staff s JOIN connections c ON c.id = s.connection_id WHERE s.account_id = $1",
        account,
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The straightforward reference: filter everyone in memory, then keep one row per email. The
/// typo-tolerant text match is Postgres' trigram function (`text`), which the reference reuses
/// rather than re-implements; everything else is computed here.
fn reference(
    people: &[Person],
    teams: &[Team],
    f: &StaffFilter,
    text: &BTreeSet<String>,
) -> BTreeSet<String> {
    let today = Utc::now().date_naive();
    let team_set = teams_within(teams, &f.teams);
    let reports = f
        .manager
        .as_ref()
        .map(|m| everyone_under(people, m, f.direct_only));
    one_record_per_person(people)
        .into_iter()
        .filter(|p| is_chosen(p, f, text, &team_set, reports.as_ref()))
        .filter(|p| is_in_dates(p, f, today))
        .map(|p| format!("{}/{}", p.connection_id, p.merge_id))
        .collect()
}

/// The chosen teams (`connection/team` keys) and every team below them.
fn teams_within(teams: &[Team], chosen: &[String]) -> BTreeSet<(Uuid, String)> {
    let mut set: BTreeSet<(Uuid, String)> = chosen
        .iter()
        .filter_map(|t| t.split_once('/'))
        .map(|(c, id)| (Uuid::parse_str(c).unwrap(), id.to_owned()))
        .collect();
    loop {
        let more: Vec<_> = teams
            .iter()
            .filter(|t| {
                t.parent_id
                    .as_ref()
                    .is_some_and(|p| set.contains(&(t.connection_id, p.clone())))
                    && !set.contains(&(t.connection_id, t.merge_id.clone()))
            })
            .map(|t| (t.connection_id, t.merge_id.clone()))
            .collect();
        if more.is_empty() {
            break set;
        }
        set.extend(more);
    }
}

/// Everyone under the manager (a `connection/merge id` key) in each system that lists them (the
/// same work email); only their direct reports with `direct_only`.
fn everyone_under(people: &[Person], manager: &str, direct_only: bool) -> BTreeSet<(Uuid, String)> {
    let (c, id) = manager.split_once('/').unwrap();
    let c = Uuid::parse_str(c).unwrap();
    let email = people
        .iter()
        .find(|p| p.connection_id == c && p.merge_id == id)
        .and_then(|p| p.work_email.as_ref())
        .map(|e| e.to_lowercase());
    let mut frontier: Vec<(Uuid, String)> = vec![(c, id.to_owned())];
    frontier.extend(
        people
            .iter()
            .filter(|p| email.is_some() && p.work_email.as_ref().map(|e| e.to_lowercase()) == email)
            .map(|p| (p.connection_id, p.merge_id.clone())),
    );
    let mut out = BTreeSet::new();
    while let Some((c, boss)) = frontier.pop() {
        for p in people
            .iter()
            .filter(|p| p.connection_id == c && p.manager_id.as_deref() == Some(&boss))
        {
            if out.insert((c, p.merge_id.clone())) && !direct_only {
                frontier.push((c, p.merge_id.clone()));
            }
        }
    }
    out
}

/// One record per work email: the earliest-connected connection's.
fn one_record_per_person(people: &[Person]) -> Vec<&Person> {
    let mut by_person: BTreeMap<String, &Person> = BTreeMap::new();
    for p in people {
        let key = p
            .work_email
            .clone()
            .map(|e| e.to_lowercase())
            .unwrap_or_else(|| format!("{}/{}", p.connection_id, p.merge_id));
        let keep = match by_person.get(&key) {
            Some(q) => {
                (p.connected_at, p.connection_id, &p.merge_id)
                    < (q.connected_at, q.connection_id, &q.merge_id)
            }
            None => true,
        };
        if keep {
            by_person.insert(key, p);
        }
    }
    by_person.into_values().collect()
}

/// Whether the filter's choices of who (the text, teams, manager, places, departments, systems
/// and job title) take the person in.
fn is_chosen(
    p: &Person,
    f: &StaffFilter,
    text: &BTreeSet<String>,
    team_set: &BTreeSet<(Uuid, String)>,
    reports: Option<&BTreeSet<(Uuid, String)>>,
) -> bool {
    let title = f.job_title.trim().to_lowercase();
    (f.q.trim().is_empty() || text.contains(&format!("{}/{}", p.connection_id, p.merge_id)))
        && (f.teams.is_empty()
            || p.team_id
                .as_ref()
                .is_some_and(|t| team_set.contains(&(p.connection_id, t.clone()))))
        && reports.is_none_or(|r| r.contains(&(p.connection_id, p.merge_id.clone())))
        && (f.countries.is_empty() || p.country.as_ref().is_some_and(|c| f.countries.contains(c)))
        && (f.departments.is_empty()
            || f.departments.iter().any(|d| {
                let (c, id) = d.split_once('/').unwrap();
                p.connection_id.to_string() == c && p.department_ids.iter().any(|x| x == id)
            }))
        && (f.offices.is_empty()
            || matches!((&p.city, &p.country), (Some(city), Some(cc)) if f.offices.contains(&format!("{city}, {cc}"))))
        && (f.sources.is_empty() || f.sources.contains(&p.connection_id.to_string()))
        && (title.is_empty()
            || p.job_title
                .as_ref()
                .is_some_and(|j| j.to_lowercase().contains(&title)))
}

/// Whether the person's dates fit the filter's: joined, started, anniversary and birthday
/// windows, and leavers and people starting later only when asked for.
fn is_in_dates(p: &Person, f: &StaffFilter, today: NaiveDate) -> bool {
    f.joined_within.is_none_or(|d| {
        p.start_date
            .is_some_and(|s| s <= today && s > today - chrono::Duration::days(d as i64))
    }) && f
        .started_from
        .is_none_or(|d| p.start_date.is_some_and(|s| s >= d))
        && f.started_to
            .is_none_or(|d| p.start_date.is_some_and(|s| s <= d))
        && f.anniversary_within.is_none_or(|n| {
            p.start_date.is_some_and(|s| {
                s < today
                    && (0..=n as i64).any(|k| {
                        let day = today + chrono::Duration::days(k);
                        anniversary_on(s, day)
                    })
            })
        })
        && f.birthday_within
            .is_none_or(|n| match (p.birthday_month, p.birthday_day) {
                (Some(m), Some(d)) => (0..=n as i64).any(|k| {
                    let day = today + chrono::Duration::days(k);
                    on_day(m as u32, d as u32, day)
                }),
                _ => false,
            })
        && (f.include_leavers
            || (p.employment_status.as_deref() != Some("INACTIVE")
                && p.termination_date.is_none_or(|t| t > today)))
        && (f.include_pending
            || (p.employment_status.as_deref() != Some("PENDING")
                && p.start_date.is_none_or(|s| s <= today)))
}

/// Whether a yearly date (month, day) falls on `day`; 29 February falls on 28 February in
/// other years.
fn on_day(month: u32, dom: u32, day: NaiveDate) -> bool {
    NaiveDate::from_ymd_opt(day.year(), month, dom)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(day.year(), 2, 28).unwrap())
        == day
}

/// Whether `day` is a work anniversary of someone who started on `start`.
fn anniversary_on(start: NaiveDate, day: NaiveDate) -> bool {
    day.year() > start.year() && on_day(start.month(), start.day(), day)
}

/// Records whose search text matches `q`: a substring or, for names of five letters or more,
/// one of their own words (`staff_tokens_of`: of their names and email) of three letters or more
/// with trigram word similarity ≥ 0.35 (asked of each person here, where the query asks the
/// account's dictionary of words).
async fn text_matches(pool: &PgPool, account: Uuid, q: &str) -> BTreeSet<String> {
    let q = hr_connectors::server::model::text::search_text(&[Some(q.trim())]);
    sqlx::query_scalar!(
        r#"SELECT connection_id::text || '/' || merge_id AS "key!" FROM staff
           WHERE account_id = $1 AND (strpos(search_text, $2) > 0
               OR ($3 AND EXISTS (
                   SELECT 1 FROM staff_tokens_of(search_text, name_words) w
                   WHERE char_length(w) >= 3 AND word_similarity($2, w) >= 0.35)))"#,
        account,
        &q,
        staff_query::matches_loosely(&q),
    )
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
    teams: &[Team],
    f: &StaffFilter,
) -> usize {
    let text = text_matches(pool, account, &f.q).await;
    let rows = common::every_row(pool, account, f).await.unwrap();
    let found: BTreeSet<String> = rows.iter().map(|r| r.key.clone()).collect();
    assert_eq!(found.len(), rows.len(), "someone on two pages: {f:?}");
    assert_eq!(found, reference(people, teams, f, &text), "{f:?}");
    assert_in_order(&rows, f.sort);
    assert_in_name_order(pool, &rows, f.sort).await;
    found.len()
}

/// Name orders follow the stored sort name (the database's collation), then the key.
async fn assert_in_name_order(pool: &PgPool, rows: &[StaffRow], sort: SortOrder) {
    let direction = match sort {
        SortOrder::NameAsc => "",
        SortOrder::NameDesc => "DESC",
        SortOrder::NewestFirst | SortOrder::LongestServing => return,
    };
    let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    let expected: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT connection_id::text || '/' || merge_id FROM staff
         WHERE connection_id::text || '/' || merge_id = ANY($1)
         ORDER BY sort_name {direction}, connection_id {direction}, merge_id {direction}"
    )))
    .bind(&keys)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(keys, expected, "{sort:?}");
}

/// Start-date orders put the dates in order and unknown dates last.
fn assert_in_order(rows: &[StaffRow], sort: SortOrder) {
    let dates: Vec<Option<NaiveDate>> = rows.iter().map(|r| r.start_date).collect();
    let known = dates.iter().take_while(|d| d.is_some()).count();
    match sort {
        SortOrder::NewestFirst => {
            assert!(dates[known..].iter().all(Option::is_none), "{dates:?}");
            assert!(dates[..known].windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
        }
        SortOrder::LongestServing => {
            assert!(dates[known..].iter().all(Option::is_none), "{dates:?}");
            assert!(dates[..known].windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
        }
        SortOrder::NameAsc | SortOrder::NameDesc => {}
    }
}

async fn query_keys(pool: &PgPool, account: Uuid, f: &StaffFilter) -> BTreeSet<String> {
    common::every_row(pool, account, f)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect()
}

/// Filters that each pick out someone of the synced people: one for each field, and a few
/// combinations.
// Kept whole: a table of filters, one entry per field or combination, best read as one list.
fn fixed_filters(people: &[Person], teams: &[Team]) -> Vec<StaffFilter> {
    let sample = &people[123];
    let manager = people
        .iter()
        .find(|p| p.manager_id.is_none() && p.connection_id == sample.connection_id)
        .unwrap();
    let some_team = teams
        .iter()
        .find(|t| t.parent_id.is_none())
        .map(Team::key)
        .unwrap();
    let boss = format!("{}/{}", manager.connection_id, manager.merge_id);
    let department = people
        .iter()
        .find_map(|p| p.department_ids.first())
        .unwrap();
    let office = format!(
        "{}, {}",
        sample.city.clone().unwrap(),
        sample.country.clone().unwrap()
    );
    vec![
        StaffFilter {
            q: sample.display_name.split(' ').next().unwrap().to_owned(),
            ..Default::default()
        },
        StaffFilter {
            teams: vec![some_team.clone()],
            ..Default::default()
        },
        StaffFilter {
            manager: Some(boss.clone()),
            ..Default::default()
        },
        StaffFilter {
            manager: Some(boss),
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
        StaffFilter {
            departments: vec![format!("{}/{department}", sample.connection_id)],
            ..Default::default()
        },
        StaffFilter {
            offices: vec![office],
            ..Default::default()
        },
        StaffFilter {
            sources: vec![sample.connection_id.to_string()],
            job_title: "ENGINEER".into(),
            ..Default::default()
        },
        StaffFilter {
            started_from: NaiveDate::from_ymd_opt(2020, 1, 1),
            started_to: NaiveDate::from_ymd_opt(2023, 12, 31),
            ..Default::default()
        },
        StaffFilter {
            anniversary_within: Some(30),
            ..Default::default()
        },
        StaffFilter {
            birthday_within: Some(30),
            ..Default::default()
        },
    ]
}

/// A random combination of the filter's fields, mostly drawn from the person `p`'s own values.
fn random_filter(rng: &mut rand::rngs::StdRng, p: &Person, teams: &[Team]) -> StaffFilter {
    let countries = ["GB", "DE", "US", "FR", "SG", "BR", "PL", "AU", "CA"];
    StaffFilter {
        q: if rng.gen_bool(0.4) {
            let word = p.search_text.split(' ').next().unwrap_or("");
            match rng.gen_range(0..3) {
                // Two letters have no trigram and take another path than four.
                0 => word.chars().take(2).collect(),
                1 => word.chars().take(4).collect(),
                // A typo in the last letter: names of five letters or more match loosely.
                _ => word
                    .chars()
                    .rev()
                    .skip(1)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .chain(['q'])
                    .collect(),
            }
        } else {
            String::new()
        },
        teams: if rng.gen_bool(0.4) {
            let t = &teams[rng.gen_range(0..teams.len())];
            vec![t.key()]
        } else {
            vec![]
        },
        manager: p
            .manager_id
            .as_ref()
            .filter(|_| rng.gen_bool(0.3))
            .map(|m| format!("{}/{m}", p.connection_id)),
        direct_only: rng.gen_bool(0.5),
        sort: SortOrder::ALL[rng.gen_range(0..SortOrder::ALL.len())],
        joined_within: [None, Some(7), Some(30), Some(90), Some(2000)][rng.gen_range(0..5)],
        countries: (0..rng.gen_range(0..3))
            .map(|_| countries[rng.gen_range(0..countries.len())].to_owned())
            .collect(),
        departments: p
            .department_ids
            .first()
            .filter(|_| rng.gen_bool(0.2))
            .map(|d| vec![format!("{}/{d}", p.connection_id)])
            .unwrap_or_default(),
        offices: match (&p.city, &p.country) {
            (Some(city), Some(cc)) if rng.gen_bool(0.2) => vec![format!("{city}, {cc}")],
            _ => vec![],
        },
        sources: if rng.gen_bool(0.2) {
            vec![p.connection_id.to_string()]
        } else {
            vec![]
        },
        job_title: p
            .job_title
            .as_ref()
            .filter(|_| rng.gen_bool(0.2))
            .map(|t| t.split(' ').next().unwrap_or("").to_lowercase())
            .unwrap_or_default(),
        started_from: rng
            .gen_bool(0.2)
            .then(|| Utc::now().date_naive() - chrono::Duration::days(rng.gen_range(0..4000))),
        started_to: rng
            .gen_bool(0.2)
            .then(|| Utc::now().date_naive() - chrono::Duration::days(rng.gen_range(0..4000))),
        anniversary_within: [None, None, Some(7), Some(30), Some(90)][rng.gen_range(0..5)],
        birthday_within: [None, None, Some(14), Some(90)][rng.gen_range(0..4)],
        include_pending: rng.gen_bool(0.3),
        include_leavers: rng.gen_bool(0.3),
        page: 0,
    }
}

/// Typos: a first name of five letters or more with its last letter wrong finds people loosely,
/// through the dictionary of name words, exactly as the reference does; a two-letter name word
/// is never matched loosely.
async fn assert_typos_match_as_the_reference_does(
    pool: &PgPool,
    account: Uuid,
    people: &[Person],
    teams: &[Team],
) {
    let typos: BTreeSet<String> = people
        .iter()
        .filter_map(|p| p.search_text.split(' ').next())
        .filter(|w| w.chars().count() >= 5 && w.chars().all(char::is_alphabetic))
        .map(|w| {
            let mut typo: Vec<char> = w.chars().collect();
            typo.pop();
            typo.into_iter().chain(['q']).collect()
        })
        .take(12)
        .collect();
    assert!(typos.len() >= 5, "{typos:?}");
    // Two-letter name words are not matched loosely (no trigram index can look them up), even
    // by a five-letter search that is similar to one: someone called "Li" is not found by
    // "lixli".
    change_staff!(
        pool,
        account,
        "UPDATE staff SET name_words = name_words || '{li}', search_text = search_text || ' li'
         WHERE account_id = $1 AND merge_id = (SELECT min(merge_id) FROM staff WHERE account_id = $1)",
    );
    let f = StaffFilter {
        q: "lixli".into(),
        include_leavers: true,
        include_pending: true,
        ..Default::default()
    };
    assert_eq!(check(pool, account, people, teams, &f).await, 0);
    for q in typos {
        let f = StaffFilter {
            q,
            include_leavers: true,
            include_pending: true,
            ..Default::default()
        };
        assert!(check(pool, account, people, teams, &f).await > 0, "{f:?}");
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn every_filter_matches_the_reference(pool: PgPool) {
    let (account, people, teams) = synced_account(&pool).await;
    let everyone = query_keys(&pool, account, &StaffFilter::default()).await;
    check(&pool, account, &people, &teams, &StaffFilter::default()).await;
    // Z to A is exactly A to Z backwards, across every page.
    let in_order = |sort| {
        let pool = pool.clone();
        async move {
            let f = StaffFilter {
                sort,
                ..StaffFilter::default()
            };
            common::every_row(&pool, account, &f)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.key)
                .collect::<Vec<_>>()
        }
    };
    let mut backwards = in_order(SortOrder::NameDesc).await;
    backwards.reverse();
    assert_eq!(in_order(SortOrder::NameAsc).await, backwards);
    // Two systems, 1,440 records; shared people count once and leavers are out by default.
    assert!(everyone.len() < people.len());

    // Each fixed filter picks someone out, so agreement with the reference means something.
    for f in &fixed_filters(&people, &teams) {
        let n = check(&pool, account, &people, &teams, f).await;
        assert!(
            n > 0 && n != everyone.len(),
            "{n} of {} for {f:?}",
            everyone.len()
        );
    }

    // Random combinations.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..60 {
        let p = &people[rng.gen_range(0..people.len())];
        let f = random_filter(&mut rng, p, &teams);
        check(&pool, account, &people, &teams, &f).await;
    }
    assert_typos_match_as_the_reference_does(&pool, account, &people, &teams).await;
}

/// The chain index finds a manager's recent joiners by the weeks of their start dates; the
/// exact dates decide. With a start on each of the last 130 days (and the next 10), every bound
/// falls on each weekday somewhere, so a week counted one short or one over would show.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_manager_s_recent_joiners_are_found_to_the_day(pool: PgPool) {
    let (account, people, teams) = synced_account(&pool).await;
    change_staff!(
        &pool,
        account,
        "UPDATE staff s SET start_date = current_date + 10 - d.n % 140
         FROM (SELECT connection_id, merge_id, row_number() OVER (ORDER BY merge_id)::int AS n
               FROM staff WHERE account_id = $1) d
         WHERE s.connection_id = d.connection_id AND s.merge_id = d.merge_id",
    );
    let people_now = people_of(&pool, account).await;
    assert_eq!(people_now.len(), people.len());
    let top = people_now
        .iter()
        .find(|p| p.manager_id.is_none())
        .map(|p| format!("{}/{}", p.connection_id, p.merge_id))
        .unwrap();
    let today = Utc::now().date_naive();
    let day = |n: i64| Some(today + chrono::Duration::days(n));
    let mut filters: Vec<StaffFilter> = [1, 7, 30, 90, 130, 500]
        .into_iter()
        .map(|d| StaffFilter {
            joined_within: Some(d),
            ..Default::default()
        })
        .collect();
    for (from, to) in [
        (day(-60), day(-14)),
        (day(-3), day(5)),
        (day(-100), None),
        (None, day(-120)),
        (day(-20), day(-30)),
    ] {
        filters.push(StaffFilter {
            started_from: from,
            started_to: to,
            ..Default::default()
        });
    }
    filters.push(StaffFilter {
        joined_within: Some(30),
        started_from: day(-45),
        started_to: day(-20),
        ..Default::default()
    });
    for f in filters {
        let f = StaffFilter {
            manager: Some(top.clone()),
            include_leavers: true,
            include_pending: true,
            ..f
        };
        let n = check(&pool, account, &people_now, &teams, &f).await;
        assert!(n > 0 || f.started_from > f.started_to, "{n} for {f:?}");
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn search_is_accent_case_and_typo_tolerant_and_account_scoped(pool: PgPool) {
    let (account, _, _) = synced_account(&pool).await;
    let names = |f: StaffFilter| {
        let pool = pool.clone();
        async move {
            common::every_row(&pool, account, &f)
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
    // Markup in a search is just text: it finds the people whose first name holds it (shown
    // under a preferred name, when they have one). Other results can be typo-tolerant matches,
    // so they are not checked here.
    let hostile = shown_where!(&pool, account, "first_name LIKE '%<script>%'");
    assert!(!hostile.is_empty());
    let script: BTreeSet<String> = common::every_row(
        &pool,
        account,
        &StaffFilter {
            q: "<script>".into(),
            include_leavers: true,
            include_pending: true,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.key)
    .collect();
    assert!(hostile.is_subset(&script), "{hostile:?} in {script:?}");

    let other = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    assert_eq!(
        staff_query::count(&pool, other.account_id, &StaffFilter::default())
            .await
            .unwrap(),
        0
    );
}

/// Everyone whose names or email hold "quix", leavers and people starting later included, in
/// the given order.
fn quix(sort: SortOrder) -> StaffFilter {
    StaffFilter {
        q: "quix".into(),
        include_leavers: true,
        include_pending: true,
        sort,
        ..Default::default()
    }
}

/// The names on the first page of the "quix" search in the given order.
async fn quix_names(pool: &PgPool, account: Uuid, sort: SortOrder) -> Vec<String> {
    staff_query::search(pool, account, &quix(sort))
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.display_name)
        .collect()
}

/// Renames the person behind the sync's back, with their search text.
async fn rename(pool: &PgPool, person: &Key, name: &str, text: &str) {
    sqlx::query!(
        "UPDATE staff SET display_name = $3, search_text = $4,
             name_words = string_to_array(lower($3), ' ')
         WHERE connection_id = $1 AND merge_id = $2",
        person.connection_id,
        &person.merge_id,
        name,
        text,
    )
    .execute(pool)
    .await
    .unwrap();
}

/// The index sieves a search within a team by each person's team, so the person's move to
/// another team is followed: found in the new team, gone from the old.
async fn assert_a_move_to_another_team_is_followed(pool: &PgPool, account: Uuid, person: &Key) {
    let old_team = sqlx::query_scalar!(
        r#"SELECT connection_id::text || '/' || team_id AS "team!" FROM staff
           WHERE connection_id = $1 AND merge_id = $2"#,
        person.connection_id,
        &person.merge_id,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query!(
        "INSERT INTO teams (connection_id, merge_id, name) VALUES ($1, 'quix-team', 'Quix')",
        person.connection_id,
    )
    .execute(pool)
    .await
    .unwrap();
    hr_connectors::server::store::org::list_lineage(
        &mut pool.acquire().await.unwrap(),
        person.connection_id,
    )
    .await
    .unwrap();
    sqlx::query!(
        "UPDATE staff SET team_id = 'quix-team' WHERE connection_id = $1 AND merge_id = $2",
        person.connection_id,
        &person.merge_id,
    )
    .execute(pool)
    .await
    .unwrap();
    fold(pool, account).await;
    common::assert_word_index_follows_staff(pool).await;
    let in_team = |team: String| async move {
        let f = StaffFilter {
            teams: vec![team],
            ..quix(SortOrder::NameAsc)
        };
        let page = staff_query::search(pool, account, &f).await.unwrap();
        let names: Vec<String> = page.rows.into_iter().map(|r| r.display_name).collect();
        (names, page.total)
    };
    assert_eq!(
        in_team(format!("{}/quix-team", person.connection_id)).await,
        (vec!["Quixote Quixley".to_owned()], 1)
    );
    let (names_in_old, _) = in_team(old_team).await;
    assert!(
        !names_in_old.iter().any(|n| n == "Quixote Quixley"),
        "{names_in_old:?}"
    );
}

/// Pages past the first read each word further; 130 more people share a word. Every page
/// together lists each of them once, in name order, and the count is exact.
async fn assert_every_page_lists_each_person_once(pool: &PgPool, account: Uuid) {
    change_staff!(
        pool,
        account,
        "UPDATE staff SET search_text = search_text || ' quixby', name_words = name_words || '{quixby}'
         WHERE account_id = $1 AND merge_id IN (
             SELECT merge_id FROM staff WHERE account_id = $1 AND is_primary AND removed_at IS NULL
                 AND NOT deleted ORDER BY merge_id DESC LIMIT 130)",
    );
    common::assert_word_index_follows_staff(pool).await;
    let expected = shown_where!(pool, account, "strpos(search_text, 'quix') > 0");
    assert!(
        expected.len() > 2 * PAGE_SIZE as usize,
        "{}",
        expected.len()
    );
    for sort in [SortOrder::NameAsc, SortOrder::NameDesc] {
        let f = quix(sort);
        let rows = common::every_row(pool, account, &f).await.unwrap();
        let found: BTreeSet<String> = rows.iter().map(|r| r.key.clone()).collect();
        assert_eq!(found.len(), rows.len(), "someone on two pages");
        assert_eq!(found, expected);
        assert_in_name_order(pool, &rows, sort).await;
        // Counted once each, though "Quixote Quixley" has two of the words.
        let page = staff_query::search(pool, account, &f).await.unwrap();
        assert_eq!(
            (page.total, page.total_exact),
            (expected.len() as i64, true)
        );
    }
}

/// Past the cap the count stops and says so; the exact count still finds everyone.
async fn assert_the_count_stops_at_the_cap(pool: &PgPool, account: Uuid) {
    change_staff!(
        pool,
        account,
        "UPDATE staff SET search_text = search_text || ' quixby', name_words = name_words || '{quixby}'
         WHERE account_id = $1 AND NOT 'quixby' = ANY(name_words)",
    );
    let f = quix(SortOrder::default());
    let shown = staff_query::count(
        pool,
        account,
        &StaffFilter {
            q: String::new(),
            ..f.clone()
        },
    )
    .await
    .unwrap();
    assert!(shown > staff_query::COUNT_CAP, "{shown}");
    assert_eq!(staff_query::count(pool, account, &f).await.unwrap(), shown);
    let page = staff_query::search(pool, account, &f).await.unwrap();
    assert_eq!(
        (page.total, page.total_exact),
        (staff_query::COUNT_CAP, false)
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn the_word_index_follows_renames_and_removals_and_lists_each_person_once(pool: PgPool) {
    let (account, _, _) = synced_account(&pool).await;
    common::assert_word_index_follows_staff(&pool).await;
    let two = first_shown(&pool, account, 2).await;
    // Two words of one person contain the text: they are still listed once.
    rename(
        &pool,
        &two[0],
        "Quixote Quixley",
        "quixote quixley quixote quixley",
    )
    .await;
    rename(
        &pool,
        &two[1],
        "Ada Quixby",
        "ada quixby ada quixby ada.quixby@acme.example",
    )
    .await;
    fold(&pool, account).await;
    common::assert_word_index_follows_staff(&pool).await;
    assert_eq!(
        quix_names(&pool, account, SortOrder::NameAsc).await,
        ["Ada Quixby", "Quixote Quixley"]
    );
    assert_eq!(
        quix_names(&pool, account, SortOrder::NameDesc).await,
        ["Quixote Quixley", "Ada Quixby"]
    );
    assert_a_move_to_another_team_is_followed(&pool, account, &two[0]).await;
    assert_every_page_lists_each_person_once(&pool, account).await;

    sqlx::query!(
        "DELETE FROM staff WHERE connection_id = $1 AND merge_id = $2",
        two[1].connection_id,
        &two[1].merge_id,
    )
    .execute(&pool)
    .await
    .unwrap();
    fold(&pool, account).await;
    common::assert_word_index_follows_staff(&pool).await;
    let after = quix_names(&pool, account, SortOrder::NameAsc).await;
    assert!(!after.iter().any(|n| n == "Ada Quixby"), "{after:?}");
    assert_the_count_stops_at_the_cap(&pool, account).await;
}

/// The first `n` people the staff view shows, by Merge id.
async fn first_shown(pool: &PgPool, account: Uuid, n: i64) -> Vec<Key> {
    sqlx::query_as!(
        Key,
        "SELECT connection_id, merge_id FROM staff
         WHERE account_id = $1 AND is_primary AND removed_at IS NULL AND NOT deleted
         ORDER BY merge_id LIMIT $2",
        account,
        n,
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// What the worker does after a sync: brings the derived values, the word index among them, up
/// to date with what was written.
async fn fold(pool: &PgPool, account: Uuid) {
    hr_connectors::server::store::derived::refresh_account(pool, account)
        .await
        .unwrap();
}

/// A sync has started and written the person's new name, Zebulon Quayle, and has not been
/// folded in yet. Returns the sync's job.
async fn rename_in_a_running_sync(pool: &PgPool, person: &Key) -> Uuid {
    let job = sqlx::query_scalar!(
        "INSERT INTO sync_jobs (id, connection_id, kind, full_sync, state, started_at)
         VALUES (gen_random_uuid(), $1, 'incremental', false, 'running', now()) RETURNING id",
        person.connection_id,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query!(
        "UPDATE staff SET display_name = 'Zebulon Quayle', search_text = 'zebulon quayle',
             name_words = '{zebulon,quayle}', last_seen_job = $3
         WHERE connection_id = $1 AND merge_id = $2",
        person.connection_id,
        &person.merge_id,
        job,
    )
    .execute(pool)
    .await
    .unwrap();
    job
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn searches_read_staff_directly_until_a_sync_is_in_the_word_index(pool: PgPool) {
    let (account, _, _) = synced_account(&pool).await;
    let someone = first_shown(&pool, account, 1).await.remove(0);
    let job = rename_in_a_running_sync(&pool, &someone).await;
    let found = |q: &'static str| {
        let pool = pool.clone();
        async move {
            // Leavers too: the people renamed are picked by id, whatever their status.
            let f = StaffFilter {
                q: q.into(),
                include_leavers: true,
                include_pending: true,
                ..Default::default()
            };
            let page = staff_query::search(&pool, account, &f).await.unwrap();
            page.rows
                .into_iter()
                .map(|r| r.display_name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("zebulon").await, ["Zebulon Quayle"]);
    // Were the index read now, it would not know the name: the search stays on `staff` until
    // the job has ended and the index has caught up with it.
    sqlx::query!(
        "UPDATE sync_jobs SET state = 'succeeded', finished_at = now() WHERE id = $1",
        job,
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(found("zebulon").await, ["Zebulon Quayle"]);
    common::catch_up_index(&pool).await;
    let folded = sqlx::query_scalar!(
        r#"SELECT indexed_at IS NOT NULL AS "folded!" FROM sync_jobs WHERE id = $1"#,
        job,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(folded);
    common::assert_word_index_follows_staff(&pool).await;
    assert_eq!(found("zebulon").await, ["Zebulon Quayle"]);
    // The index is what serves a current search: a change it was not told of is not seen there.
    let other = sqlx::query_scalar!(
        "UPDATE staff SET display_name = 'Zebulon Ng', search_text = 'zebulon ng',
             name_words = '{zebulon,ng}'
         WHERE (connection_id, merge_id) = (
             SELECT connection_id, merge_id FROM staff
             WHERE account_id = $1 AND is_primary AND removed_at IS NULL AND NOT deleted
               AND merge_id <> $2
             ORDER BY merge_id LIMIT 1)
         RETURNING display_name",
        account,
        &someone.merge_id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(found("zebulon").await, ["Zebulon Quayle"]);
    fold(&pool, account).await;
    let mut both = found("zebulon").await;
    both.sort();
    assert_eq!(both, [other.as_str(), "Zebulon Quayle"]);
}

/// Two HR systems with the same tree: a team is one choice of the Team filter covering both
/// systems (and finding everyone in either), and countries have their names.
#[sqlx::test]
async fn the_same_team_in_two_systems_is_one_choice_and_countries_have_names(pool: PgPool) {
    let (account, people, teams) = synced_account(&pool).await;
    let o = staff_query::options(&pool, account).await.unwrap();
    let named = |name: &str| {
        o.teams
            .iter()
            .filter(|t| t.name == name)
            .collect::<Vec<_>>()
    };
    let leadership = named("Leadership");
    assert_eq!(leadership.len(), 1, "{:?}", o.teams);
    assert_eq!(leadership[0].refs.len(), 2);
    assert_eq!(
        leadership[0].systems,
        ["Sage HR · acme", "Sage HR · globex"]
    );
    let success = named("Customer Success");
    assert_eq!(success.len(), 1);
    assert_eq!(success[0].parents, "Leadership");
    // Every team of each system is in exactly one choice.
    let mut covered: Vec<&String> = o.teams.iter().flat_map(|t| &t.refs).collect();
    covered.sort();
    covered.dedup();
    assert_eq!(covered.len(), teams.len());

    let f = StaffFilter {
        teams: success[0].refs.clone(),
        ..StaffFilter::default()
    };
    check(&pool, account, &people, &teams, &f).await;
    let systems: BTreeSet<String> = query_keys(&pool, account, &f)
        .await
        .iter()
        .map(|k| k.split_once('/').unwrap().0.to_owned())
        .collect();
    assert_eq!(
        systems.len(),
        2,
        "one choice finds the team in both systems"
    );

    let names: BTreeMap<&str, &str> = o
        .countries
        .iter()
        .map(|(code, name)| (code.as_str(), name.as_str()))
        .collect();
    assert!(!names.is_empty());
    assert!(names.iter().all(|(code, name)| code != name), "{names:?}");
    let gb = names.get(&"GB").copied().unwrap_or_default();
    assert!(gb.starts_with("United Kingdom"), "{names:?}");
    let by_name: Vec<&str> = o.countries.iter().map(|(_, name)| name.as_str()).collect();
    assert!(by_name.is_sorted(), "{by_name:?}");
}

/// A manager of the first-connected system and one of the other: each with reports, and the
/// only person with their work email and with their name, which has only letters and spaces.
fn a_manager_in_each_system(people: &[Person]) -> (Person, Person) {
    let has_reports = |people: &[Person], m: &Person| {
        people.iter().any(|p| {
            p.connection_id == m.connection_id && p.manager_id.as_ref() == Some(&m.merge_id)
        })
    };
    let first_connection = people
        .iter()
        .min_by_key(|p| p.connected_at)
        .unwrap()
        .connection_id;
    let unique = |p: &&Person| {
        p.work_email.is_some()
            && people
                .iter()
                .filter(|o| o.work_email == p.work_email)
                .count()
                == 1
            // Generated names repeat across different people; the suggestion is found by name.
            && people
                .iter()
                .filter(|o| o.display_name == p.display_name)
                .count()
                == 1
            && p.display_name
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == ' ')
            && has_reports(people, p)
    };
    let a = people
        .iter()
        .filter(|p| p.connection_id == first_connection)
        .find(unique)
        .unwrap()
        .clone();
    let b = people
        .iter()
        .filter(|p| p.connection_id != first_connection)
        .find(unique)
        .unwrap()
        .clone();
    (a, b)
}

/// A manager whom two HR systems list (the same work email) is one "Reports to" suggestion
/// naming both systems, and everyone under them covers both systems' trees.
#[sqlx::test]
async fn a_manager_in_two_systems_is_one_suggestion_covering_both_trees(pool: PgPool) {
    let (account, _, teams) = synced_account(&pool).await;
    let people = people_of(&pool, account).await;
    let (a, b) = a_manager_in_each_system(&people);
    // The second system lists the same person (by work email) with their own reports.
    sqlx::query!(
        "UPDATE staff SET work_email = upper($1), display_name = $2 WHERE connection_id = $3 AND merge_id = $4",
        a.work_email.as_ref().unwrap(),
        &a.display_name,
        b.connection_id,
        &b.merge_id,
    )
    .execute(&pool)
        .await
        .unwrap();
    hr_connectors::server::store::derived::refresh_account(&pool, account)
        .await
        .unwrap();
    let people = people_of(&pool, account).await;

    let found = staff_query::managers(&pool, account, &a.display_name)
        .await
        .unwrap();
    let same: Vec<_> = found.iter().filter(|m| m.name == a.display_name).collect();
    assert_eq!(same.len(), 1, "{found:?}");
    assert_eq!(same[0].key, format!("{}/{}", a.connection_id, a.merge_id));
    assert_eq!(same[0].systems, ["Sage HR · acme", "Sage HR · globex"]);

    for direct_only in [false, true] {
        let f = StaffFilter {
            manager: Some(same[0].key.clone()),
            direct_only,
            ..StaffFilter::default()
        };
        check(&pool, account, &people, &teams, &f).await;
        let under = query_keys(&pool, account, &f).await;
        assert!(
            under
                .iter()
                .any(|k| k.starts_with(&b.connection_id.to_string())),
            "the second system's reports are under them too"
        );
        assert!(
            under
                .iter()
                .any(|k| k.starts_with(&a.connection_id.to_string())),
            "and the first system's"
        );
    }
}
