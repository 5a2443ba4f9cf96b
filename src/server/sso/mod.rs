//! Single sign-on with the account's own OpenID Connect identity provider.
//!
//! - `settings`: the admin's settings (client secret sealed), the domains each account covers,
//!   and whether password sign-in is still allowed for a person.
//! - `oidc`: discovery, the authorization URL (PKCE, state, nonce) and the ID token checks, all
//!   done by the `openidconnect` crate.
//! - `login`: sign-ins in flight (single use, 10 minutes) and who may join the account.
//! - `routes`: `GET /sso/start` and `GET /sso/callback`.

pub mod login;
pub mod oidc;
pub mod routes;
pub mod settings;
