//! Obligations (`notifications.obligations`): a duty owed by one organisation for one period, with
//! its due date (moved off days off), its state ([`state`]) and the day of its next reminder. They open
//! from the duties opened by the calendar (the [`crate::scheduler`], ahead of the due date) and from
//! other services' events ([`crate::events`]); a fulfilment event, or the recipient recording that the
//! report arrived, closes one; the recipient's admins may waive one with a reason.
//!
//! Who sees one: its province (row-level security), and among enterprises the party itself and the
//! enterprise the duty is owed to (`for_org_id`: an administration's time limit on the enterprise's
//! own case). [`store::compliance`] counts, per province, who reported on time, late, or not at all;
//! [`export`] gives that table as a spreadsheet.

pub mod export;
pub mod routes;
pub mod state;
pub mod store;
