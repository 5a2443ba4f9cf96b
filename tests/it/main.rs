//! Every integration test, in one binary so the crate is linked once (`cargo test --features ssr
//! --test it`; add a module path such as `sync::` to run one suite). Each module is one suite
//! against a real PostgreSQL (`DATABASE_URL`); `common` holds what they share.

mod common;

mod alerts;
mod audit;
mod auth;
mod campaigns;
mod connect_requests;
mod connections;
mod derived;
mod fuzz;
mod isolation;
mod mail;
mod merge_gateway;
mod people;
mod pool_safety;
mod properties;
mod reseal;
mod rules;
mod sso;
mod staff_query;
mod sync;
