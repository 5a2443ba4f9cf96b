//! One routed page per module.

pub mod account;
pub mod activity;
pub mod campaign;
pub mod campaigns;
pub mod connect_request;
pub mod connection;
pub mod forgot_password;
pub mod help;
pub mod help_data;
pub mod help_guide;
pub mod integrations;
pub mod invitation;
pub mod linked;
pub mod login;
pub mod not_found;
pub mod outbox;
pub mod people;
pub mod reset_password;
pub mod sso_error;
pub mod sso_settings;
pub mod team;
