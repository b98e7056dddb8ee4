//! Each user's private calendar address: it lists the duties of the user's organisation and nothing
//! else, works with no token, and stops working when replaced, revoked, or the user logs out
//! everywhere.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An address read as a calendar application reads it: no token. The status, and the body with its
/// folded lines joined (RFC 5545 §3.1).
async fn fetch(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = r.status();
    if status == StatusCode::OK {
        assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    }
    (status, r.text().await.unwrap().replace("\r\n ", ""))
}

async fn make(app: &TestApp, who: &str) -> Value {
    let r = app.post("/api/v1/calendar-feed", who, &json!({})).await;
    app.expect(r, StatusCode::CREATED).await
}

#[tokio::test]
async fn a_calendar_address_lists_the_duties_of_its_users_organisation_and_nothing_else() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let (mine, p01) = app.org_of(ENTERPRISE).await;
    let (neighbour, _) = app.org_of("dn2.01@demo.test").await;
    let (far, p37) = app.org_of("dn1.37@demo.test").await;
    app.deliver(
        "registry",
        &report_due(p01, mine, "half_year", 2027, day(2027, 6, 21)),
    )
    .await;
    app.deliver(
        "registry",
        &report_due(p01, neighbour, "annual", 2027, day(2027, 12, 21)),
    )
    .await;
    app.deliver(
        "registry",
        &report_due(p37, far, "half_year", 2027, day(2027, 6, 22)),
    )
    .await;
    let id = app.obligations(ENTERPRISE, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let feed = make(&app, ENTERPRISE).await;
    let path = feed["path"].as_str().unwrap();
    assert!(path.starts_with("/api/v1/calendar-feed/") && path.ends_with(".ics"));
    assert_eq!(feed["url"], format!("{}{path}", app.base));
    let (status, ics) = fetch(&app, path).await;
    assert_eq!(status, StatusCode::OK, "{ics}");
    assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1, "{ics}");
    assert!(
        ics.contains(&format!("UID:{id}@localhost.localdomain")),
        "{ics}"
    );
    assert!(ics.contains("DTSTART;VALUE=DATE:20270621"), "{ics}");
    assert!(ics.contains("DTEND;VALUE=DATE:20270622"), "{ics}");
    assert!(
        ics.contains("SUMMARY:Hạn: Báo cáo tình hình cụm công nghiệp 6 tháng đầu năm"),
        "{ics}"
    );
    assert!(ics.contains(&format!("/nghia-vu/{id}")), "{ics}");
    assert!(ics.contains("X-WR-CALNAME:Khuyến công"), "{ics}");
    // The owner sees that a calendar read it, never the secret again.
    let r = app.get("/api/v1/calendar-feed", ENTERPRISE).await;
    let info = app.expect(r, StatusCode::OK).await;
    assert!(info["last_read_at"].is_string(), "{info}");
    assert!(info.get("path").is_none() && info.get("url").is_none());

    // The department's address lists its own duties: none of the enterprises' reports.
    let dept = make(&app, DEPARTMENT).await;
    let (status, ics) = fetch(&app, dept["path"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 0, "{ics}");
    // Other users (another enterprise, another province, the ministry) neither see nor revoke it.
    for other in ["dn2.01@demo.test", "so.37@demo.test", MINISTRY] {
        let r = app.get("/api/v1/calendar-feed", other).await;
        app.expect(r, StatusCode::NOT_FOUND).await;
        let r = app
            .call(
                reqwest::Method::DELETE,
                "/api/v1/calendar-feed",
                other,
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{other}");
    }
    assert_eq!(fetch(&app, path).await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_address_stops_working_when_replaced_revoked_or_its_user_logs_out_everywhere() {
    let app = TestApp::spawn().await;
    let first = make(&app, ENTERPRISE).await;
    let first = first["path"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &first).await.0, StatusCode::OK);
    // Replaced: the old address is unknown, the new one works.
    let second = make(&app, ENTERPRISE).await;
    let second = second["path"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(fetch(&app, &first).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, &second).await.0, StatusCode::OK);
    // Revoked.
    let r = app
        .call(
            reqwest::Method::DELETE,
            "/api/v1/calendar-feed",
            ENTERPRISE,
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(fetch(&app, &second).await.0, StatusCode::NOT_FOUND);
    let r = app.get("/api/v1/calendar-feed", ENTERPRISE).await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .call(
            reqwest::Method::DELETE,
            "/api/v1/calendar-feed",
            ENTERPRISE,
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Logging out everywhere ends every address made before.
    let third = make(&app, CENTRE).await;
    let third = third["path"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &third).await.0, StatusCode::OK);
    let r = app
        .http
        .post(format!("{}/api/v1/auth/logout-all", app.identity))
        .bearer_auth(app.token(CENTRE).await)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(fetch(&app, &third).await.0, StatusCode::NOT_FOUND);

    // Made-up addresses: 404, never an error of the server.
    for bad in [
        "/api/v1/calendar-feed/x.ics",
        "/api/v1/calendar-feed/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
        "/api/v1/calendar-feed/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/api/v1/calendar-feed/%27%3B--.ics",
    ] {
        assert_eq!(fetch(&app, bad).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
    // Each change was audited.
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action LIKE 'calendar_feed.%'")
            .await,
        4
    );
}
