use crate::helpers::{PASSWORD, TestApp, expect_error};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_user_changes_its_own_name_and_phone_and_nothing_else() {
    let app = TestApp::spawn().await;
    let token = app.token("dn1.01@demo.test").await;
    let r = app
        .patch(
            "/api/v1/me",
            &token,
            &json!({"full_name": "  Nguyễn Thị Hoa ", "phone": "0912 345 678"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["user"]["full_name"], "Nguyễn Thị Hoa");
    assert_eq!(me["user"]["phone"], "0912 345 678");
    assert_eq!(me["organisation"]["kind"], "enterprise");
    // `null` clears the phone; an absent name stays.
    let r = app
        .patch("/api/v1/me", &token, &json!({"phone": null}))
        .await;
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["user"]["full_name"], "Nguyễn Thị Hoa");
    assert!(me["user"]["phone"].is_null());
    // Nothing to change: the caller as it is, and nothing written.
    let r = app.patch("/api/v1/me", &token, &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Permissions and status are an administrator's: refused as unknown fields, nothing written.
    let r = app
        .patch("/api/v1/me", &token, &json!({"permissions": ["admin"]}))
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = app
        .patch("/api/v1/me", &token, &json!({"full_name": "  "}))
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["full_name"]).await;
    assert_eq!(
        app.me("dn1.01@demo.test").await["user"]["full_name"],
        "Nguyễn Thị Hoa"
    );
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'user.updated_own'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let session = app.login("ttkc.37@demo.test").await;
    let token = session["access_token"].as_str().unwrap().to_owned();
    let other = app.login("ttkc.37@demo.test").await;

    let r = app
        .post(
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": "not-it-at-all", "new_password": "Mới-đủ-dài-2026"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["current_password"]).await;
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["new_password"]).await;
    // Still the old password after both refusals.
    let r = app
        .login_with(&app.client_from(9), "ttkc.37@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let r = app
        .post(
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "Mới-đủ-dài-2026"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Every session is over: this access token, the other login's refresh token.
    assert_eq!(
        app.get("/api/v1/me", &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.refresh(&other["refresh_token"]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .login_with(&app.client_from(9), "ttkc.37@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .login_with(&app.client_from(9), "ttkc.37@demo.test", "Mới-đủ-dài-2026")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'password.changed'")
            .await,
        1
    );
}

#[tokio::test]
async fn wrong_current_passwords_lock_the_account_like_failed_logins() {
    // Account lock after 5 failures (Config::for_tests).
    let app = TestApp::spawn().await;
    let token = app.token("dn2.79@demo.test").await;
    for _ in 0..5 {
        let r = app
            .post(
                "/api/v1/me/password",
                Some(&token),
                &json!({"current_password": "guess-guess", "new_password": "Mới-đủ-dài-2026"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "Mới-đủ-dài-2026"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The lock is the account's: logging in is refused too.
    let r = app
        .login_with(&app.client_from(3), "dn2.79@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'lockout.account'")
            .await,
        1
    );
}
