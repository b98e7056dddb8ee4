//! Black-box tests of the identity service over HTTP, each against its own database on the real
//! PostgreSQL that the test command starts.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod auth;
mod cancellation;
mod helpers;
mod input;
mod jwt;
mod own_account;
mod password_reset;
mod provinces;
mod registration;
mod rls;
mod sessions;
mod tenancy;
