//! Disabling takes effect at the next request, everywhere: a user disabled, an organisation disabled,
//! a password changed, "log out everywhere": the access tokens issued before are refused with 401 by
//! every service that holds data, on a read and on a write, long before they expire.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::System;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

async fn login(http: &Client, identity: &str, email: &str, password: &str) -> String {
    kc_e2e::login(http, identity, email, password).await.0
}

/// The token's answers: a read and a write in identity, whoami (a read through the caller's
/// transaction) in every other service with a database.
async fn answers(system: &System, http: &Client, token: &str, own_org: &str) -> Vec<(String, u16)> {
    let identity = system.service("identity");
    let mut out = vec![
        (
            "identity read".to_owned(),
            http.get(identity.url("/api/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        ),
        (
            "identity write".to_owned(),
            http.patch(identity.url(&format!("/api/v1/organisations/{own_org}")))
                .bearer_auth(token)
                .json(&json!({"commune": "Phường Sài Gòn"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        ),
    ];
    for p in system
        .services
        .iter()
        .filter(|p| p.name != "identity" && kc_service::services::info(p.name).database)
    {
        out.push((
            format!("{} read", p.name),
            http.get(p.url("/api/v1/whoami"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        ));
    }
    out
}

fn all(answers: &[(String, u16)], status: u16, case: &str) {
    for (what, got) in answers {
        assert_eq!(*got, status, "{case}: {what}");
    }
}

#[tokio::test]
async fn a_revoked_caller_is_refused_at_its_next_request_in_every_service() {
    let system = System::start().await;
    let http = Client::new();
    let identity = system.service("identity").url("");
    let pw = "KhuyenCong@2025";
    let bo = login(&http, &identity, "bo@demo.test", pw).await;
    let (_, me) = kc_e2e::login(&http, &identity, "so.79@demo.test", pw).await;
    let user = me["user"]["id"].as_str().unwrap().to_owned();
    let org = me["organisation"]["id"].as_str().unwrap().to_owned();
    let set = |path: String, status: &'static str| {
        let http = http.clone();
        let bo = bo.clone();
        let identity = identity.clone();
        async move {
            let r = http
                .patch(format!("{identity}{path}"))
                .bearer_auth(&bo)
                .json(&json!({ "status": status }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path} -> {status}");
        }
    };

    // Before anything: every answer is a success.
    let token = login(&http, &identity, "so.79@demo.test", pw).await;
    all(&answers(&system, &http, &token, &org).await, 200, "active");

    // The user disabled.
    set(format!("/api/v1/users/{user}"), "disabled").await;
    all(
        &answers(&system, &http, &token, &org).await,
        401,
        "user disabled",
    );
    set(format!("/api/v1/users/{user}"), "active").await;
    // Enabled again, the old token stays refused (its sessions ended); a new login works.
    all(
        &answers(&system, &http, &token, &org).await,
        401,
        "user re-enabled, old token",
    );
    let token = login(&http, &identity, "so.79@demo.test", pw).await;
    all(
        &answers(&system, &http, &token, &org).await,
        200,
        "user re-enabled, new token",
    );

    // The organisation disabled.
    set(format!("/api/v1/organisations/{org}"), "disabled").await;
    all(
        &answers(&system, &http, &token, &org).await,
        401,
        "organisation disabled",
    );
    set(format!("/api/v1/organisations/{org}"), "active").await;
    let token = login(&http, &identity, "so.79@demo.test", pw).await;
    all(
        &answers(&system, &http, &token, &org).await,
        200,
        "organisation enabled",
    );

    // Log out everywhere: this token and any other of the user's.
    let other = login(&http, &identity, "so.79@demo.test", pw).await;
    let r = http
        .post(format!("{identity}/api/v1/auth/logout-all"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    all(
        &answers(&system, &http, &token, &org).await,
        401,
        "logged out everywhere",
    );
    all(
        &answers(&system, &http, &other, &org).await,
        401,
        "logged out everywhere (its own token)",
    );

    // A password change through the e-mailed reset.
    let token = login(&http, &identity, "so.79@demo.test", pw).await;
    let r = http
        .post(format!("{identity}/api/v1/auth/password-reset"))
        .json(&json!({"email": "so.79@demo.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // The link reaches the outbox just after the answer.
    let link: Value = {
        use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
        let db = Database::connect(system.db.superuser_url()).await.unwrap();
        let mut found = None;
        for _ in 0..200 {
            found = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT secret FROM outbox.events WHERE payload->>'to' = 'so.79@demo.test'",
                ))
                .await
                .unwrap();
            if found.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        found
            .expect("no reset e-mail")
            .try_get("", "secret")
            .unwrap()
    };
    let reset_token = link["reset_link"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let r = http
        .post(format!("{identity}/api/v1/auth/password-reset/confirm"))
        .json(&json!({"token": reset_token, "new_password": "MatKhauMoi@2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    all(
        &answers(&system, &http, &token, &org).await,
        401,
        "password changed",
    );
    let token = login(&http, &identity, "so.79@demo.test", "MatKhauMoi@2026").await;
    all(
        &answers(&system, &http, &token, &org).await,
        200,
        "the new password's token",
    );
}
