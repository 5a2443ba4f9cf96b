//! The choices the filters offer: teams, countries, departments, offices, HR systems.

use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::domain::staff_filter::{FilterOptions, SystemTeam, team_choices};
use crate::server::error::{Context, ServerError};
use crate::server::store::rules::{SHOWN, VISIBLE_CONNECTION};

pub async fn options(pool: &PgPool, account_id: Uuid) -> Result<FilterOptions, ServerError> {
    let teams: Vec<(String, String, i32, String, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "WITH RECURSIVE tree AS (
             SELECT t.connection_id, t.merge_id, t.name, 0 AS depth, t.name::text AS path
             FROM teams t JOIN connections c ON c.id = t.connection_id
             WHERE c.account_id = $1 AND {VISIBLE_CONNECTION} AND (t.parent_id IS NULL OR NOT EXISTS (
                 SELECT 1 FROM teams p WHERE p.connection_id = t.connection_id AND p.merge_id = t.parent_id))
             UNION ALL
             SELECT t.connection_id, t.merge_id, t.name, tree.depth + 1, tree.path || ' / ' || t.name
             FROM teams t JOIN tree ON t.connection_id = tree.connection_id AND t.parent_id = tree.merge_id
             WHERE tree.depth < 20)
         SELECT person_key(tree.connection_id, tree.merge_id), tree.name, tree.depth, tree.path,
             c.integration_name || ' · ' || c.label
         FROM tree JOIN connections c ON c.id = tree.connection_id
         ORDER BY lower(tree.path), c.created_at, c.id, tree.merge_id"
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
    .context("listing teams")?;
    let teams = team_choices(
        teams
            .into_iter()
            .map(|(team_ref, name, depth, path, system)| SystemTeam {
                team_ref,
                name,
                path,
                depth,
                system,
            })
            .collect(),
    );
    let codes: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT DISTINCT p.country FROM staff p JOIN connections c ON c.id = p.connection_id
         WHERE p.account_id = $1 AND p.country IS NOT NULL AND {SHOWN} ORDER BY p.country"
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
    .context("listing countries")?;
    let mut countries: Vec<(String, String)> = codes
        .into_iter()
        .map(|code| {
            let name = isocountry::CountryCode::for_alpha2(&code)
                .map(|c| c.name().to_owned())
                .unwrap_or_else(|_| code.clone());
            (code, name)
        })
        .collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    let departments: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT person_key(d.connection_id, d.merge_id), d.name
         FROM departments d JOIN connections c ON c.id = d.connection_id
         WHERE c.account_id = $1 AND {VISIBLE_CONNECTION} ORDER BY lower(d.name), 1"
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
    .context("listing departments")?;
    let offices: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT DISTINCT p.city || ', ' || p.country, p.country, p.city
         FROM staff p JOIN connections c ON c.id = p.connection_id
         WHERE p.account_id = $1 AND p.city IS NOT NULL AND p.country IS NOT NULL AND {SHOWN}
         ORDER BY p.country, p.city"
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
    .context("listing offices")?;
    let sources: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT c.id::text, c.label FROM connections c
         WHERE c.account_id = $1 AND c.category = 'hris' AND {VISIBLE_CONNECTION} ORDER BY c.created_at"
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
    .context("listing sources")?;
    let birthdays: bool = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT EXISTS (SELECT 1 FROM staff p JOIN connections c ON c.id = p.connection_id
             WHERE p.account_id = $1 AND p.birthday_month IS NOT NULL AND {SHOWN})"
    )))
    .bind(account_id)
    .fetch_one(pool)
    .await
    .context("checking for birthdays")?;
    let (connections, syncing): (i64, bool) = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT count(*), coalesce(bool_or(c.status = 'syncing' OR j.id IS NOT NULL), false)
         FROM connections c LEFT JOIN sync_jobs j ON j.connection_id = c.id AND j.state IN ('queued', 'running')
         WHERE c.account_id = $1 AND c.category = 'hris' AND {VISIBLE_CONNECTION}"
    )))
    .bind(account_id)
    .fetch_one(pool)
    .await
    .context("checking connections")?;
    Ok(FilterOptions {
        teams,
        countries,
        departments,
        offices,
        sources: if sources.len() > 1 {
            sources
        } else {
            Vec::new()
        },
        birthdays,
        connections: connections as usize,
        syncing,
    })
}
