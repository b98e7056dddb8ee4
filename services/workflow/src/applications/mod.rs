//! Enterprises' applications for support (DOMAIN.md §5 step 1).
//!
//! An enterprise writes a draft (saved as often as it likes), submits it, and the province's extension
//! centre takes it up, returns it for more information (with a reason), accepts it into a scheme,
//! or rejects it (with a reason); the applicant may withdraw it until a decision. [`state`] holds the
//! statuses' transitions and who makes each. Every submission keeps the content as sent
//! ([`store::add_version`]); [`diff`] compares two versions field by field. [`caps`] checks the
//! support asked for against the cap rule in force (a share of the cost and a ceiling) with a message
//! naming the rule and the figures. [`export`] gives the list as a spreadsheet.

pub mod caps;
pub mod diff;
pub mod export;
pub mod routes;
pub mod state;
pub mod store;
