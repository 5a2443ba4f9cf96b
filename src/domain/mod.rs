//! Types and validators shared by the server and the browser. Everything here compiles to wasm,
//! so the same rules check a form as the user types and again when the server receives it.

pub mod audit;
pub mod campaign;
pub mod connect_invitation;
pub mod connection_details;
pub mod credentials;
pub mod email;
pub mod field_policy;
pub mod incident;
pub mod integration;
pub mod numbers;
pub mod password;
pub mod person_key;
pub mod role;
pub mod sso;
pub mod staff_filter;
pub mod sync_job;
pub mod team;
pub mod text;
pub mod user;
