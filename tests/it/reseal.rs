//! Finishing a key rotation against a real Postgres: tokens sealed with the previous key are moved
//! onto the current one, and a token no configured key opens is reported and left as it was.

use crate::common;
use hr_connectors::server::store::audit::Actor;
use hr_connectors::server::store::jobs::JobKind;

use hr_connectors::domain::field_policy::Consent;
use hr_connectors::domain::role::Role;
use hr_connectors::server::crypto::{Key, SecretBox};
use hr_connectors::server::reseal::reseal_stale;
use hr_connectors::server::secret::Secret;
use hr_connectors::server::store::connections::{self, NewConnection};
use sqlx::PgPool;
use uuid::Uuid;

async fn connect(pool: &PgPool, secrets: &SecretBox, token: &str) -> Uuid {
    let user = common::user(
        pool,
        &format!("Account {token}"),
        &format!("{token}@example.com"),
        Role::Admin,
    )
    .await;
    let id = Uuid::new_v4();
    connections::create(
        pool,
        secrets,
        NewConnection {
            id,
            account_id: user.account_id,
            integration_slug: "bamboohr",
            integration_name: "BambooHR",
            label: "BambooHR",
            tenant: None,
            origin_id: &connections::origin_id(user.account_id, id),
            merge_account_id: Some(token),
            account_token: &Secret::new(token),
            consent: &Consent::defaults(),
            consented_by: Some(user.user_id),
            requested_by: None,
            first_sync: JobKind::Initial,
        },
        &Actor::operator(user.account_id),
    )
    .await
    .unwrap();
    id
}

async fn stored(pool: &PgPool, id: Uuid) -> String {
    sqlx::query_scalar!(
        r#"SELECT account_token_enc AS "account_token_enc!" FROM connections WHERE id = $1"#,
        id,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn rotation_moves_every_token_onto_the_new_key(pool: PgPool) {
    let (a, b) = (Key::generate(), Key::generate());
    let under_a = SecretBox::new(a.clone(), vec![]);
    // More than one batch, so paging is exercised too.
    let mut ids = Vec::new();
    for n in 0..230 {
        let token = format!("tok{n}");
        ids.push((connect(&pool, &under_a, &token).await, token));
    }
    assert!(stored(&pool, ids[0].0).await.contains(a.fingerprint()));

    let rotating = SecretBox::new(b.clone(), vec![a.clone()]);
    let report = reseal_stale(&pool, &rotating).await.unwrap();
    assert_eq!(report.key_fingerprint, b.fingerprint());
    assert_eq!(
        (report.resealed, report.unreadable, report.changed_meanwhile),
        (230, 0, 0)
    );

    let only_b = SecretBox::new(b.clone(), vec![]);
    for (id, token) in &ids {
        let value = stored(&pool, *id).await;
        assert!(
            !value.contains(a.fingerprint()),
            "{id} still names the old key"
        );
        let opened = connections::account_token(&pool, &only_b, *id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(opened.expose(), token);
    }

    let again = reseal_stale(&pool, &rotating).await.unwrap();
    assert_eq!(
        (again.resealed, again.unreadable, again.changed_meanwhile),
        (0, 0, 0)
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_token_no_configured_key_opens_is_reported_and_left_alone(pool: PgPool) {
    let (a, b, unknown) = (Key::generate(), Key::generate(), Key::generate());
    let readable = connect(&pool, &SecretBox::new(a.clone(), vec![]), "readable").await;
    let lost = connect(&pool, &SecretBox::new(unknown, vec![]), "lost").await;
    let lost_before = stored(&pool, lost).await;

    let report = reseal_stale(&pool, &SecretBox::new(b.clone(), vec![a]))
        .await
        .unwrap();
    assert_eq!((report.resealed, report.unreadable), (1, 1));
    assert_eq!(stored(&pool, lost).await, lost_before);
    assert!(stored(&pool, readable).await.contains(b.fingerprint()));
}
