//! The staff store: one row per (connection, Merge employee), holding only minimised fields.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::server::error::{Context, ServerError};
use crate::server::model::records::StaffRecord;

/// Separates department ids inside one array element (ids never contain it).
const SEP: char = '\u{1f}';

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UpsertCounts {
    pub added: i64,
    pub updated: i64,
}

/// `query!` for [`upsert_page`]: `$1` the account, `$2` the connection, `$3` the job, then one
/// array per column of `incoming`, in its order. The statement's 60 lines of SQL must be written
/// literally, so they live here, apart from the code that binds its 29 parameters.
macro_rules! upsert_page_query {
    ($($arg:expr),+ $(,)?) => {
        sqlx::query!(
            r#"WITH incoming AS (
                 SELECT * FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
                     $17::text[], $18::text[], $19::date[], $20::text[], $21::date[], $22::text[], $23::text[],
                     $24::int2[], $25::int2[], $26::bool[], $27::timestamptz[], $28::text[], $29::text[])
                   AS t(merge_id, remote_id, first_name, last_name, preferred_name, display_name, work_email,
                        personal_email, job_title, team_id, departments, manager_id, location_id, city, country,
                        start_date, employment_status, termination_date, employee_number, avatar_url,
                        birthday_month, birthday_day, deleted, modified_at, search_text, name_words)
             ),
             prev AS (
                 SELECT s.merge_id, s.modified_at, s.deleted, s.removed_at
                 FROM staff s JOIN incoming i ON s.connection_id = $2 AND s.merge_id = i.merge_id
             ),
             written AS (
                 INSERT INTO staff (connection_id, merge_id, account_id, remote_id, first_name, last_name,
                     preferred_name, display_name, work_email, personal_email, job_title, team_id, department_ids,
                     manager_id, location_id, city, country, start_date, employment_status, termination_date,
                     employee_number, avatar_url, birthday_month, birthday_day, deleted, modified_at, search_text,
                     name_words, last_seen_job, last_seen_at)
                 SELECT $2, merge_id, $1, remote_id, first_name, last_name, preferred_name, display_name,
                     work_email, personal_email, job_title, team_id,
                     CASE WHEN departments = '' THEN '{}'::text[] ELSE string_to_array(departments, chr(31)) END,
                     manager_id, location_id, city, country, start_date, employment_status, termination_date,
                     employee_number, avatar_url, birthday_month, birthday_day, deleted, modified_at, search_text,
                     string_to_array(name_words, ' '), $3, now()
                 FROM incoming
                 ON CONFLICT (connection_id, merge_id) DO UPDATE SET
                     remote_id = excluded.remote_id, first_name = excluded.first_name,
                     last_name = excluded.last_name, preferred_name = excluded.preferred_name,
                     display_name = excluded.display_name, work_email = excluded.work_email,
                     personal_email = excluded.personal_email, job_title = excluded.job_title,
                     team_id = excluded.team_id, department_ids = excluded.department_ids,
                     manager_id = excluded.manager_id, location_id = excluded.location_id,
                     city = excluded.city, country = excluded.country, start_date = excluded.start_date,
                     employment_status = excluded.employment_status,
                     termination_date = excluded.termination_date,
                     employee_number = excluded.employee_number, avatar_url = excluded.avatar_url,
                     birthday_month = excluded.birthday_month, birthday_day = excluded.birthday_day,
                     deleted = excluded.deleted, modified_at = excluded.modified_at,
                     search_text = excluded.search_text, name_words = excluded.name_words,
                     last_seen_job = excluded.last_seen_job,
                     last_seen_at = now(), removed_at = NULL, removal_held = false
                 RETURNING merge_id
             )
             SELECT
                 count(*) FILTER (WHERE p.merge_id IS NULL) AS "added!",
                 count(*) FILTER (WHERE p.merge_id IS NOT NULL
                     AND (p.modified_at IS DISTINCT FROM i.modified_at OR p.deleted <> i.deleted
                          OR p.removed_at IS NOT NULL)) AS "updated!"
             FROM written w
             JOIN incoming i ON i.merge_id = w.merge_id
             LEFT JOIN prev p ON p.merge_id = w.merge_id"#,
            $($arg),+
        )
    };
}

/// Writes one page of records in a single statement. Every record is marked as seen by `job`;
/// a record counts as updated only when Merge's `modified_at` moved.
pub async fn upsert_page(
    conn: &mut PgConnection,
    account_id: Uuid,
    connection_id: Uuid,
    job: Uuid,
    records: &[StaffRecord],
) -> Result<UpsertCounts, ServerError> {
    if records.is_empty() {
        return Ok(UpsertCounts::default());
    }
    macro_rules! col {
        ($f:expr) => {
            records.iter().map($f).collect::<Vec<_>>()
        };
    }
    // `query!` checks an array parameter as a slice of non-null values: arrays that may hold
    // NULLs name their type instead.
    type Texts = Vec<Option<String>>;
    type Dates = Vec<Option<NaiveDate>>;
    let row = upsert_page_query!(
        account_id,
        connection_id,
        job,
        &col!(|r| r.merge_id.clone()),
        &col!(|r| r.remote_id.clone()) as &Texts,
        &col!(|r| r.first_name.clone()) as &Texts,
        &col!(|r| r.last_name.clone()) as &Texts,
        &col!(|r| r.preferred_name.clone()) as &Texts,
        &col!(|r| r.display_name.clone()),
        &col!(|r| r.work_email.clone()) as &Texts,
        &col!(|r| r.personal_email.clone()) as &Texts,
        &col!(|r| r.job_title.clone()) as &Texts,
        &col!(|r| r.team_id.clone()) as &Texts,
        &col!(|r| r.department_ids.join(&SEP.to_string())),
        &col!(|r| r.manager_id.clone()) as &Texts,
        &col!(|r| r.location_id.clone()) as &Texts,
        &col!(|r| r.city.clone()) as &Texts,
        &col!(|r| r.country.clone()) as &Texts,
        &col!(|r| r.start_date) as &Dates,
        &col!(|r| r.employment_status.clone()) as &Texts,
        &col!(|r| r.termination_date) as &Dates,
        &col!(|r| r.employee_number.clone()) as &Texts,
        &col!(|r| r.avatar_url.clone()) as &Texts,
        &col!(|r| r.birthday.map(|(m, _)| m as i16)) as &Vec<Option<i16>>,
        &col!(|r| r.birthday.map(|(_, d)| d as i16)) as &Vec<Option<i16>>,
        &col!(|r| r.deleted),
        &col!(|r| r.modified_at) as &Vec<Option<DateTime<Utc>>>,
        &col!(|r| r.search_text.clone()),
        // Words never hold a space, so a space joins them (arrays of arrays do not unnest by row).
        &col!(|r| r.name_words.join(" ")),
    )
    .fetch_one(&mut *conn)
    .await
    .context("writing a page of staff")?;
    Ok(UpsertCounts {
        added: row.added,
        updated: row.updated,
    })
}

/// People a completed full sync did not see, who are not yet marked removed.
pub async fn unseen_count(
    pool: &PgPool,
    connection_id: Uuid,
    job: Uuid,
) -> Result<i64, ServerError> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM staff
         WHERE connection_id = $1 AND removed_at IS NULL AND last_seen_job IS DISTINCT FROM $2"#,
        connection_id,
        job,
    )
    .fetch_one(pool)
    .await
    .context("counting unseen staff")
}

/// Marks unseen people removed, or holds them for an admin's review.
pub async fn remove_unseen(
    pool: &PgPool,
    connection_id: Uuid,
    job: Uuid,
    hold: bool,
) -> Result<u64, ServerError> {
    let done = if hold {
        sqlx::query!(
            "UPDATE staff SET removal_held = true
             WHERE connection_id = $1 AND removed_at IS NULL AND last_seen_job IS DISTINCT FROM $2",
            connection_id,
            job,
        )
        .execute(pool)
        .await
    } else {
        sqlx::query!(
            "UPDATE staff SET removed_at = now(), removal_held = false
             WHERE connection_id = $1 AND removed_at IS NULL AND last_seen_job IS DISTINCT FROM $2",
            connection_id,
            job,
        )
        .execute(pool)
        .await
    };
    Ok(done.context("removing unseen staff")?.rows_affected())
}

/// People who count: present in the HR system and not deleted (leavers included).
pub async fn present_count(pool: &PgPool, connection_id: Uuid) -> Result<i64, ServerError> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM staff
         WHERE connection_id = $1 AND staff_in_hr_data(removed_at, deleted)"#,
        connection_id,
    )
    .fetch_one(pool)
    .await
    .context("counting staff")
}
