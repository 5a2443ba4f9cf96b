//! Connections told apart: every connection gets a distinct name from what is known about it,
//! the same HR tenant is not connected twice, and the Disconnect dialog's counts of what each
//! campaign would lose. Two Sage HR tenants (globex, initech) and the same tenant twice.

use crate::common;
use hr_connectors::server::store::audit::Actor;

use std::collections::BTreeMap;

use common::SyncedEnv;
use hr_connectors::domain::campaign::{AudienceKind, CampaignDraft};
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::domain::user::CurrentUser;
use hr_connectors::error::AppError;
use hr_connectors::server::integrations::connect::{
    ConnectInput, connect_with_credentials, same_tenant,
};
use hr_connectors::server::integrations::disconnect::{Retention, disconnect};
use hr_connectors::server::integrations::relink::relink_with_credentials;
use hr_connectors::server::integrations::views;
use hr_connectors::server::store::connections::{self, Connection, Renamed};
use hr_connectors::server::store::{audiences, campaigns, staff_query};
use sqlx::PgPool;
use uuid::Uuid;

fn sage(subdomain: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("subdomain".into(), subdomain.into()),
        ("api_key".into(), "demo-api-key".into()),
    ])
}

/// Connects a Sage HR tenant the way the dialog does when the name is left empty.
async fn connect_unnamed(
    env: &SyncedEnv,
    user: &CurrentUser,
    subdomain: &str,
) -> Result<Connection, AppError> {
    let c = connect_with_credentials(
        &env.state,
        user,
        ConnectInput {
            slug: "sage-hr".into(),
            label: String::new(),
            optional_fields: vec![],
            credentials: sage(subdomain),
        },
    )
    .await?;
    env.drain().await;
    Ok(c)
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn two_tenants_of_one_system_are_named_apart_everywhere(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let globex = connect_unnamed(&env, &env.admin, "globex").await.unwrap();
    let initech = connect_unnamed(&env, &env.admin, "Initech").await.unwrap();
    assert_eq!(globex.label, "Sage HR · globex");
    assert_eq!(initech.label, "Sage HR · initech");
    assert_eq!(initech.tenant.as_deref(), Some("initech"));

    let listed = views::list(&pool, account).await.unwrap();
    let lines: Vec<(String, String)> = listed
        .iter()
        .map(|c| (c.label.clone(), c.kind_line()))
        .collect();
    assert!(lines.contains(&(
        "Sage HR · globex".into(),
        "Sage HR · HR system · globex.sage.hr".into()
    )));
    assert!(lines.contains(&(
        "Sage HR · initech".into(),
        "Sage HR · HR system · initech.sage.hr".into()
    )));

    // The HR-system filter and the recipients' source column use the same names.
    let options = staff_query::options(&pool, account).await.unwrap();
    let sources: Vec<&str> = options.sources.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(sources, ["Sage HR · globex", "Sage HR · initech"]);
    let page = staff_query::search(
        &pool,
        account,
        &StaffFilter {
            sources: vec![initech.id.to_string()],
            ..StaffFilter::default()
        },
    )
    .await
    .unwrap();
    assert!(!page.rows.is_empty());
    assert!(page.rows.iter().all(|p| p.source == "Sage HR · initech"));
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn the_same_tenant_twice_is_refused_and_offered_back(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let first = connect_unnamed(&env, &env.admin, "globex").await.unwrap();

    // Asked as soon as the subdomain is typed, before any secret: any case, any spacing.
    let found = same_tenant(
        &env.state,
        &env.admin,
        "sage-hr",
        &BTreeMap::from([("subdomain".into(), " GLOBEX ".into())]),
    )
    .await
    .unwrap();
    assert_eq!(found.map(|c| c.id), Some(first.id));
    assert!(
        same_tenant(
            &env.state,
            &env.admin,
            "sage-hr",
            &BTreeMap::from([("subdomain".into(), "initech".into())]),
        )
        .await
        .unwrap()
        .is_none()
    );

    // Connecting it anyway is refused with a sentence naming the existing connection.
    match connect_unnamed(&env, &env.admin, "Globex").await {
        Err(AppError::Conflict(m)) => {
            assert!(m.contains("already connected as “Sage HR · globex”"), "{m}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(connections::list(&pool, account).await.unwrap().len(), 1);

    // Relinking may not swap the tenant a connection reads.
    match relink_with_credentials(&env.state, &env.admin, first.id, &sage("initech")).await {
        Err(AppError::Invalid { field, message }) => {
            assert_eq!(field.as_deref(), Some("subdomain"));
            assert!(message.contains("globex.sage.hr"), "{message}");
        }
        other => panic!("expected the subdomain refused, got {other:?}"),
    }
    relink_with_credentials(&env.state, &env.admin, first.id, &sage("globex"))
        .await
        .unwrap();

    // Another account's tenants are its own business: it neither sees nor is blocked by ours.
    let gil = common::other_admin(&pool).await;
    let theirs = same_tenant(
        &env.state,
        &gil,
        "sage-hr",
        &BTreeMap::from([("subdomain".into(), "globex".into())]),
    )
    .await
    .unwrap();
    assert!(theirs.is_none());
    let theirs = connect_unnamed(&env, &gil, "globex").await.unwrap();
    assert_eq!(theirs.label, "Sage HR · globex");

    // Once disconnected, the tenant can be connected again; the old name stays with the
    // disconnected one and the new connection is numbered.
    disconnect(
        &pool,
        &env.state.secrets,
        &env.state.merge,
        account,
        first.id,
        Retention::KeepReadOnly,
        &Actor::user(&env.admin, ""),
    )
    .await
    .unwrap();
    let again = connect_unnamed(&env, &env.admin, "globex").await.unwrap();
    assert_eq!(again.label, "Sage HR · globex (2)");
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn renames_keep_names_distinct_within_the_account(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let globex = connect_unnamed(&env, &env.admin, "globex").await.unwrap();
    let initech = connect_unnamed(&env, &env.admin, "initech").await.unwrap();

    assert_eq!(
        connections::rename(&pool, account, initech.id, "sage hr · GLOBEX")
            .await
            .unwrap(),
        Renamed::Taken
    );
    // Its own name, in another case, is not "another connection's".
    assert_eq!(
        connections::rename(&pool, account, globex.id, "Sage HR · Globex")
            .await
            .unwrap(),
        Renamed::Done
    );
    assert_eq!(
        connections::rename(&pool, account, initech.id, "Germany")
            .await
            .unwrap(),
        Renamed::Done
    );
    let gil = common::other_admin(&pool).await;
    assert_eq!(
        connections::rename(&pool, gil.account_id, initech.id, "Hijacked")
            .await
            .unwrap(),
        Renamed::NoSuchConnection
    );
    let names: Vec<String> = connections::list(&pool, account)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Sage HR · Globex".to_owned()));
    assert!(names.contains(&"Germany".to_owned()));
}

async fn campaign(env: &SyncedEnv, name: &str, filter: &StaffFilter) -> Uuid {
    let pool = &env.state.pool;
    let draft = CampaignDraft {
        name: name.into(),
        occasion: "Welcome to the team".into(),
        budget: "20".into(),
        currency: "GBP".into(),
        notes: String::new(),
    }
    .validate()
    .unwrap();
    let id = campaigns::create(pool, env.admin.account_id, env.admin.user_id, &draft)
        .await
        .unwrap();
    assert!(
        audiences::save(
            pool,
            env.admin.account_id,
            id,
            AudienceKind::Snapshot,
            filter,
            vec![]
        )
        .await
        .unwrap()
    );
    id
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn disconnect_impact_counts_what_each_open_campaign_loses(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let globex = connect_unnamed(&env, &env.admin, "globex").await.unwrap();
    let initech = connect_unnamed(&env, &env.admin, "initech").await.unwrap();
    let everyone = StaffFilter::default();
    let only = |c: &Connection| StaffFilter {
        sources: vec![c.id.to_string()],
        ..StaffFilter::default()
    };
    let from_globex = staff_query::count(&pool, account, &only(&globex))
        .await
        .unwrap();
    let total = staff_query::count(&pool, account, &everyone).await.unwrap();
    assert!(from_globex > 0 && total > from_globex);

    let all = campaign(&env, "All staff", &everyone).await;
    campaign(&env, "Initech only", &only(&initech)).await;
    let archived = campaign(&env, "Old thanks", &everyone).await;
    campaigns::set_archived(&pool, account, archived, true)
        .await
        .unwrap();

    let losses = audiences::reach_through(&pool, account, globex.id)
        .await
        .unwrap();
    assert_eq!(losses.len(), 1, "{losses:?}");
    assert_eq!(losses[0].campaign_id, all);
    assert_eq!((losses[0].loses, losses[0].of), (from_globex, total));
    assert_eq!(
        losses[0].sentence(),
        format!("All staff loses {from_globex} of {total}")
    );

    // An excluded recipient is not counted as lost.
    let page = staff_query::search(&pool, account, &only(&globex))
        .await
        .unwrap();
    audiences::set_excluded(
        &pool,
        account,
        all,
        &page.rows[0].key,
        env.admin.user_id,
        true,
    )
    .await
    .unwrap();
    let losses = audiences::reach_through(&pool, account, globex.id)
        .await
        .unwrap();
    assert_eq!(
        (losses[0].loses, losses[0].of),
        (from_globex - 1, total - 1)
    );

    // Scoped to the account: another account asking about this connection learns nothing.
    let gil = common::other_admin(&pool).await;
    assert!(
        audiences::reach_through(&pool, gil.account_id, globex.id)
            .await
            .unwrap()
            .is_empty()
    );
}
