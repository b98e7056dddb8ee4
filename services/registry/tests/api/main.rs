//! Black-box tests of the registry service over HTTP, with the identity service issuing the tokens,
//! each test on its own database of the real PostgreSQL that the test command starts.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod clusters;
mod helpers;
mod history;
mod import;
mod isolation;
mod links;
mod reports;
mod rules;
mod views;
