//! Finishing a key rotation: secrets stored under an older key are re-encrypted with the current
//! one, so the older key can leave `APP_SECRET_KEY_PREVIOUS`. Without this pass a rotated key
//! would have to stay configured for as long as any value it sealed is still in the database.

use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::server::crypto::SecretBox;
use crate::server::error::{Context, ServerError};

use super::store::connections;

/// A column holding `SecretBox` ciphertexts, and the context each row's value is bound to.
struct SealedColumn {
    table: &'static str,
    column: &'static str,
    context: fn(Uuid) -> String,
}

/// Every column the server writes with `SecretBox::encrypt`; a new sealed column belongs here,
/// or its values would keep the old key in use forever.
const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn {
        table: "connections",
        column: "account_token_enc",
        context: connections::token_context,
    },
    SealedColumn {
        table: "mail_outbox",
        column: "body_sealed",
        context: crate::server::mail::outbox::body_context,
    },
    SealedColumn {
        table: "sso_providers",
        column: "client_secret_enc",
        context: crate::server::sso::settings::secret_context,
    },
    // Sign-ins in flight live ten minutes, but one started just before a rotation must not
    // keep the old key needed.
    SealedColumn {
        table: "sso_logins",
        column: "nonce_enc",
        context: crate::server::sso::login::nonce_context,
    },
    SealedColumn {
        table: "sso_logins",
        column: "pkce_verifier_enc",
        context: crate::server::sso::login::verifier_context,
    },
];

/// Rows read and written per round trip, so a large table is never held in memory at once.
const BATCH: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResealReport {
    /// Fingerprint of the key the values are now sealed with.
    pub key_fingerprint: String,
    pub resealed: u64,
    /// Values no configured key opens: sealed with a key that has been dropped, or damaged.
    pub unreadable: u64,
    /// Values rewritten by someone else between our read and our write; theirs was kept.
    pub changed_meanwhile: u64,
}

/// Re-encrypts every stored secret that is not under the current key. A value that cannot be
/// opened is logged by row id and counted, and the pass goes on: one lost token must not keep
/// every other one on the old key.
pub async fn reseal_stale(pool: &PgPool, secrets: &SecretBox) -> Result<ResealReport, ServerError> {
    let mut report = ResealReport {
        key_fingerprint: secrets.current_key().fingerprint().to_owned(),
        resealed: 0,
        unreadable: 0,
        changed_meanwhile: 0,
    };
    for sealed in SEALED_COLUMNS {
        reseal_column(pool, secrets, sealed, &mut report).await?;
    }
    Ok(report)
}

async fn reseal_column(
    pool: &PgPool,
    secrets: &SecretBox,
    sealed: &SealedColumn,
    report: &mut ResealReport,
) -> Result<(), ServerError> {
    let SealedColumn {
        table,
        column,
        context,
    } = sealed;
    // Paging by id rather than re-querying "still stale" rows, so unreadable ones, which stay
    // stale, are visited once instead of forever.
    let select = format!(
        "SELECT id, {column} FROM {table}
         WHERE {column} IS NOT NULL AND split_part({column}, ':', 2) <> $1 AND id > $2
         ORDER BY id LIMIT $3"
    );
    // Matching on the value that was read means a token written meanwhile (a relink) is never
    // replaced by the older token re-encrypted.
    let update = format!(
        "UPDATE {table} AS t SET {column} = v.new
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, old, new)
         WHERE t.id = v.id AND t.{column} = v.old"
    );
    let mut after = Uuid::nil();
    loop {
        let rows: Vec<(Uuid, String)> = sqlx::query_as(AssertSqlSafe(select.clone()))
            .bind(&report.key_fingerprint)
            .bind(after)
            .bind(BATCH)
            .fetch_all(pool)
            .await
            .context("reading secrets sealed with an older key")?;
        let Some((last, _)) = rows.last() else {
            return Ok(());
        };
        after = *last;

        let (mut ids, mut olds, mut news) = (Vec::new(), Vec::new(), Vec::new());
        for (id, stored) in rows {
            match secrets.reencrypt(&stored, &context(id)) {
                Ok(new) => {
                    ids.push(id);
                    olds.push(stored);
                    news.push(new);
                }
                Err(error) => {
                    tracing::warn!(table, column, %id, %error, "stored secret could not be opened with any configured key");
                    report.unreadable += 1;
                }
            }
        }
        if ids.is_empty() {
            continue;
        }
        let attempted = ids.len() as u64;
        let written = sqlx::query(AssertSqlSafe(update.clone()))
            .bind(&ids)
            .bind(&olds)
            .bind(&news)
            .execute(pool)
            .await
            .context("writing re-encrypted secrets")?
            .rows_affected();
        report.resealed += written;
        report.changed_meanwhile += attempted - written;
    }
}
