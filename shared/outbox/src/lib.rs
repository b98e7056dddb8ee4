//! The outbox consumer: the library every background worker uses to deliver what producers wrote to
//! `outbox.events` with `kc_events::enqueue`.
//!
//! A [`Consumer`] (a name, the topics it handles, batch size, lease, attempts, backoff, poll interval):
//!
//! 1. **claims** up to a batch of due rows of its topics in one short transaction
//!    (`FOR UPDATE SKIP LOCKED`, so consumers running at once never claim the same row): it sets a
//!    lease (`leased_by`, `leased_until`), counts the attempt, and commits;
//! 2. calls the [`Handler`] for each row **outside any transaction** (slow work, such as SMTP, holds no
//!    lock and no connection), renewing the lease before each row after the first;
//! 3. **settles** the row, if it still holds the lease: done (`delivered_at`, secret erased); or, on a
//!    [`Failure`], due again after an exponential backoff with jitter ([`ConsumerConfig::backoff`]);
//!    or dead after its last attempt, or at once for a [`Failure::permanent`] (secret erased,
//!    `last_error` kept).
//!
//! A row is due when `status = 'pending' AND available_at <= now()`; a claim moves `available_at` to
//! the end of the lease. So a row whose consumer died mid-item (crash, kill, a handler that panics)
//! becomes due again when its lease expires, with no sweeper; and a row that keeps killing its
//! consumer goes dead when a claim finds its attempts used up. Every settlement checks the lease
//! (`leased_by` and the attempt number): a consumer that was too slow and lost the row to another one
//! changes nothing ([`Report::lost`]).
//!
//! Delivery is therefore **at least once**: a handler may see the same row again (its lease expired
//! while it worked, or the consumer died between the handler's success and the settlement). Handlers
//! must be idempotent, e.g. by recording what they sent under the row's id or de-duplication key with
//! a unique constraint before or while sending.
//!
//! [`Consumer::run`] loops until its shutdown token is cancelled; it then finishes the row in hand,
//! releases the rest of its batch (their attempt uncounted) and returns. [`Consumer::run_once`] (one
//! batch) and [`Consumer::drain`] (batches until nothing is due) are for tests and one-shot jobs.
//! [`list_dead`] and [`requeue`] are for administrators.
//!
//! # How to add a worker
//!
//! 1. **A role.** Each worker connects as its own login role, created in a migration like
//!    `kc_notifications_worker` (m0006): `LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
//!    NOINHERIT`, created only if missing, with USAGE on schemas `outbox` and `tenancy`, SELECT on
//!    `outbox.events`, UPDATE on its queue columns only, and a policy `TO` the role that lets it see
//!    the provinces it serves (all of them for a national worker). Add the role to
//!    `kc_migrations::WORKER_ROLES` and revoke (never drop) its grants in the migration's down.
//! 2. **A connection URL** for that role, e.g. `postgres://kc_notifications_worker@db/kc`, opened
//!    with [`connect`]. No tenant settings: the role's policy decides what it sees. In a service,
//!    the consumer runs as a `kc_service::Worker`, which gets the server's shutdown token.
//! 3. **A consumer** with a unique name and its topics (every topic a single consumer handles, so
//!    rows of one topic are never claimed by two different kinds of worker):
//!
//!    ```ignore
//!    let consumer = Consumer::new(db, ConsumerConfig::new("mailer", [PasswordResetRequested::TOPIC]));
//!    let shutdown = CancellationToken::new(); // cancel it on SIGTERM
//!    consumer.run(&mailer, shutdown.clone()).await;
//!    ```
//! 4. **An idempotent handler**: decode with [`Item::event`], `match` on `kc_events::AnyEvent`, do the
//!    work, return `Ok(())`; return [`Failure::retry`] for what may work later (SMTP down) and
//!    [`Failure::permanent`] for what never will (an unknown event, a malformed payload). A secret
//!    erased at death comes back `None` after [`requeue`]: handle it (for a reset link: tell the user
//!    to ask for a new one). The lease must outlast the slowest handler call; keep it so.

use chrono::{DateTime, Utc};
use kc_events::{AnyEvent, DecodeError};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement,
    TransactionTrait, Value,
};
use std::fmt;
use std::future::Future;
use std::time::Duration;
use uuid::Uuid;

pub use tokio_util::sync::CancellationToken;

/// Longest `last_error` kept, in characters.
const MAX_ERROR_CHARS: usize = 2000;

/// How a consumer claims, retries and waits.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// The consumer's name (logs, and the start of `leased_by`).
    pub name: String,
    /// The topics it handles.
    pub topics: Vec<String>,
    /// Rows claimed per transaction.
    pub batch_size: u32,
    /// How long a claimed row is the consumer's. Must outlast the slowest handler call (the lease is
    /// renewed before each row of a batch).
    pub lease: Duration,
    /// Attempts a row gets when its producer did not say (`outbox.events.max_attempts` is NULL); the
    /// first claim writes it into the row.
    pub max_attempts: i32,
    /// Delay after the first failure; it doubles with each failure.
    pub backoff_base: Duration,
    /// Longest delay between attempts.
    pub backoff_cap: Duration,
    /// Pause when nothing was due (or the database failed) before looking again.
    pub poll_interval: Duration,
}

impl ConsumerConfig {
    /// A configuration with defaults: batches of 20, 5-minute lease, 8 attempts, backoff from 30 s
    /// doubling to 1 h (about 2 h from the first to the last attempt), poll every 2 s.
    pub fn new<T: Into<String>>(
        name: impl Into<String>,
        topics: impl IntoIterator<Item = T>,
    ) -> ConsumerConfig {
        ConsumerConfig {
            name: name.into(),
            topics: topics.into_iter().map(Into::into).collect(),
            batch_size: 20,
            lease: Duration::from_secs(300),
            max_attempts: 8,
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(3600),
            poll_interval: Duration::from_secs(2),
        }
    }

    /// The delay before the next attempt of row `id` after its `attempt`-th attempt failed:
    /// `d = min(cap, base × 2^(attempt-1))`, then a jitter drawn from the row id and the attempt, in
    /// `[d/2, d]`, so that rows that failed together (a mail server down) do not all come back at once.
    pub fn backoff(&self, id: i64, attempt: i32) -> Duration {
        let exp = attempt.saturating_sub(1).clamp(0, 30) as u32;
        let full = self
            .backoff_base
            .saturating_mul(1u32 << exp)
            .min(self.backoff_cap);
        // splitmix64: a well-spread fraction in [0, 1) from (id, attempt), deterministic.
        let mut z = (id as u64) ^ ((attempt as u64) << 48);
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let fraction = (z >> 11) as f64 / (1u64 << 53) as f64;
        full.mul_f64(0.5 + 0.5 * fraction).min(full)
    }
}

/// One claimed row, handed to the [`Handler`].
#[derive(Clone)]
pub struct Item {
    pub id: i64,
    pub producer: String,
    pub topic: String,
    pub version: i32,
    pub province_id: Option<Uuid>,
    pub dedup_key: Option<String>,
    pub payload: serde_json::Value,
    /// The event's secret; `None` if it had none, or after it was erased (the row died and was
    /// re-queued).
    pub secret: Option<serde_json::Value>,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// The row's last attempt: failing it makes the row dead.
    pub max_attempts: i32,
    pub created_at: DateTime<Utc>,
}

impl Item {
    /// Decode the row into the event it carries (with its secret, if still there).
    pub fn event(&self) -> Result<AnyEvent, DecodeError> {
        AnyEvent::decode(
            &self.topic,
            self.version,
            self.payload.clone(),
            self.secret.clone(),
        )
    }

    /// Is this the row's last attempt?
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    fn from_row(row: &QueryResult) -> Result<Item, DbErr> {
        Ok(Item {
            id: row.try_get("", "id")?,
            producer: row.try_get("", "producer")?,
            topic: row.try_get("", "topic")?,
            version: row.try_get("", "version")?,
            province_id: row.try_get("", "province_id")?,
            dedup_key: row.try_get("", "dedup_key")?,
            payload: row.try_get("", "payload")?,
            secret: row.try_get("", "secret")?,
            attempt: row.try_get("", "attempts")?,
            max_attempts: row.try_get("", "max_attempts")?,
            created_at: row.try_get("", "created_at")?,
        })
    }
}

/// Never prints the secret.
impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Item")
            .field("id", &self.id)
            .field("producer", &self.producer)
            .field("topic", &self.topic)
            .field("version", &self.version)
            .field("province_id", &self.province_id)
            .field("dedup_key", &self.dedup_key)
            .field("payload", &self.payload)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("attempt", &self.attempt)
            .field("max_attempts", &self.max_attempts)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Why a handler did not deliver a row: to be retried later, or never (the row goes dead at once).
/// Any `std::error::Error` converts into a retryable failure with `?`.
#[derive(Debug, Clone)]
pub struct Failure {
    message: String,
    permanent: bool,
}

impl Failure {
    /// May work later (a mail server down): retry after the backoff, dead after the last attempt.
    pub fn retry(why: impl fmt::Display) -> Failure {
        Failure {
            message: why.to_string(),
            permanent: false,
        }
    }

    /// Will never work (an unknown event, a malformed payload): dead now.
    pub fn permanent(why: impl fmt::Display) -> Failure {
        Failure {
            message: why.to_string(),
            permanent: true,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Failure {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Failure::retry(message)
    }
}

/// Delivers one row. Called outside any transaction; must be idempotent (see the crate's docs).
/// Implemented by every `Fn(Item) -> impl Future<Output = Result<(), Failure>>`.
pub trait Handler: Send + Sync {
    fn handle(&self, item: Item) -> impl Future<Output = Result<(), Failure>> + Send;
}

impl<F, Fut> Handler for F
where
    F: Fn(Item) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), Failure>> + Send,
{
    fn handle(&self, item: Item) -> impl Future<Output = Result<(), Failure>> + Send {
        self(item)
    }
}

/// What a batch (or a drain) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Rows claimed for an attempt.
    pub claimed: usize,
    /// Delivered and marked done.
    pub done: usize,
    /// Failed, due again after the backoff.
    pub retried: usize,
    /// Marked dead: failed their last attempt, failed permanently, or found with their attempts used
    /// up when their lease expired (their consumer stopped mid-item).
    pub dead: usize,
    /// Lost to another consumer before being settled (the lease expired first): nothing written.
    pub lost: usize,
    /// Handed back unattempted at shutdown.
    pub released: usize,
}

impl std::ops::AddAssign for Report {
    fn add_assign(&mut self, r: Report) {
        self.claimed += r.claimed;
        self.done += r.done;
        self.retried += r.retried;
        self.dead += r.dead;
        self.lost += r.lost;
        self.released += r.released;
    }
}

/// An outbox consumer: see the crate's documentation.
pub struct Consumer {
    db: DatabaseConnection,
    config: ConsumerConfig,
    id: String,
}

fn stmt<I: IntoIterator<Item = Value>>(sql: &str, values: I) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

fn truncate(message: &str) -> String {
    message.chars().take(MAX_ERROR_CHARS).collect()
}

const ITEM_COLUMNS: &str =
    "e.id, e.producer, e.topic, e.version, e.province_id, e.dedup_key, e.payload,
     e.secret, e.attempts, e.max_attempts, e.created_at, e.status";

impl Consumer {
    /// A consumer over a connection of its worker role (no tenant settings needed).
    pub fn new(db: DatabaseConnection, config: ConsumerConfig) -> Consumer {
        let id = format!(
            "{}@{}/{}",
            config.name,
            std::process::id(),
            &Uuid::new_v4().simple().to_string()[..8]
        );
        Consumer { db, config, id }
    }

    /// This instance's id, written to `leased_by` (name, process id and a random suffix).
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// Claim and handle batches until `shutdown` is cancelled; then finish the row in hand, release
    /// the rest of the batch and return. Database errors are logged and retried after the poll
    /// interval (rows claimed before an error come back when their lease expires).
    pub async fn run<H: Handler>(&self, handler: &H, shutdown: CancellationToken) {
        tracing::info!(consumer = %self.id, topics = ?self.config.topics, "outbox consumer started");
        while !shutdown.is_cancelled() {
            let pause = match self.batch(handler, Some(&shutdown)).await {
                // A full batch: more may be due right now.
                Ok(r) if r.claimed + r.dead >= (self.config.batch_size as usize).max(1) => None,
                Ok(_) => Some(self.config.poll_interval),
                Err(e) => {
                    tracing::warn!(consumer = %self.id, error = %e, "outbox consumer: database error");
                    Some(self.config.poll_interval)
                }
            };
            if let Some(pause) = pause {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(pause) => {}
                }
            }
        }
        tracing::info!(consumer = %self.id, "outbox consumer stopped");
    }

    /// Claim one batch of due rows and handle it.
    pub async fn run_once<H: Handler>(&self, handler: &H) -> Result<Report, DbErr> {
        self.batch(handler, None).await
    }

    /// Handle batches until a claim finds nothing due (rows retried with a backoff are not due yet).
    pub async fn drain<H: Handler>(&self, handler: &H) -> Result<Report, DbErr> {
        let mut total = Report::default();
        loop {
            let r = self.batch(handler, None).await?;
            total += r;
            if r.claimed == 0 && r.dead == 0 {
                return Ok(total);
            }
        }
    }

    async fn batch<H: Handler>(
        &self,
        handler: &H,
        shutdown: Option<&CancellationToken>,
    ) -> Result<Report, DbErr> {
        let (items, expired) = self.claim().await?;
        let mut report = Report {
            claimed: items.len(),
            dead: expired,
            ..Report::default()
        };
        let mut items = items.into_iter();
        let mut first = true;
        while let Some(item) = items.next() {
            if shutdown.is_some_and(CancellationToken::is_cancelled) {
                for item in std::iter::once(item).chain(items.by_ref()) {
                    if self.release(&item).await? {
                        report.released += 1;
                    }
                }
                break;
            }
            if !std::mem::take(&mut first) && !self.renew(&item).await? {
                tracing::warn!(consumer = %self.id, id = item.id, "outbox: lease lost before handling");
                report.lost += 1;
                continue;
            }
            let (id, attempt, last) = (item.id, item.attempt, item.is_last_attempt());
            let topic = item.topic.clone();
            match handler.handle(item).await {
                Ok(()) => {
                    if self.settle_done(id, attempt).await? {
                        report.done += 1;
                    } else {
                        report.lost += 1;
                        tracing::warn!(consumer = %self.id, id, %topic, "outbox: delivered, but the lease was lost");
                    }
                }
                Err(failure) if failure.permanent || last => {
                    tracing::error!(consumer = %self.id, id, %topic, attempt, error = %failure,
                        permanent = failure.permanent, "outbox: event is dead");
                    if self.settle_dead(id, attempt, &failure.message).await? {
                        report.dead += 1;
                    } else {
                        report.lost += 1;
                    }
                }
                Err(failure) => {
                    let delay = self.config.backoff(id, attempt);
                    tracing::warn!(consumer = %self.id, id, %topic, attempt, error = %failure,
                        retry_in_secs = delay.as_secs(), "outbox: attempt failed");
                    if self
                        .settle_retry(id, attempt, delay, &failure.message)
                        .await?
                    {
                        report.retried += 1;
                    } else {
                        report.lost += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    /// The claim transaction: lock up to a batch of due rows (skipping rows other consumers hold),
    /// lease them and count the attempt, or bury those whose attempts were used up by consumers that
    /// stopped mid-item. Returns the leased rows and how many were buried.
    async fn claim(&self) -> Result<(Vec<Item>, usize), DbErr> {
        let tx = self.db.begin().await?;
        let rows = tx
            .query_all_raw(stmt(
                &format!(
                    "WITH due AS (
                       SELECT id, attempts >= coalesce(max_attempts, $3) AS exhausted
                         FROM outbox.events
                        WHERE status = 'pending' AND available_at <= now() AND topic = ANY($1)
                        ORDER BY available_at, id
                        LIMIT $2
                        FOR UPDATE SKIP LOCKED
                     )
                     UPDATE outbox.events e SET
                       max_attempts = coalesce(e.max_attempts, $3),
                       attempts     = e.attempts + CASE WHEN due.exhausted THEN 0 ELSE 1 END,
                       status       = CASE WHEN due.exhausted THEN 'dead' ELSE 'pending' END,
                       secret       = CASE WHEN due.exhausted THEN NULL ELSE e.secret END,
                       last_error   = CASE WHEN due.exhausted
                                        THEN left('lease expired on the last attempt (the consumer stopped mid-item)'
                                                  || coalesce('; before: ' || e.last_error, ''), {MAX_ERROR_CHARS})
                                        ELSE e.last_error END,
                       leased_by    = CASE WHEN due.exhausted THEN NULL ELSE $4 END,
                       leased_until = CASE WHEN due.exhausted THEN NULL ELSE now() + make_interval(secs => $5) END,
                       available_at = CASE WHEN due.exhausted THEN e.available_at
                                           ELSE now() + make_interval(secs => $5) END
                     FROM due WHERE e.id = due.id
                     RETURNING {ITEM_COLUMNS}"
                ),
                [
                    self.config.topics.clone().into(),
                    i64::from(self.config.batch_size).into(),
                    self.config.max_attempts.into(),
                    self.id.clone().into(),
                    self.config.lease.as_secs_f64().into(),
                ],
            ))
            .await?;
        tx.commit().await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut expired = 0;
        for row in &rows {
            if row.try_get::<String>("", "status")? == "dead" {
                expired += 1;
                let id: i64 = row.try_get("", "id")?;
                tracing::error!(consumer = %self.id, id, "outbox: event is dead (lease expired on its last attempt)");
            } else {
                items.push(Item::from_row(row)?);
            }
        }
        items.sort_by_key(|i| i.id);
        Ok((items, expired))
    }

    /// Run an UPDATE on a row this consumer leased for `attempt`; false if the lease is no longer ours.
    async fn on_leased(
        &self,
        set: &str,
        id: i64,
        attempt: i32,
        mut extra: Vec<Value>,
    ) -> Result<bool, DbErr> {
        let mut values: Vec<Value> = vec![id.into(), self.id.clone().into(), attempt.into()];
        values.append(&mut extra);
        let r = self
            .db
            .execute_raw(stmt(
                &format!(
                    "UPDATE outbox.events SET {set}
                      WHERE id = $1 AND leased_by = $2 AND attempts = $3 AND status = 'pending'"
                ),
                values,
            ))
            .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn renew(&self, item: &Item) -> Result<bool, DbErr> {
        self.on_leased(
            "leased_until = now() + make_interval(secs => $4),
             available_at = now() + make_interval(secs => $4)",
            item.id,
            item.attempt,
            vec![self.config.lease.as_secs_f64().into()],
        )
        .await
    }

    async fn release(&self, item: &Item) -> Result<bool, DbErr> {
        self.on_leased(
            "attempts = attempts - 1, available_at = now(), leased_by = NULL, leased_until = NULL",
            item.id,
            item.attempt,
            vec![],
        )
        .await
    }

    async fn settle_done(&self, id: i64, attempt: i32) -> Result<bool, DbErr> {
        self.on_leased(
            "status = 'done', delivered_at = now(), secret = NULL, leased_by = NULL, leased_until = NULL",
            id,
            attempt,
            vec![],
        )
        .await
    }

    async fn settle_retry(
        &self,
        id: i64,
        attempt: i32,
        delay: Duration,
        error: &str,
    ) -> Result<bool, DbErr> {
        self.on_leased(
            "available_at = now() + make_interval(secs => $4), last_error = $5,
             leased_by = NULL, leased_until = NULL",
            id,
            attempt,
            vec![delay.as_secs_f64().into(), truncate(error).into()],
        )
        .await
    }

    async fn settle_dead(&self, id: i64, attempt: i32, error: &str) -> Result<bool, DbErr> {
        self.on_leased(
            "status = 'dead', secret = NULL, last_error = $4, leased_by = NULL, leased_until = NULL",
            id,
            attempt,
            vec![truncate(error).into()],
        )
        .await
    }
}

/// A dead row, for administrators.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadEvent {
    pub id: i64,
    pub producer: String,
    pub topic: String,
    pub version: i32,
    pub province_id: Option<Uuid>,
    pub dedup_key: Option<String>,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: Option<i32>,
    pub last_error: Option<String>,
}

/// The pool of a worker's own role (its URL names the role, e.g.
/// `postgres://kc_notifications_worker@db/kc`). Lazy: the worker starts while the database is down
/// and claims once it answers.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    kc_db::pool(url, max_connections).await
}

/// The dead rows (newest first, at most `limit`) that `conn` may see. The secret is never listed (it
/// was erased at death).
pub async fn list_dead(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<DeadEvent>, DbErr> {
    let rows = conn
        .query_all_raw(stmt(
            "SELECT id, producer, topic, version, province_id, dedup_key, payload, created_at, attempts,
                    max_attempts, last_error
               FROM outbox.events WHERE status = 'dead' ORDER BY id DESC LIMIT $1",
            [i64::try_from(limit).unwrap_or(i64::MAX).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DeadEvent {
                id: r.try_get("", "id")?,
                producer: r.try_get("", "producer")?,
                topic: r.try_get("", "topic")?,
                version: r.try_get("", "version")?,
                province_id: r.try_get("", "province_id")?,
                dedup_key: r.try_get("", "dedup_key")?,
                payload: r.try_get("", "payload")?,
                created_at: r.try_get("", "created_at")?,
                attempts: r.try_get("", "attempts")?,
                max_attempts: r.try_get("", "max_attempts")?,
                last_error: r.try_get("", "last_error")?,
            })
        })
        .collect()
}

/// Give a dead row a new series of attempts: pending, due now, attempts back to 0 (`last_error` is
/// kept until the next failure). False if there is no dead row with this id. Its secret, erased at
/// death, does not come back: the handler gets `secret: None`.
pub async fn requeue(conn: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    let r = conn
        .execute_raw(stmt(
            "UPDATE outbox.events
                SET status = 'pending', attempts = 0, available_at = now(),
                    leased_by = NULL, leased_until = NULL
              WHERE id = $1 AND status = 'dead'",
            [id.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_cap() {
        let c = ConsumerConfig {
            backoff_base: Duration::from_secs(10),
            backoff_cap: Duration::from_secs(300),
            ..ConsumerConfig::new("t", ["x.y"])
        };
        for id in [1_i64, 2, 77, 123_456_789] {
            for attempt in 1..=12 {
                let full = Duration::from_secs(10 * (1 << (attempt - 1))).min(c.backoff_cap);
                let d = c.backoff(id, attempt);
                assert!(
                    d >= full / 2 && d <= full,
                    "id {id} attempt {attempt}: {d:?}"
                );
                assert_eq!(d, c.backoff(id, attempt), "deterministic");
            }
        }
        // Extreme attempts do not overflow.
        assert!(c.backoff(1, i32::MAX) <= c.backoff_cap);
        assert!(c.backoff(1, 0) <= c.backoff_base);
        // Rows that failed together are spread out.
        let spread: std::collections::BTreeSet<_> = (0..50).map(|id| c.backoff(id, 3)).collect();
        assert!(spread.len() > 40);
    }

    #[test]
    fn failures_carry_their_causes() {
        let io = std::io::Error::other("connection refused");
        let f: Failure = io.into();
        assert!(!f.is_permanent());
        assert_eq!(f.message(), "connection refused");
        assert!(Failure::permanent("unknown event").is_permanent());
    }
}
