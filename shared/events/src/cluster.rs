//! What the registry announces about industrial clusters.

use crate::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A cluster changed status (established, construction started, operating, expanded, removed from the
/// plan, establishment revoked). The notifications service opens the duties an established cluster
/// brings (its half-year and annual reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterTransitioned {
    pub cluster_id: Uuid,
    pub province: Uuid,
    pub code: String,
    /// Statuses in their database spelling (`kc_kernel::ClusterStatus`).
    pub from: String,
    pub to: String,
    /// The cluster's version after the change: with the id, the de-duplication key.
    pub version: i32,
    pub by: Uuid,
    /// The investor's organisation, if it has one in identity (who reports for the cluster).
    pub investor_org: Option<Uuid>,
}

impl Event for ClusterTransitioned {
    const TOPIC: &'static str = "registry.cluster_transitioned";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        format!("{}:{}", self.cluster_id, self.version)
    }
}

/// A periodic report is due from a party of a cluster (its investor or a tenant enterprise): the
/// province opened the period. The notifications service opens the obligation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterReportDue {
    pub cluster_id: Uuid,
    pub province: Uuid,
    /// The reporting organisation.
    pub organisation: Uuid,
    /// `investor` or `tenant` (`kc_kernel::ReportParty`).
    pub party: String,
    /// `half_year` or `annual` (`kc_kernel::ReportKind`).
    pub kind: String,
    pub year: i32,
    pub window_from: chrono::NaiveDate,
    pub window_to: chrono::NaiveDate,
    pub due_date: chrono::NaiveDate,
}

impl Event for ClusterReportDue {
    const TOPIC: &'static str = "registry.cluster_report_due";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.cluster_id, self.organisation, self.kind, self.year
        )
    }
}

/// A party submitted (or submitted again) its periodic report: the obligation is fulfilled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterReportSubmitted {
    pub report_id: Uuid,
    pub cluster_id: Uuid,
    pub province: Uuid,
    pub organisation: Uuid,
    pub kind: String,
    pub year: i32,
    /// The report's version: with the id, the de-duplication key.
    pub version: i32,
    /// Submitted after its due date.
    pub late: bool,
}

impl Event for ClusterReportSubmitted {
    const TOPIC: &'static str = "registry.cluster_report_submitted";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        format!("{}:{}", self.report_id, self.version)
    }
}
