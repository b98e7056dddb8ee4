//! What the notifications service asks its own mailer to do.

use crate::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An e-mail recorded in `notifications.deliveries` is to be sent (the mailer reads it by id). `round`
/// counts the administrator's re-queues: with the id, the de-duplication key. `secret` is what the
/// body's `{{secret}}` stands for and must not be stored with it (a password-reset link); it is erased
/// with the outbox row, so a re-queued e-mail comes without it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailQueued {
    pub delivery_id: Uuid,
    pub province: Option<Uuid>,
    pub round: i32,
    #[serde(skip)]
    pub secret: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Secret {
    secret: String,
}

impl Event for EmailQueued {
    const TOPIC: &'static str = "notifications.email_queued";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        self.province
    }

    fn dedup_key(&self) -> String {
        format!("{}:{}", self.delivery_id, self.round)
    }

    fn secret(&self) -> Option<serde_json::Value> {
        self.secret
            .as_ref()
            .map(|s| serde_json::json!(Secret { secret: s.clone() }))
    }

    fn restore_secret(&mut self, secret: serde_json::Value) -> Result<(), serde_json::Error> {
        let s: Secret = serde_json::from_value(secret)?;
        self.secret = Some(s.secret);
        Ok(())
    }
}

/// Never prints the secret: events end up in logs.
impl std::fmt::Debug for EmailQueued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailQueued")
            .field("delivery_id", &self.delivery_id)
            .field("province", &self.province)
            .field("round", &self.round)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
