//! Campaigns and their audiences against real Postgres and synced sandbox staff.

use crate::common;

use common::SyncedEnv;
use hr_connectors::domain::campaign::{AudienceKind, CampaignDraft, Person, ValidCampaign, WhyNot};
use hr_connectors::domain::role::Role;
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::server::recipients_csv;
use hr_connectors::server::store::{audiences, campaigns, staff_query};
use sqlx::PgPool;
use uuid::Uuid;

fn draft(name: &str) -> CampaignDraft {
    CampaignDraft {
        name: name.into(),
        occasion: "Welcome to the team".into(),
        budget: "30".into(),
        currency: "GBP".into(),
        notes: String::new(),
    }
}

async fn new_campaign(env: &SyncedEnv, name: &str) -> Uuid {
    let valid = draft(name).validate().unwrap();
    campaigns::create(
        &env.state.pool,
        env.admin.account_id,
        env.admin.user_id,
        &valid,
    )
    .await
    .unwrap()
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn campaigns_are_created_edited_archived_and_kept_to_their_account(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let id = new_campaign(&env, "Q3 welcome gifts").await;
    let listed = campaigns::list(&pool, account, false).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].name.as_str(),
            listed[0].budget_minor,
            listed[0].recipients
        ),
        ("Q3 welcome gifts", Some(3000), 0)
    );

    let renamed = draft("Autumn welcome gifts").validate().unwrap();
    assert!(
        campaigns::update(&pool, account, id, &renamed)
            .await
            .unwrap()
    );
    assert!(
        campaigns::set_archived(&pool, account, id, true)
            .await
            .unwrap()
    );
    assert!(
        campaigns::list(&pool, account, false)
            .await
            .unwrap()
            .is_empty()
    );
    let archived = campaigns::list(&pool, account, true).await.unwrap();
    assert_eq!(archived[0].name, "Autumn welcome gifts");
    assert!(archived[0].archived);
    assert!(
        campaigns::set_archived(&pool, account, id, false)
            .await
            .unwrap()
    );
    assert_hidden_from_another_account(&pool, id, &renamed).await;
}

/// Another account can neither see nor change the campaign.
async fn assert_hidden_from_another_account(pool: &PgPool, id: Uuid, renamed: &ValidCampaign) {
    let other = common::user(pool, "Globex", "gus@globex.example", Role::CampaignManager).await;
    assert!(
        campaigns::list(pool, other.account_id, false)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        campaigns::get(pool, other.account_id, id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !campaigns::update(pool, other.account_id, id, renamed)
            .await
            .unwrap()
    );
    assert!(
        !campaigns::set_archived(pool, other.account_id, id, true)
            .await
            .unwrap()
    );
    assert!(
        audiences::details(pool, other.account_id, id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !audiences::save(
            pool,
            other.account_id,
            id,
            AudienceKind::Dynamic,
            &StaffFilter::default(),
            vec![]
        )
        .await
        .unwrap()
    );
    assert!(
        audiences::export(pool, other.account_id, id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn a_dynamic_audience_follows_every_sync_and_shows_the_change(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let connection = env.connect("acme").await;
    // People starting soon included: most of the sandbox's new hires start in the coming days,
    // so without them a generation's hires can all be left out and nobody joins.
    let everyone = StaffFilter {
        include_pending: true,
        ..StaffFilter::default()
    };
    let active = staff_query::count(&pool, account, &everyone).await.unwrap();

    let dynamic = new_campaign(&env, "Everyone, always").await;
    let fixed = new_campaign(&env, "Everyone, today").await;
    for (id, kind) in [
        (dynamic, AudienceKind::Dynamic),
        (fixed, AudienceKind::Snapshot),
    ] {
        assert!(
            audiences::save(&pool, account, id, kind, &everyone, vec![])
                .await
                .unwrap()
        );
        let d = audiences::details(&pool, account, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.campaign.recipients, active);
        assert_eq!(d.campaign.audience, Some(kind));
    }

    env.advance_and_sync(&connection).await;
    let now_active = staff_query::count(&pool, account, &everyone).await.unwrap();
    let d = audiences::details(&pool, account, dynamic)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.campaign.recipients, now_active);
    assert!(
        !d.diff.joined.is_empty(),
        "the sandbox hires people every generation, and they join at once"
    );
    assert!(d.diff.at.is_some());
    assert_eq!(
        active + d.diff.joined.len() as i64 - d.diff.left.len() as i64,
        now_active
    );
    // The fixed list keeps who it had, minus anyone who has since left.
    let f = audiences::details(&pool, account, fixed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.campaign.recipients + f.no_longer_eligible, active);
    assert_eq!(f.no_longer_eligible, d.diff.left.len() as i64);
    assert!(f.diff.joined.is_empty());
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn exclusions_picks_and_the_csv_export(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let connection = env.connect("initech").await;
    let id = new_campaign(&env, "Thank you").await;
    give_someone_a_formula_for_a_name(&pool, connection.id).await;
    let keys = staff_query::all_keys(&pool, account, &StaffFilter::default())
        .await
        .unwrap();
    // Picked by hand: a fixed list. A key from outside the account is ignored.
    let mut picked: Vec<String> = keys.iter().take(5).cloned().collect();
    picked.push(format!("{}/someone-else", Uuid::new_v4()));
    assert!(
        audiences::save(
            &pool,
            account,
            id,
            AudienceKind::Dynamic,
            &StaffFilter::default(),
            picked
        )
        .await
        .unwrap()
    );
    let d = audiences::details(&pool, account, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.campaign.audience, Some(AudienceKind::Snapshot));
    assert_eq!(d.campaign.recipients, 5);

    // Excluding someone takes them out of the list and the export; including them puts them back.
    let first = audiences::recipients(&pool, account, id, "", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.total, 5);
    let out = first.rows[0].key.clone();
    let user = env.admin.user_id;
    assert!(
        audiences::set_excluded(&pool, account, id, &out, user, true)
            .await
            .unwrap()
    );
    let d = audiences::details(&pool, account, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.campaign.recipients, 4);
    assert_eq!(d.excluded.len(), 1);
    assert_eq!(
        audiences::export(&pool, account, id).await.unwrap().len(),
        4
    );
    let other = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    assert!(
        !audiences::set_excluded(&pool, other.account_id, id, &out, other.user_id, false)
            .await
            .unwrap()
    );
    assert!(
        audiences::set_excluded(&pool, account, id, &out, user, false)
            .await
            .unwrap()
    );
    assert_export_defuses_formulas(&env).await;
}

/// A name that a spreadsheet would run as a formula, given to the connection's first current
/// employee.
async fn give_someone_a_formula_for_a_name(pool: &PgPool, connection_id: Uuid) {
    sqlx::query!(
        "UPDATE staff SET display_name = '=HYPERLINK(\"http://evil.example\",\"click\")'
         WHERE connection_id = $1 AND merge_id = (SELECT min(merge_id) FROM staff WHERE connection_id = $1
             AND employment_status = 'ACTIVE' AND start_date <= current_date AND termination_date IS NULL)",
        connection_id,
    )
    .execute(pool)
    .await
    .unwrap();
}

/// Everyone's CSV export has a header, a line per person, and the formula name quoted so that a
/// spreadsheet shows it as text.
async fn assert_export_defuses_formulas(env: &SyncedEnv) {
    let pool = &env.state.pool;
    let account = env.admin.account_id;
    let everyone = new_campaign(env, "All of Initech").await;
    audiences::save(
        pool,
        account,
        everyone,
        AudienceKind::Snapshot,
        &StaffFilter::default(),
        vec![],
    )
    .await
    .unwrap();
    let rows = audiences::export(pool, account, everyone).await.unwrap();
    let csv = recipients_csv::to_csv(&rows);
    assert_eq!(csv.lines().count(), rows.len() + 1);
    assert!(csv.starts_with("\"Name\",\"Work email\""));
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""));
    assert!(!csv.contains(",\"=HYPERLINK"));
}

/// The key of the connection's first person (by Merge id) matching a literal SQL condition on
/// `staff`.
macro_rules! key_where {
    ($pool:expr, $connection_id:expr, $condition:literal) => {
        sqlx::query_scalar!(
            r#"SELECT connection_id::text || '/' || merge_id AS "key!" FROM staff
               WHERE connection_id = $1 AND "#
                + $condition
                + "
               ORDER BY merge_id LIMIT 1",
            $connection_id,
        )
        .fetch_one($pool)
        .await
        .unwrap()
    };
}

/// Why the person is or is not in the campaign, for a person and campaign the account can see.
async fn explained(pool: &PgPool, account: Uuid, campaign: Uuid, key: &str) -> WhyNot {
    hr_connectors::server::campaigns::why_not::explain(pool, account, campaign, key)
        .await
        .unwrap()
        .unwrap()
}

#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn why_someone_is_not_in_the_list(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    let connection = env.connect("acme").await;
    let id = new_campaign(&env, "Germany").await;
    let germany = StaffFilter {
        countries: vec!["DE".into()],
        ..StaffFilter::default()
    };
    audiences::save(&pool, account, id, AudienceKind::Dynamic, &germany, vec![])
        .await
        .unwrap();
    let in_germany = key_where!(
        &pool,
        connection.id,
        "country = 'DE' AND employment_status = 'ACTIVE' AND start_date <= current_date AND termination_date IS NULL"
    );
    let w = explained(&pool, account, id, &in_germany).await;
    assert!(w.included, "{w:?}");

    let elsewhere = key_where!(
        &pool,
        connection.id,
        "country <> 'DE' AND employment_status = 'ACTIVE' AND start_date <= current_date AND termination_date IS NULL"
    );
    let w = explained(&pool, account, id, &elsewhere).await;
    assert!(!w.included);
    assert!(
        w.reasons
            .iter()
            .any(|r| r.starts_with("Their office country")),
        "{w:?}"
    );

    let leaver = key_where!(&pool, connection.id, "employment_status = 'INACTIVE'");
    let w = explained(&pool, account, id, &leaver).await;
    assert!(!w.included);
    assert!(
        w.reasons
            .iter()
            .any(|r| r.contains("Leavers never receive gifts")),
        "{w:?}"
    );

    audiences::set_excluded(&pool, account, id, &in_germany, env.admin.user_id, true)
        .await
        .unwrap();
    let w = explained(&pool, account, id, &in_germany).await;
    assert!(!w.included);
    assert!(
        w.reasons[0].contains("excluded them from this campaign"),
        "{w:?}"
    );

    assert_a_fixed_list_explains_who_was_not_picked(&pool, account, id, &in_germany, &elsewhere)
        .await;
}

/// A fixed list of `picked` explains that someone `elsewhere` was not picked; another account
/// learns nothing about the campaign or its people.
async fn assert_a_fixed_list_explains_who_was_not_picked(
    pool: &PgPool,
    account: Uuid,
    id: Uuid,
    picked: &str,
    elsewhere: &str,
) {
    use hr_connectors::server::campaigns::why_not::explain;
    audiences::save(
        pool,
        account,
        id,
        AudienceKind::Snapshot,
        &StaffFilter::default(),
        vec![picked.to_owned()],
    )
    .await
    .unwrap();
    let w = explained(pool, account, id, elsewhere).await;
    assert!(
        w.reasons
            .iter()
            .any(|r| r.starts_with("They were not among the people saved")),
        "{w:?}"
    );
    let other = common::user(pool, "Globex", "gus@globex.example", Role::Admin).await;
    assert!(
        explain(pool, other.account_id, id, elsewhere)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        staff_query::anyone(pool, other.account_id, "a")
            .await
            .unwrap()
            .is_empty()
    );
}

/// The worker re-evaluates dynamic audiences after every sync while people keep saving them.
/// Saving must never fail for it (both lock the campaign first, so neither waits for the other
/// in the wrong order), and a refresh that worked from a filter saved over meanwhile must leave
/// the new audience as it was saved.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn saving_an_audience_while_the_worker_refreshes_it(pool: PgPool) {
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    env.connect("acme").await;
    let everyone = StaffFilter {
        include_pending: true,
        ..StaffFilter::default()
    };
    let recent = StaffFilter {
        joined_within: Some(400),
        ..StaffFilter::default()
    };
    let id = new_campaign(&env, "Saved while refreshed").await;
    assert!(
        audiences::save(&pool, account, id, AudienceKind::Dynamic, &everyone, vec![])
            .await
            .unwrap()
    );
    for round in 0..80 {
        let (filter, kind) = match round % 4 {
            0 => (&recent, AudienceKind::Dynamic),
            1 => (&everyone, AudienceKind::Snapshot),
            2 => (&recent, AudienceKind::Snapshot),
            _ => (&everyone, AudienceKind::Dynamic),
        };
        let (saved, refreshed) = tokio::join!(
            audiences::save(&pool, account, id, kind, filter, vec![]),
            audiences::refresh_dynamic(&pool, account),
        );
        assert!(saved.unwrap_or_else(|e| panic!("round {round}: saving failed: {e}")));
        refreshed.unwrap_or_else(|e| panic!("round {round}: refreshing failed: {e}"));
        let d = audiences::details(&pool, account, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.campaign.audience, Some(kind), "round {round}");
        assert_eq!(
            d.campaign.recipients,
            staff_query::count(&pool, account, filter).await.unwrap(),
            "round {round}: the audience is not the one just saved"
        );
    }
}

/// Reads all `pages` of the campaign's `everyone` recipients, each full but the last.
async fn every_page(
    pool: &PgPool,
    account: Uuid,
    id: Uuid,
    everyone: i64,
    pages: i64,
) -> Vec<Person> {
    let page_size = i64::from(hr_connectors::domain::campaign::RECIPIENTS_PAGE);
    let mut seen = Vec::new();
    for page in 0..pages {
        let p = audiences::recipients(pool, account, id, "", page as u32)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.total, everyone);
        let expected = if page + 1 < pages {
            page_size
        } else {
            everyone - page * page_size
        };
        assert_eq!(p.rows.len() as i64, expected, "page {page}");
        seen.extend(p.rows);
    }
    seen
}

/// The campaign page lists current recipients a page at a time, by name, and finds them by name
/// or work email; another account's campaign has none to list.
#[sqlx::test(migrator = "hr_connectors::server::db::MIGRATOR")]
async fn recipients_are_listed_a_page_at_a_time_and_found_by_name_or_email(pool: PgPool) {
    use hr_connectors::domain::campaign::RECIPIENTS_PAGE;
    let env = SyncedEnv::new(pool.clone()).await;
    let account = env.admin.account_id;
    env.connect("initech").await;
    let id = new_campaign(&env, "Everyone").await;
    assert!(
        audiences::save(
            &pool,
            account,
            id,
            AudienceKind::Snapshot,
            &StaffFilter::default(),
            Vec::new()
        )
        .await
        .unwrap()
    );
    let everyone = audiences::details(&pool, account, id)
        .await
        .unwrap()
        .unwrap()
        .campaign
        .recipients;
    let page_size = i64::from(RECIPIENTS_PAGE);
    assert!(everyone > page_size, "{everyone}");
    let pages = (everyone + page_size - 1) / page_size;
    let seen = every_page(&pool, account, id, everyone, pages).await;
    let names: Vec<String> = seen.iter().map(|p| p.name.to_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "by name across pages");
    let mut keys: Vec<&String> = seen.iter().map(|p| &p.key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len() as i64, everyone, "nobody on two pages");
    let past = audiences::recipients(&pool, account, id, "", pages as u32)
        .await
        .unwrap()
        .unwrap();
    assert!(past.rows.is_empty());

    // By work email in another case, and by name: the search narrows the count too.
    let one = seen.iter().find(|p| p.work_email.is_some()).unwrap();
    let email = one.work_email.clone().unwrap().to_uppercase();
    let found = audiences::recipients(&pool, account, id, &email, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.rows[0].key, one.key);
    let by_name = audiences::recipients(&pool, account, id, &one.name, 0)
        .await
        .unwrap()
        .unwrap();
    assert!(by_name.rows.iter().any(|p| p.key == one.key));
    assert!(by_name.total < everyone);
    // LIKE's wildcards are only themselves.
    let wild = audiences::recipients(&pool, account, id, "%", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(wild.total, 0);

    let other = common::user(&pool, "Globex", "gus@globex.example", Role::Admin).await;
    assert!(
        audiences::recipients(&pool, other.account_id, id, "", 0)
            .await
            .unwrap()
            .is_none()
    );
}
