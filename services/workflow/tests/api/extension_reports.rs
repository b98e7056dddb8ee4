//! The provinces' periodic extension reports: drafted from the figures, written, sent (an event for
//! the notifications service), seen by the ministry province by province, returned and sent again.

use crate::helpers::{TestApp, fields};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CENTRE: &str = "ttkc.01@demo.test";
const OFFICER: &str = "cv.so.01@demo.test";
const DEPT: &str = "so.01@demo.test";
const MINISTRY: &str = "bo@demo.test";

async fn report(app: &TestApp, who: &str, id: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/extension-reports/{id}"), who)
        .await
}

async fn post(app: &TestApp, who: &str, id: &str, what: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/extension-reports/{id}/{what}"),
        who,
        &body,
    )
    .await
}

#[tokio::test]
async fn a_province_drafts_writes_and_sends_its_report_which_the_ministry_sees_and_returns() {
    let app = TestApp::spawn().await;
    kc_seed::history::seed_2018(&app.db.superuser_url())
        .await
        .unwrap();
    // Only a department drafts; not for a year to come; once per kind and year.
    let r = app
        .post(
            "/api/v1/extension-reports",
            CENTRE,
            &json!({"kind": "annual", "year": 2018}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .post(
            "/api/v1/extension-reports",
            OFFICER,
            &json!({"kind": "annual", "year": 2099}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["year"]
    );
    let r = app
        .post(
            "/api/v1/extension-reports",
            OFFICER,
            &json!({"kind": "annual", "year": 2018}),
        )
        .await;
    let draft = app.expect(r, StatusCode::CREATED).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["status"], "draft");
    let r = app
        .post(
            "/api/v1/extension-reports",
            DEPT,
            &json!({"kind": "annual", "year": 2018}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    // Its figures are the province's line of the execution report.
    let r = app
        .get(
            "/api/v1/reports/execution?year=2018&group_by=activity",
            DEPT,
        )
        .await;
    let figures = app.expect(r, StatusCode::OK).await;
    assert_eq!(draft["figures"]["total"], figures["total"]);
    assert_eq!(draft["figures"]["rows"], figures["rows"]);

    // Not sent without a narrative; written at the version read.
    let r = post(&app, OFFICER, &id, "submit", json!({"version": 1})).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["narrative"]
    );
    let narrative = "Năm 2018, tỉnh thực hiện các đề án khuyến công theo kế hoạch được giao.";
    let r = app
        .patch(
            &format!("/api/v1/extension-reports/{id}"),
            OFFICER,
            &json!({"version": 1, "narrative": narrative}),
        )
        .await;
    let written = app.expect(r, StatusCode::OK).await;
    assert_eq!(written["version"], 2);
    let r = app
        .patch(
            &format!("/api/v1/extension-reports/{id}"),
            OFFICER,
            &json!({"version": 1, "narrative": "cũ"}),
        )
        .await;
    app.expect(r, StatusCode::PRECONDITION_FAILED).await;
    let r = post(&app, OFFICER, &id, "submit", json!({"version": 2})).await;
    let sent = app.expect(r, StatusCode::OK).await;
    assert_eq!(sent["status"], "submitted");
    assert_eq!(sent["narrative"], narrative);
    let r = app
        .patch(
            &format!("/api/v1/extension-reports/{id}"),
            OFFICER,
            &json!({"version": 3, "narrative": "sửa"}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    let events = app
        .query(
            "SELECT payload FROM outbox.events WHERE topic = 'workflow.extension_report_submitted'",
        )
        .await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (
            events[0]["payload"]["kind"].clone(),
            events[0]["payload"]["year"].clone()
        ),
        (json!("annual"), json!(2018))
    );

    // The ministry sees every province, this one sent; another province sees only its own line and
    // not this report.
    let r = app
        .get("/api/v1/extension-reports?kind=annual&year=2018", MINISTRY)
        .await;
    let national = app.expect(r, StatusCode::OK).await;
    assert_eq!(national["provinces"].as_array().unwrap().len(), 34);
    assert_eq!(national["submitted"], 1);
    let line = national["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["province_code"] == "01")
        .unwrap()
        .clone();
    assert_eq!(line["status"], "submitted");
    let r = app
        .get(
            "/api/v1/extension-reports?kind=annual&year=2018",
            "so.79@demo.test",
        )
        .await;
    let own = app.expect(r, StatusCode::OK).await;
    assert_eq!(own["provinces"].as_array().unwrap().len(), 1);
    assert_eq!(own["provinces"][0]["status"], Value::Null);
    let r = report(&app, "so.79@demo.test", &id).await;
    app.expect(r, StatusCode::NOT_FOUND).await;

    // Returned by the ministry (not by the province), with a reason; corrected and sent again.
    let r = post(
        &app,
        DEPT,
        &id,
        "return",
        json!({"version": 3, "reason": "Thiếu số liệu"}),
    )
    .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = post(
        &app,
        MINISTRY,
        &id,
        "return",
        json!({"version": 3, "reason": " "}),
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["reason"]
    );
    let r = post(
        &app,
        MINISTRY,
        &id,
        "return",
        json!({"version": 3, "reason": "Bổ sung đánh giá hiệu quả các đề án"}),
    )
    .await;
    let returned = app.expect(r, StatusCode::OK).await;
    assert_eq!(returned["status"], "returned");
    let r = report(&app, OFFICER, &id).await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["returned_reason"],
        "Bổ sung đánh giá hiệu quả các đề án"
    );
    let r = app
        .patch(
            &format!("/api/v1/extension-reports/{id}"),
            OFFICER,
            &json!({"version": 4, "narrative": format!("{narrative} Các đề án đều hiệu quả."),
                       "refresh_figures": true}),
        )
        .await;
    app.expect(r, StatusCode::OK).await;
    let r = post(&app, OFFICER, &id, "submit", json!({"version": 5})).await;
    assert_eq!(app.expect(r, StatusCode::OK).await["status"], "submitted");
    assert_eq!(
        app.count(
            "SELECT 1 FROM outbox.events WHERE topic = 'workflow.extension_report_submitted'"
        )
        .await,
        2
    );
    let r = post(
        &app,
        MINISTRY,
        &id,
        "return",
        json!({"version": 5, "reason": "x"}),
    )
    .await;
    app.expect(r, StatusCode::PRECONDITION_FAILED).await;
}
