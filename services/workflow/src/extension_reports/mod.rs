//! The periodic extension reports (báo cáo khuyến công, six-month and annual) each province's
//! department sends the ministry (DOMAIN.md §7): the draft's figures come from the execution report of
//! the province and year ([`crate::figures`]), the department writes its narrative and sends it (which
//! fulfils its reporting duty in the notifications service), the ministry sees which provinces have
//! sent theirs and may return one for correction. Life cycle: draft → submitted → returned →
//! submitted.

pub mod routes;
pub mod store;
