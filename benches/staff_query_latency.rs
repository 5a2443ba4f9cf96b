//! Latency of the recipients query: `staff_query::search`, the statement behind every
//! keystroke and filter change on the People and campaign pages, at 100,000 and 1,000,000
//! employees, for a fixed set of filter combinations. Target: p95 ≤ 25 ms at 1,000,000.
//!
//! The workforce is generated inside PostgreSQL with `generate_series` rather than synced from
//! the sandbox: a million-person sync takes many minutes and is measured by `sync_throughput`;
//! here only the query matters. Two connections (a global HR system and a German one whose
//! people partly appear in both), a team tree, a management chain with a fan-out of 8, names
//! with accents, offices weighted by country, ten years of start dates, leavers and pending
//! hires. `search_text` holds exactly what the sync would store; a sample is checked against
//! `model::text::person_search_text` after every load.
//!
//! Run: `scripts/bench_staff.sh`, or against a PostgreSQL server in DATABASE_URL (the benchmark
//! creates and drops its own database, `hrc_bench_staff`):
//!
//!   cargo bench --features ssr --bench staff_query_latency [-- <employees>]
//!
//! Without a size it runs 100,000 then 1,000,000. With `-- --load-only <database url> <account
//! name> <employees>` it only loads a workforce into that (already existing) database for that
//! account, creating the account if needed, and exits: the browser benchmark's data.

use std::str::FromStr;
use std::time::{Duration, Instant};

use hr_connectors::domain::field_policy::Consent;
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::server::accounts;
use hr_connectors::server::db::{self, MIGRATOR};
use hr_connectors::server::model::text::{name_words, person_search_text, search_text};
use hr_connectors::server::store::{derived, org, staff_query};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection as _, PgConnection, PgPool};
use uuid::Uuid;

/// The benchmark's own database; the statements that create and drop it name it too.
const BENCH_DB: &str = "hrc_bench_staff";
const LOAD_ONLY: &str = "--load-only";
const ACCOUNT: &str = "Acme Ltd";
const RUNS: usize = 50;
const WARM_UP_PASSES: usize = 3;
/// A combination far off the target stops after `MIN_RUNS` once it has used its time budget,
/// so a slow query costs minutes rather than an hour; the table shows how many runs each had.
const MIN_RUNS: usize = 10;
const BUDGET: Duration = Duration::from_secs(30);
const TARGET_MS: f64 = 25.0;
const TARGET_SIZE: i64 = 1_000_000;
/// Share of the workforce in the second, German HR system; every `DUPLICATE_EVERY`th of its
/// people is also in the global one (same work email), so de-duplication has work to do.
const SECOND_SYSTEM_PERCENT: i64 = 10;
const DUPLICATE_EVERY: i32 = 5;
/// People per team on average: teams are small, so a department is a deep tree of them.
const PEOPLE_PER_TEAM: i64 = 40;
/// One company, one email domain, whichever HR system a person is in.
const EMAIL_DOMAIN: &str = "acme.example";

/// As HR systems hold them, accents included. There is no "Stephen", so that "stephen" finding
/// Steven shows the typo tolerance rather than a substring match.
#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "José", "Josefina", "María", "Zoë", "Łukasz", "Søren", "François", "Chloé", "Stéphanie",
    "Steven", "Stefan", "Ana", "Anna", "Anne", "Ahmed", "Aisha", "Akira", "Alejandro", "Alice",
    "Amélie", "Andrés", "Ángel", "Benjamin", "Björn", "Camille", "Carlos", "Charlotte", "Chen",
    "Daniel", "David", "Diego", "Dmitri", "Élodie", "Emma", "Eoin", "Fatima", "Felipe", "Gabriel",
    "Grace", "Hannah", "Hugo", "Inès", "Isabel", "Jakub", "James", "Jan", "Jörg", "Juan", "Julia",
    "Kai", "Karim", "Laura", "León", "Liam", "Lucía", "Magdalena", "Marco", "Mateo", "Mei",
    "Mohammed", "Noah", "Noémie", "Olivia", "Oscar", "Paweł", "Pedro", "Priya", "Rafael", "Raúl",
    "Rohan", "Sakura", "Sara", "Siobhán", "Sofía", "Thomas", "Tomás", "Valentina", "Wei", "Yusuf",
    "Zoltán",
];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Müller", "Schäfer",
    "Weiß", "Groß", "Kowalski", "Wiśniewski", "Nowak", "Dąbrowski", "Sørensen", "Nielsen", "Dubois",
    "Lefèvre", "Girard", "Smith", "Jones", "O'Brien", "Murphy", "Kelly", "Brown", "Taylor",
    "Wilson", "Patel", "Singh", "Kumar", "Sharma", "Nguyễn", "Trần", "Kim", "Lee", "Park", "Tanaka",
    "Suzuki", "Satō", "Rossi", "Russo", "Bianchi", "Silva", "Santos", "Oliveira", "Pereira",
    "Costa", "Novák", "Dvořák", "Horváth", "Nagy", "Jansen", "de Vries", "van Dijk", "Bakker",
    "Andersson", "Johansson", "Karlsson", "Hansen", "Olsen", "Virtanen", "Korhonen", "Cohen",
    "Levi", "Khan", "Ali", "Hernández", "Jiménez", "Moreau", "Fontaine", "Bergström", "Łukasiewicz",
    "Ó Súilleabháin", "Zhang", "Wang", "Li", "Chen", "Ivanova", "Petrović", "Popescu",
];

#[rustfmt::skip]
const JOB_TITLES: &[&str] = &[
    "Software Engineer", "Senior Software Engineer", "Account Executive",
    "Sales Development Representative", "Customer Success Manager", "Support Specialist",
    "Product Manager", "Product Designer", "Data Analyst", "Financial Analyst", "Recruiter",
    "People Partner", "Marketing Manager", "Operations Coordinator", "Engineering Manager",
    "Head of Sales", "Legal Counsel", "Office Manager", "Warehouse Associate", "Store Manager",
];

/// The top of the team tree; every other team sits under one of them, six children a team.
#[rustfmt::skip]
const DIVISIONS: &[&str] = &[
    "Sales", "Engineering", "Customer Support", "Operations", "Marketing", "Finance", "People",
    "Product",
];
#[rustfmt::skip]
const TEAM_WORDS: &[&str] = &[
    "EMEA", "Americas", "APAC", "Enterprise", "Mid-Market", "Platform", "Payments", "Mobile",
    "Growth", "Onboarding", "Billing", "Infrastructure", "Field", "Partners", "Analytics", "Retail",
];

/// `(city, country, percent of people)` for the global system.
#[rustfmt::skip]
const OFFICES: &[(&str, &str, u32)] = &[
    ("London", "GB", 18), ("Manchester", "GB", 7), ("Edinburgh", "GB", 5),
    ("New York", "US", 12), ("Austin", "US", 8), ("San Francisco", "US", 5),
    ("Berlin", "DE", 7), ("Munich", "DE", 5), ("Paris", "FR", 5), ("Lyon", "FR", 3),
    ("Madrid", "ES", 4), ("Barcelona", "ES", 2), ("Warsaw", "PL", 3), ("Kraków", "PL", 2),
    ("São Paulo", "BR", 4), ("Bengaluru", "IN", 4), ("Amsterdam", "NL", 3), ("Stockholm", "SE", 3),
];
const GERMAN_OFFICES: &[(&str, &str, u32)] = &[
    ("Berlin", "DE", 50),
    ("Munich", "DE", 30),
    ("Hamburg", "DE", 20),
];

/// One HR system's people. Person `p` (names, email) is `$5 + i`, except every `$6`th row, who
/// is one of the first system's `$7` people, so they appear in both with the same email.
/// Employee `i` reports to `(i - 2) / 8 + 1`: employee 1 runs the company, fan-out 8. Row
/// hashes are salted by system (`$19`), person hashes are not, so a person shared by both
/// systems has one name. 0.5% are hires starting soon, 8% leavers, the rest started in the
/// last ten years. `search_text` is put together the way `minimise` does: folded display name,
/// first, last and preferred names, then the email, separated by spaces; `name_words` are the
/// distinct words of the folded names, in byte order, as `model::text::name_words` makes them.
const STAFF_SQL: &str = "
INSERT INTO staff (connection_id, merge_id, account_id, remote_id, first_name, last_name,
    preferred_name, display_name, work_email, job_title, team_id, manager_id, city, country,
    start_date, employment_status, termination_date, employee_number, search_text, name_words)
SELECT $1, md5($2 || '/' || i)::uuid::text, $3, 'E' || i, $9[f], $12[l], $9[pf],
    coalesce($9[pf], $9[f]) || ' ' || $12[l], email,
    $15[1 + pg_temp.h($19, i, 1) % cardinality($15)],
    md5($2 || '/team/' || (1 + pg_temp.h($19, i, 2) % $8))::uuid::text,
    CASE WHEN i > 1 THEN md5($2 || '/' || ((i - 2) / 8 + 1))::uuid::text END,
    $16[o], $17[o],
    CASE WHEN life < 5 THEN current_date + 1 + pg_temp.h($19, i, 4) % 60
         WHEN life < 85 THEN current_date - 365 - pg_temp.h($19, i, 4) % 3285
         ELSE current_date - pg_temp.h($19, i, 4) % 3650 END,
    CASE WHEN life < 5 THEN 'PENDING' WHEN life < 85 THEN 'INACTIVE' ELSE 'ACTIVE' END,
    CASE WHEN life >= 5 AND life < 85 THEN current_date - 1 - pg_temp.h($19, i, 5) % 364 END,
    i::text,
    coalesce($10[pf], $10[f]) || ' ' || $13[l] || ' ' || $10[f] || ' ' || $13[l]
        || coalesce(' ' || $10[pf], '') || ' ' || email,
    ARRAY(SELECT DISTINCT w COLLATE \"C\" FROM unnest(string_to_array(
        $10[f] || ' ' || $13[l] || coalesce(' ' || $10[pf], ''), ' ')) AS w ORDER BY 1)
FROM (
    SELECT i, f, l, pf, $11[f] || '.' || $14[l] || p || '@' || $18 AS email,
        1 + pg_temp.h($19, i, 3) % 100 AS o, pg_temp.h($19, i, 6) % 1000 AS life
    FROM (
        SELECT i, p,
            1 + pg_temp.h(0, p, 1) % cardinality($9) AS f,
            1 + pg_temp.h(0, p, 2) % cardinality($12) AS l,
            CASE WHEN pg_temp.h(0, p, 3) % 100 < 5 THEN 1 + pg_temp.h(0, p, 4) % cardinality($9) END AS pf
        FROM (
            SELECT i, CASE WHEN $6 > 0 AND i % $6 = 0 THEN 1 + (i::bigint * 7919) % $7 ELSE $5 + i END AS p
            FROM generate_series(1, $4::int) AS i
        ) numbered
    ) named
) placed";

/// A name list as the generator indexes it: as written, folded for `search_text`, and as the
/// ASCII local part of a work email.
struct Names {
    written: Vec<String>,
    folded: Vec<String>,
    email: Vec<String>,
}

impl Names {
    fn new(list: &[&str]) -> Self {
        let folded: Vec<String> = list.iter().map(|n| search_text(&[Some(n)])).collect();
        Self {
            written: list.iter().map(|n| n.to_string()).collect(),
            email: folded
                .iter()
                .map(|f| f.chars().filter(char::is_ascii_alphanumeric).collect())
                .collect(),
            folded,
        }
    }
}

struct System {
    slug: &'static str,
    name: &'static str,
    label: &'static str,
    offices: &'static [(&'static str, &'static str, u32)],
    /// Connected this many days ago: the older system's record of a shared person is shown.
    connected_days_ago: i32,
    salt: i64,
}

/// Where the benchmark's filters point: one system's ids for a division, a team inside it and
/// a manager two levels below the top.
struct Workforce {
    account_id: Uuid,
    division: String,
    team: String,
    manager: String,
}

/// Loads `size` people into `account` (created if missing), builds the staff indexes, works out
/// duplicates as a sync would, and analyses the tables.
async fn load(pool: &PgPool, account: &str, size: i64) -> Workforce {
    let started = Instant::now();
    let account_id = find_or_create_account(pool, account).await;
    let german = size * SECOND_SYSTEM_PERCENT / 100;
    let global_size = size - german;
    let global = add_both_systems(pool, account_id, global_size, german).await;
    let deriving = Instant::now();
    derived::refresh_account(pool, account_id)
        .await
        .expect("working out duplicates");
    // What a worker does after a full sync of everyone, the word index included.
    println!(
        "derived values and word index for {size} people: {:.1} s",
        deriving.elapsed().as_secs_f64()
    );
    settle(pool).await;
    check_search_text(pool, account_id).await;
    let ids = sqlx::query!(
        r#"SELECT $1::uuid::text || '/' || md5($1::uuid::text || '/team/1')::uuid AS "division!",
                $1::uuid::text || '/' || md5($1::uuid::text || '/team/' || (cardinality($2::text[]) + 1))::uuid
                    AS "team!",
                $1::uuid::text || '/' || md5($1::uuid::text || '/10')::uuid AS "manager!""#,
        global,
        DIVISIONS as &[&str],
    )
    .fetch_one(pool)
    .await
    .expect("finding the filters' ids");
    println!(
        "Loaded {size} employees into {account:?} in {:.0} s (two HR systems, {} teams; indexes built, duplicates worked out, analysed)",
        started.elapsed().as_secs_f64(),
        teams_for(global_size) + teams_for(german),
    );
    Workforce {
        account_id,
        division: ids.division,
        team: ids.team,
        manager: ids.manager,
    }
}

/// The oldest account named `account`, or a new one.
async fn find_or_create_account(pool: &PgPool, account: &str) -> Uuid {
    let existing = sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE name = $1 ORDER BY created_at LIMIT 1",
        account,
    )
    .fetch_optional(pool)
    .await
    .expect("finding the account");
    match existing {
        Some(id) => id,
        None => accounts::create_account(pool, account)
            .await
            .expect("creating the account"),
    }
}

/// Adds the global system's `global_size` people and the German system's `german`, some shared
/// with the global one, with the staff indexes dropped while they load and built again after.
/// Returns the global system's connection.
async fn add_both_systems(pool: &PgPool, account_id: Uuid, global_size: i64, german: i64) -> Uuid {
    // The generator's function lives in this session's temporary schema: deterministic
    // pseudo-random numbers, `h(salt, n, k)` being the `k`th of row or person `n`, in 0..2³¹.
    // Simple enough for PostgreSQL to inline.
    let mut conn = pool.acquire().await.expect("a connection");
    sqlx::query!(
        "CREATE FUNCTION pg_temp.h(salt bigint, n bigint, k int) RETURNS int
         LANGUAGE sql IMMUTABLE AS 'SELECT hashint8(salt + n * 8 + k) & 2147483647'"
    )
    .execute(&mut *conn)
    .await
    .expect("creating the hash function");
    let indexes = drop_indexes(&mut conn).await;
    let global = add_system(
        &mut conn,
        account_id,
        &System {
            slug: "bamboohr",
            name: "BambooHR",
            label: "Global",
            offices: OFFICES,
            connected_days_ago: 730,
            salt: 1 << 32,
        },
        (global_size, 0, 0),
        global_size,
    )
    .await;
    add_system(
        &mut conn,
        account_id,
        &System {
            slug: "personio",
            name: "Personio",
            label: "Germany",
            offices: GERMAN_OFFICES,
            connected_days_ago: 365,
            salt: 2 << 32,
        },
        (german, global_size, DUPLICATE_EVERY),
        global_size,
    )
    .await;
    // Building each index once over the loaded table is several times faster than keeping it
    // up row by row, and these are the migrations' own definitions.
    sqlx::query!("SET maintenance_work_mem = '512MB'")
        .execute(&mut *conn)
        .await
        .expect("raising maintenance_work_mem");
    for def in &indexes {
        sqlx::raw_sql(AssertSqlSafe(def.clone()))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{def}: {e}"));
    }
    global
}

/// Leaves the loaded tables as a settled production database has them, so the figures measure
/// the query rather than the load.
async fn settle(pool: &PgPool) {
    // VACUUM as well as ANALYZE: a table that has settled since its sync has its visibility
    // map set, which index-only scans rely on.
    sqlx::query!(
        "VACUUM ANALYZE staff, staff_chains, staff_tokens, staff_token_words, staff_tokenised, teams,
         connections",
    )
    .execute(pool)
    .await
    .expect("VACUUM ANALYZE");
    // The load leaves gigabytes to write back; a checkpoint now keeps that out of the figures.
    // Only a superuser may ask for one: elsewhere the figures may include some write-back.
    if let Err(e) = sqlx::query!("CHECKPOINT").execute(pool).await {
        eprintln!("no checkpoint after loading ({e}): the first figures may include write-back");
    }
}

fn teams_for(people: i64) -> i64 {
    (people / PEOPLE_PER_TEAM).max(DIVISIONS.len() as i64 * 7)
}

/// Drops the staff table's indexes, except those behind constraints, returning their
/// definitions to build again after the load.
async fn drop_indexes(conn: &mut PgConnection) -> Vec<String> {
    let indexes = sqlx::query!(
        r#"SELECT indexname AS "name!", indexdef AS "definition!" FROM pg_indexes
           WHERE schemaname = current_schema() AND tablename = 'staff'
             AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'staff'::regclass)"#,
    )
    .fetch_all(&mut *conn)
    .await
    .expect("listing the staff indexes");
    for index in &indexes {
        let name = &index.name;
        sqlx::raw_sql(AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("dropping {name}: {e}"));
    }
    indexes.into_iter().map(|i| i.definition).collect()
}

/// Adds the connection's `teams` teams. Divisions first, then every other team dealt out to
/// them in turn (team `j` to division `(j - 1) % d + 1`, as its `(j - 1) / d`th team), each
/// division a tree with six sub-teams a team, so divisions are the same size and a few levels
/// deep.
async fn add_teams(conn: &mut PgConnection, id: Uuid, teams: i64) {
    sqlx::query!(
        "INSERT INTO teams (connection_id, merge_id, name, parent_id)
         SELECT $1, md5($2 || '/team/' || j)::uuid::text,
             CASE WHEN j <= d THEN ($4::text[])[j]
                  ELSE ($5::text[])[1 + j % cardinality($5::text[])] || ' ' || j END,
             CASE WHEN j > d THEN md5($2 || '/team/' || (((j - 1) / d - 1) / 6 * d + (j - 1) % d + 1))::uuid::text END
         FROM generate_series(1, $3::int) AS j, cardinality($4::text[]) AS d",
        id,
        id.to_string(),
        teams as i32,
        DIVISIONS as &[&str],
        TEAM_WORDS as &[&str],
    )
    .execute(&mut *conn)
    .await
    .expect("adding teams");
    org::list_lineage(&mut *conn, id)
        .await
        .expect("listing the teams above each team");
}

/// Adds a connection with its team tree and `people.0` people, the first being person
/// `people.1 + 1`, every `people.2`th shared with the first system's `global_size` people.
async fn add_system(
    conn: &mut PgConnection,
    account_id: Uuid,
    system: &System,
    people: (i64, i64, i32),
    global_size: i64,
) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO connections (id, account_id, category, integration_slug, integration_name,
             label, origin_id, status, consent, consented_at, created_at, data_as_of, people_count)
         VALUES ($1, $2, 'hris', $3, $4, $5, $6, 'healthy', $7,
             now() - make_interval(days => $8), now() - make_interval(days => $8), now(), $9)",
        id,
        account_id,
        system.slug,
        system.name,
        system.label,
        format!("bench_{}", id.simple()),
        serde_json::to_value(Consent::defaults()).expect("consent as JSON"),
        system.connected_days_ago,
        people.0 as i32,
    )
    .execute(&mut *conn)
    .await
    .expect("adding a connection");
    let teams = teams_for(people.0);
    add_teams(conn, id, teams).await;
    let (first, last) = (Names::new(FIRST_NAMES), Names::new(LAST_NAMES));
    // Each office repeated by its weight, so a uniform pick follows the weights.
    let slots: Vec<(&str, &str)> = system
        .offices
        .iter()
        .flat_map(|&(city, cc, percent)| std::iter::repeat_n((city, cc), percent as usize))
        .collect();
    assert_eq!(slots.len(), 100, "office weights add up to 100");
    sqlx::query(STAFF_SQL)
        .bind(id)
        .bind(id.to_string())
        .bind(account_id)
        .bind(people.0 as i32)
        .bind(people.1)
        .bind(people.2)
        .bind(global_size)
        .bind(teams as i32)
        .bind(&first.written)
        .bind(&first.folded)
        .bind(&first.email)
        .bind(&last.written)
        .bind(&last.folded)
        .bind(&last.email)
        .bind(JOB_TITLES)
        .bind(slots.iter().map(|s| s.0).collect::<Vec<_>>())
        .bind(slots.iter().map(|s| s.1).collect::<Vec<_>>())
        .bind(EMAIL_DOMAIN)
        .bind(system.salt)
        .execute(&mut *conn)
        .await
        .expect("adding staff");
    id
}

/// The generated `search_text` must be what the sync would have stored, or the text searches
/// measure something the app never runs.
async fn check_search_text(pool: &PgPool, account_id: Uuid) {
    let sample = sqlx::query!(
        "SELECT display_name, first_name, last_name, preferred_name, work_email, search_text,
             name_words
         FROM staff WHERE account_id = $1 ORDER BY merge_id LIMIT 5000",
        account_id,
    )
    .fetch_all(pool)
    .await
    .expect("sampling staff");
    for p in &sample {
        let display = &p.display_name;
        let names = [
            Some(display.as_str()),
            p.first_name.as_deref(),
            p.last_name.as_deref(),
            p.preferred_name.as_deref(),
        ];
        let expected = person_search_text(&names, p.work_email.as_deref());
        assert_eq!(&p.search_text, &expected, "search_text of {display}");
        assert_eq!(
            &p.name_words,
            &name_words(&names),
            "name_words of {display}"
        );
    }
}

/// The measured filters, each named: first one filter at a time, then the combinations and the
/// extremes.
fn combinations(w: &Workforce) -> Vec<(&'static str, StaffFilter)> {
    let mut all = single_filters(w);
    all.extend(combined_filters(w));
    all
}

/// The page as it opens, then each kind of filter on its own.
fn single_filters(w: &Workforce) -> Vec<(&'static str, StaffFilter)> {
    let text = |q: &str| StaffFilter {
        q: q.into(),
        ..StaffFilter::default()
    };
    vec![
        ("everyone (the page as it opens)", StaffFilter::default()),
        ("text \"jose\" (accents: José)", text("jose")),
        ("text \"stephen\" (typo: Steven)", text("stephen")),
        ("email fragment \"maria.garcia\"", text("maria.garcia")),
        (
            "team Sales with its sub-teams",
            StaffFilter {
                teams: vec![w.division.clone()],
                ..StaffFilter::default()
            },
        ),
        (
            "everyone under a manager (any depth)",
            StaffFilter {
                manager: Some(w.manager.clone()),
                ..StaffFilter::default()
            },
        ),
        (
            "a manager's direct reports",
            StaffFilter {
                manager: Some(w.manager.clone()),
                direct_only: true,
                ..StaffFilter::default()
            },
        ),
        (
            "joined in the last 30 days",
            StaffFilter {
                joined_within: Some(30),
                ..StaffFilter::default()
            },
        ),
        (
            "office country DE",
            StaffFilter {
                countries: vec!["DE".into()],
                ..StaffFilter::default()
            },
        ),
    ]
}

/// Filters combined, and the extremes: everyone who ever was, and a page far down the list.
fn combined_filters(w: &Workforce) -> Vec<(&'static str, StaffFilter)> {
    vec![
        (
            "joined in 30 days + country DE",
            StaffFilter {
                joined_within: Some(30),
                countries: vec!["DE".into()],
                ..StaffFilter::default()
            },
        ),
        (
            "sub-team + text \"müller\"",
            StaffFilter {
                teams: vec![w.team.clone()],
                q: "müller".into(),
                ..StaffFilter::default()
            },
        ),
        (
            "under a manager + joined in 90 days",
            StaffFilter {
                manager: Some(w.manager.clone()),
                joined_within: Some(90),
                ..StaffFilter::default()
            },
        ),
        (
            "everyone, leavers and pending included",
            StaffFilter {
                include_leavers: true,
                include_pending: true,
                ..StaffFilter::default()
            },
        ),
        (
            "deep page: everyone, page 400",
            StaffFilter {
                page: 400,
                ..StaffFilter::default()
            },
        ),
    ]
}

struct Measured {
    name: &'static str,
    matches: i64,
    runs: usize,
    p50: f64,
    p95: f64,
}

/// Warms up, then runs the combinations in turn up to `RUNS` times, so each run finds the
/// caches as the others left them rather than primed by itself.
async fn measure(pool: &PgPool, w: &Workforce) -> Vec<Measured> {
    let combos = combinations(w);
    for _ in 0..WARM_UP_PASSES {
        for (_, f) in &combos {
            staff_query::search(pool, w.account_id, f)
                .await
                .expect("search");
        }
    }
    let mut times = vec![Vec::with_capacity(RUNS); combos.len()];
    let mut matches = vec![0; combos.len()];
    for _ in 0..RUNS {
        for (i, (_, f)) in combos.iter().enumerate() {
            if times[i].len() >= MIN_RUNS && times[i].iter().sum::<Duration>() > BUDGET {
                continue;
            }
            let started = Instant::now();
            let page = staff_query::search(pool, w.account_id, f)
                .await
                .expect("search");
            times[i].push(started.elapsed());
            matches[i] = page.total;
        }
    }
    combos
        .iter()
        .zip(times)
        .zip(matches)
        .map(|(((name, _), mut t), matches)| {
            t.sort();
            Measured {
                name,
                matches,
                runs: t.len(),
                p50: percentile(&t, 50),
                p95: percentile(&t, 95),
            }
        })
        .collect()
}

/// Nearest-rank percentile, in milliseconds.
fn percentile(sorted: &[Duration], p: usize) -> f64 {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1].as_secs_f64() * 1000.0
}

fn report(size: i64, results: &[Measured]) {
    println!();
    println!("staff_query::search at {size} employees (after {WARM_UP_PASSES} warm-up passes)");
    println!(
        "{:<42} {:>9} {:>5} {:>9} {:>9}",
        "combination", "matches", "runs", "p50 ms", "p95 ms"
    );
    for m in results {
        println!(
            "{:<42} {:>9} {:>5} {:>9.1} {:>9.1}",
            m.name, m.matches, m.runs, m.p50, m.p95
        );
    }
    let missed: Vec<&str> = results
        .iter()
        .filter(|m| m.p95 > TARGET_MS)
        .map(|m| m.name)
        .collect();
    let verdict = match (size >= TARGET_SIZE, missed.is_empty()) {
        (false, _) => "the target applies at 1,000,000".to_owned(),
        (true, true) => "met".to_owned(),
        (true, false) => format!("MISSED by {}: {}", missed.len(), missed.join("; ")),
    };
    println!("target p95 ≤ {TARGET_MS} ms at {TARGET_SIZE}: {verdict}");
}

fn options(url: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(url).expect("a PostgreSQL URL")
}

async fn pool(options: PgConnectOptions) -> PgPool {
    db::pool_options()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("connecting to the database")
}

/// A connection to the server in DATABASE_URL, for creating and dropping the benchmark's
/// database.
async fn admin(url: &str) -> PgConnection {
    PgConnection::connect_with(&options(url))
        .await
        .expect("connecting to DATABASE_URL")
}

/// Drops the benchmark's database, [`BENCH_DB`], if an earlier run left it.
async fn drop_bench_db(url: &str) {
    sqlx::query!("DROP DATABASE IF EXISTS hrc_bench_staff WITH (FORCE)")
        .execute(&mut admin(url).await)
        .await
        .unwrap_or_else(|e| panic!("DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE): {e}"));
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == LOAD_ONLY) {
        let [url, account, size] = args.get(at + 1..at + 4).unwrap_or_default() else {
            panic!("usage: {LOAD_ONLY} <database url> <account name> <employees>");
        };
        let pool = pool(options(url)).await;
        MIGRATOR.run(&pool).await.expect("migrating");
        load(&pool, account, size.parse().expect("a number of employees")).await;
        return;
    }
    let url = std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point at a PostgreSQL server (scripts/bench_staff.sh starts one)",
    );
    let sizes = match args.iter().find_map(|a| a.parse().ok()) {
        Some(size) => vec![size],
        None => vec![100_000, TARGET_SIZE],
    };
    for size in sizes {
        drop_bench_db(&url).await;
        sqlx::query!("CREATE DATABASE hrc_bench_staff")
            .execute(&mut admin(&url).await)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {BENCH_DB}: {e}"));
        let pool = pool(options(&url).database(BENCH_DB)).await;
        MIGRATOR.run(&pool).await.expect("migrating");
        let workforce = load(&pool, ACCOUNT, size).await;
        report(size, &measure(&pool, &workforce).await);
        pool.close().await;
    }
    drop_bench_db(&url).await;
}
