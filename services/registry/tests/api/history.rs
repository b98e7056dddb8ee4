//! Every version kept: a cluster as of any day, across an edit and across the 2025 merger.

use crate::helpers::{MINISTRY, OFFICER, TestApp, record};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_cluster_reads_as_it_stood_on_any_day() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    let c = app
        .operating(&commune, "CCN-01-001", ("50", "40", "10"))
        .await;
    let id = c["id"].as_str().unwrap();
    // Move its versions into the past: proposed 2023-01-10 … operating 2024-06-01.
    for (v, day) in [
        (1, "2023-01-10"),
        (2, "2023-05-01"),
        (3, "2023-09-01"),
        (4, "2024-06-01"),
    ] {
        app.execute(&format!(
            "UPDATE registry.cluster_versions SET superseded_at = '{day} 09:00+07' WHERE cluster_id = '{id}' AND version = {v} - 1;
             UPDATE registry.cluster_versions SET recorded_at = '{day} 09:00+07' WHERE cluster_id = '{id}' AND version = {v}"
        ))
        .await;
    }
    let r = app
        .put(&format!("/api/v1/clusters/{id}"), OFFICER, &json!({
            "version": 4, "reason": "Báo cáo năm", "record": record(&commune, ("50", "40", "30"))
        }))
        .await;
    app.expect(r, StatusCode::OK).await;

    for (day, status, leased) in [
        ("2023-01-10", "in_plan", "10"),
        ("2023-06-30", "established", "10"),
        ("2024-05-31", "under_construction", "10"),
        ("2024-06-01", "operating", "10"),
    ] {
        let r = app
            .get(&format!("/api/v1/clusters/{id}?as_of={day}"), MINISTRY)
            .await;
        let then = app.expect(r, StatusCode::OK).await;
        assert_eq!(
            (then["status"].as_str(), then["leased_area_ha"].as_str()),
            (Some(status), Some(leased)),
            "{day}"
        );
    }
    let r = app.get(&format!("/api/v1/clusters/{id}"), MINISTRY).await;
    let now = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (
            now["leased_area_ha"].as_str(),
            now["occupancy_percent"].as_str()
        ),
        (Some("30"), Some("75.00"))
    );
    // Before it existed: 404. A malformed day: 422.
    let r = app
        .get(&format!("/api/v1/clusters/{id}?as_of=2022-12-31"), MINISTRY)
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .get(&format!("/api/v1/clusters/{id}?as_of=2024-13-01"), MINISTRY)
        .await;
    app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    // The history: five versions, who, when, why.
    let r = app
        .get(&format!("/api/v1/clusters/{id}/history"), MINISTRY)
        .await;
    let h = app.expect(r, StatusCode::OK).await;
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[0]["reason"], "Báo cáo năm");
    assert_eq!(items[0]["action"], "edited");
    assert_eq!(items[4]["action"], "proposed");
    // The list as of a day shows the clusters as they stood.
    let r = app.get("/api/v1/clusters?as_of=2023-06-30", MINISTRY).await;
    let list = app.expect(r, StatusCode::OK).await;
    assert_eq!(list["items"][0]["status"], "established");
    let r = app.get("/api/v1/clusters?as_of=2022-06-30", MINISTRY).await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"], 0);
}

#[tokio::test]
async fn the_summary_counts_a_cluster_under_todays_province_or_the_one_it_was_recorded_in() {
    let app = TestApp::spawn().await;
    // Ninh Bình (37) today was formed from Hà Nam (35), Nam Định (36) and Ninh Bình; a cluster recorded
    // in Hà Nam in 2024 and updated after the merger.
    let commune = app.commune("37", "Xã Kim Bảng").await;
    let r = app
        .post(
            "/api/v1/clusters",
            "cv.so.37@demo.test",
            &json!({"code": "CCN-HN-01", "record": record(&commune, ("40", "30", "12"))}),
        )
        .await;
    let c = app.expect(r, StatusCode::CREATED).await;
    let id = c["id"].as_str().unwrap();
    app.execute(&format!(
        "UPDATE registry.cluster_versions SET recorded_at = '2024-03-01 09:00+07',
                province_at_id = (SELECT id FROM identity.admin_units WHERE code = '35' AND valid_to IS NOT NULL)
          WHERE cluster_id = '{id}'"
    ))
    .await;
    let r = app
        .put(&format!("/api/v1/clusters/{id}"), "cv.so.37@demo.test", &json!({
            "version": 1, "reason": "Sau sáp nhập tỉnh", "record": record(&commune, ("40", "30", "24"))
        }))
        .await;
    let after = app.expect(r, StatusCode::OK).await;
    assert_eq!(after["province_at_code"], "37");

    let summary = |query: &'static str| {
        let app = &app;
        async move {
            let r = app
                .get(&format!("/api/v1/clusters/summary?{query}"), MINISTRY)
                .await;
            app.expect(r, StatusCode::OK).await
        }
    };
    let then = summary("as_of=2024-12-31&basis=as_was").await;
    assert_eq!(then["lines"][0]["key"], "35", "{then}");
    assert_eq!(then["lines"][0]["name"], "Hà Nam");
    assert_eq!(then["lines"][0]["leased_area_ha"], "12");
    assert_eq!(then["lines"][0]["occupancy_percent"], "40.00");
    let then_today = summary("as_of=2024-12-31").await;
    assert_eq!(then_today["lines"][0]["key"], "37");
    let now = summary("basis=as_was").await;
    assert_eq!(
        (
            now["lines"][0]["key"].as_str(),
            now["lines"][0]["leased_area_ha"].as_str()
        ),
        (Some("37"), Some("24"))
    );
    assert_eq!(now["total"]["occupancy_percent"], "80.00");
    let regions = summary("group=region").await;
    assert_eq!(regions["lines"][0]["key"], "north");
    assert_eq!(regions["lines"][0]["name"], "Miền Bắc");
}
