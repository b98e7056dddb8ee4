use crate::helpers::{TestApp, expect_error};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn thirty_four_today_sixty_three_before_the_merger() {
    let app = TestApp::spawn().await;
    let today: Value = app.public_json("/api/v1/provinces").await;
    assert_eq!(today["count"], 34);
    let items = today["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|p| p["successor"].is_null() && p["valid_to"].is_null())
    );
    let hn = items.iter().find(|p| p["code"] == "01").unwrap();
    assert_eq!(hn["name"], "Thành phố Hà Nội");
    assert_eq!(hn["region"], "north");

    let before: Value = app.public_json("/api/v1/provinces?as_of=2025-06-30").await;
    assert_eq!(before["count"], 63);
    let items = before["items"].as_array().unwrap();
    assert!(
        items.iter().all(|p| p["successor"].is_object()),
        "each former unit has a successor"
    );
    // Bắc Giang (24) became part of Bắc Ninh, which now holds code 24: same code, other identity.
    let bg = items.iter().find(|p| p["code"] == "24").unwrap();
    assert_eq!(bg["name"], "Bắc Giang");
    assert_eq!(bg["successor"]["name"], "Bắc Ninh");
    assert_eq!(bg["successor"]["code"], "24");
    assert_ne!(bg["id"], bg["successor"]["id"]);
    // Hà Nam (35) became part of Ninh Bình (37).
    let hnam = items.iter().find(|p| p["code"] == "35").unwrap();
    assert_eq!(hnam["successor"]["code"], "37");

    let merger_day: Value = app.public_json("/api/v1/provinces?as_of=2025-07-01").await;
    assert_eq!(merger_day["count"], 34);

    let r = app
        .http
        .get(app.url("/api/v1/provinces?as_of=30/06/2025"))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["as_of"]).await;
}

#[tokio::test]
async fn a_day_outside_the_calendar_it_can_mean_is_a_422_naming_as_of() {
    let app = TestApp::spawn().await;
    for day in [
        "-100000-01-01",
        "0001-01-01",
        "275000-01-01",
        "2025-02-30",
        "9999999999",
    ] {
        let r = app
            .http
            .get(app.url(&format!("/api/v1/provinces?as_of={day}")))
            .send()
            .await
            .unwrap();
        expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["as_of"]).await;
    }
}
