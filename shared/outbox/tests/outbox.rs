//! The outbox consumer on a real PostgreSQL: producers enqueue as `kc_identity` (or the owner) in a
//! transaction of scope `system`; consumers connect as `kc_notifications_worker`; the superuser only
//! inspects. No assertion depends on how long anything took: waits loop until a state is reached (with
//! a generous guard against hanging), and backoff is checked on the scheduled time, not the clock.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use kc_events::{AnyEvent, Event, PasswordResetRequested};
use kc_outbox::{CancellationToken, Consumer, ConsumerConfig, Failure, Item, Report};
use kc_testing::TestDb;
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

const WORKER: &str = "kc_notifications_worker";
const TOPIC: &str = PasswordResetRequested::TOPIC;

fn reset(province: Option<Uuid>) -> PasswordResetRequested {
    let token = Uuid::new_v4().simple();
    PasswordResetRequested {
        reset_id: Uuid::new_v4(),
        user_id: Uuid::new_v4(),
        province,
        to: "dn1.01@demo.test".into(),
        full_name: "Nguyễn Thị Bình".into(),
        expires_at: Utc::now() + chrono::Duration::hours(1),
        reset_link: Some(format!(
            "https://portal.test/dat-lai-mat-khau?token=tok{token}"
        )),
    }
}

fn token_of(e: &PasswordResetRequested) -> String {
    e.reset_link
        .as_ref()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned()
}

/// The all-seeing scope a role may use: `system` (pre-authentication) is identity's alone; any other
/// role sees every province only in `national` scope.
fn all_provinces(role: &str) -> &'static str {
    if role == "kc_identity" {
        "SELECT set_config('app.scope', 'system', true)"
    } else {
        "SELECT set_config('app.scope', 'national', true)"
    }
}

/// Enqueue as a producer would: `role`, in one transaction that sees every province.
async fn enqueue_as(db: &TestDb, role: &str, events: &[PasswordResetRequested]) -> Vec<bool> {
    let conn = db.connect_as(role).await;
    let tx = conn.begin().await.unwrap();
    tx.execute_unprepared(all_provinces(role)).await.unwrap();
    let mut added = Vec::new();
    for e in events {
        added.push(kc_events::enqueue(&tx, "identity", e).await.unwrap());
    }
    tx.commit().await.unwrap();
    added
}

async fn superuser(db: &TestDb) -> DatabaseConnection {
    Database::connect(db.superuser_url()).await.unwrap()
}

async fn scalar<T: sea_orm::TryGetable>(conn: &DatabaseConnection, sql: &str) -> T {
    conn.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

async fn ids(su: &DatabaseConnection) -> Vec<i64> {
    su.query_all_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT id FROM outbox.events ORDER BY id",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get_by_index(0).unwrap())
    .collect()
}

/// A row as the superuser sees it.
#[derive(Debug)]
struct Row {
    status: String,
    attempts: i32,
    max_attempts: Option<i32>,
    has_secret: bool,
    leased_by: Option<String>,
    delivered: bool,
    last_error: Option<String>,
    /// Seconds from now until the row is due (negative: due).
    due_in: f64,
    /// The whole row as text.
    text: String,
}

async fn row(su: &DatabaseConnection, id: i64) -> Row {
    let r = su
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT status, attempts, max_attempts, secret IS NOT NULL AS has_secret, leased_by,
                    delivered_at IS NOT NULL AS delivered, last_error,
                    extract(epoch FROM available_at - now())::float8 AS due_in,
                    row_to_json(e)::text AS text
               FROM outbox.events e WHERE id = $1",
            [id.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    Row {
        status: r.try_get("", "status").unwrap(),
        attempts: r.try_get("", "attempts").unwrap(),
        max_attempts: r.try_get("", "max_attempts").unwrap(),
        has_secret: r.try_get("", "has_secret").unwrap(),
        leased_by: r.try_get("", "leased_by").unwrap(),
        delivered: r.try_get("", "delivered").unwrap(),
        last_error: r.try_get("", "last_error").unwrap(),
        due_in: r.try_get("", "due_in").unwrap(),
        text: r.try_get("", "text").unwrap(),
    }
}

/// Make a row due now (instead of waiting for its backoff).
async fn fast_forward(su: &DatabaseConnection, id: i64) {
    su.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE outbox.events SET available_at = now() WHERE id = $1",
        [id.into()],
    ))
    .await
    .unwrap();
}

async fn consumer(db: &TestDb, name: &str, tweak: impl FnOnce(&mut ConsumerConfig)) -> Consumer {
    let mut config = ConsumerConfig::new(name, [TOPIC]);
    config.poll_interval = Duration::from_millis(20);
    tweak(&mut config);
    Consumer::new(db.connect_as(WORKER).await, config)
}

/// Guard against a test hanging forever; not a timing assertion.
const PATIENCE: Duration = Duration::from_secs(120);

/// Run `c` once (pausing between tries) until `until` holds for the report; return the sum.
async fn run_until<H: kc_outbox::Handler>(
    c: &Consumer,
    handler: &H,
    until: impl Fn(&Report) -> bool,
) -> Report {
    tokio::time::timeout(PATIENCE, async {
        let mut total = Report::default();
        loop {
            total += c.run_once(handler).await.unwrap();
            if until(&total) {
                return total;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the expected state was never reached")
}

#[tokio::test]
async fn two_consumers_at_once_handle_every_event_exactly_once() {
    let db = TestDb::new().await;
    let provinces = [Some(Uuid::new_v4()), Some(Uuid::new_v4()), None];
    let events: Vec<_> = (0..300).map(|i| reset(provinces[i % 3])).collect();
    assert!(
        enqueue_as(&db, "kc_identity", &events)
            .await
            .iter()
            .all(|a| *a)
    );

    let seen: Arc<Mutex<HashMap<i64, usize>>> = Arc::default();
    let shutdown = CancellationToken::new();
    let mut tasks = Vec::new();
    let mut per_consumer = Vec::new();
    for name in ["mailer-a", "mailer-b"] {
        let c = consumer(&db, name, |c| {
            c.batch_size = 7;
            c.lease = Duration::from_secs(600);
        })
        .await;
        let handled = Arc::new(AtomicUsize::new(0));
        per_consumer.push(handled.clone());
        let seen = seen.clone();
        let handler = move |item: Item| {
            let seen = seen.clone();
            let handled = handled.clone();
            async move {
                // The event decodes, with its link.
                let Ok(AnyEvent::PasswordResetRequested(e)) = item.event() else {
                    return Err(Failure::permanent("not a reset"));
                };
                assert!(e.reset_link.is_some());
                *seen.lock().unwrap().entry(item.id).or_default() += 1;
                handled.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                Ok::<(), Failure>(())
            }
        };
        let token = shutdown.clone();
        tasks.push(tokio::spawn(async move { c.run(&handler, token).await }));
    }

    let su = superuser(&db).await;
    tokio::time::timeout(PATIENCE, async {
        while scalar::<i64>(
            &su,
            "SELECT count(*) FROM outbox.events WHERE status = 'done'",
        )
        .await
            < 300
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("not every event was delivered");
    shutdown.cancel();
    for t in tasks {
        t.await.unwrap();
    }

    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 300, "every event handled");
        assert!(seen.values().all(|n| *n == 1), "an event was handled twice");
    }
    let counts: Vec<usize> = per_consumer
        .iter()
        .map(|h| h.load(Ordering::SeqCst))
        .collect();
    assert_eq!(counts.iter().sum::<usize>(), 300);
    eprintln!("events handled per consumer: {counts:?}");
    assert_eq!(
        scalar::<i64>(
            &su,
            "SELECT count(*) FROM outbox.events
              WHERE status = 'done' AND attempts = 1 AND delivered_at IS NOT NULL
                AND secret IS NULL AND leased_by IS NULL AND leased_until IS NULL"
        )
        .await,
        300
    );
}

#[tokio::test]
async fn a_consumer_killed_mid_item_loses_the_row_when_its_lease_expires() {
    let db = TestDb::new().await;
    enqueue_as(&db, "kc_identity", &[reset(Some(Uuid::new_v4()))]).await;
    let su = superuser(&db).await;
    let id = ids(&su).await[0];

    // Consumer A takes the row and blocks in its handler; then its task is aborted.
    let a = consumer(&db, "doomed", |c| c.lease = Duration::from_secs(1)).await;
    let a_id = a.id().to_owned();
    let (started, mut has_started) = mpsc::unbounded_channel();
    let a_completed = Arc::new(AtomicBool::new(false));
    let task = {
        let a_completed = a_completed.clone();
        tokio::spawn(async move {
            let handler = move |_item: Item| {
                let started = started.clone();
                let a_completed = a_completed.clone();
                async move {
                    started.send(()).unwrap();
                    std::future::pending::<()>().await;
                    a_completed.store(true, Ordering::SeqCst);
                    Ok::<(), Failure>(())
                }
            };
            a.run_once(&handler).await
        })
    };
    has_started.recv().await.unwrap();
    let r = row(&su, id).await;
    assert_eq!(
        (r.status.as_str(), r.attempts, r.leased_by.as_deref()),
        ("pending", 1, Some(a_id.as_str()))
    );
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());

    // Consumer B gets it once the lease has expired, and completes it.
    let b = consumer(&db, "survivor", |_| {}).await;
    let b_calls = Arc::new(AtomicUsize::new(0));
    let handler = {
        let b_calls = b_calls.clone();
        move |item: Item| {
            let b_calls = b_calls.clone();
            async move {
                assert_eq!(item.attempt, 2);
                b_calls.fetch_add(1, Ordering::SeqCst);
                Ok::<(), Failure>(())
            }
        }
    };
    let report = run_until(&b, &handler, |r| r.done == 1).await;
    assert_eq!(report.claimed, 1);
    assert_eq!(b_calls.load(Ordering::SeqCst), 1);
    assert!(!a_completed.load(Ordering::SeqCst));
    let r = row(&su, id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("done", 2));
    assert!(r.delivered && !r.has_secret && r.leased_by.is_none());
    // Done means done: nothing more to claim.
    assert_eq!(b.drain(&handler).await.unwrap(), Report::default());
    assert_eq!(b_calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_consumer_that_lost_its_lease_settles_nothing() {
    let db = TestDb::new().await;
    enqueue_as(&db, "kc_identity", &[reset(None)]).await;
    let su = superuser(&db).await;
    let id = ids(&su).await[0];

    // A is too slow: it holds the row past its lease, until the test lets it go.
    let a = consumer(&db, "slow", |c| c.lease = Duration::from_secs(1)).await;
    let (started, mut has_started) = mpsc::unbounded_channel();
    let go = Arc::new(Notify::new());
    let task = {
        let go = go.clone();
        tokio::spawn(async move {
            let handler = move |_item: Item| {
                let started = started.clone();
                let go = go.clone();
                async move {
                    started.send(()).unwrap();
                    go.notified().await;
                    Ok::<(), Failure>(())
                }
            };
            a.run_once(&handler).await.unwrap()
        })
    };
    has_started.recv().await.unwrap();

    // B takes the row after the lease expired and fails it: due again later.
    let b = consumer(&db, "fast", |c| c.backoff_base = Duration::from_secs(3600)).await;
    let failing = |_item: Item| async { Err::<(), _>(Failure::retry("smtp down")) };
    run_until(&b, &failing, |r| r.retried == 1).await;
    let before = row(&su, id).await;
    assert_eq!((before.status.as_str(), before.attempts), ("pending", 2));

    // A finishes: its success is not recorded over B's attempt.
    go.notify_one();
    let report = task.await.unwrap();
    assert_eq!((report.claimed, report.done, report.lost), (1, 0, 1));
    let after = row(&su, id).await;
    assert_eq!(
        (
            after.status.as_str(),
            after.attempts,
            after.last_error.as_deref()
        ),
        ("pending", 2, Some("smtp down"))
    );
    assert!(!after.delivered && after.has_secret);
}

#[tokio::test]
async fn a_row_that_kills_its_consumer_on_the_last_attempt_goes_dead() {
    let db = TestDb::new().await;
    enqueue_as(&db, "kc_identity", &[reset(Some(Uuid::new_v4()))]).await;
    let su = superuser(&db).await;
    let id = ids(&su).await[0];

    let a = consumer(&db, "poisoned", |c| {
        c.lease = Duration::from_secs(1);
        c.max_attempts = 1;
    })
    .await;
    let (started, mut has_started) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let handler = move |_item: Item| {
            let started = started.clone();
            async move {
                started.send(()).unwrap();
                std::future::pending::<Result<(), Failure>>().await
            }
        };
        a.run_once(&handler).await
    });
    has_started.recv().await.unwrap();
    task.abort();
    let _ = task.await;

    // The next claim after the lease expired buries it without calling the handler.
    let b = consumer(&db, "next", |_| {}).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = {
        let calls = calls.clone();
        move |_item: Item| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok::<(), Failure>(()) }
        }
    };
    let report = run_until(&b, &handler, |r| r.dead == 1).await;
    assert_eq!((report.claimed, report.done), (0, 0));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let r = row(&su, id).await;
    assert_eq!(
        (r.status.as_str(), r.attempts, r.max_attempts),
        ("dead", 1, Some(1))
    );
    assert!(!r.has_secret && r.leased_by.is_none());
    assert!(r.last_error.unwrap().contains("lease expired"));
}

#[tokio::test]
async fn failures_back_off_then_die_and_a_requeued_row_is_delivered_without_its_secret() {
    let db = TestDb::new().await;
    let event = reset(Some(Uuid::new_v4()));
    let token = token_of(&event);
    enqueue_as(&db, "kc_identity", std::slice::from_ref(&event)).await;
    let su = superuser(&db).await;
    let id = ids(&su).await[0];
    let worker = db.connect_as(WORKER).await;

    let c = consumer(&db, "mailer", |c| {
        c.max_attempts = 3;
        c.backoff_base = Duration::from_secs(3600);
        c.backoff_cap = Duration::from_secs(4 * 3600);
    })
    .await;
    let smtp_up = Arc::new(AtomicBool::new(false));
    let links: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let handler = {
        let smtp_up = smtp_up.clone();
        let links = links.clone();
        move |item: Item| {
            let smtp_up = smtp_up.clone();
            let links = links.clone();
            async move {
                let Ok(AnyEvent::PasswordResetRequested(e)) = item.event() else {
                    return Err(Failure::permanent("not a reset"));
                };
                links.lock().unwrap().push(e.reset_link.clone());
                if smtp_up.load(Ordering::SeqCst) {
                    Ok(())
                } else {
                    Err(Failure::retry(format!(
                        "smtp down (attempt {})",
                        item.attempt
                    )))
                }
            }
        }
    };

    // Attempt 1 fails: due again in [30 min, 1 h] (base 1 h, jitter down to half), secret kept.
    let r1 = c.run_once(&handler).await.unwrap();
    assert_eq!((r1.claimed, r1.retried), (1, 1));
    let r = row(&su, id).await;
    assert_eq!(
        (r.status.as_str(), r.attempts, r.max_attempts),
        ("pending", 1, Some(3))
    );
    assert_eq!(r.last_error.as_deref(), Some("smtp down (attempt 1)"));
    assert!(r.has_secret && r.leased_by.is_none());
    assert!(r.due_in > 1500.0 && r.due_in <= 3600.0, "{r:?}");
    // Not due yet: nothing to claim.
    assert_eq!(c.run_once(&handler).await.unwrap(), Report::default());

    // Attempt 2 fails: the delay doubles, to [1 h, 2 h].
    fast_forward(&su, id).await;
    assert_eq!(c.run_once(&handler).await.unwrap().retried, 1);
    let r = row(&su, id).await;
    assert_eq!(r.attempts, 2);
    assert!(r.due_in > 3300.0 && r.due_in <= 7200.0, "{r:?}");

    // Attempt 3 fails: dead, secret erased, last error kept.
    fast_forward(&su, id).await;
    assert_eq!(c.run_once(&handler).await.unwrap().dead, 1);
    let r = row(&su, id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("dead", 3));
    assert_eq!(r.last_error.as_deref(), Some("smtp down (attempt 3)"));
    assert!(!r.has_secret && !r.delivered && r.leased_by.is_none());
    assert!(
        !r.text.contains(&token),
        "the link outlived the row's death"
    );
    // Every attempt had the link.
    assert!(
        links
            .lock()
            .unwrap()
            .iter()
            .all(|l| l.as_ref().unwrap().contains(&token))
    );

    // Dead rows are never claimed again...
    fast_forward(&su, id).await;
    assert_eq!(c.drain(&handler).await.unwrap(), Report::default());
    // ...and are listed for the administrators.
    let dead = kc_outbox::list_dead(&worker, 50).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (
            dead[0].id,
            dead[0].topic.as_str(),
            dead[0].attempts,
            dead[0].max_attempts
        ),
        (id, TOPIC, 3, Some(3))
    );
    assert_eq!(dead[0].dedup_key, Some(event.dedup_key()));
    assert_eq!(dead[0].last_error.as_deref(), Some("smtp down (attempt 3)"));

    // Re-queued: pending again with a fresh set of attempts (only once, and only dead rows).
    assert!(kc_outbox::requeue(&worker, id).await.unwrap());
    assert!(!kc_outbox::requeue(&worker, id).await.unwrap());
    assert!(!kc_outbox::requeue(&worker, id + 1000).await.unwrap());
    let r = row(&su, id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 0));
    assert!(kc_outbox::list_dead(&worker, 50).await.unwrap().is_empty());

    // The mail server is back: delivered, without the link (the consumer asks for a new one).
    smtp_up.store(true, Ordering::SeqCst);
    links.lock().unwrap().clear();
    let report = c.drain(&handler).await.unwrap();
    assert_eq!((report.claimed, report.done), (1, 1));
    assert_eq!(*links.lock().unwrap(), vec![None]);
    let r = row(&su, id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("done", 1));
    assert!(r.delivered);
}

#[tokio::test]
async fn the_secret_is_kept_apart_and_erased_after_delivery() {
    let db = TestDb::new().await;
    let event = reset(Some(Uuid::new_v4()));
    let token = token_of(&event);
    enqueue_as(&db, "kc_identity", std::slice::from_ref(&event)).await;
    let su = superuser(&db).await;
    let id = ids(&su).await[0];
    let payload: String = scalar(
        &su,
        &format!("SELECT payload::text FROM outbox.events WHERE id = {id}"),
    )
    .await;
    assert!(!payload.contains(&token), "the link is in the payload");
    let r = row(&su, id).await;
    assert!(r.has_secret && r.text.contains(&token));

    let got: Arc<Mutex<Option<PasswordResetRequested>>> = Arc::default();
    let handler = {
        let got = got.clone();
        move |item: Item| {
            let got = got.clone();
            async move {
                let Ok(AnyEvent::PasswordResetRequested(e)) = item.event() else {
                    return Err(Failure::permanent("not a reset"));
                };
                *got.lock().unwrap() = Some(e);
                Ok::<(), Failure>(())
            }
        }
    };
    let c = consumer(&db, "mailer", |_| {}).await;
    assert_eq!(c.drain(&handler).await.unwrap().done, 1);
    assert_eq!(
        got.lock().unwrap().as_ref(),
        Some(&event),
        "the handler got it all"
    );
    let r = row(&su, id).await;
    assert_eq!(r.status, "done");
    assert!(!r.has_secret);
    assert!(
        !r.text.contains(&token),
        "the link outlived delivery: {}",
        r.text
    );
}

#[tokio::test]
async fn a_duplicate_deduplication_key_is_ignored() {
    let db = TestDb::new().await;
    let event = reset(Some(Uuid::new_v4()));
    // Twice in one transaction, then again in another: written once.
    assert_eq!(
        enqueue_as(&db, "kc_identity", &[event.clone(), event.clone()]).await,
        [true, false]
    );
    assert_eq!(
        enqueue_as(&db, "kc_owner", std::slice::from_ref(&event)).await,
        [false]
    );
    // The key is unique per producer and topic: another producer may use it.
    let owner = db.connect_as("kc_owner").await;
    let tx = owner.begin().await.unwrap();
    tx.execute_unprepared(all_provinces("kc_owner"))
        .await
        .unwrap();
    assert!(kc_events::enqueue(&tx, "workflow", &event).await.unwrap());
    tx.commit().await.unwrap();
    let su = superuser(&db).await;
    assert_eq!(
        scalar::<i64>(&su, "SELECT count(*) FROM outbox.events").await,
        2
    );

    // Handled once per row, even after the duplicate.
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = {
        let calls = calls.clone();
        move |_item: Item| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok::<(), Failure>(()) }
        }
    };
    let c = consumer(&db, "mailer", |_| {}).await;
    assert_eq!(c.drain(&handler).await.unwrap().done, 2);
    assert_eq!(enqueue_as(&db, "kc_identity", &[event]).await, [false]);
    assert_eq!(c.drain(&handler).await.unwrap().claimed, 0);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_row_of_no_known_event_dies_at_once() {
    let db = TestDb::new().await;
    // A row written without the typed API (as the first outbox producer did): no version, key or
    // secret column.
    let conn = db.connect_as("kc_identity").await;
    for _ in 0..2 {
        let tx = conn.begin().await.unwrap();
        tx.execute_unprepared("SELECT set_config('app.scope', 'system', true)")
            .await
            .unwrap();
        tx.execute_unprepared(
            r#"INSERT INTO outbox.events (producer, topic, province_id, payload)
               VALUES ('identity', 'email.password_reset', NULL,
                       '{"to": "a@demo.test", "reset_link": "https://x/?token=t"}')"#,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let su = superuser(&db).await;
    assert_eq!(
        scalar::<i64>(
            &su,
            "SELECT count(*) FROM outbox.events
              WHERE version = 1 AND dedup_key IS NULL AND secret IS NULL AND max_attempts IS NULL
                AND status = 'pending' AND attempts = 0"
        )
        .await,
        2,
        "no key: never a duplicate"
    );

    // A consumer of that topic cannot decode it: a permanent failure, dead on its first attempt.
    let c = Consumer::new(
        db.connect_as(WORKER).await,
        ConsumerConfig::new("legacy", ["email.password_reset"]),
    );
    let handler = |item: Item| async move {
        match item.event() {
            Ok(_) => Ok(()),
            Err(e) => Err(Failure::permanent(e)),
        }
    };
    let report = c.drain(&handler).await.unwrap();
    assert_eq!((report.claimed, report.dead), (2, 2));
    let dead = kc_outbox::list_dead(&db.connect_as(WORKER).await, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 2);
    assert!(dead.iter().all(|d| d.attempts == 1
        && d.last_error.as_deref() == Some("unknown event email.password_reset v1")));
}

#[tokio::test]
async fn shutdown_finishes_the_item_in_hand_and_releases_the_rest() {
    let db = TestDb::new().await;
    let events: Vec<_> = (0..3).map(|_| reset(None)).collect();
    enqueue_as(&db, "kc_identity", &events).await;
    let su = superuser(&db).await;

    let c = consumer(&db, "mailer", |c| c.batch_size = 3).await;
    let (started, mut has_started) = mpsc::unbounded_channel();
    let go = Arc::new(Notify::new());
    let calls = Arc::new(AtomicUsize::new(0));
    let shutdown = CancellationToken::new();
    let task = {
        let (go, calls, shutdown) = (go.clone(), calls.clone(), shutdown.clone());
        tokio::spawn(async move {
            let handler = move |_item: Item| {
                let (started, go, calls) = (started.clone(), go.clone(), calls.clone());
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    started.send(()).unwrap();
                    go.notified().await;
                    Ok::<(), Failure>(())
                }
            };
            c.run(&handler, shutdown).await
        })
    };
    has_started.recv().await.unwrap();
    shutdown.cancel();
    go.notify_one();
    task.await.unwrap();

    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let mut statuses = Vec::new();
    for id in ids(&su).await {
        let r = row(&su, id).await;
        assert!(r.leased_by.is_none(), "{r:?}");
        statuses.push((r.status, r.attempts, r.has_secret));
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("done".to_owned(), 1, false),
            ("pending".to_owned(), 0, true),
            ("pending".to_owned(), 0, true)
        ]
    );
    assert_eq!(
        scalar::<i64>(
            &su,
            "SELECT count(*) FROM outbox.events WHERE status = 'pending' AND available_at <= now()"
        )
        .await,
        2,
        "the released rows are due at once"
    );
}

#[tokio::test]
async fn the_worker_role_sees_every_province_and_touches_only_the_queue() {
    let db = TestDb::new().await;
    // Enqueued by the owner this time; two provinces and a national row.
    enqueue_as(
        &db,
        "kc_owner",
        &[
            reset(Some(Uuid::new_v4())),
            reset(Some(Uuid::new_v4())),
            reset(None),
        ],
    )
    .await;
    let worker = db.connect_as(WORKER).await;
    // No tenant settings at all.
    assert_eq!(
        scalar::<i64>(&worker, "SELECT count(*) FROM outbox.events").await,
        3
    );
    // A province scope does not narrow it either (the worker serves the nation).
    let tx = worker.begin().await.unwrap();
    tx.execute_unprepared(&format!(
        "SELECT set_config('app.scope', 'province', true), set_config('app.province', '{}', true)",
        Uuid::new_v4()
    ))
    .await
    .unwrap();
    let n: i64 = tx
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM outbox.events",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(n, 3);
    tx.rollback().await.unwrap();

    for sql in [
        // It reads users' addresses to send to them, never their credentials.
        "SELECT password_hash FROM identity.users",
        "SELECT phone FROM identity.users",
        "SELECT count(*) FROM identity.password_resets",
        "SELECT count(*) FROM identity.refresh_tokens",
        "SELECT count(*) FROM audit.events",
        "INSERT INTO audit.events (service, action, entity_type) VALUES ('notifications', 'x', 'y')",
        "DELETE FROM outbox.events",
        "TRUNCATE outbox.events",
        "UPDATE outbox.events SET payload = '{}'",
        "UPDATE outbox.events SET topic = 'x.y', province_id = NULL",
    ] {
        let tx = worker.begin().await.unwrap();
        tx.execute_unprepared("SELECT set_config('app.scope', 'system', true)")
            .await
            .unwrap();
        let err = tx.execute_unprepared(sql).await.unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
        tx.rollback().await.unwrap();
    }
    // Only the queue's columns are its to change.
    let n = worker
        .execute_unprepared("UPDATE outbox.events SET last_error = 'x'")
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 3);
}
