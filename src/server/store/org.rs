//! Teams and departments of a connection, as names for the staff records' ids.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::server::error::{Context, ServerError};
use crate::server::model::records::{DepartmentRecord, TeamRecord};

pub async fn replace_teams(
    pool: &PgPool,
    connection_id: Uuid,
    teams: &[TeamRecord],
) -> Result<(), ServerError> {
    let mut tx = pool.begin().await.context("starting a teams update")?;
    sqlx::query!("DELETE FROM teams WHERE connection_id = $1", connection_id)
        .execute(&mut *tx)
        .await
        .context("clearing teams")?;
    sqlx::query!(
        "INSERT INTO teams (connection_id, merge_id, name, parent_id)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[])",
        connection_id,
        &teams.iter().map(|t| t.merge_id.clone()).collect::<Vec<_>>(),
        &teams.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        // `as _`: the macro checks a text[] argument as `&[String]`, and a top team's parent is null.
        &teams
            .iter()
            .map(|t| t.parent_id.clone())
            .collect::<Vec<_>>() as _,
    )
    .execute(&mut *tx)
    .await
    .context("writing teams")?;
    list_lineage(&mut tx, connection_id).await?;
    tx.commit().await.context("committing teams")
}

/// Lists above each of the connection's teams the teams it is under, which the staff query's
/// "with its sub-teams" looks up (migration 0019).
pub async fn list_lineage(conn: &mut PgConnection, connection_id: Uuid) -> Result<(), ServerError> {
    sqlx::query!(
        r#"SELECT staff_team_lineage($1) AS "listed: ()""#,
        connection_id
    )
    .execute(conn)
    .await
    .context("listing the teams above each team")?;
    Ok(())
}

pub async fn replace_departments(
    pool: &PgPool,
    connection_id: Uuid,
    departments: &[DepartmentRecord],
) -> Result<(), ServerError> {
    let mut tx = pool
        .begin()
        .await
        .context("starting a departments update")?;
    sqlx::query!(
        "DELETE FROM departments WHERE connection_id = $1",
        connection_id
    )
    .execute(&mut *tx)
    .await
    .context("clearing departments")?;
    sqlx::query!(
        "INSERT INTO departments (connection_id, merge_id, name)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[])",
        connection_id,
        &departments
            .iter()
            .map(|d| d.merge_id.clone())
            .collect::<Vec<_>>(),
        &departments
            .iter()
            .map(|d| d.name.clone())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await
    .context("writing departments")?;
    tx.commit().await.context("committing departments")
}
