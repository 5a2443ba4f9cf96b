//! Teams and departments of a connection, as names for the staff records' ids.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::server::error::{Context, ServerError};
use crate::server::merge::models::{Group, GroupType, Team};
use crate::server::sync::minimise::clean;

pub async fn replace_teams(
    pool: &PgPool,
    connection_id: Uuid,
    teams: &[Team],
) -> Result<(), ServerError> {
    let rows: Vec<(String, String, Option<String>)> = teams
        .iter()
        .filter(|t| t.remote_was_deleted != Some(true))
        .filter_map(|t| {
            Some((
                t.id.clone()?,
                clean(t.name.as_deref())?,
                t.parent_team
                    .as_ref()
                    .and_then(|p| p.id())
                    .map(str::to_owned),
            ))
        })
        .collect();
    let mut tx = pool.begin().await.context("starting a teams update")?;
    sqlx::query("DELETE FROM teams WHERE connection_id = $1")
        .bind(connection_id)
        .execute(&mut *tx)
        .await
        .context("clearing teams")?;
    sqlx::query(
        "INSERT INTO teams (connection_id, merge_id, name, parent_id)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[])",
    )
    .bind(connection_id)
    .bind(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("writing teams")?;
    list_lineage(&mut tx, connection_id).await?;
    tx.commit().await.context("committing teams")
}

/// Lists above each of the connection's teams the teams it is under, which the staff query's
/// "with its sub-teams" looks up (migration 0019).
pub async fn list_lineage(conn: &mut PgConnection, connection_id: Uuid) -> Result<(), ServerError> {
    sqlx::query("SELECT staff_team_lineage($1)")
        .bind(connection_id)
        .execute(conn)
        .await
        .context("listing the teams above each team")?;
    Ok(())
}

pub async fn replace_departments(
    pool: &PgPool,
    connection_id: Uuid,
    groups: &[Group],
) -> Result<(), ServerError> {
    let rows: Vec<(String, String)> = groups
        .iter()
        .filter(|g| g.remote_was_deleted != Some(true))
        .filter(|g| matches!(g.group_type, Some(GroupType::Department)))
        .filter_map(|g| Some((g.id.clone()?, clean(g.name.as_deref())?)))
        .collect();
    let mut tx = pool
        .begin()
        .await
        .context("starting a departments update")?;
    sqlx::query("DELETE FROM departments WHERE connection_id = $1")
        .bind(connection_id)
        .execute(&mut *tx)
        .await
        .context("clearing departments")?;
    sqlx::query(
        "INSERT INTO departments (connection_id, merge_id, name)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[])",
    )
    .bind(connection_id)
    .bind(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("writing departments")?;
    tx.commit().await.context("committing departments")
}
