//! Derived staff values (duplicates, management chains) worked out only around what a sync wrote
//! must equal working out the whole account: after each incremental refresh, a full refresh finds
//! nothing left to change.

use crate::common;

use hr_connectors::server::accounts;
use hr_connectors::server::store::{derived, staff_lock};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::PgPool;
use uuid::Uuid;

async fn connection(pool: &PgPool, account: Uuid, label: &str) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO connections (id, account_id, integration_slug, integration_name, label, origin_id,
             status, consent, created_at)
         VALUES ($1::uuid, $2, 'bamboohr', 'BambooHR', $3, $1::text, 'healthy', '{}', clock_timestamp())",
        id,
        account,
        label,
    )
    .execute(pool)
    .await
    .unwrap();
    id
}

async fn job(pool: &PgPool, connection: Uuid, state: &str, full_sync: bool) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO sync_jobs (id, connection_id, kind, state, full_sync, started_at)
         VALUES ($1, $2, 'incremental', $3, $4, now())",
        id,
        connection,
        state,
        full_sync,
    )
    .execute(pool)
    .await
    .unwrap();
    id
}

/// Writes a person as a sync would: every column the refresh reads, and the job that wrote it.
/// Their start date follows their email's length, so a changed email often moves it too.
async fn write(
    pool: &PgPool,
    account: Uuid,
    connection: Uuid,
    merge_id: &str,
    (email, manager, deleted): (Option<String>, Option<String>, bool),
    job: Option<Uuid>,
) {
    sqlx::query!(
        "INSERT INTO staff (connection_id, merge_id, account_id, display_name, work_email, manager_id,
             deleted, last_seen_job, name_words, start_date)
         VALUES ($1, $2, $3, $2, $4, $5, $6, $7, ARRAY[coalesce(lower(split_part($4, '@', 1)), $2)],
             current_date - 7 * char_length(coalesce($4, '')))
         ON CONFLICT (connection_id, merge_id) DO UPDATE SET work_email = excluded.work_email,
             manager_id = excluded.manager_id, deleted = excluded.deleted,
             last_seen_job = excluded.last_seen_job, name_words = excluded.name_words,
             start_date = excluded.start_date",
        connection,
        merge_id,
        account,
        email,
        manager,
        deleted,
        job,
    )
    .execute(pool)
    .await
    .unwrap();
}

fn email(rng: &mut StdRng) -> Option<String> {
    // A small pool, mixed case, so people share emails within and across connections.
    let n = rng.gen_range(0..60);
    match rng.gen_range(0..10) {
        0 => None,
        1 => Some(format!("Person{n}@Acme.example")),
        _ => Some(format!("person{n}@acme.example")),
    }
}

/// Mostly a tree (managers are earlier people), with some managers who are not in the data,
/// some loops, and one line deeper than the 50 levels a chain keeps.
fn manager(rng: &mut StdRng, ids: &[String], index: usize) -> Option<String> {
    match rng.gen_range(0..20) {
        0 => None,
        1 => Some(format!("gone-{}", rng.gen_range(0..3))),
        2 => ids.choose(rng).cloned(),
        _ if index == 0 => None,
        _ => Some(ids[rng.gen_range(0..index)].clone()),
    }
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn refreshing_around_a_sync_equals_refreshing_the_account(pool: PgPool) {
    let account = accounts::create_account(&pool, "Acme Ltd").await.unwrap();
    let mut rng = StdRng::seed_from_u64(6);
    let people = write_two_connections_of_people(&pool, account, &mut rng).await;
    derived::refresh_account(&pool, account).await.unwrap();
    assert_eq!(derived::refresh_account(&pool, account).await.unwrap(), 0);

    for round in 0..40 {
        let (conn, ids) = people.choose(&mut rng).unwrap().clone();
        let j = job(&pool, conn, "succeeded", false).await;
        for _ in 0..rng.gen_range(1..8) {
            let id = if rng.gen_bool(0.1) {
                format!("new{round}-{}", rng.r#gen::<u16>())
            } else {
                ids.choose(&mut rng).unwrap().clone()
            };
            let current = sqlx::query!(
                "SELECT work_email, manager_id, deleted FROM staff WHERE connection_id = $1 AND merge_id = $2",
                conn,
                &id,
            )
            .fetch_optional(&pool)
            .await
            .unwrap()
            .map(|r| (r.work_email, r.manager_id, r.deleted));
            let (mut e, mut m, mut d) = current.unwrap_or((email(&mut rng), None, false));
            match rng.gen_range(0..4) {
                0 => e = email(&mut rng),
                1 => m = manager(&mut rng, &ids, ids.len()),
                2 => d = !d,
                _ => m = Some(format!("deep{}", rng.gen_range(0..55))),
            }
            write(&pool, account, conn, &id, (e, m, d), Some(j)).await;
        }
        derived::refresh_after_sync(&pool, account, conn)
            .await
            .unwrap();
        common::catch_up_index(&pool).await;
        assert_eq!(
            derived::refresh_account(&pool, account).await.unwrap(),
            0,
            "round {round}: the refresh or the word index around the sync missed a change"
        );
    }
    assert_the_data_exercised_every_derived_value(&pool).await;
}

/// Two connections' people (150 and 100, managed as [`manager`] picks) plus, in the first, a
/// line of 55 managers deep. Returns each connection with its people's Merge ids.
async fn write_two_connections_of_people(
    pool: &PgPool,
    account: Uuid,
    rng: &mut StdRng,
) -> Vec<(Uuid, Vec<String>)> {
    let first = connection(pool, account, "First").await;
    let second = connection(pool, account, "Second").await;
    let mut people: Vec<(Uuid, Vec<String>)> = Vec::new();
    for (conn, n) in [(first, 150), (second, 100)] {
        let ids: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            let m = manager(rng, &ids, i);
            write(pool, account, conn, id, (email(rng), m, false), None).await;
        }
        people.push((conn, ids));
    }
    for depth in 0..55 {
        let m = (depth > 0).then(|| format!("deep{}", depth - 1));
        write(
            pool,
            account,
            first,
            &format!("deep{depth}"),
            (None, m, false),
            None,
        )
        .await;
    }
    people
}

/// The random data held duplicates, dated chains and an over-deep line, and each came out right,
/// so the test compared refreshes that had something to work out.
async fn assert_the_data_exercised_every_derived_value(pool: &PgPool) {
    let shared = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM staff WHERE also_in > 0"#)
        .fetch_one(pool)
        .await
        .unwrap();
    let capped: Vec<String> = sqlx::query_scalar!(
        r#"SELECT ch.chain[1] AS "manager!" FROM staff_chains ch
           WHERE ch.merge_id = 'deep54' AND cardinality(ch.chain) = 1"#,
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(shared > 0, "the data must hold duplicates to test them");
    let chains = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE ch.start_date IS NOT NULL) AS "dated!",
             count(*) FILTER (WHERE ch.start_date IS DISTINCT FROM s.start_date) AS "stale!"
         FROM staff_chains ch JOIN staff s USING (connection_id, merge_id)"#,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(chains.dated > 0, "chains carry start dates");
    assert_eq!(chains.stale, 0, "a chain's start date follows its person's");
    // Caught up around each sync, the word index lists exactly what people are called.
    common::assert_word_index_follows_staff(pool).await;
    assert_eq!(
        capped,
        ["deep53"],
        "a line deeper than 50 keeps its direct manager"
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_running_sync_is_folded_in_again_once_it_ends(pool: PgPool) {
    let account = accounts::create_account(&pool, "Acme Ltd").await.unwrap();
    let conn = connection(&pool, account, "Only").await;
    let running = job(&pool, conn, "running", false).await;
    let ended = job(&pool, conn, "succeeded", false).await;
    write(
        &pool,
        account,
        conn,
        "boss",
        (None, None, false),
        Some(ended),
    )
    .await;
    write(
        &pool,
        account,
        conn,
        "ann",
        (None, Some("boss".into()), false),
        Some(running),
    )
    .await;
    derived::refresh_after_sync(&pool, account, conn)
        .await
        .unwrap();
    let folded: Vec<(Uuid, bool)> = sqlx::query!(
        r#"SELECT id, derived_at IS NOT NULL AS "folded!" FROM sync_jobs ORDER BY started_at, id"#
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.id, r.folded))
    .collect();
    assert!(folded.contains(&(ended, true)));
    assert!(folded.contains(&(running, false)));
    let chain: Vec<String> = sqlx::query_scalar!(
        r#"SELECT chain[1] AS "manager!" FROM staff_chains WHERE merge_id = 'ann'"#
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(chain, ["boss"]);
}

/// Whether a transaction of this database is waiting for an advisory lock.
async fn waiting_for_advisory_lock(pool: &PgPool) -> bool {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
           AS "waiting!""#,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// While a sync is storing (its writing lock held, one page staged but not committed), the
/// ranking of duplicates waits without locking any row, so the sync's next page still goes
/// through; the ranking runs once the sync ends. Before, the ranking locked rows until it met
/// the staged page's, the next page waited for the ranking, and the staged page for the next
/// page's turn to commit: the sync and the ranking hung for good.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_ranking_waits_for_a_storing_sync_and_never_blocks_its_pages(pool: PgPool) {
    let account = accounts::create_account(&pool, "Acme Ltd").await.unwrap();
    let conn = connection(&pool, account, "Only").await;
    // 100 pairs sharing an email, so the ranking has rows to update all over the connection.
    for i in 0..200 {
        let email = Some(format!("pair{}@acme.example", i / 2));
        write(
            &pool,
            account,
            conn,
            &format!("p{i:03}"),
            (email, None, false),
            None,
        )
        .await;
    }
    let mut writing = pool.begin().await.unwrap();
    staff_lock::share(&mut writing, account).await.unwrap();
    let mut first_page = pool.begin().await.unwrap();
    sqlx::query!(
        "UPDATE staff SET display_name = 'First' WHERE connection_id = $1 AND merge_id = 'p100'",
        conn,
    )
    .execute(&mut *first_page)
    .await
    .unwrap();

    let ranking = tokio::spawn({
        let pool = pool.clone();
        async move { derived::refresh_account(&pool, account).await }
    });
    let mut polls = 0;
    while !waiting_for_advisory_lock(&pool).await {
        polls += 1;
        assert!(
            polls < 3_000,
            "the ranking never waited for the storing sync"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let mut next_page = pool.begin().await.unwrap();
    let stored = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        sqlx::query!(
            "UPDATE staff SET display_name = 'Next' WHERE connection_id = $1 AND merge_id <> 'p100'",
            conn,
        )
        .execute(&mut *next_page),
    )
    .await
    .expect("the next page waited for the ranking")
    .unwrap();
    assert_eq!(stored.rows_affected(), 199);
    assert!(
        !ranking.is_finished(),
        "the ranking ran while the sync was storing"
    );

    next_page.commit().await.unwrap();
    first_page.commit().await.unwrap();
    writing.commit().await.unwrap();
    ranking.await.unwrap().unwrap();
    let ranked = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE is_primary) AS "primaries!", sum(also_in) AS "also_in!"
           FROM staff WHERE connection_id = $1"#,
        conn,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((ranked.primaries, ranked.also_in), (100, 200));
}
