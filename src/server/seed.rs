//! Demo data for development: the "Acme Ltd" account with an admin and a campaign manager, and a
//! second account, "Globex Corporation", so that account separation can be seen and tested.
//! Seeding is idempotent; the passwords are printed at startup and only exist in development.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::email::EmailAddress;
use crate::domain::role::Role;

use super::accounts::{self, NewUser};
use super::error::{Context, ServerError};

pub struct DemoLogin {
    pub account: &'static str,
    pub role: Role,
    pub name: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

pub const DEMO_LOGINS: &[DemoLogin] = &[
    DemoLogin {
        account: "Acme Ltd",
        role: Role::Admin,
        name: "Ada Admin",
        email: "admin@acme.example",
        password: "acme-admin-demo",
    },
    DemoLogin {
        account: "Acme Ltd",
        role: Role::CampaignManager,
        name: "Cam Manager",
        email: "campaigns@acme.example",
        password: "acme-campaigns-demo",
    },
    DemoLogin {
        account: "Globex Corporation",
        role: Role::Admin,
        name: "Gus Globex",
        email: "admin@globex.example",
        password: "globex-admin-demo",
    },
];

pub async fn demo(pool: &PgPool) -> Result<(), ServerError> {
    for login in DEMO_LOGINS {
        let account_id = match account_named(pool, login.account).await? {
            Some(id) => id,
            None => accounts::create_account(pool, login.account).await?,
        };
        let email = EmailAddress::parse(login.email)
            .map_err(|e| ServerError::Internal(format!("demo email {}: {e}", login.email)))?;
        if accounts::credentials_for(pool, &email).await?.is_none() {
            accounts::create_user(
                pool,
                NewUser {
                    account_id,
                    email: &email,
                    name: login.name,
                    role: login.role,
                    password: Some(login.password),
                },
            )
            .await?;
        }
    }
    if let Some(acme) = account_named(pool, "Acme Ltd").await? {
        crate::server::store::connections::add_demo_crm(pool, acme).await?;
    }
    Ok(())
}

async fn account_named(pool: &PgPool, name: &str) -> Result<Option<Uuid>, ServerError> {
    sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE name = $1 ORDER BY created_at LIMIT 1",
        name,
    )
    .fetch_optional(pool)
    .await
    .context("finding a demo account")
}

pub fn print_logins(public_url: &str) {
    println!();
    println!("  HR Connectors is running at {public_url}");
    println!();
    println!("  Demo sign-ins (development only):");
    for l in DEMO_LOGINS {
        println!(
            "    {:<20} {:<18} {:<26} password: {}",
            l.account,
            l.role.label(),
            l.email,
            l.password
        );
    }
    println!();
}
