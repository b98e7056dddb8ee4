//! What workflow announces about enterprises' applications.

use crate::Event;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An application moved from one state to another (submitted, taken up, returned, accepted, rejected,
/// withdrawn). The notifications service makes the new stage's time limit an obligation of whoever
/// holds the application (the applicant sees it) and closes the last stage's.
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
    /// Who holds the application now, in `kc_kernel::DutyLevel` spelling (`enterprise`: the
    /// applicant; `centre`); none in a final state.
    #[serde(default)]
    pub holder: Option<String>,
    /// The last day (in Vietnam) of the new stage's time limit, when the stage has one.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
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
