//! Schemes (đề án khuyến công): built by the province's extension centre from accepted applications,
//! then taken through the approval chain of their fund (DOMAIN.md §5).
//!
//! The chain is data ([`chain`], `workflow.approval_steps`): for each fund, which steps lead from
//! which status to which, which role and permission takes each, which must be done by a yearly
//! deadline, which concludes the provincial appraisal, which commits the budget. There is no code path
//! per fund. The provincial appraisal ([`appraisal`]) keeps each appraiser's declaration of no conflict
//! and scores against the rubric in force. The step that commits the budget checks the support cap
//! again, keeps the separation of duties (whoever prepared or appraised the scheme may not approve
//! it) and commits against the envelope under its CHECK (`budget::store::commit`).

pub mod appraisal;
pub mod chain;
pub mod routes;
pub mod store;
