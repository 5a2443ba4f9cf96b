//! The word index (`staff_tokens`, migration 0015): each person listed once under each word of
//! their search text, in name order within the word.
//!
//! A dense search ("jose": 23,500 of 1,000,000 people) otherwise reads every match and sorts
//! them all to show 50. Through the index its first page is the first 50 people of a merge of
//! the few words containing the text, each read in name order.
//!
//! The index is an accelerator, not the record: it catches up after each sync (`catch_up`),
//! outside the sync's own time, and searches use it only while it is current (`is_current`).
//! Until then they read `staff` directly, so a sync's people are found the moment they are
//! written.

use sqlx::PgPool;
use uuid::Uuid;

use super::derived::Scope;
use crate::domain::staff_filter::{FilterPart, PAGE_SIZE, SortOrder, StaffFilter};
use crate::server::error::{Context, ServerError};

/// Where `staff_tokens_of` splits search text into words. The name words, also listed, may
/// hold these (an apostrophe, a hyphen), which only adds entries.
fn splits_words(c: char) -> bool {
    c == ' ' || c.is_ascii_punctuation() || c.is_ascii_digit()
}

/// Whether every match of folded text `q` lies inside one word: then the people having a word
/// that contains `q` are exactly the people whose search text does. Under three characters the
/// dictionary's trigram index cannot find the words.
pub fn fits_in_a_word(q: &str) -> bool {
    q.chars().count() >= 3 && !q.chars().any(splits_words)
}

/// Whether a search's first pages come from the word index: name order, which the index keeps,
/// and no filter that narrows the people much but teams. The index holds each person's team
/// (hashed), so it is read past matches in other teams without visiting them; with a manager or
/// a date it would visit every match to test them, where their own indexes find the few in a
/// moment.
///
/// An allow-list: every part of a filter must say whether the index serves it.
pub fn serves(f: &StaffFilter) -> bool {
    matches!(f.sort, SortOrder::NameAsc | SortOrder::NameDesc)
        && f.parts().into_iter().all(|part| match part {
            FilterPart::Text | FilterPart::Teams | FilterPart::Countries | FilterPart::Sources => {
                true
            }
            FilterPart::Manager
            | FilterPart::Joined
            | FilterPart::Departments
            | FilterPart::Offices
            | FilterPart::JobTitle
            | FilterPart::StartDates
            | FilterPart::Anniversary
            | FilterPart::Birthday => false,
        })
}

/// Most words one search merges. A fragment found in more of them is searched through the
/// trigram index, where merging would cost more than sorting.
pub const MOST_WORDS: usize = 32;

/// Most people a page may read from the word index: each word is read up to the end of the
/// page. Deeper pages (an export walks them all) sort the trigram index's matches instead.
const MOST_READ: usize = 2_000;

/// Whether page `page` of a search merging `words` words comes from the word index.
pub fn serves_page(words: usize, page: u32) -> bool {
    words * (page as usize + 1) * PAGE_SIZE as usize <= MOST_READ
}

/// The account's words containing folded text `q` (which `fits_in_a_word`), or `None` when
/// there are more than `MOST_WORDS`.
pub async fn containing(
    pool: &PgPool,
    account_id: Uuid,
    q: &str,
) -> Result<Option<Vec<String>>, ServerError> {
    debug_assert!(fits_in_a_word(q), "{q:?} needs escaping for LIKE");
    let words = sqlx::query_scalar!(
        "SELECT word FROM staff_token_words
         WHERE account_id = $1 AND word LIKE '%' || $2 || '%' LIMIT $3",
        account_id,
        q,
        MOST_WORDS as i64 + 1,
    )
    .fetch_all(pool)
    .await
    .context("looking up the words containing a search")?;
    Ok((words.len() <= MOST_WORDS).then_some(words))
}

/// Whether the index lists everyone in the account as they are now: every sync that wrote to
/// its connections has been folded in (`indexed_at`). A sync still running, or one not yet
/// caught up with, leaves searches reading `staff` directly.
pub async fn is_current(pool: &PgPool, account_id: Uuid) -> Result<bool, ServerError> {
    sqlx::query_scalar!(
        r#"SELECT NOT EXISTS (SELECT 1 FROM sync_jobs j JOIN connections c ON c.id = j.connection_id
             WHERE c.account_id = $1 AND j.indexed_at IS NULL AND j.started_at IS NOT NULL) AS "current!""#,
        account_id,
    )
    .fetch_one(pool)
    .await
    .context("checking whether the word index is up to date")
}

/// Folds in what every sync not yet in the index wrote, connection by connection. A job still
/// running (or put back in the queue after writing) is folded in now and again once it ends.
/// Returns how many people changed.
pub async fn catch_up(pool: &PgPool) -> Result<u64, ServerError> {
    let pending = sqlx::query!(
        r#"SELECT c.account_id, j.connection_id, array_agg(j.id) AS "jobs!",
             array_agg(j.state IN ('succeeded', 'partial', 'failed')) AS "ended!: Vec<bool>"
         FROM sync_jobs j JOIN connections c ON c.id = j.connection_id
         WHERE j.indexed_at IS NULL AND j.started_at IS NOT NULL
         GROUP BY c.account_id, j.connection_id"#,
    )
    .fetch_all(pool)
    .await
    .context("finding syncs the word index has not caught up with")?;
    let mut changed = 0;
    for p in pending {
        changed += fold(
            pool,
            p.account_id,
            Scope::Written {
                connection: p.connection_id,
                jobs: &p.jobs,
            },
        )
        .await?;
        let ended: Vec<Uuid> = p
            .jobs
            .iter()
            .zip(p.ended)
            .filter_map(|(id, ended)| ended.then_some(*id))
            .collect();
        sqlx::query!(
            "UPDATE sync_jobs SET indexed_at = now() WHERE id = ANY($1)",
            &ended,
        )
        .execute(pool)
        .await
        .context("marking syncs as caught up with in the word index")?;
    }
    Ok(changed)
}

/// The advisory lock's first key ("TOKN"): folds of one account take turns, so two never list
/// the same change twice.
const FOLDING: i32 = 0x544f_4b4e;

/// The fold's statement: the people `$current` selects from `staff`, joined (`$join`) with
/// what `$listed` selects from `staff_tokenised`, which the scope decides. `$1` is the account.
macro_rules! fold_query {
    ($current:literal, $join:literal, $listed:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_scalar!(
            r#"WITH now_has AS (
                 SELECT s.connection_id, s.merge_id, s.sort_name, staff_team_hash(s.team_id) AS team_hash,
                     ARRAY(SELECT w FROM staff_tokens_of(s.search_text, s.name_words) w ORDER BY w) AS words
                 FROM ("# + $current + r#") s),
             changed AS (
                 SELECT coalesce(n.connection_id, o.connection_id) AS connection_id,
                     coalesce(n.merge_id, o.merge_id) AS merge_id,
                     o.sort_name AS old_name, o.words AS old_words,
                     n.sort_name AS new_name, n.words AS new_words, n.team_hash AS new_team,
                     n.sort_name IS DISTINCT FROM o.sort_name
                         OR n.team_hash IS DISTINCT FROM o.team_hash AS moved
                 FROM now_has n "# + $join + " (" + $listed + r#") o
                   ON o.connection_id = n.connection_id AND o.merge_id = n.merge_id
                 WHERE o.merge_id IS NULL OR n.merge_id IS NULL OR o.words <> n.words
                    OR o.sort_name <> n.sort_name OR o.team_hash IS DISTINCT FROM n.team_hash),
             gone AS (
                 DELETE FROM staff_tokens t USING changed c, unnest(c.old_words) w
                 WHERE t.account_id = $1 AND t.word = w AND t.sort_name = c.old_name
                   AND t.connection_id = c.connection_id AND t.merge_id = c.merge_id
                   AND (c.moved OR w <> ALL(c.new_words))),
             added AS (
                 INSERT INTO staff_tokens (account_id, word, sort_name, connection_id, merge_id, team_hash)
                 SELECT $1, w, c.new_name, c.connection_id, c.merge_id, c.new_team
                 FROM changed c, unnest(c.new_words) w
                 WHERE c.moved OR w <> ALL(coalesce(c.old_words, '{}'))
                 RETURNING word),
             unlisted AS (
                 DELETE FROM staff_tokenised t USING changed c
                 WHERE c.new_words IS NULL AND t.connection_id = c.connection_id AND t.merge_id = c.merge_id),
             relisted AS (
                 INSERT INTO staff_tokenised (connection_id, merge_id, account_id, sort_name, words, team_hash)
                 SELECT connection_id, merge_id, $1, new_name, new_words, new_team FROM changed
                 WHERE new_words IS NOT NULL
                 ON CONFLICT (connection_id, merge_id) DO UPDATE
                     SET sort_name = EXCLUDED.sort_name, words = EXCLUDED.words,
                         team_hash = EXCLUDED.team_hash),
             words AS (
                 INSERT INTO staff_token_words (account_id, word)
                 SELECT DISTINCT $1::uuid, word FROM added
                 ON CONFLICT DO NOTHING)
             SELECT count(*) AS "changed!" FROM changed"#
            $(, $arg)*
        )
    };
}

/// Lists the people in `scope` under their current words, name and team: compares each with what
/// they were last listed under (`staff_tokenised`) and writes only the difference. An
/// account-wide fold also takes away the people of purged connections. Returns how many people
/// changed.
pub(super) async fn fold(
    pool: &PgPool,
    account_id: Uuid,
    scope: Scope<'_>,
) -> Result<u64, ServerError> {
    let what = "listing people in the word index";
    let mut tx = pool.begin().await.context(what)?;
    sqlx::query!(
        r#"SELECT pg_advisory_xact_lock($1, hashtext($2::uuid::text)) AS "locked: ()""#,
        FOLDING,
        account_id,
    )
    .fetch_one(&mut *tx)
    .await
    .context(what)?;
    // `listed` is what each person in scope was last listed under, `current` what they have now;
    // a person only in `listed` was purged, and is taken away.
    let changed = match scope {
        Scope::Account => {
            fold_query!(
                "SELECT * FROM staff WHERE account_id = $1",
                "FULL JOIN",
                "SELECT * FROM staff_tokenised WHERE account_id = $1",
                account_id,
            )
            .fetch_one(&mut *tx)
            .await
        }
        Scope::Written { connection, jobs } => {
            fold_query!(
                "SELECT * FROM staff WHERE connection_id = $2 AND last_seen_job = ANY($3)",
                "LEFT JOIN",
                "SELECT * FROM staff_tokenised WHERE connection_id = $2",
                account_id,
                connection,
                jobs,
            )
            .fetch_one(&mut *tx)
            .await
        }
    }
    .context(what)?;
    tx.commit().await.context(what)?;
    // Each changed person is several entries.
    super::derived::analyze_after(
        pool,
        changed as u64,
        "staff_tokens, staff_token_words, staff_tokenised",
    );
    Ok(changed as u64)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{fits_in_a_word, serves};
    use crate::domain::staff_filter::{SortOrder, StaffFilter};

    #[test]
    fn the_word_index_serves_only_the_parts_it_was_built_for() {
        let base = StaffFilter {
            q: "jose".into(),
            ..StaffFilter::default()
        };
        let allowed = StaffFilter {
            teams: vec!["c/t".into()],
            countries: vec!["DE".into()],
            sources: vec!["c".into()],
            direct_only: true,
            include_pending: true,
            include_leavers: true,
            sort: SortOrder::NameDesc,
            page: 3,
            ..base.clone()
        };
        assert!(serves(&base) && serves(&allowed));
        let day = NaiveDate::from_ymd_opt(2024, 1, 1);
        let refused = [
            StaffFilter {
                manager: Some("c/m".into()),
                ..base.clone()
            },
            StaffFilter {
                joined_within: Some(30),
                ..base.clone()
            },
            StaffFilter {
                departments: vec!["c/d".into()],
                ..base.clone()
            },
            StaffFilter {
                offices: vec!["Berlin, DE".into()],
                ..base.clone()
            },
            StaffFilter {
                job_title: "lead".into(),
                ..base.clone()
            },
            StaffFilter {
                started_from: day,
                ..base.clone()
            },
            StaffFilter {
                started_to: day,
                ..base.clone()
            },
            StaffFilter {
                anniversary_within: Some(7),
                ..base.clone()
            },
            StaffFilter {
                birthday_within: Some(7),
                ..base.clone()
            },
            StaffFilter {
                sort: SortOrder::NewestFirst,
                ..base.clone()
            },
            StaffFilter {
                sort: SortOrder::LongestServing,
                ..base.clone()
            },
        ];
        for f in refused {
            assert!(!serves(&f), "{f:?}");
        }
    }

    #[test]
    fn only_text_without_separators_fits_in_a_word() {
        assert!(fits_in_a_word("jose"));
        assert!(fits_in_a_word("müller"));
        assert!(fits_in_a_word("王小明"));
        assert!(!fits_in_a_word("jo"));
        assert!(!fits_in_a_word("jose garcia"));
        assert!(!fits_in_a_word("maria.garcia"));
        assert!(!fits_in_a_word("o'brien"));
        assert!(!fits_in_a_word("agent007"));
        assert!(!fits_in_a_word("50%"));
    }
}
