//! What workflow announces about the provinces' periodic extension reports.

use crate::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A province's department sent its six-month or annual extension report to the ministry: the
/// notifications service fulfils the matching duty (`extension_half_year_report`,
/// `extension_annual_report`) of that department for that year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtensionReportSubmitted {
    pub report_id: Uuid,
    pub province: Uuid,
    /// The department that reports.
    pub organisation: Uuid,
    /// `half_year` or `annual` (`kc_kernel::ReportKind`).
    pub kind: String,
    pub year: i32,
    /// The report's version when it was sent: with the id, the de-duplication key (a report returned
    /// and sent again is a new event).
    pub version: i32,
    pub by: Uuid,
}

impl Event for ExtensionReportSubmitted {
    const TOPIC: &'static str = "workflow.extension_report_submitted";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        format!("{}:{}", self.report_id, self.version)
    }
}
