//! Sign-in, sessions and the checks every request and server function goes through.

pub mod context;
pub mod cookie;
pub mod guard;
pub mod password;
pub mod session;
pub mod sign_in;
pub mod throttle;
pub mod token;
