//! Black-box tests of the workflow service over HTTP, with the identity service issuing the tokens,
//! each test on its own database of the real PostgreSQL that the test command starts.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod adjustments;
mod applications;
mod budget;
mod documents;
mod execution;
mod extension_reports;
mod helpers;
mod rules;
mod schemes;
