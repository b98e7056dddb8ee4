//! All of identity's SQL, one module per resource. Every query runs inside a tenant transaction
//! (`kc_auth::Tenant`, or a pre-authentication one), so row-level security applies on top of the
//! `WHERE` clauses written here.

pub mod organisations;
pub mod sessions;
pub mod units;
pub mod users;

pub use kc_db::{contains_pattern, count, prefix_pattern};
