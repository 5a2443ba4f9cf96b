//! Managers for "Reports to", one person's name, whether one person passes a filter, and
//! anyone in the HR data by name.

use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

use crate::domain::campaign::Person;
use crate::domain::person_key::PersonKey;
use crate::domain::staff_filter::{ManagerSuggestion, StaffFilter};
use crate::server::error::{Context, ServerError};
use crate::server::model::text::search_text;

use super::clauses::push_matching;
use super::like_escape;
use super::scope::scope;

/// `query_as!` whose SQL is the `$piece`s joined by the same-person rule: whether staff record
/// `o` is the same person as record `s`, the staff view's one-person rule (see the top of this
/// module), as `derived` leaves it in `is_primary` and `also_in`. Records sharing a work email
/// are the only ones `staff_shared_email_idx` lists. A macro, as `query_as!` takes only literal
/// SQL.
macro_rules! query_as_same_person {
    ($out:path, $first:literal $(, $piece:literal)*; $($arg:expr),+ $(,)?) => {
        sqlx::query_as!(
            $out,
            $first
            $(+ "((o.connection_id = s.connection_id AND o.merge_id = s.merge_id)
                OR (s.also_in > 0 AND o.account_id = s.account_id AND (o.also_in > 0 OR NOT o.is_primary)
                    AND lower(o.work_email) = lower(s.work_email)))" + $piece)*,
            $($arg),+
        )
    };
}

/// Typed text as a suggestion list matches it (folded, LIKE-escaped); `None` under two
/// characters, which would match nearly everyone.
fn suggestion_pattern(text: &str) -> Option<String> {
    let q = search_text(&[Some(text.trim())]);
    (q.chars().count() >= 2).then(|| like_escape(&q))
}

/// People who manage someone, matching typed text, for the "Reports to" filter: one suggestion
/// per person (their shown record), with every HR system they appear in.
pub async fn managers(
    pool: &PgPool,
    account_id: Uuid,
    text: &str,
) -> Result<Vec<ManagerSuggestion>, ServerError> {
    let Some(pattern) = suggestion_pattern(text) else {
        return Ok(Vec::new());
    };
    query_as_same_person!(
        ManagerSuggestion,
        r#"SELECT person_key(s.connection_id, s.merge_id) AS "key!", s.display_name AS name, s.job_title,
             ARRAY(SELECT c.integration_name || ' · ' || c.label FROM connections c
                   WHERE c.id IN (SELECT o.connection_id FROM staff o
                                  WHERE "#,
        r#" AND staff_in_hr_data(o.removed_at, o.deleted))
                     AND connection_visible(c.status, c.read_only_until)
                   ORDER BY c.created_at, c.id) AS "systems!"
         FROM staff s JOIN connections sc ON sc.id = s.connection_id
         WHERE s.account_id = $1 AND s.is_primary AND staff_in_hr_data(s.removed_at, s.deleted)
           AND connection_visible(sc.status, sc.read_only_until)
           AND s.search_text LIKE '%' || $2 || '%'
           AND EXISTS (SELECT 1 FROM staff o JOIN staff r ON r.connection_id = o.connection_id AND r.manager_id = o.merge_id
                       WHERE "#,
        r#" AND staff_in_hr_data(o.removed_at, o.deleted))
         ORDER BY lower(s.display_name), 1 LIMIT $3"#;
        account_id,
        pattern,
        crate::domain::staff_filter::SUGGESTIONS_SHOWN as i64 + 1,
    )
    .fetch_all(pool)
    .await
    .context("finding managers")
}

/// Every record of the person a manager filter names, in any HR system: "everyone under" them
/// covers each system's tree, as one suggestion stands for them all.
pub(super) async fn manager_records(
    pool: &PgPool,
    account_id: Uuid,
    manager: Option<&str>,
) -> Result<Vec<(Uuid, String)>, ServerError> {
    let Some(PersonKey {
        connection,
        merge_id: id,
    }) = manager.and_then(PersonKey::parse)
    else {
        return Ok(Vec::new());
    };
    let others = query_as_same_person!(
        ManagerRecord,
        "SELECT o.connection_id, o.merge_id FROM staff s JOIN staff o ON ",
        " WHERE s.account_id = $1 AND s.connection_id = $2 AND s.merge_id = $3
           AND staff_in_hr_data(o.removed_at, o.deleted) AND (o.connection_id, o.merge_id) <> ($2, $3)
         ORDER BY o.connection_id, o.merge_id";
        account_id,
        connection,
        &id,
    )
    .fetch_all(pool)
    .await
    .context("finding a manager's records")?;
    // The named record itself always counts: people may report to a manager whose own record
    // the HR system does not list.
    Ok(std::iter::once((connection, id))
        .chain(others.into_iter().map(|r| (r.connection_id, r.merge_id)))
        .collect())
}

struct ManagerRecord {
    connection_id: Uuid,
    merge_id: String,
}

/// The name of one of the account's people, by key.
pub async fn person_name(
    pool: &PgPool,
    account_id: Uuid,
    key: &str,
) -> Result<Option<String>, ServerError> {
    let Some(PersonKey {
        connection,
        merge_id: id,
    }) = PersonKey::parse(key)
    else {
        return Ok(None);
    };
    sqlx::query_scalar!(
        "SELECT display_name FROM staff WHERE account_id = $1 AND connection_id = $2 AND merge_id = $3",
        account_id,
        connection,
        id,
    )
    .fetch_optional(pool)
    .await
    .context("finding a person's name")
}

/// Whether one person passes the filter (de-duplication included).
pub async fn matches(
    pool: &PgPool,
    account_id: Uuid,
    f: &StaffFilter,
    key: &str,
) -> Result<bool, ServerError> {
    let Some(PersonKey {
        connection,
        merge_id: id,
    }) = PersonKey::parse(key)
    else {
        return Ok(false);
    };
    let scope = scope(pool, account_id, f).await?;
    let mut qb = QueryBuilder::new("SELECT EXISTS (SELECT 1");
    push_matching(&mut qb, account_id, &scope, f, false);
    qb.push(" AND p.connection_id = ");
    qb.push_bind(connection);
    qb.push(" AND p.merge_id = ");
    qb.push_bind(id.to_owned());
    qb.push(")");
    qb.build_query_scalar()
        .persistent(false)
        .fetch_one(pool)
        .await
        .context("checking one person against a filter")
}

/// Anyone in the account's HR data whose name or email contains the text, leavers and removed
/// people included.
pub async fn anyone(
    pool: &PgPool,
    account_id: Uuid,
    text: &str,
) -> Result<Vec<Person>, ServerError> {
    let Some(pattern) = suggestion_pattern(text) else {
        return Ok(Vec::new());
    };
    sqlx::query_as!(
        Person,
        r#"SELECT person_key(s.connection_id, s.merge_id) AS "key!",
             s.display_name AS name, s.work_email, s.job_title,
             c.label AS source
         FROM staff s JOIN connections c ON c.id = s.connection_id
         WHERE s.account_id = $1 AND s.search_text LIKE '%' || $2 || '%'
         ORDER BY lower(s.display_name), 1 LIMIT $3"#,
        account_id,
        pattern,
        crate::domain::staff_filter::SUGGESTIONS_SHOWN as i64 + 1,
    )
    .fetch_all(pool)
    .await
    .context("searching everyone")
}
