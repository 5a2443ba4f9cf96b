//! Types and text rules shared by the sync engine, the store and mail, so that none of them has
//! to reach into another for them.

pub mod records;
pub mod text;
