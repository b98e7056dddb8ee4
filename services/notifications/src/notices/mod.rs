//! In-app notices (`notifications.notices`): what the scheduler told each user (reminders, overdue
//! duties, escalations, the ministry's daily digest). Each user reads only their own, by row-level
//! security on the user id of the request's tenant.

pub mod routes;
pub mod store;
