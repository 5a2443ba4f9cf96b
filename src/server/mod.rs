//! Everything that only runs on the server: configuration, the database, sessions, the Merge
//! client and sandbox, the sync engine, mail. None of it is compiled into the browser bundle.

pub mod accounts;
pub mod alerts;
pub mod auth;
pub mod campaigns;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod health;
pub mod http;
pub mod integrations;
pub mod mail;
pub mod merge;
pub mod merge_backend;
pub mod model;
pub mod people;
pub mod recipients_csv;
pub mod reseal;
pub mod sandbox;
pub mod secret;
pub mod seed;
pub mod site;
pub mod sso;
pub mod staff;
pub mod startup;
pub mod state;
pub mod store;
pub mod sync;
pub mod telemetry;
