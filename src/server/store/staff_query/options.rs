//! The choices the filters offer: teams, countries, departments, offices, HR systems.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::staff_filter::{FilterOptions, SystemTeam, TeamChoice, team_choices};
use crate::server::error::{Context, ServerError};

// The statements spell out `rules::SHOWN` and `rules::VISIBLE_CONNECTION`: `query!` takes only
// literal SQL.

pub async fn options(pool: &PgPool, account_id: Uuid) -> Result<FilterOptions, ServerError> {
    let teams = teams(pool, account_id).await?;
    let countries = countries(pool, account_id).await?;
    let departments = sqlx::query!(
        r#"SELECT person_key(d.connection_id, d.merge_id) AS "key!", d.name
         FROM departments d JOIN connections c ON c.id = d.connection_id
         WHERE c.account_id = $1 AND connection_visible(c.status, c.read_only_until)
         ORDER BY lower(d.name), 1"#,
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing departments")?
    .into_iter()
    .map(|d| (d.key, d.name))
    .collect();
    let offices = sqlx::query!(
        r#"SELECT DISTINCT p.city || ', ' || p.country AS "office!", p.country, p.city
         FROM staff p JOIN connections c ON c.id = p.connection_id
         WHERE p.account_id = $1 AND p.city IS NOT NULL AND p.country IS NOT NULL
           AND (p.is_primary AND staff_in_hr_data(p.removed_at, p.deleted)
                AND connection_visible(c.status, c.read_only_until))
         ORDER BY p.country, p.city"#,
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing offices")?
    .into_iter()
    .map(|o| o.office)
    .collect();
    let sources: Vec<(String, String)> = sqlx::query!(
        r#"SELECT c.id::text AS "id!", c.label FROM connections c
         WHERE c.account_id = $1 AND c.category = 'hris'
           AND connection_visible(c.status, c.read_only_until)
         ORDER BY c.created_at"#,
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing sources")?
    .into_iter()
    .map(|s| (s.id, s.label))
    .collect();
    let birthdays = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM staff p JOIN connections c ON c.id = p.connection_id
             WHERE p.account_id = $1 AND p.birthday_month IS NOT NULL
               AND (p.is_primary AND staff_in_hr_data(p.removed_at, p.deleted)
                    AND connection_visible(c.status, c.read_only_until))) AS "exists!""#,
        account_id,
    )
    .fetch_one(pool)
    .await
    .context("checking for birthdays")?;
    let hris = hris_connections(pool, account_id).await?;
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
        connections: hris.connections as usize,
        syncing: hris.syncing,
    })
}

/// Every visible connection's teams, each tree from its top, for `team_choices` to order.
async fn teams(pool: &PgPool, account_id: Uuid) -> Result<Vec<TeamChoice>, ServerError> {
    let teams = sqlx::query_as!(
        SystemTeam,
        r#"WITH RECURSIVE tree AS (
             SELECT t.connection_id, t.merge_id, t.name, 0 AS depth, t.name::text AS path
             FROM teams t JOIN connections c ON c.id = t.connection_id
             WHERE c.account_id = $1 AND connection_visible(c.status, c.read_only_until)
               AND (t.parent_id IS NULL OR NOT EXISTS (
                 SELECT 1 FROM teams p WHERE p.connection_id = t.connection_id AND p.merge_id = t.parent_id))
             UNION ALL
             SELECT t.connection_id, t.merge_id, t.name, tree.depth + 1, tree.path || ' / ' || t.name
             FROM teams t JOIN tree ON t.connection_id = tree.connection_id AND t.parent_id = tree.merge_id
             WHERE tree.depth < 20)
         SELECT person_key(tree.connection_id, tree.merge_id) AS "team_ref!", tree.name AS "name!",
             tree.depth AS "depth!", tree.path AS "path!",
             c.integration_name || ' · ' || c.label AS "system!"
         FROM tree JOIN connections c ON c.id = tree.connection_id
         ORDER BY lower(tree.path), c.created_at, c.id, tree.merge_id"#,
        account_id,
    )
    .fetch_all(pool)
    .await
    .context("listing teams")?;
    Ok(team_choices(teams))
}

/// The countries the shown people are in, as `(code, English name)` by name.
async fn countries(pool: &PgPool, account_id: Uuid) -> Result<Vec<(String, String)>, ServerError> {
    let codes = sqlx::query_scalar!(
        r#"SELECT DISTINCT p.country AS "country!" FROM staff p JOIN connections c ON c.id = p.connection_id
         WHERE p.account_id = $1 AND p.country IS NOT NULL
           AND (p.is_primary AND staff_in_hr_data(p.removed_at, p.deleted)
                AND connection_visible(c.status, c.read_only_until))
         ORDER BY p.country"#,
        account_id,
    )
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
    Ok(countries)
}

/// How many HR connections are visible, and whether any is syncing.
async fn hris_connections(pool: &PgPool, account_id: Uuid) -> Result<HrisConnections, ServerError> {
    sqlx::query_as!(
        HrisConnections,
        r#"SELECT count(*) AS "connections!",
             coalesce(bool_or(c.status = 'syncing' OR j.id IS NOT NULL), false) AS "syncing!"
         FROM connections c LEFT JOIN sync_jobs j ON j.connection_id = c.id AND j.state IN ('queued', 'running')
         WHERE c.account_id = $1 AND c.category = 'hris'
           AND connection_visible(c.status, c.read_only_until)"#,
        account_id,
    )
    .fetch_one(pool)
    .await
    .context("checking connections")
}

struct HrisConnections {
    connections: i64,
    syncing: bool,
}
