//! What workflow announces about enterprises' applications.

use crate::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An application moved from one state to another (submitted, taken up, returned, accepted, rejected,
/// withdrawn). The notifications service tells whoever holds it next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationTransitioned {
    pub application_id: Uuid,
    pub province: Uuid,
    /// The applicant.
    pub organisation_id: Uuid,
    /// States in their database spelling (`kc_kernel::ApplicationStatus`).
    pub from: String,
    pub to: String,
    /// The application's version after the transition: with the id, the de-duplication key.
    pub version: i32,
    /// Who made the transition.
    pub by: Uuid,
    /// The reason given (required to return or reject).
    pub reason: Option<String>,
    pub title: Option<String>,
}

impl Event for ApplicationTransitioned {
    const TOPIC: &'static str = "workflow.application_transitioned";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        format!("{}:{}", self.application_id, self.version)
    }
}
