//! The system's journeys over HTTP, through the real binaries, one PostgreSQL and a real SMTP server.
//!
//! - The national fund: an enterprise registers and is verified, applies with a document, is
//!   returned and resubmits; the centre builds the scheme, the province appraises and sends it on,
//!   the ministry allocates and approves; contract, advance, progress and acceptance; the settlement
//!   dossier opens in the notifications service, its reminder and its escalation arrive by e-mail as
//!   the clock moves, the settlement closes it and the reminders stop; the ministry's report shows
//!   the money settled. The settlement dossier is owed by the scheme's implementing unit, the
//!   province's centre (DOMAIN.md §3), to the department: the reminder goes to the centre, the
//!   escalation to the department.
//! - The local fund, with its one appraisal level: the department approves, contracts, pays and
//!   settles; the beneficiary reports its own progress.
//! - A CCN: the province registers a cluster with its investor, whose annual report is then owed;
//!   the investor submits it after a reminder; the province accepts and consolidates; the ministry
//!   sees the compliance.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{Duration as Days, NaiveDate};
use kc_e2e::System;
use kc_e2e::api::Apis;
use kc_kernel::{format_date_vn, today_vn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CENTRE: &str = "ttkc.01@demo.test";
const OFFICER: &str = "cv.so.01@demo.test";
const DEPT: &str = "so.01@demo.test";
const MINISTRY: &str = "bo@demo.test";
const DN: &str = "dn1.01@demo.test";
const HOA: &str = "hoa@gombattrang.test";
const DUTY: &str = "Nộp hồ sơ quyết toán đề án sau nghiệm thu";
/// Long enough for a loaded machine, never a measure of speed.
const PATIENCE: Duration = Duration::from_secs(30);

fn day(offset: i64) -> String {
    (today_vn() + Days::days(offset)).to_string()
}

/// The row of province `code` in a list of per-province rows.
fn province_row(rows: &Value, code: &str) -> Value {
    rows.as_array()
        .and_then(|rows| rows.iter().find(|r| r["province_code"] == code))
        .unwrap_or_else(|| panic!("no row for {code}: {rows}"))
        .clone()
}

/// Step 1: the enterprise registers itself; the centre verifies it; it is told by e-mail each time.
async fn register(system: &System, apis: &Apis) {
    let id = &apis.identity;
    let r = id
        .http
        .post(format!("{}/api/v1/registrations", id.base))
        .json(&json!({
            "tax_code": "0109999982", "name": "Cơ sở Gốm Bát Tràng Hoa",
            "enterprise_kind": "household_business", "province_code": "01",
            "commune": "Xã Bát Tràng", "woman_owned": true, "ethnic_minority_owned": false,
            "full_name": "Nguyễn Thị Hoa", "email": HOA, "password": kc_e2e::DEMO_PASSWORD
        }))
        .send()
        .await
        .unwrap();
    id.expect(r, StatusCode::ACCEPTED).await;
    system.mail.wait_for(HOA, "Đã nhận đăng ký", PATIENCE).await;
    let r = id.get("/api/v1/registrations", CENTRE).await;
    let list = id.expect(r, StatusCode::OK).await;
    let org = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["organisation"]["tax_code"] == "0109999982")
        .unwrap_or_else(|| panic!("the centre's list: {list}"))["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = id
        .post(
            &format!("/api/v1/registrations/{org}/verify"),
            CENTRE,
            &json!({}),
        )
        .await;
    id.expect(r, StatusCode::OK).await;
    system
        .mail
        .wait_for(HOA, "đã được xác minh", PATIENCE)
        .await;
}

/// Step 2: `who` applies for `fund` with a document; the centre returns the application; it resubmits
/// with a new quote and is accepted. The application's id.
async fn apply(apis: &Apis, who: &str, fund: &str, year: i32) -> String {
    let wf = &apis.workflow;
    let r = wf.post("/api/v1/applications", who, &json!({
        "fund": fund, "activity_code": "demonstration_model", "plan_year": year,
        "title": "Mô hình lò nung gốm tiết kiệm năng lượng", "commune": "Xã Bát Tràng",
        "total_cost": "1000000000", "support_requested": "300000000", "counterpart": "700000000",
        "expected_results": "Giảm 30% khí đốt", "start_date": format!("{year}-03-01"),
        "end_date": format!("{year}-10-31")
    })).await;
    let a = wf.expect(r, StatusCode::CREATED).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let case = format!("applications/{id}");
    apis.upload(who, &case, "quote").await;
    let a = apis
        .application_step(&id, "submit", who, json!({"version": a["version"]}))
        .await;
    assert_eq!(a["holder"], "centre");
    let a = apis
        .application_step(&id, "review", CENTRE, json!({"version": a["version"]}))
        .await;
    let a = apis
        .application_step(
            &id,
            "return",
            CENTRE,
            json!({"version": a["version"], "reason": "Bổ sung báo giá lò nung có đóng dấu"}),
        )
        .await;
    assert_eq!(a["status"], "returned");
    // The enterprise sees why, and answers with a new quote.
    let r = wf.get(&format!("/api/v1/applications/{id}"), who).await;
    let seen = wf.expect(r, StatusCode::OK).await;
    assert!(seen.to_string().contains("Bổ sung báo giá"), "{seen}");
    apis.upload(who, &case, "quote").await;
    let a = apis
        .application_step(&id, "submit", who, json!({"version": a["version"]}))
        .await;
    assert_eq!(a["status"], "submitted");
    let a = apis
        .application_step(&id, "accept", CENTRE, json!({"version": a["version"]}))
        .await;
    assert_eq!(a["status"], "accepted");
    let r = wf
        .get(&format!("/api/v1/applications/{id}/history"), who)
        .await;
    let history = wf.expect(r, StatusCode::OK).await.to_string();
    for state in ["submitted", "returned", "accepted"] {
        assert!(history.contains(state), "{state}: {history}");
    }
    id
}

/// Step 3: the budget is set (the ministry allocates the national fund to the province; the department
/// sets its local fund); the centre builds the scheme and registers it; the province appraises; a
/// national scheme goes on to the ministry, which approves it, a local one is approved by the
/// department.
async fn approve(apis: &Apis, fund: &str, year: i32, application: &str) -> Value {
    let wf = &apis.workflow;
    let envelopes = if fund == "kcqg" {
        vec![
            (
                "national",
                MINISTRY,
                json!({"year": year, "amount": "1000000000"}),
            ),
            (
                "national",
                MINISTRY,
                json!({"year": year, "province_code": "01", "amount": "500000000"}),
            ),
        ]
    } else {
        vec![("local", DEPT, json!({"year": year, "amount": "1000000000"}))]
    };
    for (level, who, body) in envelopes {
        let r = wf
            .post(&format!("/api/v1/budget/{level}-envelopes"), who, &body)
            .await;
        wf.expect(r, StatusCode::CREATED).await;
    }
    let r = wf.post("/api/v1/schemes", CENTRE, &json!({
        "kind": "point", "fund": fund, "plan_year": year, "activity_code": "demonstration_model",
        "title": "Đề án mô hình trình diễn lò nung gốm tiết kiệm năng lượng", "commune": "Xã Bát Tràng",
        "total_cost": "1000000000", "support_requested": "300000000", "counterpart": "700000000",
        "application_ids": [application]
    })).await;
    let s = wf.expect(r, StatusCode::CREATED).await;
    let s = apis.advance(&s, CENTRE).await;
    assert_eq!(s["status"], "registered");
    let s = apis
        .act(OFFICER, &s, "appraisal", json!({
            "no_conflict": true, "recommended_amount": "270000000", "scores": {
                "necessity": 18, "feasibility": 20, "effectiveness": 20, "counterpart": 12, "priority": 10
            }
        }), StatusCode::CREATED)
        .await;
    let mut s = apis.advance(&s, OFFICER).await;
    let rest = if fund == "kcqg" {
        vec![DEPT, MINISTRY, MINISTRY]
    } else {
        vec![DEPT]
    };
    for who in rest {
        s = apis.advance(&s, who).await;
    }
    assert_eq!(s["status"], "approved", "{s}");
    assert_eq!(s["support_approved"], "270000000");
    s
}

/// A payment of `kind` (`advance` or `payment`) by `who` with its voucher; the implementation after it.
async fn pay(
    apis: &Apis,
    who: &str,
    s: &Value,
    kind: &str,
    amount: &str,
    on: String,
    voucher: &str,
) -> Value {
    let body = json!({"kind": kind, "amount": amount, "paid_on": on, "document_id": voucher});
    apis.act(who, s, "payments", body, StatusCode::CREATED)
        .await
}

/// The scheme's settlement-dossier obligation, once the centre sees it in the notifications service.
async fn settlement_dossier(apis: &Apis, s: &Value) -> Value {
    apis.wait_obligation(CENTRE, "settlement_dossier", PATIENCE, |o| {
        o["subject_id"] == s["id"]
    })
    .await
}

/// The centre submits the settlement dossier claiming `claimed`; the implementation after it.
async fn submit_settlement(apis: &Apis, s: &Value, claimed: &str) -> Value {
    let case = format!("schemes/{}", s["id"].as_str().unwrap());
    let dossier = apis.upload(CENTRE, &case, "settlement_dossier").await;
    let version = execution(apis, s).await["scheme"]["version"].clone();
    let body = json!({"version": version, "claimed": claimed, "document_id": dossier});
    apis.act(CENTRE, s, "settlement", body, StatusCode::OK)
        .await
}

/// The scheme's implementation as the centre sees it.
async fn execution(apis: &Apis, s: &Value) -> Value {
    let wf = &apis.workflow;
    let id = s["id"].as_str().unwrap();
    let r = wf
        .get(&format!("/api/v1/schemes/{id}/execution"), CENTRE)
        .await;
    wf.expect(r, StatusCode::OK).await
}

/// The centre records the scheme's acceptance (passed, yesterday) by this board, with its record.
async fn accept(apis: &Apis, s: &Value, members: Value) -> Value {
    let case = format!("schemes/{}", s["id"].as_str().unwrap());
    let record = apis.upload(CENTRE, &case, "acceptance_record").await;
    let e = execution(apis, s).await;
    apis.act(
        CENTRE,
        s,
        "acceptance",
        json!({
            "version": e["scheme"]["version"], "accepted_on": day(-1), "result": "passed",
            "findings": "Đạt yêu cầu", "members": members, "document_id": record
        }),
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn the_national_fund_journey_from_registration_to_the_settled_report() {
    let system = System::start().await;
    let apis = Apis::of(&system);
    let wf = &apis.workflow;
    let year = kc_e2e::open_plan_year();

    register(&system, &apis).await;
    let application = apply(&apis, HOA, "kcqg", year).await;
    let s = approve(&apis, "kcqg", year, &application).await;
    let case = format!("schemes/{}", s["id"].as_str().unwrap());

    // 4. Contract, advance, progress report, acceptance.
    let contract = apis.upload(MINISTRY, &case, "contract").await;
    let e = apis
        .act(
            MINISTRY,
            &s,
            "contract",
            json!({
                "version": s["version"], "number": "15/2026/HĐ-KCQG", "signed_on": day(-30),
                "ends_on": day(150), "amount": "270000000", "document_id": contract
            }),
            StatusCode::OK,
        )
        .await;
    assert_eq!(e["scheme"]["status"], "implementing");
    let voucher = apis.upload(MINISTRY, &case, "payment_voucher").await;
    let e = pay(
        &apis,
        MINISTRY,
        &s,
        "advance",
        "189000000",
        day(-20),
        &voucher,
    )
    .await;
    assert_eq!(e["figures"]["advanced"], "189000000");
    apis.act(
        CENTRE,
        &s,
        "reports",
        json!({
            "kind": "progress", "reported_on": day(-10), "percent_done": 80,
            "body": "Đã xây xong lò nung, đang nung thử mẻ đầu"
        }),
        StatusCode::CREATED,
    )
    .await;
    let e = accept(
        &apis,
        &s,
        json!([{"name": "Nguyễn Văn A", "position": "Giám đốc Trung tâm"},
               {"name": "Nguyễn Thị Hoa", "position": "Chủ cơ sở"}]),
    )
    .await;
    let accepted_at = Instant::now();
    assert_eq!(e["scheme"]["status"], "accepted");

    // 5. The settlement dossier opens in the notifications service, for the centre.
    let o = settlement_dossier(&apis, &s).await;
    let visible_after = accepted_at.elapsed();
    println!(
        "figure: acceptance recorded (workflow) → settlement dossier listed for the centre \
         (notifications): {} ms",
        visible_after.as_millis()
    );
    assert_eq!(o["state"], "open");
    let base_due: NaiveDate = o["base_due"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        base_due,
        today_vn() + Days::days(14),
        "15 days after the acceptance"
    );
    let due: NaiveDate = o["due_date"].as_str().unwrap().parse().unwrap();
    assert!(due >= base_due, "{o}");
    // The department sees it too; the centre of another province does not.
    assert!(
        apis.obligations(DEPT, "settlement_dossier")
            .await
            .iter()
            .any(|x| x["id"] == o["id"])
    );
    assert!(
        apis.obligations("ttkc.79@demo.test", "settlement_dossier")
            .await
            .is_empty()
    );

    // 6. The day before it is due, the reminder with the deadline reaches the centre.
    apis.move_clock(due - Days::days(1), PATIENCE).await;
    let m = system
        .mail
        .wait_for(CENTRE, &format!("Còn 1 ngày: {DUTY}"), PATIENCE)
        .await;
    assert!(m.text.contains(&format_date_vn(due)), "{m:?}");
    assert!(
        system.mail.to(DEPT, DUTY).is_empty(),
        "no escalation before the due date"
    );

    // 7. Past the due date: overdue for the centre, and the escalation reaches the department.
    apis.move_clock(due + Days::days(1), PATIENCE).await;
    let m = system
        .mail
        .wait_for(DEPT, &format!("chưa thực hiện: {DUTY}"), PATIENCE)
        .await;
    assert!(m.text.contains(&format_date_vn(due)), "{m:?}");
    system
        .mail
        .wait_for(CENTRE, &format!("Quá hạn 1 ngày: {DUTY}"), PATIENCE)
        .await;
    let o = apis
        .obligations(CENTRE, "settlement_dossier")
        .await
        .into_iter()
        .find(|x| x["id"] == o["id"])
        .unwrap();
    assert_eq!(o["state"], "overdue");

    // 8. The settlement is submitted: the obligation closes, and no more reminders go out.
    let e = submit_settlement(&apis, &s, "250000000").await;
    assert_eq!(e["scheme"]["status"], "settlement_submitted");
    let closed = apis
        .wait_obligation(CENTRE, "settlement_dossier", PATIENCE, |x| {
            x["id"] == o["id"] && x["state"] == "fulfilled"
        })
        .await;
    // It says how it was met. Whether it was late is judged by the real day of the fulfilment (the
    // clock moves only the reminders), which here is before the due date.
    assert!(
        closed["fulfilment_note"]
            .as_str()
            .is_some_and(|n| n.contains("quyết toán")),
        "{closed}"
    );
    assert_eq!(closed["late"], false, "{closed}");
    let notices = |who: &'static str| {
        let nt = &apis.notifications;
        let id = o["id"].clone();
        async move {
            let r = nt.get("/api/v1/notifications?per_page=200", who).await;
            let list = nt.expect(r, StatusCode::OK).await;
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["obligation_id"] == id)
                .count()
        }
    };
    let before = (notices(CENTRE).await, notices(DEPT).await);
    assert_eq!(
        before,
        (2, 1),
        "a reminder and an overdue notice; an escalation"
    );
    // A week after the due date the centre would have had its next reminder: nothing comes.
    apis.move_clock(due + Days::days(7), PATIENCE).await;
    assert_eq!((notices(CENTRE).await, notices(DEPT).await), before);
    assert_eq!(
        system.mail.to(CENTRE, DUTY).len(),
        2,
        "{:?}",
        system.mail.to(CENTRE, DUTY)
    );
    assert_eq!(system.mail.to(DEPT, DUTY).len(), 1);

    // The ministry settles and pays the rest.
    let liquidation = apis.upload(MINISTRY, &case, "liquidation_record").await;
    let e = apis
        .act(
            MINISTRY,
            &s,
            "settlement/decision",
            json!({
                "version": e["scheme"]["version"], "verdict": "settle", "settled": "250000000",
                "settled_on": day(0), "liquidated_on": day(0), "document_id": liquidation
            }),
            StatusCode::OK,
        )
        .await;
    assert_eq!(e["scheme"]["status"], "settled");
    assert_eq!(e["figures"]["payable"], "61000000");
    let e = pay(&apis, MINISTRY, &s, "payment", "61000000", day(0), &voucher).await;
    assert_eq!(e["figures"]["paid"], "250000000");

    // 9. The ministry's execution report: the money settled and the rate (250 of 270 million).
    let r = wf
        .get(
            &format!("/api/v1/reports/execution?year={year}&group_by=province"),
            MINISTRY,
        )
        .await;
    let report = wf.expect(r, StatusCode::OK).await;
    let kcqg = report["funds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fund"] == "KCQG")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(kcqg["approved"], "270000000");
    assert_eq!(kcqg["settled"], "250000000");
    assert_eq!(kcqg["paid"], "250000000");
    assert_eq!(kcqg["execution_rate"], "92.59");
    let row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "01")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(row["settled"], "250000000");
    // The national settlement, owed since the approval, is fulfilled by the settlement too.
    let ns = apis
        .wait_obligation(CENTRE, "national_settlement", PATIENCE, |x| {
            x["subject_id"] == s["id"] && x["state"] == "fulfilled"
        })
        .await;
    assert_eq!(ns["state"], "fulfilled");
}

#[tokio::test]
async fn the_local_fund_journey_with_its_one_appraisal_level() {
    let system = System::start().await;
    let apis = Apis::of(&system);
    let wf = &apis.workflow;
    let year = kc_e2e::open_plan_year();
    let application = apply(&apis, DN, "kcdp", year).await;
    let s = approve(&apis, "kcdp", year, &application).await;
    let case = format!("schemes/{}", s["id"].as_str().unwrap());

    // The department signs and pays; the ministry has no hand in a local scheme.
    let contract = apis.upload(OFFICER, &case, "contract").await;
    let signing = json!({
        "version": s["version"], "number": "07/2026/HĐ-KCĐP", "signed_on": day(-20),
        "ends_on": day(200), "amount": "270000000", "document_id": contract
    });
    apis.act(
        MINISTRY,
        &s,
        "contract",
        signing.clone(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let e = apis
        .act(OFFICER, &s, "contract", signing, StatusCode::OK)
        .await;
    assert_eq!(e["scheme"]["status"], "implementing");
    // The beneficiary reports its own progress.
    let own = apis
        .act(DN, &s, "beneficiary-reports", json!({
            "reported_on": day(-5), "percent_done": 60, "body": "Đã lắp đặt lò nung, đang chạy thử"
        }), StatusCode::CREATED)
        .await;
    assert_eq!(own["reports"][0]["percent_done"], 60);
    let voucher = apis.upload(OFFICER, &case, "payment_voucher").await;
    pay(
        &apis,
        OFFICER,
        &s,
        "advance",
        "150000000",
        day(-4),
        &voucher,
    )
    .await;
    let e = accept(
        &apis,
        &s,
        json!([{"name": "Nguyễn Văn A", "position": "Phó Giám đốc Sở"}]),
    )
    .await;
    assert_eq!(e["scheme"]["status"], "accepted");

    // The settlement dossier opens for the centre and closes, on time, when it is submitted.
    let o = settlement_dossier(&apis, &s).await;
    let e = submit_settlement(&apis, &s, "260000000").await;
    let closed = apis
        .wait_obligation(CENTRE, "settlement_dossier", PATIENCE, |x| {
            x["id"] == o["id"] && x["state"] == "fulfilled"
        })
        .await;
    assert_eq!(closed["late"], false, "{closed}");

    // The department settles, not the ministry; the rest is paid.
    let liquidation = apis.upload(OFFICER, &case, "liquidation_record").await;
    let decision = json!({
        "version": e["scheme"]["version"], "verdict": "settle", "settled": "260000000",
        "settled_on": day(0), "liquidated_on": day(0), "document_id": liquidation
    });
    apis.act(
        MINISTRY,
        &s,
        "settlement/decision",
        decision.clone(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let e = apis
        .act(OFFICER, &s, "settlement/decision", decision, StatusCode::OK)
        .await;
    assert_eq!(e["scheme"]["status"], "settled");
    let e = pay(&apis, OFFICER, &s, "payment", "110000000", day(0), &voucher).await;
    assert_eq!(e["figures"]["paid"], "260000000");

    // The province's report and the ministry's national one both show it: 260 of 270 million.
    for who in [OFFICER, MINISTRY] {
        let r = wf
            .get(
                &format!("/api/v1/reports/execution?year={year}&group_by=province"),
                who,
            )
            .await;
        let report = wf.expect(r, StatusCode::OK).await;
        assert_eq!(report["total"]["settled"], "260000000", "{who}: {report}");
        assert_eq!(
            report["total"]["execution_rate"], "96.30",
            "{who}: {report}"
        );
    }
    // Another province sees none of it.
    let r = wf
        .get(
            &format!("/api/v1/reports/execution?year={year}&group_by=province"),
            "so.79@demo.test",
        )
        .await;
    assert_eq!(wf.expect(r, StatusCode::OK).await["total"]["settled"], "0");
}

#[tokio::test]
async fn a_cluster_is_registered_its_investor_reports_after_a_reminder_and_the_ministry_sees_it() {
    let system = System::start().await;
    let apis = Apis::of(&system);
    let rg = &apis.registry;
    let investor = apis.org_of(DN).await;

    // The province registers a cluster with its investor and establishes it.
    let r = rg
        .post("/api/v1/communes", DEPT, &json!({"name": "Xã Phú Nghĩa"}))
        .await;
    let commune = rg.expect(r, StatusCode::CREATED).await["id"].clone();
    let r = rg
        .post(
            "/api/v1/clusters",
            OFFICER,
            &json!({"code": "PN", "record": {
                "name": "Cụm công nghiệp Phú Nghĩa", "commune_ids": [commune],
                "latitude": "20.93", "longitude": "105.65",
                "planned_area_ha": "50", "industrial_area_ha": "36", "leased_area_ha": "20",
                "investor_name": "Cơ sở Đầu tư hạ tầng Phú Nghĩa", "investor_kind": "enterprise",
                "investor_org_id": investor, "registered_capital": "350000000000",
                "sectors": ["Cơ khí", "Gốm sứ"]
            }}),
        )
        .await;
    let c = rg.expect(r, StatusCode::CREATED).await;
    let id = c["id"].as_str().unwrap().to_owned();
    let r = rg.post(&format!("/api/v1/clusters/{id}/transition"), OFFICER, &json!({
        "version": c["version"], "to": "established", "reason": "Theo quyết định của UBND thành phố",
        "decision": {"kind": "establishment", "number": "123/QĐ-UBND", "date": day(-3),
                     "issuer": "UBND thành phố Hà Nội"}
    })).await;
    assert_eq!(rg.expect(r, StatusCode::OK).await["status"], "established");

    // The investor's next annual report is owed, in the notifications service.
    let cluster = json!(id);
    let o = apis
        .wait_obligation(DN, "ccn_annual_report", PATIENCE, |o| {
            o["subject_id"] == cluster
        })
        .await;
    let year: i32 = o["period"].as_str().unwrap().parse().unwrap();
    let due: NaiveDate = o["due_date"].as_str().unwrap().parse().unwrap();
    let title = o["duty_title"].as_str().unwrap().to_owned();

    // On the due date the reminder, with the deadline, reaches the investor.
    apis.move_clock(due, PATIENCE).await;
    let m = system
        .mail
        .wait_for(DN, &format!("Hôm nay đến hạn: {title}"), PATIENCE)
        .await;
    assert!(m.text.contains(&format_date_vn(due)), "{m:?}");

    // The investor reports; the obligation is fulfilled, on time.
    let r = rg
        .post(
            &format!("/api/v1/clusters/{id}/reports"),
            DN,
            &json!({
                "kind": "annual", "year": year, "figures": {
                    "workers": 40, "leased_area_ha": "24.5", "secondary_projects": 6,
                    "capital_realised": "90000000000", "wastewater_operating": true
                }
            }),
        )
        .await;
    let report = rg.expect(r, StatusCode::CREATED).await;
    assert_eq!(report["party"], "investor");
    let done = apis
        .wait_obligation(DN, "ccn_annual_report", PATIENCE, |x| {
            x["id"] == o["id"] && x["state"] == "fulfilled"
        })
        .await;
    assert_eq!(done["late"], false, "{done}");

    // The province accepts it and consolidates the province's report.
    let rid = report["id"].as_str().unwrap();
    let r = rg
        .post(
            &format!("/api/v1/cluster-reports/{rid}/accept"),
            OFFICER,
            &json!({"version": report["version"]}),
        )
        .await;
    assert_eq!(rg.expect(r, StatusCode::OK).await["status"], "accepted");
    let r = rg
        .post(
            "/api/v1/province-reports",
            OFFICER,
            &json!({"kind": "annual", "year": year}),
        )
        .await;
    let consolidated = rg.expect(r, StatusCode::CREATED).await;
    assert_eq!(consolidated["totals"]["workers"], 40, "{consolidated}");
    assert_eq!(consolidated["totals"]["accepted"], 1, "{consolidated}");

    // The ministry sees the compliance: in the registry, and as a reporting duty.
    let r = rg
        .get(
            &format!("/api/v1/cluster-reports/compliance?kind=annual&year={year}"),
            MINISTRY,
        )
        .await;
    let c = rg.expect(r, StatusCode::OK).await;
    let line = province_row(&c["lines"], "01");
    assert_eq!(
        (
            &line["expected"],
            &line["reported"],
            &line["accepted"],
            &line["missing"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(0)),
        "{line}"
    );
    let nt = &apis.notifications;
    let r = nt
        .get(
            &format!("/api/v1/compliance?period={year}&duty=ccn_annual_report"),
            MINISTRY,
        )
        .await;
    let c = nt.expect(r, StatusCode::OK).await;
    let row = province_row(&c["provinces"], "01");
    assert_eq!(
        (&row["total"], &row["on_time"]),
        (&json!(1), &json!(1)),
        "{row}"
    );
}
