//! What workflow announces about schemes.

use crate::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A scheme took a step of its approval chain (registered, appraised, sent to the ministry, selected,
/// approved) or was rejected, or a step of its implementation (implementing, accepted,
/// settlement_submitted, settled, terminated). The notifications service opens and closes the duties
/// these steps start and end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeTransitioned {
    pub scheme_id: Uuid,
    pub province: Uuid,
    /// `kcqg` or `kcdp`.
    pub fund: String,
    pub plan_year: i32,
    /// Statuses in their database spelling (`kc_kernel::SchemeStatus`).
    pub from: String,
    pub to: String,
    /// The scheme's version after the step: with the id, the de-duplication key.
    pub version: i32,
    pub by: Uuid,
    pub reason: Option<String>,
    /// The support committed, in whole đồng, when the step approved it.
    pub support_approved: Option<String>,
    /// The scheme's title, for the duties it opens (absent in events written before it was added).
    #[serde(default)]
    pub title: Option<String>,
}

impl Event for SchemeTransitioned {
    const TOPIC: &'static str = "workflow.scheme_transitioned";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        format!("{}:{}", self.scheme_id, self.version)
    }
}

/// A scheme was accepted at the facility (nghiệm thu, its acceptance record passed): the settlement
/// dossier is due a number of days after `accepted_on` (the notifications service's
/// `settlement_dossier` duty says how many).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptanceRecorded {
    pub scheme_id: Uuid,
    pub acceptance_id: Uuid,
    pub province: Uuid,
    /// The implementing unit, which owes the settlement dossier.
    pub implementing_org: Uuid,
    /// `kcqg` or `kcdp`.
    pub fund: String,
    pub plan_year: i32,
    pub accepted_on: chrono::NaiveDate,
    pub by: Uuid,
    /// The scheme's title, for the settlement dossier's duty (absent in events written before it
    /// was added).
    #[serde(default)]
    pub title: Option<String>,
}

impl Event for AcceptanceRecorded {
    const TOPIC: &'static str = "workflow.acceptance_recorded";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        self.acceptance_id.to_string()
    }
}
