//! The reminder schedule across a moved clock: a due date moved off a weekend and a holiday, the
//! reminders before and on the day, overdue and escalation after it, fulfilment that stops them, a
//! missed pass, and two schedulers at once.

use crate::helpers::*;
use kc_events::ClusterReportSubmitted;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn reminders_follow_the_due_date_off_weekends_and_holidays_then_escalate() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let (org, province) = app.org_of(ENTERPRISE).await;
    // 20 June 2027 is a Sunday: due on Monday 21 June.
    let due = report_due(province, org, "half_year", 2027, day(2027, 6, 20));
    assert_eq!(app.deliver("registry", &due).await, 1);
    let o = &app
        .obligations(ENTERPRISE, "duty=ccn_half_year_report")
        .await[0];
    assert_eq!(o["base_due"], "2027-06-20");
    assert_eq!(o["due_date"], "2027-06-21");
    assert_eq!(o["period"], "2027-H1");
    assert_eq!(o["state"], "open");
    assert_eq!(o["next_step_on"], "2027-06-07", "14 days before");

    // The ministry makes Monday 21 June a holiday: due on Tuesday 22 June, reminders move with it.
    let r = app
        .post(
            "/api/v1/calendar-days",
            MINISTRY,
            &json!({"day": "2027-06-21", "kind": "holiday", "name": "Nghỉ bù (thử nghiệm)"}),
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["obligations_redated"],
        1
    );
    let o = &app
        .obligations(ENTERPRISE, "duty=ccn_half_year_report")
        .await[0];
    assert_eq!(o["due_date"], "2027-06-22");
    assert_eq!(o["next_step_on"], "2027-06-08");

    // Nothing before the first reminder.
    assert_eq!(app.pass(day(2027, 6, 7)).await.notices, 0);
    assert!(app.notices(ENTERPRISE).await.is_empty());
    // 14 days before: the enterprise's users are reminded, once however many passes run.
    let r = app.pass(day(2027, 6, 8)).await;
    assert_eq!((r.stepped, r.notices), (1, 1), "{r:?}");
    assert_eq!(app.pass(day(2027, 6, 8)).await.notices, 0);
    assert_eq!(
        app.notices(ENTERPRISE).await,
        ["Còn 14 ngày: Báo cáo tình hình cụm công nghiệp 6 tháng đầu năm"]
    );
    // 7 days, 1 day before, then the day itself.
    app.pass(day(2027, 6, 15)).await;
    app.pass(day(2027, 6, 21)).await;
    app.pass(day(2027, 6, 22)).await;
    let got = app.notices(ENTERPRISE).await;
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].starts_with("Hôm nay đến hạn"), "{got:?}");
    assert!(got[1].starts_with("Còn 1 ngày"), "{got:?}");
    // The text says the deadline.
    let r = app.get("/api/v1/notifications", ENTERPRISE).await;
    let body = app.expect(r, StatusCode::OK).await;
    assert!(
        body["items"][0]["body"]
            .as_str()
            .unwrap()
            .contains("22/06/2027"),
        "{body}"
    );
    assert_eq!(body["items"][0]["due_date"], "2027-06-22");
    // Nobody above is told before the due date has passed.
    assert!(app.notices(CENTRE).await.is_empty());

    // The day after: overdue for the enterprise, and escalated to the province's centre.
    let r = app.pass(day(2027, 6, 23)).await;
    assert_eq!(r.overdue, 1, "{r:?}");
    let o = &app
        .obligations(ENTERPRISE, "duty=ccn_half_year_report")
        .await[0];
    assert_eq!(o["state"], "overdue");
    assert_eq!(o["late"], true);
    assert!(app.notices(ENTERPRISE).await[0].starts_with("Quá hạn 1 ngày"));
    let centre = app.notices(CENTRE).await;
    assert_eq!(centre.len(), 1);
    assert!(centre[0].contains("chưa thực hiện"), "{centre:?}");
    assert!(app.notices(DEPARTMENT).await.is_empty());
    // The ministry's digest, once a day.
    let digest = app.notices(MINISTRY).await;
    assert_eq!(digest.len(), 1);
    assert!(
        digest[0].contains("1 nghĩa vụ báo cáo quá hạn"),
        "{digest:?}"
    );
    app.pass(day(2027, 6, 23)).await;
    assert_eq!(app.notices(MINISTRY).await.len(), 1);

    // A week after: reminded again, and escalated to the department.
    app.pass(day(2027, 6, 29)).await;
    assert_eq!(app.notices(DEPARTMENT).await.len(), 1);
    assert!(app.notices(ENTERPRISE).await[0].starts_with("Quá hạn 7 ngày"));

    // The report arrives (late): the obligation closes and nothing more is sent.
    let submitted = ClusterReportSubmitted {
        report_id: uuid::Uuid::new_v4(),
        cluster_id: due.cluster_id,
        province,
        organisation: org,
        kind: "half_year".into(),
        year: 2027,
        version: 1,
        late: true,
    };
    assert_eq!(app.deliver("registry", &submitted).await, 1);
    let o = &app
        .obligations(ENTERPRISE, "duty=ccn_half_year_report")
        .await[0];
    assert_eq!(o["state"], "fulfilled");
    assert_eq!(o["next_step_on"], serde_json::Value::Null);
    let before = app.count("SELECT 1 FROM notifications.notices").await;
    let r = app.pass(day(2027, 7, 30)).await;
    assert_eq!(r.stepped, 0);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.notices").await,
        before
    );
}

#[tokio::test]
async fn a_missed_week_sends_the_latest_reminder_only_and_fulfilment_on_time_is_not_late() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let (org, province) = app.org_of(ENTERPRISE).await;
    let due = report_due(province, org, "annual", 2027, day(2027, 12, 20));
    app.deliver("registry", &due).await;
    // The scheduler was down from before the first reminder (6 Dec) until 17 Dec.
    let r = app.pass(day(2027, 12, 17)).await;
    assert_eq!(r.notices, 1, "{r:?}");
    assert_eq!(
        app.notices(ENTERPRISE).await,
        ["Còn 3 ngày: Báo cáo tình hình cụm công nghiệp cả năm"]
    );
    let submitted = ClusterReportSubmitted {
        report_id: uuid::Uuid::new_v4(),
        cluster_id: due.cluster_id,
        province,
        organisation: org,
        kind: "annual".into(),
        year: 2027,
        version: 1,
        late: false,
    };
    app.deliver("registry", &submitted).await;
    let o = &app.obligations(ENTERPRISE, "").await[0];
    assert_eq!(o["state"], "fulfilled");
    // Fulfilled today (before its due date in 2027): on time.
    assert_eq!(o["late"], false);
    assert_eq!(app.pass(day(2027, 12, 21)).await.notices, 0);
}

#[tokio::test]
async fn two_schedulers_at_once_claim_each_obligation_once() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let (org, province) = app.org_of(ENTERPRISE).await;
    // 1 200 obligations due on the same day, more than two batches.
    app.db
        .execute(&format!(
            "INSERT INTO notifications.obligations (id, duty_id, duty_code, province_id, organisation_id,
                period, base_due, due_date, next_step_on, dedup_key)
             SELECT gen_random_uuid(), d.id, d.code, '{province}', '{org}', 'T' || g, '2027-06-21',
                    '2027-06-21', '2027-06-07', 'load:' || g
               FROM notifications.duties d, generate_series(1, 1200) g
              WHERE d.code = 'ccn_half_year_report' AND d.province_id IS NULL"
        ))
        .await;
    let a = app.db.connect_as(kc_notifications::WORKER_ROLE).await;
    let b = app.db.connect_as(kc_notifications::WORKER_ROLE).await;
    let today = day(2027, 6, 8);
    let (ra, rb) = tokio::join!(
        kc_notifications::scheduler::pass(&a, today, &app.mail),
        kc_notifications::scheduler::pass(&b, today, &app.mail)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    // Every obligation stepped by exactly one of them, one notice each for the enterprise's user(s).
    assert_eq!(ra.stepped + rb.stepped, 1200, "{ra:?} {rb:?}");
    let users = app
        .count(&format!(
            "SELECT 1 FROM identity.users WHERE organisation_id = '{org}' AND status = 'active'"
        ))
        .await;
    assert_eq!((ra.notices + rb.notices) as i64, 1200 * users);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.notices").await,
        1200 * users
    );
    // And one e-mail each, recorded and queued once.
    assert_eq!((ra.emails + rb.emails) as i64, 1200 * users);
    assert_eq!(
        app.count("SELECT 1 FROM outbox.events WHERE topic = 'notifications.email_queued'")
            .await,
        1200 * users
    );
    assert_eq!(
        app.count("SELECT 1 FROM notifications.obligations WHERE last_step_on = '2027-06-08'")
            .await,
        1200
    );
}
