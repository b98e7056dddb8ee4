//! The applications for support (hồ sơ đề nghị hỗ trợ), as workflow keeps them:
//! - [`list`]: `/ho-so`, an enterprise's own applications or the province's queue (filters, overdue
//!   markers, pages), and the centre's batch steps;
//! - [`form`]: `/ho-so/moi` and `/ho-so/{id}/sua/{step}`, the application form in three steps, each
//!   saved as a draft;
//! - [`case`]: `/ho-so/{id}`, one case: where it stands, who holds it and until when, its content,
//!   documents, versions and history, and the steps the visitor may take; `/ho-so/{id}/so-sanh/{a}/{b}`,
//!   what changed between two submitted versions;
//! - [`documents`]: uploads to a case and downloads, through workflow;
//! - [`progress`]: `/ho-so/{id}/tien-do`, the enterprise's progress reports on the scheme its case
//!   was built into.
//!
//! Workflow decides everything (who may take which step, what a submission needs); these pages show
//! its answers and its refusals, next to the field at fault.

pub mod case;
pub mod documents;
pub mod form;
pub mod list;
pub mod progress;

use super::Chrome;
use crate::PortalState;
use crate::api::Problem;
use chrono::{DateTime, NaiveDate, Utc};
use kc_kernel::{ApplicationStatus, DocumentKind, Fund, Money, format_date_vn, today_vn};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// An application, as workflow answers it (the fields the pages show).
#[derive(Debug, Clone, Deserialize)]
pub struct Application {
    pub id: Uuid,
    pub province_code: String,
    pub organisation_name: String,
    pub status: ApplicationStatus,
    pub version: i32,
    pub submissions: i32,
    pub fund: Option<Fund>,
    pub activity_code: Option<String>,
    pub plan_year: Option<i32>,
    pub title: Option<String>,
    pub commune: Option<String>,
    pub total_cost: Option<Money>,
    pub support_requested: Option<Money>,
    pub counterpart: Option<Money>,
    pub expected_results: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub difficult_area: bool,
    pub woman_owned: bool,
    pub ethnic_minority_owned: bool,
    pub status_reason: Option<String>,
    pub stage_since: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub holder: Option<Holder>,
    pub actions: Vec<Act>,
    /// The scheme the case is in, once a centre has built one from it.
    #[serde(default)]
    pub scheme_id: Option<Uuid>,
}

/// Who holds a case now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    Applicant,
    Centre,
}

/// A step of an application's life, as workflow names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    Submit,
    Review,
    Return,
    Accept,
    Reject,
    Withdraw,
}

impl Act {
    pub const ALL: [Act; 6] = [
        Act::Submit,
        Act::Review,
        Act::Return,
        Act::Accept,
        Act::Reject,
        Act::Withdraw,
    ];

    /// Its name in workflow's routes (`/applications/{id}/{act}`) and in the pages' forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Submit => "submit",
            Act::Review => "review",
            Act::Return => "return",
            Act::Accept => "accept",
            Act::Reject => "reject",
            Act::Withdraw => "withdraw",
        }
    }

    pub fn parse(s: &str) -> Option<Act> {
        Act::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether the step asks for a reason (workflow requires one for these).
    pub fn needs_reason(self) -> bool {
        matches!(self, Act::Return | Act::Reject)
    }

    /// Whether the step takes a reason at all.
    pub fn takes_reason(self) -> bool {
        matches!(self, Act::Return | Act::Reject | Act::Withdraw)
    }

    pub fn key(self) -> &'static str {
        match self {
            Act::Submit => "act.submit",
            Act::Review => "act.review",
            Act::Return => "act.return",
            Act::Accept => "act.accept",
            Act::Reject => "act.reject",
            Act::Withdraw => "act.withdraw",
        }
    }

    /// The steps of the centre, which it may take on many cases at once.
    pub fn in_batch(self) -> bool {
        matches!(self, Act::Review | Act::Return | Act::Accept | Act::Reject)
    }
}

/// An application's state, as the catalogue names it.
pub fn status_key(s: ApplicationStatus) -> &'static str {
    match s {
        ApplicationStatus::Draft => "app.status.draft",
        ApplicationStatus::Submitted => "app.status.submitted",
        ApplicationStatus::UnderReview => "app.status.under_review",
        ApplicationStatus::Returned => "app.status.returned",
        ApplicationStatus::Accepted => "app.status.accepted",
        ApplicationStatus::Rejected => "app.status.rejected",
        ApplicationStatus::Withdrawn => "app.status.withdrawn",
    }
}

pub fn fund_key(f: Fund) -> &'static str {
    match f {
        Fund::Kcqg => "fund.kcqg",
        Fund::Kcdp => "fund.kcdp",
    }
}

pub fn holder_key(h: Holder) -> &'static str {
    match h {
        Holder::Applicant => "holder.applicant",
        Holder::Centre => "holder.centre",
    }
}

/// The kinds of document an application carries (the others are a scheme's).
pub const APPLICATION_DOCUMENTS: [DocumentKind; 5] = [
    DocumentKind::RequestLetter,
    DocumentKind::BusinessRegistration,
    DocumentKind::Quote,
    DocumentKind::LandPapers,
    DocumentKind::BeneficiaryRequest,
];

pub fn document_key(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::RequestLetter => "doc.request_letter",
        DocumentKind::BusinessRegistration => "doc.business_registration",
        DocumentKind::Quote => "doc.quote",
        DocumentKind::LandPapers => "doc.land_papers",
        DocumentKind::BeneficiaryRequest => "doc.beneficiary_request",
        DocumentKind::SchemeDocument => "doc.scheme_document",
        DocumentKind::AppraisalRecord => "doc.appraisal_record",
        DocumentKind::Decision => "doc.decision",
        DocumentKind::Contract => "doc.contract",
        DocumentKind::PaymentVoucher => "doc.payment_voucher",
        DocumentKind::ProgressReport => "doc.progress_report",
        DocumentKind::AcceptanceRecord => "doc.acceptance_record",
        DocumentKind::SettlementDossier => "doc.settlement_dossier",
        DocumentKind::LiquidationRecord => "doc.liquidation_record",
        DocumentKind::TerminationRequest => "doc.termination_request",
        DocumentKind::AdjustmentRequest => "doc.adjustment_request",
        DocumentKind::Other => "doc.other",
    }
}

/// The stages an application goes through, for the progress bar: where it is, and the label of each.
pub fn progress(s: ApplicationStatus) -> Vec<(&'static str, bool, bool)> {
    use ApplicationStatus::*;
    let at = match s {
        Draft => 0,
        Submitted | Returned => 1,
        UnderReview => 2,
        Accepted | Rejected | Withdrawn => 3,
    };
    let last = match s {
        Rejected => "app.status.rejected",
        Withdrawn => "app.status.withdrawn",
        _ => "app.status.accepted",
    };
    [
        "app.status.draft",
        "app.status.submitted",
        "app.status.under_review",
        last,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, key)| (key, i < at, i == at))
    .collect()
}

/// The activity types in force today: code and name in the visitor's language (workflow's dated
/// rules; the ministry edits them).
pub async fn activity_types(
    state: &PortalState,
    token: &str,
    c: &Chrome,
) -> Result<Vec<(String, String)>, Problem> {
    #[derive(Deserialize)]
    struct Rules {
        items: Vec<Rule>,
    }
    #[derive(Deserialize)]
    struct Rule {
        key: String,
        body: serde_json::Value,
    }
    let rules: Rules = state
        .api
        .get(
            "workflow",
            &format!("/api/v1/rules?kind=activity_type&as_of={}", today_vn()),
            token,
        )
        .await?;
    let name = if c.lang() == "en" {
        "name_en"
    } else {
        "name_vi"
    };
    let mut types: Vec<(String, String)> = rules
        .items
        .into_iter()
        .map(|r| {
            let label = r.body[name].as_str().unwrap_or(&r.key).to_owned();
            (r.key, label)
        })
        .collect();
    types.sort();
    types.dedup_by(|a, b| a.0 == b.0);
    Ok(types)
}

/// The name of an activity type, or its code when it is no longer in force.
pub fn activity_name(types: &[(String, String)], code: &str) -> String {
    types
        .iter()
        .find(|(k, _)| k == code)
        .map_or_else(|| code.to_owned(), |(_, n)| n.clone())
}

/// An amount as a form shows it: whole đồng with `.` for thousands (`1.000.000.000`).
pub fn money_field(m: Option<Money>) -> String {
    m.map(|m| kc_kernel::format_vn(m.into(), 0))
        .unwrap_or_default()
}

/// An amount as a page shows it, in đồng and in millions when large.
pub fn money_text(m: Option<Money>) -> String {
    match m {
        Some(m) if rust_decimal::Decimal::from(m) >= rust_decimal::Decimal::from(1_000_000) => {
            format!("{} ({})", m.format_dong(), m.format_trieu())
        }
        Some(m) => m.format_dong(),
        None => String::new(),
    }
}

/// A date as a page or a form shows it (dd/mm/yyyy), empty when none.
pub fn date_text(d: Option<NaiveDate>) -> String {
    d.map(format_date_vn).unwrap_or_default()
}

/// A service's refusal, as the form shows it: its message and, per field, what is wrong.
#[derive(Debug, Default)]
pub struct Refusal {
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl Refusal {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}
