//! Another province's obligations and another user's notices are invisible, in both directions.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn obligations_and_notices_stay_in_their_province_and_with_their_user() {
    let app = TestApp::spawn().await;
    app.without_calendar_duties().await;
    let (a, p01) = app.org_of(ENTERPRISE).await;
    let (b, p37) = app.org_of("dn1.37@demo.test").await;
    app.deliver(
        "registry",
        &report_due(p01, a, "half_year", 2027, day(2027, 6, 20)),
    )
    .await;
    app.deliver(
        "registry",
        &report_due(p37, b, "half_year", 2027, day(2027, 6, 20)),
    )
    .await;
    app.pass(day(2027, 6, 8)).await;
    let id01 = app.obligations(ENTERPRISE, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id37 = app.obligations("dn1.37@demo.test", "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Each province (and each enterprise) sees its own; the ministry both.
    assert_eq!(app.obligations(DEPARTMENT, "").await.len(), 1);
    assert_eq!(app.obligations("so.37@demo.test", "").await.len(), 1);
    assert_eq!(app.obligations(MINISTRY, "").await.len(), 2);
    assert!(app.obligations("dn2.01@demo.test", "").await.is_empty());
    for (who, other) in [
        (DEPARTMENT, &id37),
        ("so.37@demo.test", &id01),
        ("dn2.01@demo.test", &id01),
        (ENTERPRISE, &id37),
    ] {
        let r = app.get(&format!("/api/v1/obligations/{other}"), who).await;
        app.expect(r, StatusCode::NOT_FOUND).await;
        let r = app
            .post(
                &format!("/api/v1/obligations/{other}/fulfil"),
                who,
                &json!({"note": "x"}),
            )
            .await;
        assert!(
            [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN].contains(&r.status()),
            "{who}: {}",
            r.status()
        );
    }
    assert_eq!(
        app.count("SELECT 1 FROM notifications.obligations WHERE state = 'open'")
            .await,
        2,
        "nothing closed across the boundary"
    );

    // Notices: each user reads and marks only their own.
    let mine = app.get("/api/v1/notifications", ENTERPRISE).await;
    let mine = app.expect(mine, StatusCode::OK).await;
    assert_eq!(mine["total"], 1);
    let theirs = app.get("/api/v1/notifications", "dn1.37@demo.test").await;
    let theirs = app.expect(theirs, StatusCode::OK).await;
    let their_id = theirs["items"][0]["id"].clone();
    let r = app
        .post(
            "/api/v1/notifications/read",
            ENTERPRISE,
            &json!({"ids": [their_id]}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["marked"], 0);
    let r = app
        .get("/api/v1/notifications/unread-count", "dn1.37@demo.test")
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["unread"], 1);
    let r = app
        .post("/api/v1/notifications/read", ENTERPRISE, &json!({}))
        .await;
    let r = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (r["marked"].as_i64(), r["unread"].as_i64()),
        (Some(1), Some(0))
    );
    let r = app
        .get("/api/v1/notifications?unread=true", ENTERPRISE)
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"], 0);
}
