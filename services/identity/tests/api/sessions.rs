//! Account administration's effects on sessions, and the guards a careless change could remove.

use crate::helpers::{TestApp, expect_error};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn disabling_a_user_ends_its_sessions_even_after_it_is_enabled_again() {
    let app = TestApp::spawn().await;
    let so = app.token("so.37@demo.test").await;
    let session = app.login("dn1.37@demo.test").await;
    let user = app.me("dn1.37@demo.test").await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/users/{user}");
    let r = app.patch(&path, &so, &json!({"status": "disabled"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.refresh(&session["refresh_token"]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "refresh token revoked"
    );
    let r = app
        .get("/api/v1/me", session["access_token"].as_str().unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "access token refused");
    assert!(
        app.count(&format!(
            "SELECT 1 FROM identity.refresh_tokens WHERE user_id = '{user}' AND revoked_at IS NULL"
        ))
        .await
            == 0
    );
    let r = app.patch(&path, &so, &json!({"status": "active"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Enabled again: the old session stays over; a new login works.
    let r = app.refresh(&session["refresh_token"]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .get("/api/v1/me", session["access_token"].as_str().unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.login("dn1.37@demo.test").await;
}

#[tokio::test]
async fn disabling_an_organisation_revokes_every_refresh_token_of_its_users() {
    let app = TestApp::spawn().await;
    let so = app.token("so.37@demo.test").await;
    let me = app.me("dn2.37@demo.test").await;
    let (user, org) = (
        me["user"]["id"].as_str().unwrap().to_owned(),
        me["organisation"]["id"].as_str().unwrap().to_owned(),
    );
    app.login("dn2.37@demo.test").await;
    let r = app
        .patch(
            &format!("/api/v1/organisations/{org}"),
            &so,
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count(&format!(
            "SELECT 1 FROM identity.refresh_tokens WHERE user_id = '{user}' AND revoked_at IS NULL"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn an_admin_sets_only_active_or_disabled() {
    let app = TestApp::spawn().await;
    let so = app.token("so.01@demo.test").await;
    let me = app.me("dn1.01@demo.test").await;
    let user = me["user"]["id"].as_str().unwrap();
    let org = me["organisation"]["id"].as_str().unwrap();
    for status in ["pending", "rejected", "archived"] {
        let r = app
            .patch(
                &format!("/api/v1/users/{user}"),
                &so,
                &json!({ "status": status }),
            )
            .await;
        expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["status"]).await;
        let r = app
            .patch(
                &format!("/api/v1/organisations/{org}"),
                &so,
                &json!({ "status": status }),
            )
            .await;
        expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["status"]).await;
    }
    // Nothing changed.
    assert_eq!(app.me("dn1.01@demo.test").await["user"]["status"], "active");
}

#[tokio::test]
async fn demo_data_is_never_loaded_in_production_mode() {
    let db = kc_testing::TestDb::new().await;
    let mut config = kc_identity::Config::for_tests().unwrap();
    config.mode = kc_identity::Mode::Production;
    let pool = kc_db::Db::connect(&db.url_as("kc_identity"), 2)
        .await
        .unwrap();
    let state = kc_identity::AppState::new(pool, config).unwrap();
    let err = kc_identity::demo::seed(&state).await.unwrap_err();
    assert!(err.to_string().contains("production"), "{err}");
    let accounts = {
        use sea_orm::{ConnectionTrait, Database};
        Database::connect(db.superuser_url())
            .await
            .unwrap()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*) AS n FROM identity.users",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap()
    };
    assert_eq!(accounts, 0, "no demo account was written");
}

#[tokio::test]
async fn reset_requests_are_limited_per_client_address() {
    // 12 actions per address per minute (Config::for_tests).
    let app = TestApp::spawn().await;
    let client = app.client_from(9);
    for i in 0..12 {
        let r = client
            .post(app.url("/api/v1/auth/password-reset"))
            .json(&json!({"email": format!("someone{i}@demo.test")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED, "request {i}");
    }
    let r = client
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({"email": "one.more@demo.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    // Another address is not affected.
    let r = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            &json!({"email": "dn1.01@demo.test"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}

/// Audit rows say from where, under which request, and in which province an action was taken.
#[tokio::test]
async fn audit_rows_carry_the_callers_province_address_and_request_id() {
    let app = TestApp::spawn().await;
    let province = app.me("so.01@demo.test").await["province"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An anonymous action: a failed login.
    let r = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .header("x-request-id", "audit-test-1")
        .json(&json!({"email": "so.01@demo.test", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let failed = app
        .query("SELECT client_addr, request_id FROM audit.events WHERE action = 'login.failed'")
        .await;
    assert_eq!(failed[0]["request_id"], "audit-test-1");
    assert_eq!(failed[0]["client_addr"], "127.0.0.1");
    // A signed-in action: "log out everywhere" by a province's user.
    let t = app.token("so.01@demo.test").await;
    let r = app
        .http
        .post(app.url("/api/v1/auth/logout-all"))
        .bearer_auth(&t)
        .header("x-request-id", "audit-test-2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let done = app
        .query(
            "SELECT province_id::text AS p, client_addr, request_id FROM audit.events
              WHERE action = 'logout.everywhere'",
        )
        .await;
    assert_eq!(done[0]["p"], province.as_str());
    assert_eq!(done[0]["request_id"], "audit-test-2");
    assert_eq!(done[0]["client_addr"], "127.0.0.1");
}
