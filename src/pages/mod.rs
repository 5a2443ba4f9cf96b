//! One routed page per module.

pub mod campaigns;
pub mod help;
pub mod integrations;
pub mod login;
pub mod not_found;
