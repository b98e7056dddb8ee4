//! Obligations opened by the calendar and by events, closed by events and by their recipients.

use crate::helpers::*;
use kc_events::SchemeTransitioned;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

fn scheme_step(
    province: Uuid,
    fund: &str,
    plan_year: i32,
    to: &str,
    version: i32,
) -> SchemeTransitioned {
    SchemeTransitioned {
        scheme_id: Uuid::from_u128(42),
        province,
        fund: fund.into(),
        plan_year,
        from: "draft".into(),
        to: to.into(),
        version,
        by: Uuid::new_v4(),
        reason: None,
        support_approved: None,
        title: Some("Mô hình lò nung gốm".into()),
    }
}

#[tokio::test]
async fn calendar_duties_open_for_every_centre_and_close_when_the_plan_is_registered() {
    let app = TestApp::spawn().await;
    let centres = app
        .count("SELECT 1 FROM identity.organisations WHERE kind = 'centre' AND status = 'active'")
        .await;
    assert!(centres >= 3);
    // Two months before 20 May 2027: nothing yet; a month before: one per centre, once.
    assert_eq!(app.pass(day(2027, 3, 20)).await.opened, 0);
    let r = app.pass(day(2027, 4, 20)).await;
    assert_eq!(r.opened as i64, centres, "{r:?}");
    assert_eq!(app.pass(day(2027, 4, 21)).await.opened, 0);
    let mine = app.obligations(CENTRE, "duty=plan_registration").await;
    assert_eq!(mine.len(), 1, "a centre sees its province's only");
    assert_eq!(mine[0]["due_date"], "2027-05-20");
    assert_eq!(mine[0]["period"], "2027");
    assert_eq!(mine[0]["recipient"], "department");

    // The centre registers a scheme for plan year 2028: its duty of 2027 is met.
    let (_, province) = app.org_of(CENTRE).await;
    app.deliver(
        "workflow",
        &scheme_step(province, "kcqg", 2028, "registered", 2),
    )
    .await;
    let mine = app.obligations(CENTRE, "duty=plan_registration").await;
    assert_eq!(mine[0]["state"], "fulfilled");
    // The same event again (a retried delivery) changes nothing.
    let fulfilled_at = mine[0]["fulfilled_at"].clone();
    let e = scheme_step(province, "kcqg", 2028, "registered", 2);
    kc_notifications::events::apply(
        &app.worker,
        &kc_events::AnyEvent::SchemeTransitioned(e),
        day(2027, 4, 22),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        app.obligations(CENTRE, "duty=plan_registration").await[0]["fulfilled_at"],
        fulfilled_at
    );
}

#[tokio::test]
async fn an_approved_national_scheme_opens_its_settlement_by_22_january() {
    let app = TestApp::spawn().await;
    let (_, province) = app.org_of(CENTRE).await;
    app.deliver(
        "workflow",
        &scheme_step(province, "kcqg", 2026, "approved", 5),
    )
    .await;
    let o = app.obligations(CENTRE, "duty=national_settlement").await;
    assert_eq!(o.len(), 1);
    assert_eq!(o[0]["base_due"], "2027-01-22");
    // 22 January 2027 is a Friday: no move.
    assert_eq!(o[0]["due_date"], "2027-01-22");
    assert_eq!(o[0]["subject_kind"], "scheme");
    assert_eq!(o[0]["recipient"], "ministry");
    // A local-fund approval opens nothing.
    let mut local = scheme_step(province, "kcdp", 2026, "approved", 5);
    local.scheme_id = Uuid::from_u128(43);
    app.deliver("workflow", &local).await;
    assert_eq!(
        app.obligations(CENTRE, "duty=national_settlement")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn an_acceptance_opens_the_settlement_dossier_which_the_dossier_and_the_settlement_close() {
    let app = TestApp::spawn().await;
    let (centre, province) = app.org_of(CENTRE).await;
    app.deliver(
        "workflow",
        &scheme_step(province, "kcqg", 2026, "approved", 5),
    )
    .await;
    let accepted = kc_events::AcceptanceRecorded {
        scheme_id: Uuid::from_u128(42),
        acceptance_id: Uuid::from_u128(7),
        province,
        implementing_org: centre,
        fund: "kcqg".into(),
        plan_year: 2026,
        accepted_on: day(2026, 11, 20),
        by: Uuid::new_v4(),
        title: Some("Mô hình lò nung gốm".into()),
    };
    app.deliver("workflow", &accepted).await;
    let o = app.obligations(CENTRE, "duty=settlement_dossier").await;
    assert_eq!(o.len(), 1, "{o:?}");
    // 15 days after 20 November 2026: 5 December, a Saturday, moved to Monday 7 December.
    assert_eq!(o[0]["base_due"], "2026-12-05");
    assert_eq!(o[0]["due_date"], "2026-12-07");
    assert_eq!(o[0]["subject_kind"], "scheme");
    // The scheme's title names it among the centre's duties.
    assert_eq!(o[0]["subject_label"], "Mô hình lò nung gốm");
    assert_eq!(o[0]["recipient"], "department");
    // The dossier submitted fulfils it, and only it: the national settlement is still owed.
    app.deliver(
        "workflow",
        &scheme_step(province, "kcqg", 2026, "settlement_submitted", 9),
    )
    .await;
    assert_eq!(
        app.obligations(CENTRE, "duty=settlement_dossier").await[0]["state"],
        "fulfilled"
    );
    assert_eq!(
        app.obligations(CENTRE, "duty=national_settlement").await[0]["state"],
        "open"
    );
    // The settlement ends what is owed about the scheme.
    app.deliver(
        "workflow",
        &scheme_step(province, "kcqg", 2026, "settled", 10),
    )
    .await;
    assert_eq!(
        app.obligations(CENTRE, "duty=national_settlement").await[0]["state"],
        "fulfilled"
    );
    // Another scheme, terminated before its settlement: its national settlement is waived.
    let mut other = scheme_step(province, "kcqg", 2026, "approved", 5);
    other.scheme_id = Uuid::from_u128(44);
    app.deliver("workflow", &other).await;
    let mut stopped = scheme_step(province, "kcqg", 2026, "terminated", 7);
    stopped.scheme_id = Uuid::from_u128(44);
    app.deliver("workflow", &stopped).await;
    let states: Vec<String> = app
        .obligations(CENTRE, "duty=national_settlement")
        .await
        .iter()
        .map(|o| o["state"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(states.len(), 2);
    assert!(states.contains(&"waived".to_owned()), "{states:?}");
}

#[tokio::test]
async fn a_departments_extension_report_sent_in_the_workflow_fulfils_its_duty() {
    let app = TestApp::spawn().await;
    // The annual report of 2026 is due on 15 January 2027: a pass opens it for every department.
    app.pass(day(2027, 1, 1)).await;
    let (department, province) = app.org_of(DEPARTMENT).await;
    let owed = app
        .obligations(DEPARTMENT, "duty=extension_annual_report")
        .await;
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert_eq!(owed[0]["period"], "2026");
    assert_eq!(owed[0]["state"], "open");
    let sent = kc_events::ExtensionReportSubmitted {
        report_id: Uuid::from_u128(9),
        province,
        organisation: department,
        kind: "annual".into(),
        year: 2026,
        version: 3,
        by: Uuid::new_v4(),
    };
    app.deliver("workflow", &sent).await;
    let owed = app
        .obligations(DEPARTMENT, "duty=extension_annual_report")
        .await;
    assert_eq!(owed[0]["state"], "fulfilled");
    // The six-month report of that year is another duty: untouched.
    let half = app
        .count("SELECT 1 FROM notifications.obligations WHERE duty_code = 'extension_half_year_report' AND state = 'fulfilled'")
        .await;
    assert_eq!(half, 0);
}

#[tokio::test]
async fn events_delivered_twice_and_fulfilments_of_nothing_change_nothing() {
    let app = TestApp::spawn().await;
    let (org, province) = app.org_of(ENTERPRISE).await;
    let due = report_due(province, org, "half_year", 2027, day(2027, 6, 20));
    app.deliver("registry", &due).await;
    let again = kc_events::AnyEvent::ClusterReportDue(due.clone());
    let said =
        kc_notifications::events::apply(&app.worker, &again, day(2027, 1, 1), chrono::Utc::now())
            .await
            .unwrap();
    assert!(said.contains("opened false"), "{said}");
    assert_eq!(
        app.count("SELECT 1 FROM notifications.obligations").await,
        1
    );
    // A submission for a cluster nobody was asked to report on: logged, done, nothing written.
    let stray = kc_events::ClusterReportSubmitted {
        report_id: Uuid::new_v4(),
        cluster_id: Uuid::new_v4(),
        province,
        organisation: org,
        kind: "half_year".into(),
        year: 2027,
        version: 1,
        late: false,
    };
    assert_eq!(app.deliver("registry", &stray).await, 1);
    assert_eq!(
        app.count("SELECT 1 FROM notifications.obligations WHERE state = 'open'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_recipient_records_or_waives_and_nobody_else() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let (org, province) = app.org_of(ENTERPRISE).await;
    let due = report_due(province, org, "half_year", 2027, day(2027, 6, 20));
    app.deliver("registry", &due).await;
    let id = app.obligations(ENTERPRISE, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fulfil = format!("/api/v1/obligations/{id}/fulfil");
    let waive = format!("/api/v1/obligations/{id}/waive");
    let note = json!({"note": "Đã nhận báo cáo bằng văn bản ngày 10/6"});
    // The enterprise itself cannot close its own duty; nor can the centre (not the recipient).
    let r = app.post(&fulfil, ENTERPRISE, &note).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app.post(&fulfil, CENTRE, &note).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // A department officer may record, not waive.
    let r = app
        .post(&waive, OFFICER, &json!({"note": "Không áp dụng"}))
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // An empty note is refused, naming it.
    let r = app.post(&fulfil, OFFICER, &json!({"note": "  "})).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["note"]
    );
    let r = app.post(&fulfil, OFFICER, &note).await;
    let o = app.expect(r, StatusCode::OK).await;
    assert_eq!(o["state"], "fulfilled");
    assert_eq!(
        o["fulfilment_note"],
        "Đã nhận báo cáo bằng văn bản ngày 10/6"
    );
    // Closed: a second close is a conflict naming the state.
    let r = app
        .post(&waive, DEPARTMENT, &json!({"note": "Không áp dụng"}))
        .await;
    let e = app.expect(r, StatusCode::CONFLICT).await;
    assert_eq!(e["error"]["code"], "invalid_transition");
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'obligation.fulfilled'")
            .await,
        1
    );

    // Another obligation: the department's admin waives it with a reason.
    let other = report_due(province, org, "annual", 2027, day(2027, 12, 20));
    app.deliver("registry", &other).await;
    let id = app.obligations(ENTERPRISE, "duty=ccn_annual_report").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/obligations/{id}/waive"),
            DEPARTMENT,
            &json!({"note": "Cụm đã bị đưa ra khỏi quy hoạch"}),
        )
        .await;
    let o = app.expect(r, StatusCode::OK).await;
    assert_eq!(o["state"], "waived");
    assert_eq!(o["waived_reason"], "Cụm đã bị đưa ra khỏi quy hoạch");
    assert_eq!(app.pass(day(2027, 12, 30)).await.notices, 0);
}

#[tokio::test]
async fn compliance_counts_on_time_late_missing_and_open_per_province() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let (a, province) = app.org_of(ENTERPRISE).await;
    let (b, _) = app.org_of("dn2.01@demo.test").await;
    let (c, province37) = app.org_of("dn1.37@demo.test").await;
    for (org, p) in [(a, province), (b, province), (c, province37)] {
        app.deliver(
            "registry",
            &report_due(p, org, "half_year", 2025, day(2025, 6, 20)),
        )
        .await;
    }
    // One fulfilled (now: after its 2025 due date, so late), the others missing once overdue.
    app.db
        .execute(&format!(
            "UPDATE notifications.obligations SET state = 'fulfilled', fulfilled_at = now(), next_step_on = NULL
              WHERE organisation_id = '{a}'"
        ))
        .await;
    app.pass(day(2025, 7, 1)).await;
    let r = app.get("/api/v1/compliance?period=2025-H1", MINISTRY).await;
    let body = app.expect(r, StatusCode::OK).await;
    let rows = body["provinces"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let p01 = rows.iter().find(|r| r["province_code"] == "01").unwrap();
    assert_eq!(
        (
            p01["total"].as_i64(),
            p01["late"].as_i64(),
            p01["missing"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    // A province sees its own line only.
    let r = app
        .get("/api/v1/compliance?period=2025-H1", DEPARTMENT)
        .await;
    let rows = app.expect(r, StatusCode::OK).await["provinces"].clone();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["province_code"], "01");
    // An enterprise: its own obligation only.
    let r = app
        .get("/api/v1/compliance?period=2025-H1", "dn2.01@demo.test")
        .await;
    let rows = app.expect(r, StatusCode::OK).await["provinces"].clone();
    assert_eq!(rows[0]["total"], 1);
    assert_eq!(rows[0]["missing"], 1);
    // A period is required.
    let r = app.get("/api/v1/compliance?period=", MINISTRY).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["period"]
    );
    // The table as a spreadsheet: CSV with the columns chosen, a workbook, the province's own line.
    let r = app
        .get(
            "/api/v1/compliance/export?period=2025-H1&format=csv&columns=province_code,total,missing,on_time_percent",
            MINISTRY,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0].trim_start_matches('\u{feff}'),
        "Mã tỉnh,Số nghĩa vụ,Quá hạn chưa thực hiện,Tỷ lệ đúng hạn (%)"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines.contains(&"01,2,1,0.00"), "{csv}");
    let r = app
        .get("/api/v1/compliance/export?period=2025-H1", DEPARTMENT)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    let r = app
        .get(
            "/api/v1/compliance/export?period=2025-H1&format=csv",
            DEPARTMENT,
        )
        .await;
    assert_eq!(r.text().await.unwrap().lines().count(), 2, "its own line");
    // The obligations themselves, with the list's filters.
    let r = app
        .get(
            "/api/v1/obligations/export?period=2025-H1&format=csv&columns=province_code,period,state,late",
            MINISTRY,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0].trim_start_matches('\u{feff}'),
        "Mã tỉnh,Kỳ,Trạng thái,Trễ hạn"
    );
    assert!(lines[1..].iter().all(|l| l.contains(",2025-H1,")), "{csv}");
    assert_eq!(
        lines.len() - 1,
        3,
        "the period's obligations the compliance table counts (01: 2, the other province: 1): {csv}"
    );
    let r = app
        .get(
            "/api/v1/obligations/export?period=2025-H1&format=csv",
            DEPARTMENT,
        )
        .await;
    assert_eq!(r.text().await.unwrap().lines().count(), 3, "its own two");
    let r = app
        .get(
            "/api/v1/compliance/export?period=2025-H1&columns=salary",
            MINISTRY,
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["columns"]
    );
}

fn application_step(
    province: Uuid,
    applicant: Uuid,
    (from, to): (&str, &str),
    version: i32,
    holder: Option<&str>,
    due_on: Option<chrono::NaiveDate>,
) -> kc_events::ApplicationTransitioned {
    kc_events::ApplicationTransitioned {
        application_id: Uuid::from_u128(7),
        province,
        organisation_id: applicant,
        from: from.into(),
        to: to.into(),
        version,
        by: Uuid::new_v4(),
        reason: None,
        title: Some("Máy sấy nông sản".into()),
        holder: holder.map(Into::into),
        due_on,
    }
}

#[tokio::test]
async fn an_applications_stage_time_limit_is_the_holders_obligation_and_the_applicant_sees_it() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let (applicant, province) = app.org_of(ENTERPRISE).await;
    // Submitted: the centre holds it, with five days (a Saturday: a time limit is not moved).
    app.deliver(
        "workflow",
        &application_step(
            province,
            applicant,
            ("draft", "submitted"),
            2,
            Some("centre"),
            Some(day(2027, 3, 13)),
        ),
    )
    .await;
    let seen = app.obligations(ENTERPRISE, "").await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    let o = &seen[0];
    assert_eq!(o["duty_code"], "application_handling");
    assert_eq!(o["due_date"], "2027-03-13");
    assert_eq!(o["for_org_id"], applicant.to_string());
    assert_ne!(
        o["organisation_id"],
        applicant.to_string(),
        "the centre owes it"
    );
    assert_eq!(o["reporter"], "centre");
    assert_eq!(o["subject_label"], "Máy sấy nông sản");
    assert_eq!(
        app.obligations(CENTRE, "duty=application_handling")
            .await
            .len(),
        1
    );
    assert!(
        app.obligations("dn2.01@demo.test", "").await.is_empty(),
        "another applicant sees nothing of it"
    );
    // It is met by the application's next step, not by hand.
    let id = o["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/obligations/{id}/fulfil"),
            MINISTRY,
            &json!({"note": "đã xử lý"}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    // Two days before, the centre is reminded; a day after, the department is told.
    app.pass(day(2027, 3, 11)).await;
    assert_eq!(app.notices(CENTRE).await.len(), 1);
    assert!(app.notices(ENTERPRISE).await.is_empty());
    app.pass(day(2027, 3, 14)).await;
    assert!(!app.notices(DEPARTMENT).await.is_empty());
    // The escalation is not itself a legal deadline (it may be muted); the centre's reminder is.
    assert_eq!(
        app.count(
            "SELECT 1 FROM notifications.notices WHERE legal <> (kind IN ('reminder', 'overdue'))"
        )
        .await,
        0
    );
    assert!(
        app.count("SELECT 1 FROM notifications.notices WHERE kind = 'escalation'")
            .await
            > 0
    );

    // Returned: the centre's time limit is met, the applicant has thirty days to complete it.
    let returned = application_step(
        province,
        applicant,
        ("under_review", "returned"),
        4,
        Some("enterprise"),
        Some(day(2027, 4, 14)),
    );
    app.deliver("workflow", &returned).await;
    app.deliver("workflow", &returned).await;
    let all = app.obligations(ENTERPRISE, "").await;
    assert_eq!(all.len(), 2, "the same event twice opens one: {all:?}");
    let handling = all
        .iter()
        .find(|o| o["duty_code"] == "application_handling")
        .unwrap();
    assert_eq!(handling["state"], "fulfilled");
    let mine = all
        .iter()
        .find(|o| o["duty_code"] == "application_resubmission")
        .unwrap();
    assert_eq!(mine["state"], "open");
    assert_eq!(mine["organisation_id"], applicant.to_string());
    assert_eq!(mine["due_date"], "2027-04-14");

    // Withdrawn: nothing is owed any more, and nobody is reminded of it.
    app.deliver(
        "workflow",
        &application_step(
            province,
            applicant,
            ("returned", "withdrawn"),
            5,
            None,
            None,
        ),
    )
    .await;
    let all = app
        .obligations(ENTERPRISE, "duty=application_resubmission")
        .await;
    assert_eq!(all[0]["state"], "waived");
    assert_eq!(app.pass(day(2027, 4, 13)).await.stepped, 0);
}
