//! The rule checks are dated data: a province's own version from today, never retroactive, never
//! overlapping; the ministry's national ones; communes as reference data per province.

use crate::helpers::{MINISTRY, TestApp, fields};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_rule_changes_from_a_day_on_and_never_retroactively() {
    let app = TestApp::spawn().await;
    let today = kc_kernel::today_vn();
    let body = json!({"min_ha": "5", "max_ha": "75"});
    let yesterday = today - chrono::Duration::days(1);
    let r = app
        .post("/api/v1/cluster-rules", MINISTRY, &json!({"key": "cluster_size", "valid_from": yesterday, "body": body, "legal_basis": "Nghị định"}))
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["valid_from"]
    );
    let r = app
        .post("/api/v1/cluster-rules", MINISTRY, &json!({"key": "cluster_size", "valid_from": today, "body": {"min_ha": "80", "max_ha": "75"}, "legal_basis": "Nghị định"}))
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["body"]
    );
    let next_month = today + chrono::Duration::days(30);
    let r = app
        .post("/api/v1/cluster-rules", MINISTRY, &json!({"key": "cluster_size", "valid_from": next_month, "body": body, "legal_basis": "Nghị định sửa đổi"}))
        .await;
    let rule = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(rule["province_code"], serde_json::Value::Null);
    // The old version ends the day before; today the old one is still in force.
    let r = app
        .get(
            &format!("/api/v1/cluster-rules?key=cluster_size&as_of={today}"),
            "so.01@demo.test",
        )
        .await;
    let now = app.expect(r, StatusCode::OK).await;
    assert_eq!(now["items"].as_array().unwrap().len(), 1);
    assert_eq!(now["items"][0]["body"]["min_ha"], "10");
    assert_eq!(
        now["items"][0]["valid_to"],
        json!((next_month - chrono::Duration::days(1)).to_string())
    );
    // A second version starting earlier than the new one is a conflict.
    let r = app
        .post(
            "/api/v1/cluster-rules",
            MINISTRY,
            &json!({"key": "cluster_size", "valid_from": today, "body": body, "legal_basis": "x"}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::CONFLICT).await),
        ["valid_from"]
    );
    // A province's admin sets its own; not another province's; an officer not at all.
    let r = app
        .post("/api/v1/cluster-rules", "so.01@demo.test", &json!({"key": "new_cluster", "valid_from": today, "body": {"min_average_occupancy_percent": "60"}, "legal_basis": "UBND tỉnh"}))
        .await;
    assert_eq!(
        app.expect(r, StatusCode::CREATED).await["province_code"],
        "01"
    );
    let r = app
        .post("/api/v1/cluster-rules", "so.01@demo.test", &json!({"key": "new_cluster", "province_code": "79", "valid_from": today, "body": {"min_average_occupancy_percent": "60"}, "legal_basis": "x"}))
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .post("/api/v1/cluster-rules", "cv.so.01@demo.test", &json!({"key": "new_cluster", "valid_from": today, "body": {"min_average_occupancy_percent": "60"}, "legal_basis": "x"}))
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // Province 79 does not see 01's own rule.
    let r = app
        .get("/api/v1/cluster-rules?key=new_cluster", "so.79@demo.test")
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'cluster_rule.added'")
            .await,
        2
    );
}

#[tokio::test]
async fn communes_are_each_provinces_own_list() {
    let app = TestApp::spawn().await;
    app.commune("01", "Xã Phú Nghĩa").await;
    let r = app
        .post(
            "/api/v1/communes",
            "so.01@demo.test",
            &json!({"name": "Xã Phú Nghĩa"}),
        )
        .await;
    assert_eq!(fields(&app.expect(r, StatusCode::CONFLICT).await), ["name"]);
    let r = app
        .post(
            "/api/v1/communes",
            "so.01@demo.test",
            &json!({"name": "Phường Bến Thành", "province_code": "79"}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .post(
            "/api/v1/communes",
            MINISTRY,
            &json!({"name": "Phường Bến Thành"}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["province_code"]
    );
    let r = app
        .post(
            "/api/v1/communes",
            MINISTRY,
            &json!({"name": "Phường Bến Thành", "province_code": "79"}),
        )
        .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = app
        .get("/api/v1/communes?province_code=79", "dn1.01@demo.test")
        .await;
    let list = app.expect(r, StatusCode::OK).await;
    assert_eq!(list["items"][0]["name"], "Phường Bến Thành");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}
