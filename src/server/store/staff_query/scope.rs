//! What a filter needs looked up before its query can be written.
use std::collections::BTreeMap;

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::person_key::PersonKey;
use crate::domain::staff_filter::StaffFilter;
use crate::server::error::{Context, ServerError};
use crate::server::model::text::search_text;
use crate::server::store::tokens;

use super::lookups::manager_records;
use super::matches_loosely;

/// What a filter needs looked up before its query can be written: the account's visible
/// connections (the sources the filter allows), every team under the chosen ones, and the
/// words like the text. Small lists, bound as arrays, give the planner real numbers instead of a
/// recursive guess.
pub(super) struct Scope {
    pub(super) connections: Vec<Uuid>,
    /// Per connection, the chosen teams and every team under them.
    pub(super) teams: Option<BTreeMap<Uuid, Vec<String>>>,
    /// Those teams' `staff_team_hash`es, which sieve the word index. Bound as values, not worked
    /// out in the query, so Postgres looks each entry's up in a hash table: against a list it
    /// only knows while running, 11,000 entries took 54 ms to test instead of 3.
    pub(super) team_hashes: Vec<i32>,
    /// The account's words similar to the text, when it is matched loosely.
    pub(super) similar_words: Vec<String>,
    /// The words whose people a page is merged from, when the word index serves the search:
    /// those containing the text, and the similar ones. Everyone matching has one of them.
    pub(super) words: Option<Vec<String>>,
    /// The chosen manager's records, one per HR system listing them (`manager_records`).
    pub(super) managers: Vec<(Uuid, String)>,
}

/// The account's words (of names and emails, `store::tokens`) whose trigram word similarity to
/// `q` reaches the threshold: the dictionary is small, so this takes a millisecond where asking
/// it of every person took hundreds. Words of one or two letters are left out: no trigram index
/// can look them up, and a contrived five-letter search ("lixli") is similar to "li".
async fn similar_words(
    pool: &PgPool,
    account_id: Uuid,
    q: &str,
) -> Result<Vec<String>, ServerError> {
    if !matches_loosely(q) {
        return Ok(Vec::new());
    }
    let what = "looking up similar words";
    let mut tx = pool.begin().await.context(what)?;
    // `<%`, which the trigram index serves, reads its threshold from the session: loose
    // matching's threshold of trigram word similarity.
    sqlx::query!("SET LOCAL pg_trgm.word_similarity_threshold = 0.35")
        .execute(&mut *tx)
        .await
        .context(what)?;
    let words = sqlx::query_scalar!(
        "SELECT word FROM staff_token_words
             WHERE account_id = $1 AND $2 <% word AND char_length(word) >= 3",
        account_id,
        q,
    )
    .fetch_all(&mut *tx)
    .await
    .context(what)?;
    tx.commit().await.context(what)?;
    Ok(words)
}

/// The lookups are independent, so they run side by side: at 1,000,000 people a division's
/// sub-teams alone take 6 ms.
pub(super) async fn scope(
    pool: &PgPool,
    account_id: Uuid,
    f: &StaffFilter,
) -> Result<Scope, ServerError> {
    let sources: Vec<Uuid> = f
        .sources
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
    let q = search_text(&[Some(f.q.trim())]);
    let indexed = tokens::serves(f) && tokens::fits_in_a_word(&q);
    let (connections, teams, similar_words, containing, managers) = tokio::try_join!(
        async {
            sqlx::query_scalar!(
                "SELECT c.id FROM connections c
                 WHERE c.account_id = $1 AND (cardinality($2::uuid[]) = 0 OR c.id = ANY($2))
                   AND connection_visible(c.status, c.read_only_until)",
                account_id,
                &sources,
            )
            .fetch_all(pool)
            .await
            .context("listing the connections a search covers")
        },
        sub_teams(pool, account_id, &f.teams),
        similar_words(pool, account_id, &q),
        async {
            if indexed && tokens::is_current(pool, account_id).await? {
                tokens::containing(pool, account_id, &q).await
            } else {
                Ok(None)
            }
        },
        manager_records(pool, account_id, f.manager.as_deref())
    )?;
    // A similar word that contains the text adds nobody the text does not already match.
    let similar_words: Vec<String> = similar_words
        .into_iter()
        .filter(|w| !w.contains(q.as_str()))
        .collect();
    let words = containing.and_then(|mut words| {
        words.extend(similar_words.iter().cloned());
        words.sort_unstable();
        words.dedup();
        (!words.is_empty() && words.len() <= tokens::MOST_WORDS).then_some(words)
    });
    let (teams, team_hashes) = match teams {
        Some((teams, hashes)) => (Some(teams), hashes),
        None => (None, Vec::new()),
    };
    Ok(Scope {
        connections,
        teams,
        team_hashes,
        similar_words,
        words,
        managers,
    })
}

/// The chosen teams and every team under them, per connection of the account, and their hashes
/// (`None` when no team is chosen). A team of a connection the search does not cover only
/// matches nobody.
async fn sub_teams(
    pool: &PgPool,
    account_id: Uuid,
    chosen: &[String],
) -> Result<Option<(BTreeMap<Uuid, Vec<String>>, Vec<i32>)>, ServerError> {
    if chosen.is_empty() {
        return Ok(None);
    }
    let (conns, ids) = PersonKey::columns(chosen.iter().map(String::as_str));
    // Each team lists itself and the teams above it (`staff_team_lineage`, migration 0019).
    let teams = sqlx::query!(
        r#"SELECT t.connection_id, t.merge_id, t.team_hash AS "team_hash!" FROM teams t
         WHERE t.lineage && $3::text[]
           AND t.connection_id IN (SELECT id FROM connections WHERE account_id = $1)
           AND EXISTS (SELECT 1 FROM UNNEST($2::uuid[], $3::text[]) AS c(connection_id, id)
                       WHERE c.connection_id = t.connection_id AND c.id = ANY(t.lineage))"#,
        account_id,
        &conns,
        &ids,
    )
    .fetch_all(pool)
    .await
    .context("listing sub-teams")?;
    let mut by_connection: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    let mut hashes = Vec::with_capacity(teams.len());
    for team in teams {
        by_connection
            .entry(team.connection_id)
            .or_default()
            .push(team.merge_id);
        hashes.push(team.team_hash);
    }
    Ok(Some((by_connection, hashes)))
}
