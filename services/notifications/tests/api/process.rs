//! The real `kc-notifications` process killed (SIGKILL) in the middle of its work and run again: no
//! reminder is lost and none is recorded twice; every e-mail arrives, and only the few being sent at
//! the moment of the kill may arrive twice (with the same Message-ID).

use crate::helpers::*;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `kc-notifications <args>` on the test's database, as the run command starts it.
fn command(app: &TestApp, smtp_port: u16, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kc-notifications"));
    c.args(args)
        .env("KC_MODE", "dev")
        .env("KC_DATABASE_URL", app.db.url_as("kc_notifications"))
        .env(
            "KC_WORKER_DATABASE_URL",
            app.db.url_as(kc_notifications::WORKER_ROLE),
        )
        .env("KC_IDENTITY_URL", &app.identity)
        .env("KC_SMTP_PORT", smtp_port.to_string())
        .env("KC_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    c
}

/// Run it to its end; it must succeed.
fn run(app: &TestApp, smtp_port: u16, args: &[&str]) {
    let status = command(app, smtp_port, args).status().unwrap();
    assert!(status.success(), "kc-notifications {args:?}: {status}");
}

/// Start it, wait until `progress` (a count query) is above zero, and kill it at once: what the
/// count was just before the kill.
async fn kill_midway(app: &TestApp, smtp_port: u16, args: &[&str], progress: &str) -> i64 {
    let mut child: Child = command(app, smtp_port, args).spawn().unwrap();
    let seen = kc_testing::wait_for(
        &format!("kc-notifications {args:?} makes progress"),
        Duration::from_secs(120),
        || async {
            let n = app.count(progress).await;
            (n > 0).then_some(n)
        },
    )
    .await;
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "it was still working when killed");
    seen
}

/// `n` half-year CCN reports owed by the demo enterprise, due 21 June 2027 (first reminder 7 June).
async fn owe(app: &TestApp, n: i64) {
    let (org, _) = app.org_of(ENTERPRISE).await;
    app.db
        .execute(&format!(
            "INSERT INTO notifications.obligations (id, duty_id, duty_code, province_id, organisation_id,
                subject_kind, subject_id, subject_label, period, base_due, due_date, next_step_on, dedup_key)
             SELECT gen_random_uuid(), d.id, d.code, o.province_id, o.id, 'cluster', gen_random_uuid(),
                    'CCN ' || g, '2027-H1', DATE '2027-06-21', DATE '2027-06-21', DATE '2027-06-07',
                    'kill-test:' || g
               FROM generate_series(1, {n}) g, notifications.duties d, identity.organisations o
              WHERE d.code = 'ccn_half_year_report' AND d.province_id IS NULL AND o.id = '{org}'"
        ))
        .await;
}

#[tokio::test]
async fn a_scheduler_pass_killed_midway_and_run_again_records_every_reminder_once() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let n = 20_000;
    owe(&app, n).await;
    let users = app
        .count(&format!(
            "SELECT 1 FROM identity.users u JOIN identity.users me ON me.organisation_id = u.organisation_id
              WHERE me.email = '{ENTERPRISE}' AND u.status = 'active'"
        ))
        .await;
    assert!(users >= 1);
    let port = free_port();
    let at_kill = kill_midway(
        &app,
        port,
        &["pass", "2027-06-07"],
        "SELECT 1 FROM notifications.notices WHERE key LIKE '%:-14:%'",
    )
    .await;
    let after_kill = app.count("SELECT 1 FROM notifications.notices").await;
    // Each batch commits its notices, e-mails and steps together: what the kill interrupted left
    // nothing behind, what it did not reach is still due.
    assert_eq!(
        after_kill % (kc_notifications::scheduler::BATCH as i64 * users),
        0,
        "only whole batches: {after_kill}"
    );
    assert!(after_kill >= at_kill);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.obligations WHERE next_step_on > '2027-06-07'")
            .await
            * users,
        after_kill
    );
    assert!(
        after_kill < n * users,
        "the kill came after the pass had ended ({after_kill} notices): nothing was tested"
    );

    run(&app, port, &["pass", "2027-06-07"]);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.notices").await,
        n * users
    );
    assert_eq!(
        app.count("SELECT DISTINCT obligation_id, user_id FROM notifications.notices")
            .await,
        n * users,
        "one reminder per obligation and user"
    );
    assert_eq!(
        app.count("SELECT 1 FROM notifications.deliveries").await,
        n * users
    );
    assert_eq!(
        app.count("SELECT 1 FROM outbox.events WHERE topic = 'notifications.email_queued'")
            .await,
        n * users,
        "each e-mail queued once"
    );
    assert_eq!(
        app.count("SELECT 1 FROM notifications.obligations WHERE next_step_on <= '2027-06-07'")
            .await,
        0
    );
    // A third pass for the same day finds nothing left.
    run(&app, port, &["pass", "2027-06-07"]);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.notices").await,
        n * users
    );
}

#[tokio::test]
async fn a_mailer_killed_midway_and_run_again_delivers_every_e_mail() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let sink = Sink::start().await;
    owe(&app, 300).await;
    run(&app, sink.port, &["pass", "2027-06-07"]);
    let queued = app.count("SELECT 1 FROM notifications.deliveries").await;
    assert!(queued >= 300);
    kill_midway(
        &app,
        sink.port,
        &["send"],
        "SELECT 1 FROM notifications.deliveries WHERE status = 'sent'",
    )
    .await;
    let sent_at_kill = app
        .count("SELECT 1 FROM notifications.deliveries WHERE status = 'sent'")
        .await;
    assert!(
        sent_at_kill < queued,
        "the kill came after every e-mail had gone"
    );
    // What the killed mailer had claimed comes back to the queue once its lease runs out.
    app.retry_now().await;
    run(&app, sink.port, &["send"]);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.deliveries WHERE status = 'sent'")
            .await,
        queued
    );
    // Every e-mail arrived; one may arrive twice only if it was being sent when the process died.
    let ids: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| {
            let parsed = mailparse::parse_mail(m).unwrap();
            parsed
                .headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case("message-id"))
                .unwrap()
                .get_value()
        })
        .collect();
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len() as i64, queued, "every e-mail arrived");
    let twice = ids.len() - distinct.len();
    assert!(
        twice <= 4,
        "{twice} e-mails arrived twice: more than the 4 mailers had in hand at the kill"
    );
}
