//! The Postgres-backed stores: connections (with encrypted Merge tokens), the minimised staff
//! records and the organisation structure they point at. Every query takes the account or
//! connection it is scoped to.

pub mod audiences;
pub mod audit;
pub mod campaigns;
pub mod connect_invitations;
pub mod connections;
pub mod derived;
pub mod incidents;
pub mod jobs;
pub mod org;
pub mod reach;
pub mod removals;
pub mod rules;
pub mod staff;
pub mod staff_lock;
pub mod staff_query;
pub mod tokens;
pub mod why_not;
