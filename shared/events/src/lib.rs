//! Versioned domain events, and the transactional outbox writer.
//!
//! An event type implements [`Event`]: a topic (what happened, `service.fact`), a version (the shape of
//! its payload; a new shape is a new type with the same topic and the next version), the province it
//! belongs to (row-level security of `outbox.events`), a de-duplication key, and optionally a secret.
//!
//! **Producers** write the event in the same transaction as the change it announces:
//!
//! ```ignore
//! let tx = kc_db::begin(&db, &scope).await?;
//! // ... the change ...
//! kc_events::enqueue(&tx, "identity", &PasswordResetRequested { .. }).await?;
//! tx.commit().await?;
//! ```
//!
//! [`enqueue`] answers `false` when this producer already enqueued an event of that topic with the same
//! de-duplication key (nothing is written), so a retried request does not announce its change twice.
//!
//! **Consumers** (kc-outbox handlers) decode a row into [`AnyEvent`], one enum of every known event, and
//! `match` on it: adding an event type makes every exhaustive `match` fail to compile until it is handled.
//! A row of an unknown topic or version decodes to [`DecodeError::Unknown`].
//!
//! **Secrets.** What must not stay readable in the database after delivery (a password-reset link, which
//! carries the token) is not serialised with the payload: [`Event::secret`] gives it, `enqueue` stores it
//! in `outbox.events.secret`, and the consumer erases that column when the row is done *or dead*. A dead
//! row that an administrator re-queues therefore comes back without its secret, and decodes with the
//! secret field `None`: the consumer must handle that case (for a reset: tell the user to ask for a new
//! link rather than send nothing). Erasing at death as well is deliberate: a dead row can stay in the
//! table for a long time, and a link sent days late would be expired anyway.
//!
//! Adding an event: define the payload struct, `impl Event` for it, add it to the `any_event!` list at
//! the bottom of this file, and handle the new `AnyEvent` variant in every consumer.

mod application;
mod cluster;
mod extension;
mod mail;
mod password_reset;
mod registration;
mod scheme;

pub use application::ApplicationTransitioned;
pub use cluster::{ClusterReportDue, ClusterReportSubmitted, ClusterTransitioned};
pub use extension::ExtensionReportSubmitted;
pub use mail::EmailQueued;
pub use password_reset::PasswordResetRequested;
pub use registration::{RegistrationDecided, RegistrationEmailInUse, RegistrationReceived};
pub use scheme::{AcceptanceRecorded, SchemeTransitioned};

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

/// A versioned domain event, written to the outbox by [`enqueue`].
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// What happened, `service.fact` (e.g. `identity.password_reset_requested`). Stable forever.
    const TOPIC: &'static str;
    /// Version of the payload's shape for this topic, from 1.
    const VERSION: i32;
    /// How many delivery attempts the row gets; `None`: the consumer's default.
    const MAX_ATTEMPTS: Option<i32> = None;

    /// The province the event belongs to (`None`: a national event). Row-level security checks it.
    fn province(&self) -> Option<Uuid>;

    /// De-duplication key, unique per producer and topic: enqueueing the same key again does nothing.
    /// Derive it from the identity of the change (a record id), never from the time alone.
    fn dedup_key(&self) -> String;

    /// The event named for a record that it caused: `topic:dedup_key`.
    fn reference(&self) -> String {
        format!("{}:{}", Self::TOPIC, self.dedup_key())
    }

    /// The part of the event that must not outlive delivery, stored apart and erased when the row is
    /// done or dead. The payload's `Serialize` must leave it out (`#[serde(skip)]`).
    fn secret(&self) -> Option<serde_json::Value> {
        None
    }

    /// Put back the secret that [`Event::secret`] gave (called by [`AnyEvent::decode`] when the row
    /// still has one).
    fn restore_secret(&mut self, secret: serde_json::Value) -> Result<(), serde_json::Error> {
        let _ = secret;
        Ok(())
    }
}

/// Write `event` to `outbox.events` in the caller's transaction (so it commits or rolls back with the
/// change). Returns `false`, writing nothing, when `producer` already enqueued this topic with the same
/// [`Event::dedup_key`].
///
/// The connection needs INSERT on `outbox.events` and a tenant that may write the event's province
/// (`kc_db::begin` with the caller's scope). Note that a key already used by another province's row is
/// also a conflict (the database checks uniqueness across tenants): keys must name the record.
pub async fn enqueue<E: Event>(
    conn: &impl ConnectionTrait,
    producer: &'static str,
    event: &E,
) -> Result<bool, DbErr> {
    let payload = serde_json::to_value(event)
        .map_err(|e| DbErr::Json(format!("{} v{}: {e}", E::TOPIC, E::VERSION)))?;
    // No conflict target: naming the columns would need SELECT on the table, which producers lack.
    // The only other unique key is the generated id, so any conflict is the de-duplication key.
    let r = conn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO outbox.events (producer, topic, version, province_id, dedup_key, payload, secret,
                                        max_attempts)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT DO NOTHING",
            [
                producer.into(),
                E::TOPIC.into(),
                E::VERSION.into(),
                event.province().into(),
                event.dedup_key().into(),
                payload.into(),
                event.secret().into(),
                E::MAX_ATTEMPTS.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Write many events of one type in one statement, each as [`enqueue`] would (those whose
/// de-duplication key `producer` already used are skipped). Returns how many were written.
pub async fn enqueue_many<E: Event>(
    conn: &impl ConnectionTrait,
    producer: &'static str,
    events: &[E],
) -> Result<u64, DbErr> {
    if events.is_empty() {
        return Ok(0);
    }
    let (mut provinces, mut keys, mut payloads, mut secrets) = (vec![], vec![], vec![], vec![]);
    for e in events {
        let payload = serde_json::to_string(e)
            .map_err(|err| DbErr::Json(format!("{} v{}: {err}", E::TOPIC, E::VERSION)))?;
        // Optional values travel as text, '' for none.
        provinces.push(e.province().map(|p| p.to_string()).unwrap_or_default());
        keys.push(e.dedup_key());
        payloads.push(payload);
        secrets.push(e.secret().map(|s| s.to_string()).unwrap_or_default());
    }
    let r = conn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO outbox.events (producer, topic, version, province_id, dedup_key, payload, secret,
                                        max_attempts)
             SELECT $1, $2, $3, NULLIF(p, '')::uuid, k, pl::jsonb, NULLIF(s, '')::jsonb, $4
               FROM unnest($5::text[], $6::text[], $7::text[], $8::text[]) AS x(p, k, pl, s)
             ON CONFLICT DO NOTHING",
            [
                producer.into(),
                E::TOPIC.into(),
                E::VERSION.into(),
                E::MAX_ATTEMPTS.into(),
                provinces.into(),
                keys.into(),
                payloads.into(),
                secrets.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// Why a row could not be decoded into an [`AnyEvent`].
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// No event type of this crate has this topic and version (a newer producer, or a retired event).
    #[error("unknown event {topic} v{version}")]
    Unknown { topic: String, version: i32 },
    /// The topic and version are known but the payload (or the secret) does not have their shape.
    #[error("malformed {topic} v{version}: {source}")]
    Malformed {
        topic: &'static str,
        version: i32,
        #[source]
        source: serde_json::Error,
    },
}

fn decode_as<E: Event>(
    payload: serde_json::Value,
    secret: Option<serde_json::Value>,
) -> Result<E, DecodeError> {
    let malformed = |source| DecodeError::Malformed {
        topic: E::TOPIC,
        version: E::VERSION,
        source,
    };
    let mut event: E = serde_json::from_value(payload).map_err(malformed)?;
    if let Some(secret) = secret {
        event.restore_secret(secret).map_err(malformed)?;
    }
    Ok(event)
}

macro_rules! any_event {
    ($($(#[$doc:meta])* $ty:ident),* $(,)?) => {
        /// Every event this crate knows, one variant per (topic, version). Consumers `match` on it.
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnyEvent {
            $($(#[$doc])* $ty($ty),)*
        }

        impl AnyEvent {
            /// Every known (topic, version).
            pub const KNOWN: &'static [(&'static str, i32)] = &[$(($ty::TOPIC, $ty::VERSION)),*];

            /// Decode an outbox row: its topic, version, payload and secret (`None` once erased).
            pub fn decode(
                topic: &str,
                version: i32,
                payload: serde_json::Value,
                secret: Option<serde_json::Value>,
            ) -> Result<AnyEvent, DecodeError> {
                $(
                    if topic == $ty::TOPIC && version == $ty::VERSION {
                        return decode_as::<$ty>(payload, secret).map(AnyEvent::$ty);
                    }
                )*
                Err(DecodeError::Unknown { topic: topic.to_owned(), version })
            }

            /// The event's topic.
            pub fn topic(&self) -> &'static str {
                match self {
                    $(AnyEvent::$ty(_) => $ty::TOPIC,)*
                }
            }

            /// The event's version.
            pub fn version(&self) -> i32 {
                match self {
                    $(AnyEvent::$ty(_) => $ty::VERSION,)*
                }
            }
        }
    };
}

any_event! {
    /// `identity.password_reset_requested` v1.
    PasswordResetRequested,
    /// `identity.registration_received` v1.
    RegistrationReceived,
    /// `identity.registration_email_in_use` v1.
    RegistrationEmailInUse,
    /// `identity.registration_decided` v1.
    RegistrationDecided,
    /// `workflow.application_transitioned` v1.
    ApplicationTransitioned,
    /// `workflow.scheme_transitioned` v1.
    SchemeTransitioned,
    /// `workflow.acceptance_recorded` v1.
    AcceptanceRecorded,
    /// `workflow.extension_report_submitted` v1.
    ExtensionReportSubmitted,
    /// `registry.cluster_transitioned` v1.
    ClusterTransitioned,
    /// `registry.cluster_report_due` v1.
    ClusterReportDue,
    /// `registry.cluster_report_submitted` v1.
    ClusterReportSubmitted,
    /// `notifications.email_queued` v1.
    EmailQueued,
}

impl AnyEvent {
    /// The distinct topics of every known event (what a consumer of everything subscribes to).
    pub fn topics() -> Vec<&'static str> {
        let mut topics: Vec<&'static str> = Self::KNOWN.iter().map(|(t, _)| *t).collect();
        topics.sort_unstable();
        topics.dedup();
        topics
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_topic_and_version_is_known_once() {
        let mut known = AnyEvent::KNOWN.to_vec();
        known.sort_unstable();
        let n = known.len();
        known.dedup();
        assert_eq!(known.len(), n, "two event types share a topic and version");
        assert!(known.iter().all(|(t, v)| t.contains('.') && *v >= 1));
    }

    #[test]
    fn unknown_topic_or_version() {
        let e = AnyEvent::decode("identity.nothing", 1, serde_json::json!({}), None).unwrap_err();
        assert!(matches!(e, DecodeError::Unknown { version: 1, .. }), "{e}");
        let e = AnyEvent::decode(
            PasswordResetRequested::TOPIC,
            99,
            serde_json::json!({}),
            None,
        )
        .unwrap_err();
        assert!(matches!(e, DecodeError::Unknown { version: 99, .. }), "{e}");
        let e = AnyEvent::decode(
            PasswordResetRequested::TOPIC,
            PasswordResetRequested::VERSION,
            serde_json::json!({"to": 1}),
            None,
        )
        .unwrap_err();
        assert!(matches!(e, DecodeError::Malformed { .. }), "{e}");
    }
}
