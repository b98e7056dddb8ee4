//! The official calendar (`notifications.calendar_days`): public holidays, days off in their place,
//! and weekend days worked in exchange, as data the ministry edits year by year. A due date falling on
//! a day off moves to the next working day (Civil Code 2015, Art. 148), by the database's one rule
//! `notifications.working_day`, unless the duty says otherwise. Editing the calendar re-dates the
//! obligations still owed whose rule date it touches.

pub mod routes;
pub mod store;
