//! `identity.password_reset_requested`: someone asked for a password reset of an active account.

use crate::Event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user asked for a password reset; the consumer e-mails them the link.
///
/// `reset_link` carries the token: it is the event's secret, kept out of the payload and erased from the
/// outbox when the row is done or dead. It is `None` when the row was re-queued after dying: the
/// consumer then tells the user the link could not be sent and to ask for a new one.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordResetRequested {
    /// The reset request (`identity.password_resets.id`): the de-duplication key.
    pub reset_id: Uuid,
    pub user_id: Uuid,
    /// The user's province (`None` for a ministry user).
    pub province: Option<Uuid>,
    /// Recipient: the account's e-mail address, already validated and normalised.
    pub to: String,
    pub full_name: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// The link with the token (secret; see the type's documentation).
    #[serde(skip)]
    pub reset_link: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Secret {
    reset_link: String,
}

impl Event for PasswordResetRequested {
    const TOPIC: &'static str = "identity.password_reset_requested";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        self.province
    }

    fn dedup_key(&self) -> String {
        self.reset_id.to_string()
    }

    fn secret(&self) -> Option<serde_json::Value> {
        self.reset_link.as_ref().map(|link| {
            serde_json::json!(Secret {
                reset_link: link.clone()
            })
        })
    }

    fn restore_secret(&mut self, secret: serde_json::Value) -> Result<(), serde_json::Error> {
        let s: Secret = serde_json::from_value(secret)?;
        self.reset_link = Some(s.reset_link);
        Ok(())
    }
}

/// Never prints the link: events end up in logs.
impl std::fmt::Debug for PasswordResetRequested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetRequested")
            .field("reset_id", &self.reset_id)
            .field("user_id", &self.user_id)
            .field("province", &self.province)
            .field("to", &self.to)
            .field("full_name", &self.full_name)
            .field("expires_at", &self.expires_at)
            .field(
                "reset_link",
                &self.reset_link.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::AnyEvent;

    fn sample() -> PasswordResetRequested {
        PasswordResetRequested {
            reset_id: Uuid::new_v4(),
            user_id: Uuid::new_v4(),
            province: Some(Uuid::new_v4()),
            to: "dn1.01@demo.test".into(),
            full_name: "Nguyễn Văn A".into(),
            expires_at: Utc::now(),
            reset_link: Some("https://portal.test/dat-lai-mat-khau?token=s3cr3t".into()),
        }
    }

    #[test]
    fn the_link_is_kept_out_of_the_payload_and_comes_back_with_the_secret() {
        let e = sample();
        let payload = serde_json::to_value(&e).unwrap();
        assert!(!payload.to_string().contains("s3cr3t"), "{payload}");
        assert!(!format!("{e:?}").contains("s3cr3t"));
        let secret = e.secret().unwrap();
        let back = AnyEvent::decode(
            PasswordResetRequested::TOPIC,
            1,
            payload.clone(),
            Some(secret),
        )
        .unwrap();
        assert_eq!(back, AnyEvent::PasswordResetRequested(e.clone()));
        assert_eq!(back.topic(), "identity.password_reset_requested");
        assert_eq!(back.version(), 1);
        // Erased (delivered or dead, then re-queued): decodes without the link.
        #[allow(irrefutable_let_patterns)] // until a second event type exists
        let AnyEvent::PasswordResetRequested(erased) =
            AnyEvent::decode(PasswordResetRequested::TOPIC, 1, payload, None).unwrap()
        else {
            panic!("decoded as another event")
        };
        assert_eq!(erased.reset_link, None);
        assert_eq!(erased.reset_id, e.reset_id);
    }
}
