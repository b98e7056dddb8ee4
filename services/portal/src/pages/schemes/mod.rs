//! The schemes (đề án khuyến công), as workflow keeps them, for the province's and the ministry's
//! staff:
//! - [`list`]: `/de-an`, the schemes of the province (the ministry: of the nation), filtered, with
//!   their export;
//! - [`case`]: `/de-an/{id}`, one scheme: where it stands in its fund's approval chain and who takes
//!   the next step, its beneficiaries, the appraisal (each member's declaration and scores, the
//!   conclusion) and the appraisal form, the next step or a rejection, its documents and history;
//! - [`new`]: `/de-an/moi`, a centre builds a scheme from accepted applications;
//! - [`execution`]: `/de-an/{id}/thuc-hien`, the implementation after approval (contract,
//!   advances and payments, progress reports and inspections, acceptance, settlement) with a form
//!   for each act the visitor may take.

pub mod case;
pub mod execution;
pub mod list;
pub mod new;

use kc_kernel::SchemeStatus;

/// A scheme's state, as the catalogue names it.
pub fn status_key(s: SchemeStatus) -> &'static str {
    match s {
        SchemeStatus::Draft => "scheme.status.draft",
        SchemeStatus::Registered => "scheme.status.registered",
        SchemeStatus::Appraised => "scheme.status.appraised",
        SchemeStatus::SentToMinistry => "scheme.status.sent_to_ministry",
        SchemeStatus::Selected => "scheme.status.selected",
        SchemeStatus::Approved => "scheme.status.approved",
        SchemeStatus::Implementing => "scheme.status.implementing",
        SchemeStatus::Accepted => "scheme.status.accepted",
        SchemeStatus::SettlementSubmitted => "scheme.status.settlement_submitted",
        SchemeStatus::Settled => "scheme.status.settled",
        SchemeStatus::Terminated => "scheme.status.terminated",
        SchemeStatus::Rejected => "scheme.status.rejected",
    }
}
