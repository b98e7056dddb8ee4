//! An approved scheme to its settlement: the national and the local fund end to end, who takes each
//! act, termination releasing the money, payments racing at the limit, and the execution report with
//! the 2018 plan as published.

use crate::helpers::{TestApp, day, open_plan_year};
use crate::schemes::{accepted_application, appraise, new_scheme, step};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CENTRE: &str = "ttkc.01@demo.test";
const OFFICER: &str = "cv.so.01@demo.test";
const DEPT: &str = "so.01@demo.test";
const MINISTRY: &str = "bo@demo.test";
const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";

/// A scheme of province 01 approved with 270 million of support, and its envelope set up.
pub(crate) async fn approved(app: &TestApp, fund: &str) -> Value {
    let year = open_plan_year();
    if fund == "kcqg" {
        for body in [
            json!({"year": year, "amount": "1000000000"}),
            json!({"year": year, "province_code": "01", "amount": "500000000"}),
        ] {
            let r = app
                .post("/api/v1/budget/national-envelopes", MINISTRY, &body)
                .await;
            app.expect(r, StatusCode::CREATED).await;
        }
    } else {
        let r = app
            .post(
                "/api/v1/budget/local-envelopes",
                DEPT,
                &json!({"year": year, "amount": "1000000000"}),
            )
            .await;
        app.expect(r, StatusCode::CREATED).await;
    }
    let a = accepted_application(app, "dn1.01@demo.test", fund, year).await;
    let s = step(app, &new_scheme(app, fund, year, &[a]).await, CENTRE).await;
    let s = appraise(app, &s, OFFICER, "270000000").await;
    let mut s = step(app, &s, OFFICER).await;
    let last = if fund == "kcqg" {
        vec![DEPT, MINISTRY, MINISTRY]
    } else {
        vec![DEPT]
    };
    for who in last {
        s = step(app, &s, who).await;
    }
    assert_eq!(s["status"], "approved", "{s}");
    assert_eq!(s["support_approved"], "270000000");
    s
}

/// Upload a document of `kind` to the scheme; its id.
pub(crate) async fn document(app: &TestApp, who: &str, scheme: &Value, kind: &str) -> String {
    let r = app
        .http
        .post(format!(
            "{}/api/v1/schemes/{}/documents?kind={kind}&filename={kind}.pdf",
            app.base,
            scheme["id"].as_str().unwrap()
        ))
        .bearer_auth(app.token(who).await)
        .header("content-type", "application/octet-stream")
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    let d = app.expect(r, StatusCode::CREATED).await;
    d["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn act(
    app: &TestApp,
    who: &str,
    scheme: &Value,
    path: &str,
    body: Value,
) -> reqwest::Response {
    let id = scheme["id"].as_str().unwrap();
    app.post(&format!("/api/v1/schemes/{id}/{path}"), who, &body)
        .await
}

/// The scheme's implementation, as `who` sees it.
pub(crate) async fn execution(app: &TestApp, who: &str, scheme: &Value) -> Value {
    let id = scheme["id"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v1/schemes/{id}/execution"), who)
        .await;
    app.expect(r, StatusCode::OK).await
}

fn field_of(body: &Value) -> Vec<String> {
    crate::helpers::fields(body)
}

pub(crate) async fn sign(app: &TestApp, who: &str, s: &Value, amount: &str) -> Value {
    let doc = document(app, who, s, "contract").await;
    let r = act(
        app,
        who,
        s,
        "contract",
        json!({
            "version": s["version"], "number": "12/2026/HĐ-KC", "signed_on": day(-20),
            "ends_on": day(200), "amount": amount, "document_id": doc
        }),
    )
    .await;
    app.expect(r, StatusCode::OK).await
}

pub(crate) async fn pay(
    app: &TestApp,
    who: &str,
    s: &Value,
    kind: &str,
    amount: &str,
    voucher: &str,
) -> reqwest::Response {
    act(
        app,
        who,
        s,
        "payments",
        json!({
            "kind": kind, "amount": amount, "paid_on": day(-1), "document_id": voucher
        }),
    )
    .await
}

#[tokio::test]
async fn a_national_scheme_goes_from_its_contract_to_its_settlement_and_liquidation() {
    let app = TestApp::spawn().await;
    let s = approved(&app, "kcqg").await;
    let id = s["id"].as_str().unwrap().to_owned();
    // No acceptance before implementation; the centre does not sign the ministry's contract.
    let r = act(
        &app,
        CENTRE,
        &s,
        "acceptance",
        json!({
            "version": s["version"], "accepted_on": day(0), "result": "passed",
            "members": [{"name": "Nguyễn Văn A", "position": "Chủ tịch hội đồng"}],
            "document_id": uuid::Uuid::new_v4()
        }),
    )
    .await;
    assert_eq!(
        app.expect(r, StatusCode::CONFLICT).await["error"]["code"],
        "invalid_transition"
    );
    let r = act(
        &app,
        CENTRE,
        &s,
        "contract",
        json!({
            "version": s["version"], "number": "1", "signed_on": day(0), "ends_on": day(1),
            "amount": "1", "document_id": uuid::Uuid::new_v4()
        }),
    )
    .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // Above the approved support, in the future, and with another scheme's (or no) document: each named.
    let contract_doc = document(&app, MINISTRY, &s, "contract").await;
    let r = act(
        &app,
        MINISTRY,
        &s,
        "contract",
        json!({
            "version": s["version"], "number": "12/2026/HĐ-KCQG", "signed_on": day(1),
            "ends_on": day(-5), "amount": "270000001", "document_id": uuid::Uuid::new_v4()
        }),
    )
    .await;
    let bad = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        field_of(&bad),
        ["amount", "document_id", "ends_on", "signed_on"],
        "{bad}"
    );
    assert_eq!(app.count("SELECT 1 FROM workflow.contracts").await, 0);
    let r = act(
        &app,
        MINISTRY,
        &s,
        "contract",
        json!({
            "version": s["version"], "number": "12/2026/HĐ-KCQG", "signed_on": day(-30),
            "ends_on": day(150), "amount": "270000000", "document_id": contract_doc
        }),
    )
    .await;
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "implementing");
    assert_eq!(e["figures"]["committed"], "270000000");
    // 70 % of 270 million may be advanced: 189 million.
    assert_eq!(e["figures"]["advance_limit"], "189000000");
    let voucher = document(&app, MINISTRY, &e["scheme"], "payment_voucher").await;
    let r = pay(&app, MINISTRY, &s, "advance", "189000001", &voucher).await;
    let over = app.expect(r, StatusCode::CONFLICT).await;
    assert_eq!(field_of(&over), ["amount"]);
    let r = pay(&app, MINISTRY, &s, "advance", "189000000", &voucher).await;
    let e = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(
        (
            e["figures"]["advanced"].clone(),
            e["figures"]["paid"].clone()
        ),
        (json!("189000000"), json!("189000000"))
    );
    let r = pay(&app, MINISTRY, &s, "advance", "1", &voucher).await;
    app.expect(r, StatusCode::CONFLICT).await;
    // The centre reports progress; it does not pay.
    let r = pay(&app, CENTRE, &s, "payment", "1", &voucher).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = act(
        &app,
        CENTRE,
        &s,
        "reports",
        json!({
            "kind": "progress", "reported_on": day(-2), "percent_done": 60,
            "body": "Đã lắp đặt xong lò sấy, đang chạy thử"
        }),
    )
    .await;
    assert_eq!(
        app.expect(r, StatusCode::CREATED).await["figures"]["progress_percent"],
        60
    );
    let r = act(
        &app,
        OFFICER,
        &s,
        "reports",
        json!({
            "kind": "inspection", "reported_on": day(-1), "percent_done": 10, "body": "Kiểm tra"
        }),
    )
    .await;
    assert_eq!(
        field_of(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["percent_done"]
    );
    let r = act(
        &app,
        OFFICER,
        &s,
        "reports",
        json!({
            "kind": "inspection", "reported_on": day(-1), "body": "Đúng tiến độ, đúng thiết kế"
        }),
    )
    .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = pay(&app, MINISTRY, &s, "payment", "61000000", &voucher).await;
    app.expect(r, StatusCode::CREATED).await;

    // Acceptance, not before the contract; the settlement dossier becomes due.
    let e = execution(&app, CENTRE, &s).await;
    let record = document(&app, CENTRE, &e["scheme"], "acceptance_record").await;
    let accept = |on: String, version: Value| {
        json!({"version": version, "accepted_on": on, "result": "passed", "findings": "Đạt yêu cầu",
               "members": [{"name": "Nguyễn Văn A", "position": "Giám đốc Trung tâm"},
                           {"name": "Trần Thị B", "position": "Đại diện cơ sở"}],
               "document_id": record})
    };
    let r = act(
        &app,
        CENTRE,
        &s,
        "acceptance",
        accept(day(-40), e["scheme"]["version"].clone()),
    )
    .await;
    assert_eq!(
        field_of(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["accepted_on"]
    );
    let r = act(
        &app,
        CENTRE,
        &s,
        "acceptance",
        accept(day(-1), e["scheme"]["version"].clone()),
    )
    .await;
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "accepted");
    let events = app
        .query(&format!(
            "SELECT payload FROM outbox.events WHERE topic = 'workflow.acceptance_recorded'
              AND payload->>'scheme_id' = '{id}'"
        ))
        .await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["payload"]["accepted_on"], day(-1));

    // The dossier: within the approved support.
    let dossier = document(&app, CENTRE, &e["scheme"], "settlement_dossier").await;
    let r = act(
        &app,
        CENTRE,
        &s,
        "settlement",
        json!({
            "version": e["scheme"]["version"], "claimed": "300000000", "document_id": dossier
        }),
    )
    .await;
    assert_eq!(
        field_of(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["claimed"]
    );
    let r = act(
        &app,
        CENTRE,
        &s,
        "settlement",
        json!({
            "version": e["scheme"]["version"], "claimed": "265000000", "document_id": dossier
        }),
    )
    .await;
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "settlement_submitted");
    // The ministry returns it once, then settles: not below what was paid (250 million), not above
    // the approval, not after 22 January of the year after the plan year.
    let liquidation = document(&app, MINISTRY, &e["scheme"], "liquidation_record").await;
    let r = act(
        &app,
        MINISTRY,
        &s,
        "settlement/decision",
        json!({
            "version": e["scheme"]["version"], "verdict": "return"
        }),
    )
    .await;
    assert_eq!(
        field_of(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["reason"]
    );
    let r = act(&app, MINISTRY, &s, "settlement/decision", json!({
        "version": e["scheme"]["version"], "verdict": "return", "reason": "Thiếu hóa đơn mua thiết bị"
    }))
    .await;
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "accepted");
    assert_eq!(
        e["settlement"]["returned_reason"],
        "Thiếu hóa đơn mua thiết bị"
    );
    let r = act(
        &app,
        CENTRE,
        &s,
        "settlement",
        json!({
            "version": e["scheme"]["version"], "claimed": "265000000", "document_id": dossier
        }),
    )
    .await;
    let e = app.expect(r, StatusCode::OK).await;
    let decide = |settled: &str, on: String, version: Value| {
        json!({"version": version, "verdict": "settle", "settled": settled, "settled_on": on,
               "liquidated_on": on, "document_id": liquidation})
    };
    let v = e["scheme"]["version"].clone();
    for (settled, on, field) in [
        ("249999999", day(0), "settled"),
        ("270000001", day(0), "settled"),
        ("266000000", day(0), "settled"),
        ("265000000", day(-3), "settled_on"),
    ] {
        let r = act(
            &app,
            MINISTRY,
            &s,
            "settlement/decision",
            decide(settled, on, v.clone()),
        )
        .await;
        let bad = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(
            field_of(&bad).contains(&field.to_owned()),
            "{settled}: {bad}"
        );
    }
    // The deadline is a dated rule of the plan year: a scheme of plan year 2024 was due by 22
    // January 2025.
    let year = e["scheme"]["plan_year"].as_i64().unwrap();
    // (Accepted in time: a scheme accepted after its deadline is settled late rather than stuck.)
    app.execute(&format!(
        "UPDATE workflow.schemes SET plan_year = 2024 WHERE id = '{id}';
         UPDATE workflow.acceptances SET accepted_on = DATE '2025-01-10' WHERE scheme_id = '{id}'"
    ))
    .await;
    let r = act(
        &app,
        MINISTRY,
        &s,
        "settlement/decision",
        decide("265000000", day(0), v.clone()),
    )
    .await;
    let late = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(late.to_string().contains("22/01/2025"), "{late}");
    app.execute(&format!(
        "UPDATE workflow.schemes SET plan_year = {year} WHERE id = '{id}';
         UPDATE workflow.acceptances SET accepted_on = '{}' WHERE scheme_id = '{id}'",
        day(-1)
    ))
    .await;
    let r = act(
        &app,
        MINISTRY,
        &s,
        "settlement/decision",
        decide("265000000", day(0), v),
    )
    .await;
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "settled");
    assert_eq!(e["figures"]["settled"], "265000000");
    assert_eq!(e["figures"]["payable"], "15000000");
    // What remains is paid up to the settled amount, never beyond.
    let r = pay(&app, MINISTRY, &s, "payment", "15000001", &voucher).await;
    app.expect(r, StatusCode::CONFLICT).await;
    let r = pay(&app, MINISTRY, &s, "payment", "15000000", &voucher).await;
    let e = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(e["figures"]["paid"], "265000000");
    assert_eq!(e["payments"].as_array().unwrap().len(), 3);
    assert_eq!(e["acts"], json!(["pay"]));
    // The history has every step; each is an event for the notifications service.
    let steps: Vec<String> = app
        .query(&format!(
            "SELECT payload->>'to' AS to FROM outbox.events WHERE topic = 'workflow.scheme_transitioned'
              AND payload->>'scheme_id' = '{id}' ORDER BY id"
        ))
        .await
        .iter()
        .map(|r| r["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        steps[5..],
        [
            "implementing",
            "accepted",
            "settlement_submitted",
            "accepted",
            "settlement_submitted",
            "settled"
        ]
    );
    // The execution report has the same figures.
    let r = app
        .get(
            &format!("/api/v1/reports/execution?year={year}&group_by=province"),
            MINISTRY,
        )
        .await;
    let report = app.expect(r, StatusCode::OK).await;
    assert_eq!(report["funds"][0]["fund"], "KCQG");
    assert_eq!(report["funds"][0]["approved"], "270000000");
    assert_eq!(report["funds"][0]["settled"], "265000000");
    assert_eq!(report["funds"][0]["execution_rate"], "98.15");
    assert_eq!(report["rows"][0]["code"], "01");
    assert_eq!(report["rows"][0]["paid"], "265000000");
}

#[tokio::test]
async fn a_local_scheme_is_contracted_and_paid_by_the_department_and_termination_releases_the_rest()
{
    let app = TestApp::spawn().await;
    let s = approved(&app, "kcdp").await;
    // The ministry does not sign a local fund's contract; the province's officer does.
    let r = act(
        &app,
        MINISTRY,
        &s,
        "contract",
        json!({
            "version": s["version"], "number": "1", "signed_on": day(0), "ends_on": day(1),
            "amount": "1", "document_id": uuid::Uuid::new_v4()
        }),
    )
    .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let e = sign(&app, OFFICER, &s, "270000000").await;
    assert_eq!(e["scheme"]["status"], "implementing");
    // No advance rule for a local fund here: only the approved support limits advances.
    assert_eq!(e["figures"]["advance_limit"], Value::Null);
    let voucher = document(&app, OFFICER, &e["scheme"], "payment_voucher").await;
    let r = pay(&app, OFFICER, &s, "advance", "100000000", &voucher).await;
    app.expect(r, StatusCode::CREATED).await;
    // The centre contracts its beneficiary (an enterprise of the scheme, once).
    let contract = document(&app, CENTRE, &e["scheme"], "contract").await;
    let beneficiary = e["scheme"]["id"].as_str().unwrap();
    let org = app
        .query(&format!(
            "SELECT organisation_id::text AS org FROM workflow.scheme_beneficiaries WHERE scheme_id = '{beneficiary}'"
        ))
        .await[0]["org"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = |org: &str, amount: &str| {
        json!({"organisation_id": org, "number": "05/2026/HĐ", "signed_on": day(-10),
               "ends_on": day(100), "amount": amount, "document_id": contract})
    };
    let r = act(
        &app,
        CENTRE,
        &s,
        "beneficiary-contracts",
        body(&uuid::Uuid::new_v4().to_string(), "200000000"),
    )
    .await;
    assert_eq!(
        field_of(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["organisation_id"]
    );
    // Not beyond what the implementation contract (270 million) leaves.
    let r = act(
        &app,
        CENTRE,
        &s,
        "beneficiary-contracts",
        body(&org, "270000001"),
    )
    .await;
    assert_eq!(
        field_of(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["amount"]
    );
    let r = act(
        &app,
        CENTRE,
        &s,
        "beneficiary-contracts",
        body(&org, "200000000"),
    )
    .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["contracts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = act(
        &app,
        CENTRE,
        &s,
        "beneficiary-contracts",
        body(&org, "50000000"),
    )
    .await;
    app.expect(r, StatusCode::CONFLICT).await;
    // Another province sees nothing of it; an enterprise may not ask.
    let other = s["id"].as_str().unwrap();
    let r = app
        .get(
            &format!("/api/v1/schemes/{other}/execution"),
            "so.79@demo.test",
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = pay(&app, "cv.so.79@demo.test", &s, "payment", "1", &voucher).await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .get(
            &format!("/api/v1/schemes/{other}/execution"),
            "dn1.01@demo.test",
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;

    // Termination: by the department's approver, on a written request; the 170 million not paid
    // goes back to the envelope.
    let e = execution(&app, DEPT, &s).await;
    let request = document(&app, DEPT, &e["scheme"], "termination_request").await;
    let stop = json!({"version": e["scheme"]["version"], "requested_on": day(-1),
                      "reason": "Cơ sở thụ hưởng ngừng sản xuất", "document_id": request});
    let r = act(&app, OFFICER, &s, "terminate", stop.clone()).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = act(&app, DEPT, &s, "terminate", stop).await;
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "terminated");
    assert_eq!(e["termination"]["released"], "170000000");
    assert_eq!(e["figures"]["approved"], "100000000");
    assert_eq!(e["acts"], json!([]));
    let envelope = &app
        .query("SELECT committed FROM workflow.envelopes WHERE fund = 'kcdp'")
        .await[0];
    assert_eq!(envelope["committed"].as_i64(), Some(100_000_000));
    // Nothing more happens to a terminated scheme, and nothing is written trying.
    let r = pay(&app, OFFICER, &s, "payment", "1", &voucher).await;
    app.expect(r, StatusCode::CONFLICT).await;
    let r = act(
        &app,
        CENTRE,
        &s,
        "reports",
        json!({
            "kind": "progress", "reported_on": day(0), "percent_done": 70, "body": "Tiếp tục"
        }),
    )
    .await;
    app.expect(r, StatusCode::CONFLICT).await;
    assert_eq!(app.count("SELECT 1 FROM workflow.payments").await, 1);
    let r = app
        .get(
            &format!(
                "/api/v1/reports/execution?year={}&fund=kcdp",
                e["scheme"]["plan_year"]
            ),
            DEPT,
        )
        .await;
    let report = app.expect(r, StatusCode::OK).await;
    assert_eq!(report["total"]["approved"], "100000000");
    assert_eq!(report["total"]["paid"], "100000000");
    assert_eq!(report["total"]["plan"], "1000000000");
}

#[tokio::test]
async fn a_local_scheme_is_accepted_settled_and_liquidated_by_the_department() {
    let app = TestApp::spawn().await;
    let s = approved(&app, "kcdp").await;
    // The beneficiary reports its own progress, once the work has started; another enterprise does
    // not see the scheme.
    let progress = json!({"reported_on": day(0), "percent_done": 40, "body": "Đã nhận bàn giao máy, đang lắp đặt"});
    let r = act(
        &app,
        "dn1.01@demo.test",
        &s,
        "beneficiary-reports",
        progress.clone(),
    )
    .await;
    app.expect(r, StatusCode::CONFLICT).await;
    let path = format!(
        "/api/v1/schemes/{}/beneficiary-reports",
        s["id"].as_str().unwrap()
    );
    let r = app.get(&path, "dn1.01@demo.test").await;
    let before = app.expect(r, StatusCode::OK).await;
    assert_eq!(before["may_report"], false, "not before the contract");
    assert_eq!(before["reports"], json!([]));
    let e = sign(&app, OFFICER, &s, "270000000").await;
    let r = app.get(&path, "dn2.01@demo.test").await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = act(
        &app,
        "dn2.01@demo.test",
        &s,
        "beneficiary-reports",
        progress.clone(),
    )
    .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = act(
        &app,
        "dn1.01@demo.test",
        &s,
        "beneficiary-reports",
        progress,
    )
    .await;
    let own = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(own["reports"].as_array().unwrap().len(), 1);
    // The centre's report is the scheme's, not the beneficiary's: it reads only its own.
    let r = act(&app, CENTRE, &s, "reports", json!({
        "kind": "progress", "reported_on": day(0), "percent_done": 10, "body": "Bàn giao thiết bị"
    }))
    .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = app.get(&path, "dn1.01@demo.test").await;
    let read = app.expect(r, StatusCode::OK).await;
    assert_eq!(read["may_report"], true);
    assert_eq!(read["reports"].as_array().unwrap().len(), 1);
    assert_eq!(read["reports"][0]["percent_done"], 40);
    let seen = execution(&app, CENTRE, &s).await;
    assert_eq!(seen["reports"][0]["percent_done"], 40);
    assert_eq!(
        seen["figures"]["progress_percent"], 10,
        "the implementing unit's figure, not the beneficiary's"
    );
    let voucher = document(&app, OFFICER, &e["scheme"], "payment_voucher").await;
    let r = pay(&app, OFFICER, &s, "advance", "150000000", &voucher).await;
    app.expect(r, StatusCode::CREATED).await;
    let record = document(&app, CENTRE, &e["scheme"], "acceptance_record").await;
    let r = act(&app, CENTRE, &s, "acceptance", json!({
        "version": e["scheme"]["version"], "accepted_on": day(-2), "result": "failed",
        "findings": "Thiết bị chưa vận hành ổn định",
        "members": [{"name": "Nguyễn Văn A", "position": "Phó Giám đốc Sở"}], "document_id": record
    }))
    .await;
    // A failed acceptance is kept; the work goes on, and no settlement dossier is due yet.
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "implementing");
    assert_eq!(e["acceptances"][0]["result"], "failed");
    assert_eq!(
        app.count("SELECT 1 FROM outbox.events WHERE topic = 'workflow.acceptance_recorded'")
            .await,
        0
    );
    let r = act(&app, CENTRE, &s, "acceptance", json!({
        "version": e["scheme"]["version"], "accepted_on": day(-1), "result": "passed",
        "members": [{"name": "Nguyễn Văn A", "position": "Phó Giám đốc Sở"}], "document_id": record
    }))
    .await;
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "accepted");
    let dossier = document(&app, CENTRE, &e["scheme"], "settlement_dossier").await;
    let r = act(
        &app,
        CENTRE,
        &s,
        "settlement",
        json!({
            "version": e["scheme"]["version"], "claimed": "260000000", "document_id": dossier
        }),
    )
    .await;
    let e = app.expect(r, StatusCode::OK).await;
    // The local fund has no settlement deadline rule: the window is the acceptance to today. The
    // ministry does not decide a local scheme's settlement.
    let liquidation = document(&app, OFFICER, &e["scheme"], "liquidation_record").await;
    let body = json!({"version": e["scheme"]["version"], "verdict": "settle", "settled": "260000000",
                      "settled_on": day(0), "liquidated_on": day(0), "document_id": liquidation});
    let r = act(&app, MINISTRY, &s, "settlement/decision", body.clone()).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = act(&app, OFFICER, &s, "settlement/decision", body).await;
    let e = app.expect(r, StatusCode::OK).await;
    assert_eq!(e["scheme"]["status"], "settled");
    assert_eq!(e["settlement"]["liquidated_on"], day(0));
    let r = pay(&app, OFFICER, &s, "payment", "110000000", &voucher).await;
    let e = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(e["figures"]["paid"], "260000000");
    assert_eq!(e["figures"]["payable"], "0");
    let r = app
        .get(
            &format!(
                "/api/v1/reports/execution?year={}&group_by=fund",
                e["scheme"]["plan_year"]
            ),
            OFFICER,
        )
        .await;
    let report = app.expect(r, StatusCode::OK).await;
    assert_eq!(report["rows"][0]["settled"], "260000000");
    assert_eq!(report["rows"][0]["execution_rate"], "96.30");
}

#[tokio::test]
async fn payments_racing_at_the_limit_never_pass_the_approved_support() {
    let app = TestApp::spawn().await;
    let s = approved(&app, "kcdp").await;
    let e = sign(&app, OFFICER, &s, "270000000").await;
    let voucher = document(&app, OFFICER, &e["scheme"], "payment_voucher").await;
    // 27 payments of 10 million fit in 270 million: rounds of 12 at once.
    let mut accepted = 0;
    for round in 0..4 {
        let calls: Vec<_> = (0..12)
            .map(|_| pay(&app, OFFICER, &s, "payment", "10000000", &voucher))
            .collect();
        let answers = futures_util::future::join_all(calls).await;
        let ok = answers
            .iter()
            .filter(|r| r.status() == StatusCode::CREATED)
            .count();
        let refused = answers
            .iter()
            .filter(|r| r.status() == StatusCode::CONFLICT)
            .count();
        assert_eq!(ok + refused, 12, "round {round}: only 201 or 409");
        accepted += ok;
        assert_eq!(accepted, (12 * (round + 1)).min(27), "round {round}");
        let totals = &app
            .query(&format!(
                "SELECT s.paid, (SELECT sum(amount) FROM workflow.payments p WHERE p.scheme_id = s.id) AS rows
                   FROM workflow.schemes s WHERE s.id = '{}'",
                s["id"].as_str().unwrap()
            ))
            .await[0];
        assert_eq!(totals["paid"], totals["rows"], "round {round}");
        assert!(totals["paid"].as_i64().unwrap() <= 270_000_000);
    }
    assert_eq!(
        execution(&app, OFFICER, &s).await["figures"]["payable"],
        "0"
    );
}

#[tokio::test]
async fn the_2018_report_equals_the_published_figures_and_its_rows_sum_to_the_totals() {
    let app = TestApp::spawn().await;
    let written = kc_seed::history::seed_2018(&app.db.superuser_url())
        .await
        .unwrap();
    assert_eq!(written, 262 + 504);
    let r = app
        .get(
            "/api/v1/reports/execution?year=2018&group_by=fund",
            MINISTRY,
        )
        .await;
    let report = app.expect(r, StatusCode::OK).await;
    let funds = &report["funds"];
    assert_eq!(
        (
            funds[0]["fund"].clone(),
            funds[0]["plan"].clone(),
            funds[0]["approved"].clone(),
            funds[0]["settled"].clone(),
            funds[0]["execution_rate"].clone(),
            funds[0]["schemes"].clone()
        ),
        (
            json!("KCQG"),
            json!("120000000000"),
            json!("120000000000"),
            json!("118579290000"),
            json!("98.82"),
            json!(262)
        )
    );
    assert_eq!(
        (
            funds[1]["fund"].clone(),
            funds[1]["plan"].clone(),
            funds[1]["settled"].clone(),
            funds[1]["execution_rate"].clone()
        ),
        (
            json!("KCĐP"),
            json!("178300980000"),
            json!("172187940000"),
            json!("96.57")
        )
    );
    assert_eq!(report["total"]["plan"], "298300980000");
    assert_eq!(report["total"]["settled"], "290767230000");
    assert_eq!(report["total"]["plan_execution_rate"], "97.47");
    // Every grouping's rows add up to the totals, to the đồng.
    let total = report["total"].clone();
    let n = |v: &Value| v.as_str().unwrap().parse::<i64>().unwrap();
    for (by, rows_expected) in [
        ("fund", 2),
        ("province", 34),
        ("province_then", 63),
        ("region", 3),
        ("activity", 9),
        ("implementer", 34),
    ] {
        let r = app
            .get(
                &format!("/api/v1/reports/execution?year=2018&group_by={by}"),
                MINISTRY,
            )
            .await;
        let report = app.expect(r, StatusCode::OK).await;
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(rows.len(), rows_expected, "{by}");
        for figure in ["approved", "committed", "advanced", "paid", "settled"] {
            let sum: i64 = rows.iter().map(|r| n(&r[figure])).sum();
            assert_eq!(sum, n(&total[figure]), "{by}: {figure}");
        }
        let schemes: i64 = rows.iter().map(|r| r["schemes"].as_i64().unwrap()).sum();
        assert_eq!(schemes, 262 + 504, "{by}");
        if matches!(by, "fund" | "province" | "region") {
            let plan: i64 = rows.iter().map(|r| n(&r["plan"])).sum();
            assert_eq!(plan, n(&total["plan"]), "{by}: plan");
        }
    }
    // A province's department sees its own figures only, the same as its row in the national report.
    let r = app
        .get(
            "/api/v1/reports/execution?year=2018&group_by=province",
            MINISTRY,
        )
        .await;
    let national = app.expect(r, StatusCode::OK).await;
    let row01 = national["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "01")
        .unwrap()
        .clone();
    let r = app
        .get(
            "/api/v1/reports/execution?year=2018&group_by=province",
            DEPT,
        )
        .await;
    let own = app.expect(r, StatusCode::OK).await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(own["rows"][0]["settled"], row01["settled"]);
    assert_eq!(own["total"]["settled"], row01["settled"]);
    let r = app
        .get("/api/v1/reports/execution?year=2018&province_code=79", DEPT)
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // Enterprises have no report.
    let r = app
        .get("/api/v1/reports/execution?year=2018", "dn1.01@demo.test")
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // The same report as a spreadsheet, with the columns chosen: Vietnamese headings, whole đồng.
    let r = app
        .get(
            "/api/v1/reports/execution/export?year=2018&group_by=fund&format=csv&columns=label,approved,settled,execution_rate",
            MINISTRY,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        [
            "Nhóm,Kinh phí phê duyệt (đồng),Đã quyết toán (đồng),Tỷ lệ thực hiện so với phê duyệt (%)",
            "Khuyến công địa phương,178300980000,172187940000,96.57",
            "Khuyến công quốc gia,120000000000,118579290000,98.82",
            "Tổng cộng,298300980000,290767230000,97.47",
        ]
    );
    let r = app
        .get(
            "/api/v1/reports/execution/export?year=2018&group_by=province_then",
            MINISTRY,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    let r = app
        .get(
            "/api/v1/reports/execution/export?year=2018&columns=label,salary",
            MINISTRY,
        )
        .await;
    assert_eq!(
        crate::helpers::fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["columns"]
    );
    let r = app
        .get(
            "/api/v1/schemes/export?plan_year=2018&format=csv&columns=province_code,support_approved,settled,status",
            DEPT,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let own = row01["schemes"].as_i64().unwrap() as usize;
    assert_eq!(rows.len(), own, "the department's own schemes only");
    assert!(
        rows.iter()
            .all(|l| l.starts_with("01,") && l.ends_with(",Đã quyết toán"))
    );
    let settled: i64 = rows
        .iter()
        .map(|l| l.split(',').nth(2).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(settled, n(&row01["settled"]));
    // A scheme of the archive was settled on paper: nothing to pay against here (409, not a 500).
    let archived = app
        .query("SELECT id::text AS id FROM workflow.schemes WHERE plan_year = 2018 AND fund = 'kcqg' LIMIT 1")
        .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/schemes/{archived}/payments"),
            MINISTRY,
            &json!({"kind": "payment", "amount": "1", "paid_on": day(0), "document_id": uuid::Uuid::new_v4()}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    // Written once.
    assert_eq!(
        kc_seed::history::seed_2018(&app.db.superuser_url())
            .await
            .unwrap(),
        0
    );
}
