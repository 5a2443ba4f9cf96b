//! Server functions: the browser calls these over HTTP; on the server they check the session,
//! validate, and call plain functions in `server`. Endpoints are named (not hashed) so that
//! security tests can enumerate and call every one of them.

pub mod account;
pub mod auth;
pub mod campaigns;
pub mod colleague;
pub mod integrations;
pub mod mail;
pub mod sso;
pub mod staff;
pub mod team;
