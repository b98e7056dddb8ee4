use crate::helpers::{PASSWORD, TestApp, expect_error};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn reset_by_emailed_token_once_and_revokes_sessions() {
    let app = TestApp::spawn().await;
    let session = app.login("dn2.37@demo.test").await;

    let r = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            &json!({"email": "DN2.37@demo.test"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // Unknown addresses get the same answer and no e-mail.
    let r = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            &json!({"email": "ghost@demo.test"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);

    let mails = app
        .query("SELECT topic, payload, province_id FROM outbox.events")
        .await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["topic"], "email.password_reset");
    assert_eq!(mails[0]["payload"]["to"], "dn2.37@demo.test");
    assert!(mails[0]["province_id"].is_string());
    let link = mails[0]["payload"]["reset_link"].as_str().unwrap();
    let token = link.split("token=").nth(1).unwrap();

    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            &json!({"token": token, "new_password": "short"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["new_password"]).await;

    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            &json!({"token": token, "new_password": "mat-khau-moi-2026"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // Single use.
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            &json!({"token": token, "new_password": "mat-khau-khac-2026"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["token"]).await;

    // Old password out, new one in, old sessions revoked.
    let r = app
        .login_with(&app.http, "dn2.37@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .login_with(&app.http, "dn2.37@demo.test", "mat-khau-moi-2026")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.refresh(&json!(session["refresh_token"])).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
