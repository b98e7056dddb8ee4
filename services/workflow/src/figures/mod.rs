//! The money figures of the plan (DOMAIN.md §3): plan, approved, committed, advanced, paid, settled and
//! the execution rate, per fund and grouped by province (as it is, or as it was), region, activity type
//! or implementing unit. [`store`] is the one place they are summed (over `workflow.scheme_figures`);
//! every report, screen and export reads [`routes::report`].

pub mod routes;
pub mod store;
