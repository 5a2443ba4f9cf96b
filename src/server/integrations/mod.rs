//! What an admin does with HR connections: connect (credentials or Merge Link), and the
//! account-scoped views of them. Server functions in `api::integrations` stay thin over these.

pub mod colleague;
pub mod connect;
pub mod details;
pub mod disconnect;
pub mod link;
pub mod relink;
pub mod views;
