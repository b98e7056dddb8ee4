//! E-mail over real SMTP (aiosmtpd): what arrives (headers, both parts, the calendar), a server down
//! and back, refusals and temporary failures, dead letters and their re-queue, mutes, account e-mails,
//! and a mailer killed mid-send.

use crate::helpers::*;
use mailparse::{MailHeaderMap, ParsedMail, parse_mail};
use reqwest::StatusCode;
use serde_json::json;

/// The parts of a message by content type: (type, decoded body).
fn parts(m: &ParsedMail) -> Vec<(String, String)> {
    if m.subparts.is_empty() {
        return vec![(m.ctype.mimetype.clone(), m.get_body().unwrap())];
    }
    m.subparts.iter().flat_map(parts).collect()
}

async fn report_for(
    app: &TestApp,
    email: &str,
    due: chrono::NaiveDate,
) -> kc_events::ClusterReportDue {
    let (org, province) = app.org_of(email).await;
    let e = report_due(province, org, "half_year", 2027, due);
    app.deliver("registry", &e).await;
    e
}

#[tokio::test]
async fn a_reminder_arrives_with_both_parts_the_deadline_a_link_and_a_calendar() {
    let sink = Sink::start().await;
    let app = TestApp::spawn_mail(sink.port).await;
    app.without_calendar_duties().await;
    let r = app
        .put(
            "/api/v1/senders",
            DEPARTMENT,
            &json!({"from_name": "Sở Công Thương Hà Nội", "reply_to": "VanPhong@SoCongThuong.test"}),
        )
        .await;
    app.expect(r, StatusCode::OK).await;
    report_for(&app, ENTERPRISE, day(2027, 6, 20)).await;
    let p = app.pass(day(2027, 6, 7)).await;
    assert_eq!(p.emails, 1, "{p:?}");
    let id = app.obligations(ENTERPRISE, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.send().await;
    assert_eq!((r.done, r.retried, r.dead), (1, 0, 0), "{r:?}");
    assert_eq!(app.send().await.claimed, 0, "sent once");

    let raw = sink.messages();
    assert_eq!(raw.len(), 1);
    let m = parse_mail(&raw[0]).unwrap();
    let h = &m.headers;
    assert_eq!(
        h.get_first_value("Subject").unwrap(),
        "Còn 14 ngày: Báo cáo tình hình cụm công nghiệp 6 tháng đầu năm"
    );
    let from = h.get_first_value("From").unwrap();
    assert!(
        from.contains("Sở Công Thương Hà Nội")
            && from.contains("<khuyencong@localhost.localdomain>"),
        "{from}"
    );
    assert!(
        h.get_first_value("Reply-To")
            .unwrap()
            .contains("vanphong@socongthuong.test")
    );
    assert!(
        h.get_first_value("To")
            .unwrap()
            .contains("dn1.01@demo.test")
    );
    assert!(
        h.get_first_value("Message-ID")
            .unwrap()
            .contains("@localhost.localdomain>")
    );
    let parts = parts(&m);
    let kinds: Vec<&str> = parts.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(kinds, ["text/plain", "text/html", "text/calendar"]);
    let link = format!("http://127.0.0.1:8080/nghia-vu/{id}");
    for (kind, body) in &parts[..2] {
        assert!(body.contains("21/06/2027"), "{kind}: {body}");
        assert!(body.contains(&link), "{kind}: {body}");
        assert!(
            body.contains("Nghị định 32/2024/NĐ-CP"),
            "{kind}: the legal basis"
        );
    }
    assert!(
        parts[2].1.contains("DTSTART;VALUE=DATE:20270621"),
        "{}",
        parts[2].1
    );
    assert!(
        parts[2]
            .1
            .contains(&format!("UID:{id}@localhost.localdomain"))
    );

    // The department's admin sees it sent, with its attempt; the enterprise sees no deliveries.
    let r = app.get("/api/v1/deliveries", DEPARTMENT).await;
    let list = app.expect(r, StatusCode::OK).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["status"], "sent");
    assert_eq!(list["items"][0]["attempts"], 1);
    let r = app.get("/api/v1/deliveries", ENTERPRISE).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app.get("/api/v1/deliveries", "so.37@demo.test").await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["total"],
        0,
        "another province's"
    );
    assert_eq!(
        app.count("SELECT 1 FROM notifications.delivery_attempts WHERE outcome = 'sent'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_mail_server_down_then_back_delivers_every_mail_once() {
    let port = free_port();
    let app = TestApp::spawn_mail(port).await;
    app.without_calendar_duties().await;
    for _ in 0..3 {
        report_for(&app, ENTERPRISE, day(2027, 6, 20)).await;
    }
    assert_eq!(app.pass(day(2027, 6, 7)).await.emails, 3);
    // Nobody listens: each attempt fails, to be retried; nothing is lost.
    let r = app.send().await;
    assert_eq!(
        (r.claimed, r.retried, r.done, r.dead),
        (3, 3, 0, 0),
        "{r:?}"
    );
    assert_eq!(
        app.count(
            "SELECT 1 FROM notifications.deliveries WHERE status = 'pending' AND attempts = 1"
        )
        .await,
        3
    );
    // A second attempt while it is still down.
    app.retry_now().await;
    assert_eq!(app.send().await.retried, 3);
    // The server comes back: every mail arrives, once.
    let sink = Sink::start_on(port).await;
    app.retry_now().await;
    let r = app.send().await;
    assert_eq!((r.done, r.dead), (3, 0), "{r:?}");
    app.retry_now().await;
    assert_eq!(app.send().await.claimed, 0);
    assert_eq!(app.pass(day(2027, 6, 7)).await.emails, 0);
    let raw = sink.messages();
    assert_eq!(raw.len(), 3);
    let mut ids: Vec<String> = raw
        .iter()
        .map(|m| {
            parse_mail(m)
                .unwrap()
                .headers
                .get_first_value("Message-ID")
                .unwrap()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.delivery_attempts WHERE outcome = 'retry'")
            .await,
        6
    );
}

#[tokio::test]
async fn refused_and_bad_addresses_go_dead_for_an_admin_to_requeue_and_4xx_retries() {
    let sink = Sink::start().await;
    let app = TestApp::spawn_mail(sink.port).await;
    app.without_calendar_duties().await;
    // Enterprises whose addresses the server refuses, defers (both of province 01), or that are not
    // addresses at all (province 37).
    for (who, address) in [
        ("dn1.01@demo.test", "reject.1@demo.test"),
        ("dn2.01@demo.test", "later.2@demo.test"),
        ("dn1.37@demo.test", "không phải địa chỉ"),
    ] {
        report_for(&app, who, day(2027, 6, 20)).await;
        app.db
            .execute(&format!(
                "UPDATE identity.users SET email = '{address}' WHERE email = '{who}'"
            ))
            .await;
    }
    assert_eq!(app.pass(day(2027, 6, 7)).await.emails, 3);
    let r = app.send().await;
    // 550 and the bad address: dead at once; 451: retried.
    assert_eq!((r.dead, r.retried, r.done), (2, 1, 0), "{r:?}");
    let dead = app
        .query("SELECT id::text AS id, to_address, last_error FROM notifications.deliveries WHERE status = 'dead' ORDER BY to_address")
        .await;
    assert!(
        dead[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("không hợp lệ"),
        "{dead:?}"
    );
    assert!(
        dead[1]["last_error"].as_str().unwrap().contains("550"),
        "{dead:?}"
    );
    // The admins see the dead letters: a province its own, the ministry all.
    let r = app.get("/api/v1/deliveries?status=dead", DEPARTMENT).await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"], 1);
    let r = app.get("/api/v1/deliveries?status=dead", MINISTRY).await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"], 2);

    // The address is fixed and an admin re-queues: it arrives. Another province's admin cannot.
    let refused = dead[1]["id"].as_str().unwrap().to_owned();
    app.db
        .execute(&format!(
            "UPDATE notifications.deliveries SET to_address = 'dn1.01@demo.test' WHERE id = '{refused}'"
        ))
        .await;
    let r = app
        .post(
            "/api/v1/deliveries/requeue",
            "so.37@demo.test",
            &json!({"ids": [refused]}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["requeued"], json!([]));
    let r = app
        .post(
            "/api/v1/deliveries/requeue",
            DEPARTMENT,
            &json!({"ids": [refused]}),
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["requeued"],
        json!([refused])
    );
    let r = app.send().await;
    assert_eq!(r.done, 1, "{r:?}");
    assert_eq!(sink.messages().len(), 1);
    // A sent e-mail is not re-queued.
    let r = app
        .post(
            "/api/v1/deliveries/requeue",
            DEPARTMENT,
            &json!({"ids": [refused]}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["requeued"], json!([]));

    // 451 until its attempts are used up: dead after the last one.
    app.db
        .execute("UPDATE outbox.events SET max_attempts = 2, available_at = now() WHERE status = 'pending'")
        .await;
    let r = app.send().await;
    assert_eq!(r.dead, 1, "{r:?}");
    assert_eq!(
        app.count("SELECT 1 FROM notifications.deliveries WHERE status = 'dead' AND attempts = 2 AND last_error LIKE '%451%'")
            .await,
        1
    );
}

#[tokio::test]
async fn optional_notices_may_be_muted_legal_deadlines_never() {
    let sink = Sink::start().await;
    let app = TestApp::spawn_mail(sink.port).await;
    app.without_calendar_duties().await;
    let r = app
        .put(
            "/api/v1/notification-preferences",
            ENTERPRISE,
            &json!({"muted": ["overdue"]}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["muted"]
    );
    let r = app
        .put(
            "/api/v1/notification-preferences",
            CENTRE,
            &json!({"muted": ["escalation"]}),
        )
        .await;
    let p = app.expect(r, StatusCode::OK).await;
    assert_eq!(p["muted"], json!(["escalation"]));
    assert_eq!(p["mutable"], json!(["escalation", "digest"]));
    report_for(&app, ENTERPRISE, day(2027, 6, 20)).await;
    // The day after the due date: the enterprise is told it is overdue (by e-mail too), the centre
    // gets the escalation in the portal only.
    let p = app.pass(day(2027, 6, 22)).await;
    assert!(p.notices >= 2, "{p:?}");
    assert_eq!(app.notices(CENTRE).await.len(), 1);
    let to_centre = app
        .count("SELECT 1 FROM notifications.deliveries d JOIN identity.users u ON u.id = d.user_id WHERE u.email = 'ttkc.01@demo.test'")
        .await;
    assert_eq!(to_centre, 0);
    app.send().await;
    let subjects: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| {
            parse_mail(m)
                .unwrap()
                .headers
                .get_first_value("Subject")
                .unwrap()
        })
        .collect();
    assert!(
        subjects.iter().any(|s| s.starts_with("Quá hạn 1 ngày")),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn account_emails_are_sent_and_the_reset_link_is_never_stored() {
    let sink = Sink::start().await;
    let app = TestApp::spawn_mail(sink.port).await;
    let (user, province) = app.org_of(ENTERPRISE).await;
    let link = "http://127.0.0.1:8080/dat-lai-mat-khau?token=s3cr3t-t0ken";
    let reset = kc_events::PasswordResetRequested {
        reset_id: uuid::Uuid::new_v4(),
        user_id: user,
        province: Some(province),
        to: "dn1.01@demo.test".into(),
        full_name: "Nguyễn Văn Một".into(),
        expires_at: chrono::Utc::now() + chrono::Duration::hours(1),
        reset_link: Some(link.into()),
    };
    assert_eq!(app.deliver("identity", &reset).await, 1);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.deliveries WHERE text_body LIKE '%s3cr3t%' OR html_body LIKE '%s3cr3t%'")
            .await,
        0,
        "the link is not stored with the e-mail"
    );
    assert_eq!(app.send().await.done, 1);
    assert_eq!(
        app.count("SELECT 1 FROM outbox.events WHERE secret IS NOT NULL")
            .await,
        0,
        "erased once sent"
    );
    let raw = sink.messages();
    let m = parse_mail(&raw[0]).unwrap();
    assert_eq!(
        m.headers.get_first_value("Subject").unwrap(),
        "Đặt lại mật khẩu tài khoản Khuyến công"
    );
    let text = &parts(&m)[0].1;
    assert!(text.contains(link), "{text}");
    assert!(text.contains("Nguyễn Văn Một"));
}

#[tokio::test]
async fn a_rejected_registration_is_told_with_its_reason() {
    let sink = Sink::start().await;
    let app = TestApp::spawn_mail(sink.port).await;
    let (org, province) = app.org_of(ENTERPRISE).await;
    let decided = kc_events::RegistrationDecided {
        organisation_id: org,
        user_id: uuid::Uuid::new_v4(),
        province,
        to: "moi@coso.test".into(),
        full_name: "Trần Thị Hai".into(),
        organisation_name: "Cơ sở Gốm Hai".into(),
        verified: false,
        reason: Some("Mã số thuế không khớp giấy đăng ký".into()),
    };
    assert_eq!(app.deliver("identity", &decided).await, 1);
    assert_eq!(app.send().await.done, 1);
    let raw = sink.messages();
    let m = parse_mail(&raw[0]).unwrap();
    assert_eq!(
        m.headers.get_first_value("Subject").unwrap(),
        "Đăng ký của Cơ sở Gốm Hai chưa được chấp nhận"
    );
    assert!(
        parts(&m)[0]
            .1
            .contains("Lý do: Mã số thuế không khớp giấy đăng ký")
    );
}

#[tokio::test]
async fn a_mailer_killed_mid_send_loses_nothing_and_sends_nothing_twice() {
    let sink = Sink::start().await;
    let app = TestApp::spawn_mail(sink.port).await;
    app.without_calendar_duties().await;
    // A slow server (3 s before it accepts the recipient) and a mailer killed after 1 s.
    report_for(&app, ENTERPRISE, day(2027, 6, 20)).await;
    app.db
        .execute(
            "UPDATE identity.users SET email = 'slow.1@demo.test' WHERE email = 'dn1.01@demo.test'",
        )
        .await;
    let mut app = app;
    app.mail.timeout = std::time::Duration::from_secs(10);
    assert_eq!(app.pass(day(2027, 6, 7)).await.emails, 1);
    let mailer =
        kc_notifications::mail::send::Mailer::new(app.worker.clone(), app.mail.clone()).unwrap();
    let consumer = kc_notifications::mail::send::consumer(app.worker.clone());
    let killed = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        consumer.run_once(&mailer),
    )
    .await;
    assert!(killed.is_err(), "the mailer was still sending");
    // Its connection went with it, before the server took the recipient: no message can come of it.
    drop(consumer);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.deliveries WHERE status = 'pending'")
            .await,
        1
    );
    // Its lease expires (as it would after five minutes): the next mailer sends it, once.
    app.db
        .execute("UPDATE outbox.events SET available_at = now(), leased_until = now() WHERE status = 'pending'")
        .await;
    let r = app.send().await;
    assert_eq!(r.done, 1, "{r:?}");
    assert_eq!(sink.messages().len(), 1);
    app.retry_now().await;
    assert_eq!(app.send().await.claimed, 0);
}

#[tokio::test]
async fn a_province_sets_only_its_own_sender_and_each_user_only_their_own_mutes() {
    let app = TestApp::spawn().await;
    let r = app
        .put(
            "/api/v1/senders",
            DEPARTMENT,
            &json!({"from_name": "Sở Công Thương Hà Nội"}),
        )
        .await;
    app.expect(r, StatusCode::OK).await;
    // Another province's admin cannot set it, nor see it; a lesser role and an enterprise cannot at all.
    let r = app
        .put(
            "/api/v1/senders",
            "so.37@demo.test",
            &json!({"province_code": "01", "from_name": "Giả mạo"}),
        )
        .await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::UNPROCESSABLE_ENTITY].contains(&r.status()),
        "{}",
        r.status()
    );
    let r = app.get("/api/v1/senders", "so.37@demo.test").await;
    assert_eq!(app.expect(r, StatusCode::OK).await["items"], json!([]));
    for who in [OFFICER, CENTRE, ENTERPRISE] {
        let r = app
            .put("/api/v1/senders", who, &json!({"from_name": "Giả mạo"}))
            .await;
        app.expect(r, StatusCode::FORBIDDEN).await;
    }
    let r = app.get("/api/v1/senders", MINISTRY).await;
    let items = app.expect(r, StatusCode::OK).await["items"].clone();
    assert_eq!(items[0]["from_name"], "Sở Công Thương Hà Nội");
    // The ministry must say which province.
    let r = app
        .put("/api/v1/senders", MINISTRY, &json!({"from_name": "Bộ"}))
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["province_code"]
    );
    // A bad reply-to address is refused naming it.
    let r = app
        .put(
            "/api/v1/senders",
            DEPARTMENT,
            &json!({"from_name": "Sở", "reply_to": "không phải địa chỉ"}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["reply_to"]
    );

    // Mutes are the caller's own: one user's choice changes nothing for another.
    let r = app
        .put(
            "/api/v1/notification-preferences",
            CENTRE,
            &json!({"muted": ["escalation"]}),
        )
        .await;
    app.expect(r, StatusCode::OK).await;
    let r = app
        .get("/api/v1/notification-preferences", DEPARTMENT)
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["muted"], json!([]));
    let r = app.get("/api/v1/notification-preferences", CENTRE).await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["muted"],
        json!(["escalation"])
    );
}
