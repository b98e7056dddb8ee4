//! What identity announces about enterprise self-registration. Neither event says anything to the
//! person registering that the address or the tax code were known: the e-mails go to the address's
//! owner.

use crate::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An enterprise registered and waits for its province's extension centre: tell the applicant it was
/// received. `claims_tax_code` says that another organisation already holds the tax code, so the
/// centre reviews the registration as a claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationReceived {
    /// The registered organisation (pending): the de-duplication key.
    pub organisation_id: Uuid,
    pub user_id: Uuid,
    pub province: Uuid,
    pub to: String,
    pub full_name: String,
    pub organisation_name: String,
    pub claims_tax_code: bool,
}

impl Event for RegistrationReceived {
    const TOPIC: &'static str = "identity.registration_received";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        self.organisation_id.to_string()
    }
}

/// Someone tried to register with an e-mail address that already has an account: tell the account's
/// owner (if it was them: sign in, or reset the password), not the person registering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationEmailInUse {
    /// This attempt: the de-duplication key.
    pub attempt_id: Uuid,
    /// The existing account and its province (`None` for a ministry account).
    pub user_id: Uuid,
    pub province: Option<Uuid>,
    pub to: String,
    pub full_name: String,
}

impl Event for RegistrationEmailInUse {
    const TOPIC: &'static str = "identity.registration_email_in_use";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        self.province
    }

    fn dedup_key(&self) -> String {
        self.attempt_id.to_string()
    }
}

/// The province's extension centre decided a registration: verified (the accounts are active) or
/// rejected (with the reason). Tell each of the organisation's users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationDecided {
    pub organisation_id: Uuid,
    pub user_id: Uuid,
    pub province: Uuid,
    pub to: String,
    pub full_name: String,
    pub organisation_name: String,
    pub verified: bool,
    pub reason: Option<String>,
}

impl Event for RegistrationDecided {
    const TOPIC: &'static str = "identity.registration_decided";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    /// The organisation, the user and the decision: one e-mail per user and decision.
    fn dedup_key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.organisation_id, self.user_id, self.verified
        )
    }
}
