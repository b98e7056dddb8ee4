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
    // Both requests were answered before the address was looked up; both are audited once done.
    app.wait_for(
        "SELECT 1 FROM audit.events WHERE action LIKE 'password_reset.%'",
        2,
    )
    .await;
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'password_reset.not_sent' AND actor_email = 'ghost@demo.test'")
            .await,
        1
    );

    let mails = app
        .query("SELECT topic, version, payload, secret, province_id FROM outbox.events")
        .await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["topic"], "identity.password_reset_requested");
    assert_eq!(mails[0]["version"], 1);
    assert_eq!(mails[0]["payload"]["to"], "dn2.37@demo.test");
    assert!(mails[0]["province_id"].is_string());
    // The link with its token is the event's secret, never in the payload.
    assert!(!mails[0]["payload"].to_string().contains("token="));
    let link = mails[0]["secret"]["reset_link"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = link.split("token=").nth(1).unwrap();

    // Once delivered (by a consumer on the notifications worker's role), the secret is gone.
    let consumer = kc_outbox::Consumer::new(
        app.db.connect_as("kc_notifications_worker").await,
        kc_outbox::ConsumerConfig::new("test-mailer", ["identity.password_reset_requested"]),
    );
    let delivered = |item: kc_outbox::Item| async move {
        match item.event() {
            Ok(kc_events::AnyEvent::PasswordResetRequested(e)) if e.reset_link.is_some() => Ok(()),
            other => Err(kc_outbox::Failure::permanent(format!(
                "{:?}",
                other.is_ok()
            ))),
        }
    };
    assert_eq!(consumer.drain(&delivered).await.unwrap().done, 1);
    let after = app
        .query("SELECT status, secret, payload FROM outbox.events")
        .await;
    assert_eq!(after[0]["status"], "done");
    assert!(after[0]["secret"].is_null());
    assert!(!after.iter().any(|r| r.to_string().contains(token)));

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

#[tokio::test]
async fn no_reset_mail_for_a_user_of_a_disabled_organisation() {
    let app = TestApp::spawn().await;
    let so = app.token("so.01@demo.test").await;
    let org = app.me("dn1.01@demo.test").await["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .patch(
            &format!("/api/v1/organisations/{org}"),
            &so,
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            &json!({"email": "dn1.01@demo.test"}),
        )
        .await;
    // The same answer as for anyone, and nothing sent.
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    app.wait_for(
        "SELECT 1 FROM audit.events WHERE action = 'password_reset.not_sent'",
        1,
    )
    .await;
    assert_eq!(app.count("SELECT 1 FROM outbox.events").await, 0);
    assert_eq!(app.count("SELECT 1 FROM identity.password_resets").await, 0);
}

/// A completed reset clears the account's login lock: its owner signs in at once.
#[tokio::test]
async fn a_reset_clears_the_accounts_lock() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        app.login_with(&app.http, "dn1.79@demo.test", "not-the-password")
            .await;
    }
    let r = app
        .login_with(&app.http, "dn1.79@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "locked");
    let r = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            &json!({"email": "dn1.79@demo.test"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    app.wait_for("SELECT 1 FROM outbox.events", 1).await;
    let link = app.query("SELECT secret FROM outbox.events").await[0]["secret"]["reset_link"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = link.split("token=").nth(1).unwrap();
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            &json!({"token": token, "new_password": "mat-khau-moi-2026"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .login_with(&app.http, "dn1.79@demo.test", "mat-khau-moi-2026")
        .await;
    assert_eq!(r.status(), StatusCode::OK, "the lock went with the reset");
}
