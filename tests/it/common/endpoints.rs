//! Every registered server function with a payload that would work for account A, and what A
//! holds: shared by the isolation test (other accounts calling A's ids) and the fuzzer (hostile
//! variations of each payload).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::Request;
use hr_connectors::domain::campaign::{AudienceKind, CampaignDraft};
use hr_connectors::domain::staff_filter::StaffFilter;
use hr_connectors::server::integrations::link;
use hr_connectors::server::store::{audiences, campaigns, connections, staff_query};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::SyncedEnv;

#[derive(Clone, Debug)]
pub enum Payload {
    Form(String),
    Json(Value),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    /// Anyone may call it (signing in).
    Public,
    /// Any signed-in user; answers only about their own account.
    Member,
    /// Admins only: campaign managers are refused on the server.
    Admin,
}

pub fn request(path: &str, payload: &Payload, cookie: Option<&str>) -> Request<Body> {
    let (content_type, body) = match payload {
        Payload::Form(f) => ("application/x-www-form-urlencoded", f.clone()),
        Payload::Json(v) => ("application/json", v.to_string()),
    };
    let mut builder = Request::post(format!("/api/{path}"))
        .header("content-type", content_type)
        .header("origin", super::ORIGIN)
        .header("host", "127.0.0.1:3000");
    if let Some(c) = cookie {
        builder = builder.header("cookie", c);
    }
    builder.body(Body::from(body)).unwrap()
}

/// What account A has, and the strings that must never reach anyone else.
pub struct AccountA {
    /// A campaign manager of A, whom other accounts must not be able to change or remove.
    pub member: Uuid,
    /// A pending invitation into A.
    pub invitation: Uuid,
    pub connection: Uuid,
    pub campaign: Uuid,
    pub person: String,
    pub pending: Uuid,
    /// An open request of A's admin asking a colleague to connect an HR system.
    pub request: Uuid,
    pub secrets: Vec<String>,
}

/// A's campaign, with a dynamic audience of everyone.
async fn alpha_campaign(env: &SyncedEnv, pool: &PgPool) -> Uuid {
    let account = env.admin.account_id;
    let campaign = campaigns::create(
        pool,
        account,
        env.admin.user_id,
        &CampaignDraft {
            name: "Alpha secret campaign".into(),
            occasion: "Thank you".into(),
            budget: "10".into(),
            currency: "GBP".into(),
            notes: "Alpha notes".into(),
        }
        .validate()
        .unwrap(),
    )
    .await
    .unwrap();
    audiences::save(
        pool,
        account,
        campaign,
        AudienceKind::Dynamic,
        &StaffFilter::default(),
        vec![],
    )
    .await
    .unwrap();
    campaign
}

pub async fn account_a(env: &SyncedEnv, pool: &PgPool) -> AccountA {
    let account = env.admin.account_id;
    let c = env.connect("initech").await;
    connections::rename(pool, account, c.id, "Initech Alpha")
        .await
        .unwrap();
    let campaign = alpha_campaign(env, pool).await;
    let keys = staff_query::all_keys(pool, account, &StaffFilter::default())
        .await
        .unwrap();
    let person = keys[0].clone();
    let name = staff_query::person_name(pool, account, &person)
        .await
        .unwrap()
        .unwrap();
    audiences::set_excluded(pool, account, campaign, &keys[1], env.admin.user_id, true)
        .await
        .unwrap();
    let url = link::start(&env.state, &env.admin, "gusto", "Alpha payroll", &[])
        .await
        .unwrap();
    let pending = url.split("pending%3D").nth(1).unwrap()[..36]
        .parse()
        .unwrap();
    let member = super::user_in(
        pool,
        account,
        "pat@acme.example",
        hr_connectors::domain::role::Role::CampaignManager,
    )
    .await
    .user_id;
    let invitation = hr_connectors::server::people::invitations::invite(
        hr_connectors::server::people::Mailing::from_state(&env.state),
        &env.admin,
        "",
        &hr_connectors::domain::team::ValidInvitation {
            email: hr_connectors::domain::email::EmailAddress::parse("newbie@acme.example")
                .unwrap(),
            role: hr_connectors::domain::role::Role::Admin,
            message: "Alpha welcome".into(),
        },
    )
    .await
    .unwrap();
    let request = ask_a_colleague(env).await;
    AccountA {
        member,
        invitation,
        connection: c.id,
        campaign,
        person,
        pending,
        request,
        secrets: vec![
            c.id.to_string(),
            campaign.to_string(),
            "Initech Alpha".into(),
            "Alpha secret campaign".into(),
            "Alpha notes".into(),
            "acme.example".into(),
            "Alpha welcome".into(),
            member.to_string(),
            invitation.to_string(),
            name,
            request.to_string(),
            "Quinn Colleague".into(),
            "quinn.colleague@payroll.example".into(),
            "Alpha request note".into(),
        ],
    }
}

/// A's open request to a colleague to connect Sage HR.
async fn ask_a_colleague(env: &SyncedEnv) -> Uuid {
    use hr_connectors::server::integrations::colleague::{Ask, invite};
    let to = hr_connectors::domain::connect_invitation::ConnectRequestDraft {
        name: "Quinn Colleague".into(),
        email: "quinn.colleague@payroll.example".into(),
        message: "Alpha request note".into(),
    }
    .validate()
    .unwrap();
    let ask = Ask {
        slug: "sage-hr",
        optional_fields: &["job_title".to_owned()],
        to: &to,
    };
    invite(&env.state, &env.admin, "", ask, env.state.clock.now())
        .await
        .unwrap()
}

/// Every server function, called with account A's ids.
// Kept whole: one table literal, an entry per server function, best read as a single list.
pub fn table(a: &AccountA) -> BTreeMap<&'static str, (Access, Payload)> {
    use Access::*;
    use Payload::*;
    let (c, k, p) = (a.connection, a.campaign, &a.person);
    let (m, i, r) = (a.member, a.invitation, a.request);
    // Links are the only credential of their pages: a token nobody was sent.
    let token = "bm90LWEtcmVhbC1saW5rLXRva2VuLWF0LWFsbC0xMjM0NQ";
    let draft = json!({"name": "Hijacked", "occasion": "Thank you", "budget": "", "currency": "GBP", "notes": ""});
    BTreeMap::from([
        (
            "auth/login",
            (
                Public,
                Form("email=ada%40acme.example&password=wrong".into()),
            ),
        ),
        ("auth/logout", (Member, Form(String::new()))),
        ("auth/invitation", (Public, Form(format!("token={token}")))),
        (
            "auth/accept",
            (
                Public,
                Form(format!(
                    "token={token}&name=Mallory&password=copper-lantern-sings-at-dusk"
                )),
            ),
        ),
        (
            "auth/forgot",
            (Public, Form("email=ada%40acme.example".into())),
        ),
        ("auth/reset-link", (Public, Form(format!("token={token}")))),
        (
            "auth/reset",
            (
                Public,
                Form(format!(
                    "token={token}&password=copper-lantern-sings-at-dusk"
                )),
            ),
        ),
        ("team/list", (Member, Form(String::new()))),
        (
            "team/invite",
            (
                Admin,
                Json(
                    json!({"draft": {"email": "mallory@evil.example", "role": "admin", "message": ""}}),
                ),
            ),
        ),
        ("team/resend", (Admin, Form(format!("id={i}")))),
        ("team/revoke", (Admin, Form(format!("id={i}")))),
        (
            "team/role",
            (Admin, Form(format!("user_id={m}&role=admin"))),
        ),
        ("team/remove", (Admin, Form(format!("user_id={m}")))),
        ("account/sessions", (Member, Form(String::new()))),
        ("account/alerts", (Member, Form(String::new()))),
        ("account/set-alerts", (Member, Form("on=true".into()))),
        ("account/sign-out-elsewhere", (Member, Form(String::new()))),
        (
            "account/password",
            (
                Member,
                Form("current_password=wrong&new_password=copper-lantern-sings-at-dusk".into()),
            ),
        ),
        (
            "auth/sso-for-email",
            (Public, Form("email=ada%40acme.example".into())),
        ),
        ("sso/settings", (Admin, Form(String::new()))),
        (
            "sso/save",
            (
                Admin,
                // Discovery against the discard port fails fast, as a sentence.
                Json(
                    json!({"draft": {"display_name": "Hijack", "issuer_url": "http://127.0.0.1:9", "client_id": "x", "client_secret": "y", "domains": "acme.example", "auto_join": true, "required": false, "break_glass_user": null}}),
                ),
            ),
        ),
        ("sso/remove", (Admin, Form(String::new()))),
        ("auth/whoami", (Member, Form(String::new()))),
        ("mail/outbox", (Member, Form(String::new()))),
        ("mail/outbox-in-navigation", (Member, Form(String::new()))),
        ("integrations/list", (Member, Form(String::new()))),
        ("integrations/incidents", (Member, Form(String::new()))),
        ("integrations/catalogue", (Member, Form(String::new()))),
        ("integrations/activity", (Admin, Form(String::new()))),
        ("integrations/get", (Member, Form(format!("id={c}")))),
        ("integrations/details", (Member, Form(format!("id={c}")))),
        (
            "integrations/connect",
            (
                Admin,
                Json(
                    json!({"slug": "sage-hr", "label": "x", "optional_fields": [], "credentials": {"subdomain": "initech", "api_key": "wrong-key"}}),
                ),
            ),
        ),
        ("integrations/resync", (Admin, Form(format!("id={c}")))),
        (
            "integrations/same-tenant",
            (
                Admin,
                Json(json!({"slug": "sage-hr", "credentials": {"subdomain": "initech"}})),
            ),
        ),
        (
            "integrations/disconnect-impact",
            (Admin, Form(format!("id={c}"))),
        ),
        (
            "integrations/rename",
            (Admin, Form(format!("id={c}&label=Hijacked"))),
        ),
        (
            "integrations/disconnect",
            (Admin, Form(format!("id={c}&delete_now=true"))),
        ),
        (
            "integrations/start-link",
            (
                Admin,
                Json(json!({"slug": "nope", "label": "x", "optional_fields": []})),
            ),
        ),
        (
            "integrations/complete-link",
            (Admin, Form(format!("pending={}&public_token=x", a.pending))),
        ),
        (
            "integrations/relink",
            (
                Admin,
                Json(
                    json!({"id": c, "credentials": {"subdomain": "initech", "api_key": "demo-api-key"}}),
                ),
            ),
        ),
        (
            "integrations/start-relink",
            (Admin, Form(format!("id={c}"))),
        ),
        (
            "integrations/review-held",
            (Admin, Form(format!("id={c}&apply=true"))),
        ),
        (
            "staff/search",
            (Member, Json(json!({"filter": StaffFilter::default()}))),
        ),
        (
            "staff/count",
            (Member, Json(json!({"filter": StaffFilter::default()}))),
        ),
        ("staff/options", (Member, Form(String::new()))),
        ("staff/managers", (Member, Form("text=a".into()))),
        (
            "staff/name",
            (Member, Form(format!("key={}", super::urlencode(p)))),
        ),
        ("campaigns/list", (Member, Form("archived=false".into()))),
        (
            "campaigns/create",
            (Member, Json(json!({"draft": draft.clone()}))),
        ),
        (
            "campaigns/update",
            (Member, Json(json!({"id": k, "draft": draft}))),
        ),
        (
            "campaigns/archive",
            (Member, Form(format!("id={k}&archived=true"))),
        ),
        ("campaigns/get", (Member, Form(format!("id={k}")))),
        ("campaigns/incidents", (Member, Form(format!("id={k}")))),
        (
            "campaigns/recipients",
            (Member, Form(format!("id={k}&text=&page=0"))),
        ),
        (
            "campaigns/audience",
            (
                Member,
                Json(
                    json!({"id": k, "kind": "Snapshot", "filter": StaffFilter::default(), "picked": [p]}),
                ),
            ),
        ),
        (
            "campaigns/exclude",
            (
                Member,
                Form(format!("id={k}&key={}&excluded=true", super::urlencode(p))),
            ),
        ),
        ("campaigns/find-anyone", (Member, Form("text=a".into()))),
        (
            "integrations/ask-colleague",
            (
                Admin,
                Json(
                    json!({"slug": "sage-hr", "optional_fields": ["job_title"], "draft": {"name": "Mallory", "email": "mallory@evil.example", "message": ""}}),
                ),
            ),
        ),
        ("integrations/requests", (Admin, Form(String::new()))),
        (
            "integrations/request-resend",
            (Admin, Form(format!("id={r}"))),
        ),
        (
            "integrations/request-revoke",
            (Admin, Form(format!("id={r}"))),
        ),
        ("connect/open", (Public, Form(format!("token={token}")))),
        ("connect/seen", (Public, Form(format!("token={token}")))),
        (
            "connect/connect",
            (
                Public,
                Json(
                    json!({"token": token, "optional_fields": ["job_title"], "credentials": {"subdomain": "initech", "api_key": "demo-api-key"}}),
                ),
            ),
        ),
        (
            "connect/start-link",
            (Public, Json(json!({"token": token, "optional_fields": []}))),
        ),
        (
            "connect/complete-link",
            (
                Public,
                Form(format!(
                    "token={token}&pending={}&public_token=x",
                    a.pending
                )),
            ),
        ),
        ("connect/progress", (Public, Form(format!("token={token}")))),
        (
            "connect/decline",
            (Public, Form(format!("token={token}&reason=Hijacked"))),
        ),
        (
            "campaigns/why-not",
            (Member, Form(format!("id={k}&key={}", super::urlencode(p)))),
        ),
    ])
}

/// Everything about account A that a foreign call could have changed.
pub async fn fingerprint(pool: &PgPool, a: &AccountA) -> Vec<String> {
    let mut fingerprint = sqlx::query_scalar!(
        r#"SELECT concat_ws('|', c.label, c.status, c.people_count, k.name, k.archived_at IS NULL, k.audience_kind,
             (SELECT count(*) FROM campaign_members m WHERE m.campaign_id = k.id),
             (SELECT count(*) FROM campaign_exclusions x WHERE x.campaign_id = k.id),
             (SELECT count(*) FROM staff s WHERE s.connection_id = c.id AND s.removed_at IS NULL),
             (SELECT count(*) FROM sync_jobs j WHERE j.connection_id = c.id),
             (SELECT count(*) FROM pending_links),
             (SELECT string_agg(u.email || ':' || u.role, ',' ORDER BY u.email) FROM users u
              WHERE u.account_id = c.account_id),
             (SELECT string_agg(i.email || ':' || (i.revoked_at IS NULL)::text || (i.replaced_at IS NULL)::text, ',')
              FROM invitations i WHERE i.account_id = c.account_id)) AS "fingerprint!"
         FROM connections c, campaigns k WHERE c.id = $1 AND k.id = $2"#,
        a.connection,
        a.campaign,
    )
    .fetch_all(pool)
    .await
    .unwrap();
    // A's requests to colleagues, and the emails their links went out in.
    let requests: String = sqlx::query_scalar(
        "SELECT concat_ws('|',
             (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM connect_invitations t
              WHERE t.account_id = c.account_id),
             (SELECT string_agg(m.dedupe_key, ',' ORDER BY m.dedupe_key) FROM mail_outbox m
              WHERE m.account_id = c.account_id AND m.dedupe_key LIKE 'connect-request%'))
         FROM connections c WHERE c.id = $1",
    )
    .bind(a.connection)
    .fetch_one(pool)
    .await
    .unwrap();
    fingerprint.push(requests);
    fingerprint
}
