//! Black-box tests of the notifications service over HTTP (identity issuing the tokens), with its
//! workers driven by the tests: the events consumer and the scheduler run as the worker role on the
//! test's own database, for the days each test chooses.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod duties;
mod feeds;
mod helpers;
mod isolation;
mod mail;
mod obligations;
mod process;
mod reminders;
