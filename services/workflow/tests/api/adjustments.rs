//! Adjustments of an approved scheme: each kind routed to its approver by the rule, an approved one
//! changing the scheme and its commitment at once, a rejected one changing nothing, and none on a
//! scheme that is no longer implemented.

use crate::execution::{act, approved, document, pay, sign};
use crate::helpers::{TestApp, day, fields};
use crate::schemes::accepted_application;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CENTRE: &str = "ttkc.01@demo.test";
const OFFICER: &str = "cv.so.01@demo.test";
const DEPT: &str = "so.01@demo.test";
const MINISTRY: &str = "bo@demo.test";

/// Ask for an adjustment (`changes` holds the kind's fields).
async fn ask(app: &TestApp, s: &Value, kind: &str, changes: Value) -> reqwest::Response {
    let request = document(app, CENTRE, s, "adjustment_request").await;
    let mut body =
        json!({"kind": kind, "reason": "Theo đề nghị của cơ sở thụ hưởng", "document_id": request});
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    act(app, CENTRE, s, "adjustments", body).await
}

async fn decide(
    app: &TestApp,
    who: &str,
    s: &Value,
    number: i64,
    verdict: &str,
) -> reqwest::Response {
    act(
        app,
        who,
        s,
        "adjustments/decision",
        json!({"number": number, "verdict": verdict, "reason": "Ý kiến của cơ quan phê duyệt"}),
    )
    .await
}

async fn committed(app: &TestApp) -> i64 {
    app.query("SELECT committed FROM workflow.envelopes WHERE fund = 'kcdp'")
        .await[0]["committed"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn each_adjustment_goes_to_the_approver_its_rule_names_and_changes_the_scheme_and_its_budget()
{
    let app = TestApp::spawn().await;
    let s = approved(&app, "kcdp").await;
    assert_eq!(committed(&app).await, 270_000_000);
    // The fields of the kind, and only those; within the cap rule (30 % of a 1 000 million model).
    let r = ask(&app, &s, "raise_support", json!({"title": "Khác"})).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["support_approved", "title"]
    );
    let r = ask(
        &app,
        &s,
        "raise_support",
        json!({"support_approved": "350000000"}),
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["support_approved"]
    );
    // Raising support: the department's approver decides; the officer may not.
    let r = ask(
        &app,
        &s,
        "raise_support",
        json!({"support_approved": "300000000"}),
    )
    .await;
    let a = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(
        (
            a["number"].clone(),
            a["route_role"].clone(),
            a["route_permission"].clone()
        ),
        (json!(1), json!("province"), json!("approver"))
    );
    // One pending at a time.
    let r = ask(
        &app,
        &s,
        "change_location",
        json!({"commune": "Xã Ninh Hiệp"}),
    )
    .await;
    app.expect(r, StatusCode::CONFLICT).await;
    let r = decide(&app, OFFICER, &s, 1, "approve").await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    assert_eq!(committed(&app).await, 270_000_000);
    let r = decide(&app, DEPT, &s, 1, "approve").await;
    let out = app.expect(r, StatusCode::OK).await;
    assert_eq!(out["scheme"]["support_approved"], "300000000");
    assert_eq!(committed(&app).await, 300_000_000);
    let r = decide(&app, DEPT, &s, 1, "reject").await;
    app.expect(r, StatusCode::CONFLICT).await;

    // Changing the location: the officer decides.
    let r = ask(
        &app,
        &s,
        "change_location",
        json!({"commune": "Xã Ninh Hiệp"}),
    )
    .await;
    assert_eq!(
        app.expect(r, StatusCode::CREATED).await["route_permission"],
        "officer"
    );
    let r = decide(&app, OFFICER, &s, 2, "approve").await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["scheme"]["commune"],
        "Xã Ninh Hiệp"
    );

    // Changing the content: rejected, with a reason; nothing else changes.
    let r = ask(
        &app,
        &s,
        "change_content",
        json!({"title": "Mô hình lò sấy dùng trấu"}),
    )
    .await;
    assert_eq!(
        app.expect(r, StatusCode::CREATED).await["route_permission"],
        "approver"
    );
    let r = act(
        &app,
        DEPT,
        &s,
        "adjustments/decision",
        json!({"number": 3, "verdict": "reject"}),
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["reason"]
    );
    let before = app
        .query(&format!(
            "SELECT title, version FROM workflow.schemes WHERE id = '{}'",
            s["id"].as_str().unwrap()
        ))
        .await;
    let r = decide(&app, DEPT, &s, 3, "reject").await;
    let out = app.expect(r, StatusCode::OK).await;
    assert_eq!(out["adjustments"][2]["status"], "rejected");
    let after = app
        .query(&format!(
            "SELECT title, version FROM workflow.schemes WHERE id = '{}'",
            s["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(before, after);

    // The timing needs the contract, and stays within the plan year.
    let r = ask(&app, &s, "change_timing", json!({"ends_on": day(100)})).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["ends_on"]
    );
    // Each approved adjustment is a new version of the scheme: the contract is signed on the latest.
    let current = crate::execution::execution(&app, OFFICER, &s).await["scheme"].clone();
    assert_eq!(
        current["version"].as_i64(),
        s["version"].as_i64().map(|v| v + 2)
    );
    let e = sign(&app, OFFICER, &current, "300000000").await;
    let year = e["scheme"]["plan_year"].as_i64().unwrap();
    let r = ask(
        &app,
        &s,
        "change_timing",
        json!({"ends_on": format!("{}-01-10", year + 1)}),
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["ends_on"]
    );
    let r = ask(
        &app,
        &s,
        "change_timing",
        json!({"ends_on": format!("{year}-12-20")}),
    )
    .await;
    assert_eq!(
        app.expect(r, StatusCode::CREATED).await["route_permission"],
        "officer"
    );
    let r = decide(&app, OFFICER, &s, 4, "approve").await;
    app.expect(r, StatusCode::OK).await;
    assert_eq!(
        app.query("SELECT ends_on::text AS d FROM workflow.contracts")
            .await[0]["d"],
        format!("{year}-12-20")
    );

    // Another beneficiary, from an accepted application of the province.
    let leaving = app
        .query("SELECT organisation_id::text AS o FROM workflow.scheme_beneficiaries")
        .await[0]["o"]
        .as_str()
        .unwrap()
        .to_owned();
    let incoming = accepted_application(&app, "dn2.01@demo.test", "kcdp", year as i32).await;
    let r = ask(
        &app,
        &s,
        "change_beneficiary",
        json!({"remove_organisation_id": leaving, "add_application_id": incoming}),
    )
    .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = decide(&app, OFFICER, &s, 5, "approve").await;
    app.expect(r, StatusCode::OK).await;
    let now: Vec<String> = app
        .query("SELECT application_id::text AS a FROM workflow.scheme_beneficiaries")
        .await
        .iter()
        .map(|r| r["a"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(now, [incoming]);

    // Lowering the support: never below what was paid; the difference goes back to the envelope.
    let voucher = document(&app, OFFICER, &e["scheme"], "payment_voucher").await;
    let r = pay(&app, OFFICER, &s, "payment", "100000000", &voucher).await;
    app.expect(r, StatusCode::CREATED).await;
    let r = ask(
        &app,
        &s,
        "lower_support",
        json!({"support_approved": "90000000"}),
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["support_approved"]
    );
    let r = ask(
        &app,
        &s,
        "lower_support",
        json!({"support_approved": "200000000"}),
    )
    .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = decide(&app, OFFICER, &s, 6, "approve").await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["scheme"]["support_approved"],
        "200000000"
    );
    assert_eq!(committed(&app).await, 200_000_000);

    // Once the scheme is terminated, a pending adjustment is not approved and none is asked.
    let r = ask(
        &app,
        &s,
        "raise_support",
        json!({"support_approved": "250000000"}),
    )
    .await;
    app.expect(r, StatusCode::CREATED).await;
    let e = crate::execution::execution(&app, DEPT, &s).await;
    let request = document(&app, DEPT, &e["scheme"], "termination_request").await;
    let r = act(
        &app,
        DEPT,
        &s,
        "terminate",
        json!({"version": e["scheme"]["version"],
        "requested_on": day(0), "reason": "Dừng theo đề nghị", "document_id": request}),
    )
    .await;
    app.expect(r, StatusCode::OK).await;
    assert_eq!(committed(&app).await, 100_000_000);
    let r = decide(&app, DEPT, &s, 7, "approve").await;
    app.expect(r, StatusCode::CONFLICT).await;
    assert_eq!(committed(&app).await, 100_000_000);
    let r = act(
        &app,
        CENTRE,
        &s,
        "adjustments",
        json!({"kind": "change_location",
        "reason": "x", "commune": "Xã khác", "document_id": request}),
    )
    .await;
    app.expect(r, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn a_national_schemes_adjustments_go_to_the_ministry() {
    let app = TestApp::spawn().await;
    let s = approved(&app, "kcqg").await;
    let r = ask(
        &app,
        &s,
        "raise_support",
        json!({"support_approved": "280000000"}),
    )
    .await;
    let a = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(
        (a["route_role"].clone(), a["route_permission"].clone()),
        (json!("ministry"), json!("approver"))
    );
    // The province's approver does not decide the ministry's adjustment; another province does not
    // see it; the enterprise may not ask.
    let r = decide(&app, DEPT, &s, 1, "approve").await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = decide(&app, "bo@demo.test", &s, 2, "approve").await;
    app.expect(r, StatusCode::CONFLICT).await;
    let id = s["id"].as_str().unwrap();
    let r = app
        .get(
            &format!("/api/v1/schemes/{id}/adjustments"),
            "so.79@demo.test",
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .get(
            &format!("/api/v1/schemes/{id}/adjustments"),
            "dn1.01@demo.test",
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = decide(&app, MINISTRY, &s, 1, "approve").await;
    let out = app.expect(r, StatusCode::OK).await;
    assert_eq!(out["scheme"]["support_approved"], "280000000");
    assert_eq!(
        app.query("SELECT committed FROM workflow.envelopes WHERE province_id IS NOT NULL AND fund = 'kcqg'")
            .await[0]["committed"]
            .as_i64(),
        Some(280_000_000)
    );
    let r = app
        .get(&format!("/api/v1/schemes/{id}/adjustments"), OFFICER)
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"][0]["status"],
        "approved"
    );
}
