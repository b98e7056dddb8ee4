//! Duties as dated rules: the ministry's national versions, a province's own reminder offsets,
//! impossible dates and offsets refused; the calendar; the clock, movable in development only.

use crate::helpers::*;
use kc_service::Mode;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn duties_are_dated_and_bad_rules_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/duties?as_of=2026-06-01", ENTERPRISE).await;
    let items = app.expect(r, StatusCode::OK).await["items"].clone();
    let codes: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for code in [
        "ccn_annual_report",
        "ccn_half_year_report",
        "extension_annual_report",
        "extension_half_year_report",
        "national_settlement",
        "plan_registration",
        "province_registration",
        "settlement_dossier",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let from = (kc_kernel::today_vn() + chrono::Days::new(10)).to_string();
    for (body, field) in [
        (
            json!({"code": "plan_registration", "valid_from": from, "due_month": 2, "due_day": 30}),
            "due_day",
        ),
        (
            json!({"code": "plan_registration", "valid_from": from, "due_month": 2, "due_day": 29}),
            "due_day",
        ),
        (
            json!({"code": "plan_registration", "valid_from": from, "offsets": [-91]}),
            "offsets",
        ),
        (
            json!({"code": "plan_registration", "valid_from": from, "offsets": [1, 1]}),
            "offsets",
        ),
        (
            json!({"code": "plan_registration", "valid_from": "2020-01-01"}),
            "valid_from",
        ),
        (json!({"code": "new_duty", "valid_from": from}), "title"),
        (
            json!({"code": "plan_registration", "valid_from": from, "due_month": 5, "due_day": 20,
                "after_event": "x", "after_days": 3}),
            "due",
        ),
    ] {
        let r = app.post("/api/v1/duties", MINISTRY, &body).await;
        let e = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(fields(&e).contains(&field.to_owned()), "{body}: {e}");
    }
    assert_eq!(app.count("SELECT 1 FROM notifications.duties").await, 10);

    // The ministry moves plan registration to 25 May from `from`: the old version ends the day before.
    let r = app
        .post(
            "/api/v1/duties",
            MINISTRY,
            &json!({"code": "plan_registration", "valid_from": from, "due_month": 5, "due_day": 25}),
        )
        .await;
    let d = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(
        (d["due_month"].as_i64(), d["due_day"].as_i64()),
        (Some(5), Some(25))
    );
    assert_eq!(
        d["reporter"], "centre",
        "the rest copied from the version in force"
    );
    // A second version from the same day is a conflict.
    let r = app
        .post(
            "/api/v1/duties",
            MINISTRY,
            &json!({"code": "plan_registration", "valid_from": from}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;

    // A province sets its own offsets, and nothing else; an enterprise nothing at all.
    let r = app
        .post(
            "/api/v1/duties",
            DEPARTMENT,
            &json!({"code": "ccn_half_year_report", "valid_from": from, "title": "Khác", "offsets": [-30, 0]}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["title"]
    );
    let r = app
        .post(
            "/api/v1/duties",
            DEPARTMENT,
            &json!({"code": "ccn_half_year_report", "valid_from": from, "offsets": [-30, 0]}),
        )
        .await;
    let d = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(d["province_code"], "01");
    assert_eq!(d["offsets"], json!([-30, 0]));
    let r = app
        .post(
            "/api/v1/duties",
            ENTERPRISE,
            &json!({"code": "ccn_half_year_report", "valid_from": from, "offsets": [0]}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // Province 37 does not see province 01's own version.
    let r = app
        .get(
            "/api/v1/duties?code=ccn_half_year_report",
            "so.37@demo.test",
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = app
        .get("/api/v1/duties?code=ccn_half_year_report", DEPARTMENT)
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn the_calendar_is_the_ministrys_and_a_make_up_day_is_a_weekend() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/calendar-days?year=2026", ENTERPRISE).await;
    let days = app.expect(r, StatusCode::OK).await["items"].clone();
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .any(|d| d["day"] == "2026-09-02")
    );
    // A weekday cannot be a make-up working day.
    let r = app
        .post(
            "/api/v1/calendar-days",
            MINISTRY,
            &json!({"day": "2027-06-23", "kind": "working_day", "name": "Làm bù"}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["day"]
    );
    // Only the ministry's admins edit it.
    let r = app
        .post(
            "/api/v1/calendar-days",
            DEPARTMENT,
            &json!({"day": "2027-06-23", "kind": "holiday", "name": "Lễ"}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .call(
            Method::DELETE,
            "/api/v1/calendar-days?day=2026-09-02",
            DEPARTMENT,
            None,
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // A make-up Saturday is a working day: a deadline on it stays.
    let r = app
        .post(
            "/api/v1/calendar-days",
            MINISTRY,
            &json!({"day": "2027-06-19", "kind": "working_day", "name": "Làm bù"}),
        )
        .await;
    app.expect(r, StatusCode::OK).await;
    let (org, province) = app.org_of(ENTERPRISE).await;
    app.deliver(
        "registry",
        &report_due(province, org, "half_year", 2027, day(2027, 6, 19)),
    )
    .await;
    assert_eq!(
        app.obligations(ENTERPRISE, "").await[0]["due_date"],
        "2027-06-19"
    );
    // Removed again: the deadline moves to Monday.
    let r = app
        .call(
            Method::DELETE,
            "/api/v1/calendar-days?day=2027-06-19",
            MINISTRY,
            None,
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["obligations_redated"],
        1
    );
    assert_eq!(
        app.obligations(ENTERPRISE, "").await[0]["due_date"],
        "2027-06-21"
    );
    let r = app
        .call(
            Method::DELETE,
            "/api/v1/calendar-days?day=2027-06-19",
            MINISTRY,
            None,
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_clock_moves_in_development_only() {
    let app = TestApp::spawn().await;
    let r = app
        .put("/api/v1/clock", MINISTRY, &json!({"today": "2027-06-13"}))
        .await;
    let c = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (c["today"].as_str(), c["moved"].as_bool()),
        (Some("2027-06-13"), Some(true))
    );
    let r = app.get("/api/v1/clock", ENTERPRISE).await;
    let c = app.expect(r, StatusCode::OK).await;
    assert_eq!(c["today"], "2027-06-13");
    assert!(c["last_pass"].is_null(), "no pass yet: {c}");
    // Each pass adds to its day's record, shown with the clock.
    app.without_calendar_duties().await;
    app.pass(day(2027, 6, 13)).await;
    app.pass(day(2027, 6, 13)).await;
    // The counts are the nation's: the ministry sees them, no one else.
    for who in [ENTERPRISE, DEPARTMENT] {
        let r = app.get("/api/v1/clock", who).await;
        let c = app.expect(r, StatusCode::OK).await;
        assert!(c["last_pass"].is_null(), "{who}: {c}");
    }
    let r = app.get("/api/v1/clock", MINISTRY).await;
    let last = app.expect(r, StatusCode::OK).await["last_pass"].clone();
    assert_eq!(
        (last["day"].as_str(), last["passes"].as_i64()),
        (Some("2027-06-13"), Some(2)),
        "{last}"
    );
    assert!(
        last["finished_at"].is_string() && last["emails"].is_i64(),
        "{last}"
    );
    let r = app
        .put("/api/v1/clock", DEPARTMENT, &json!({"today": "2027-06-13"}))
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .call(Method::DELETE, "/api/v1/clock", MINISTRY, None)
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["moved"], false);

    // In production the clock is Vietnam's, whatever the table says, and cannot be set.
    let prod = TestApp::spawn_in(Mode::Production, free_port()).await;
    prod.db
        .execute("INSERT INTO notifications.clock (today) VALUES ('2030-01-01')")
        .await;
    let r = prod
        .put("/api/v1/clock", MINISTRY, &json!({"today": "2027-06-13"}))
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = prod.get("/api/v1/clock", MINISTRY).await;
    let c = app.expect(r, StatusCode::OK).await;
    assert_eq!(c["today"], kc_kernel::today_vn().to_string());
    assert_eq!(c["moved"], false);
    assert_eq!(c["movable"], false);
}
