//! The connection pool never lends a connection that is still inside a transaction, however the
//! work before was cancelled: a `begin()` dropped during its round trip, a task aborted inside a
//! transaction, a `try_join!` whose sibling failed, a timeout around a whole transaction. Every
//! round runs on a pool of one connection, so whatever one round leaves behind is what the next
//! borrower gets; an observer on another connection checks that every write reported committed
//! really is.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::FutureExt;
use hr_connectors::server::db;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{PgConnection, PgPool, Row};

const ROUNDS: i32 = 1_500;

async fn insert(conn: &mut PgConnection, k: i32) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO probe (k) VALUES ($1)")
        .bind(k)
        .execute(conn)
        .await
        .map(drop)
}

/// Begins, writes `k` and commits.
async fn write(pool: &PgPool, k: i32) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    insert(&mut tx, k).await?;
    tx.commit().await
}

/// Creates the probe table through `observer` and returns the app's pool settings limited to
/// one connection on the same database.
async fn probe_pool(observer: &PgPool) -> PgPool {
    sqlx::query!("CREATE TABLE probe (k int PRIMARY KEY)")
        .execute(observer)
        .await
        .unwrap();
    db::pool_options()
        .max_connections(1)
        .connect_with((*observer.connect_options()).clone())
        .await
        .expect("a pool of one connection")
}

fn seed() -> u64 {
    std::env::var("POOL_SAFETY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random)
}

/// Where a failure happened, with how to replay the run.
fn ctx(seed: u64, round: i32) -> String {
    format!("round {round} of seed {seed} (POOL_SAFETY_SEED={seed})")
}

/// Writes `k` in one of six ways, `way`: most are cancelled somewhere, after `delay`. A write
/// reported committed goes into `committed`; one cancelled somewhere around its commit into
/// `maybe`, as either outcome is right.
async fn write_cancelling_somewhere(
    pool: &PgPool,
    k: i32,
    way: i32,
    delay: Duration,
    committed: &mut BTreeSet<i32>,
    maybe: &mut BTreeSet<i32>,
) -> Result<(), sqlx::Error> {
    match way {
        // Dropped after its first poll, which sends BEGIN and waits for the answer.
        0 => {
            let mut begin = Box::pin(pool.begin());
            if let Some(Ok(tx)) = (&mut begin).now_or_never() {
                drop(tx);
            }
            drop(begin);
        }
        // Dropped at a random point of the round trip.
        1 => {
            let _ = tokio::time::timeout(delay, pool.begin()).await;
        }
        // The task is aborted while it works inside its transaction.
        2 => {
            let p = pool.clone();
            let task = tokio::spawn(async move { write(&p, k).await });
            tokio::time::sleep(delay).await;
            task.abort();
            match task.await {
                Ok(Ok(())) => {
                    committed.insert(k);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    maybe.insert(k);
                }
            }
        }
        // A sibling in `try_join!` fails, so the transaction's future is dropped.
        3 => {
            let failing = async {
                tokio::time::sleep(delay).await;
                Err::<(), _>(sqlx::Error::PoolTimedOut)
            };
            let _ = tokio::try_join!(write(pool, k), failing);
            maybe.insert(k);
        }
        // A deadline around the whole transaction, commit included.
        4 => match tokio::time::timeout(delay, write(pool, k)).await {
            Ok(Ok(())) => {
                committed.insert(k);
            }
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                maybe.insert(k);
            }
        },
        // Nothing cancelled: this one must simply work.
        _ => {
            write(pool, k).await?;
            committed.insert(k);
        }
    }
    Ok(())
}

/// The next borrower gets a connection outside any transaction, and writes `own` with it.
async fn next_borrower_writes(pool: &PgPool, own: i32, ctx: &dyn Fn() -> String) {
    let mut next = pool
        .acquire()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", ctx()));
    let outside: bool = sqlx::raw_sql(db::OUTSIDE_ANY_TRANSACTION)
        .fetch_one(&mut *next)
        .await
        .and_then(|row| row.try_get(0))
        .unwrap_or_else(|e| panic!("{}: the next borrower's query failed: {e}", ctx()));
    assert!(
        outside,
        "{}: the next borrower was inside a transaction",
        ctx()
    );
    insert(&mut next, own)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", ctx()));
}

/// The observer sees every write reported committed, and no other but those in `maybe`.
async fn assert_observer_sees(
    observer: &PgPool,
    committed: &BTreeSet<i32>,
    maybe: &BTreeSet<i32>,
    ctx: &dyn Fn() -> String,
) {
    let visible: BTreeSet<i32> = sqlx::query_scalar("SELECT k FROM probe")
        .fetch_all(observer)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let lost: Vec<_> = committed.difference(&visible).collect();
    assert!(
        lost.is_empty(),
        "{}: writes reported committed are not: {lost:?}",
        ctx()
    );
    let phantom: Vec<_> = visible
        .iter()
        .filter(|k| !committed.contains(k) && !maybe.contains(k))
        .collect();
    assert!(
        phantom.is_empty(),
        "{}: rolled-back writes are visible: {phantom:?}",
        ctx()
    );
}

#[sqlx::test(migrations = false)]
async fn cancelled_work_never_reaches_the_next_borrower(observer: PgPool) {
    let pool = probe_pool(&observer).await;
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    // Written and reported committed; written but cancelled somewhere around the commit, so
    // either outcome is right.
    let mut committed = BTreeSet::new();
    let mut maybe = BTreeSet::new();

    for round in 0..ROUNDS {
        let ctx = || ctx(seed, round);
        let k = round;
        let delay = Duration::from_micros(rng.gen_range(0..1_500));
        let way = rng.gen_range(0..6);
        write_cancelling_somewhere(&pool, k, way, delay, &mut committed, &mut maybe)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", ctx()));

        let own = -(k + 1);
        next_borrower_writes(&pool, own, &ctx).await;
        committed.insert(own);
        assert_observer_sees(&observer, &committed, &maybe, &ctx).await;
    }
}

/// The pool's own check, whatever left the transaction open: here a `BEGIN` sent as plain SQL,
/// which sqlx does not count as a transaction at all.
#[sqlx::test(migrations = false)]
async fn a_connection_handed_back_inside_a_transaction_is_closed_not_lent(observer: PgPool) {
    let pool = probe_pool(&observer).await;

    for sql in ["BEGIN", "BEGIN; SELECT 1/0"] {
        let mut conn = pool.acquire().await.unwrap();
        let _ = sqlx::raw_sql(sql).execute(&mut *conn).await;
        drop(conn);

        let mut next = pool.acquire().await.unwrap();
        insert(&mut next, 1).await.unwrap_or_else(|e| {
            panic!("after {sql:?} the next borrower got a broken connection: {e}")
        });
        drop(next);
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM probe")
            .fetch_one(&observer)
            .await
            .unwrap();
        assert_eq!(seen, 1, "after {sql:?} a committed write is not visible");
        sqlx::query("DELETE FROM probe")
            .execute(&observer)
            .await
            .unwrap();
    }
}

/// The check costs a query, never a connection: healthy connections stay in the pool.
#[sqlx::test(migrations = false)]
async fn healthy_connections_are_kept(observer: PgPool) {
    let pool = probe_pool(&observer).await;
    let backend = || async {
        sqlx::query_scalar!(r#"SELECT pg_backend_pid() AS "pid!""#)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let first = backend().await;
    for k in 0..20 {
        write(&pool, k).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        insert(&mut tx, 100 + k).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(backend().await, first, "after round {k}");
    }
}
