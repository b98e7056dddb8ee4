use crate::helpers::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn login_issues_tokens_and_me_answers() {
    let app = TestApp::spawn().await;
    let t = app.login("so.01@demo.test").await;
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 900);
    assert!(t["refresh_token"].as_str().unwrap().len() >= 40);
    let me: Value = app
        .get("/api/v1/me", t["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], "so.01@demo.test");
    assert_eq!(me["role"], "province");
    assert_eq!(me["province"]["code"], "01");
    assert_eq!(me["organisation"]["kind"], "department");
    let mut perms: Vec<String> = serde_json::from_value(me["permissions"].clone()).unwrap();
    perms.sort();
    assert_eq!(perms, vec!["admin", "approver"]);
    assert!(me["user"].get("password_hash").is_none());

    let bo = app.me("bo@demo.test").await;
    assert_eq!(bo["role"], "ministry");
    assert!(bo["province"].is_null(), "the ministry has no province");

    // E-mail is case-insensitive.
    let r = app
        .login_with(&app.http, "  SO.01@Demo.Test ", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // The login was audited.
    let n = app
        .count(
            "SELECT 1 FROM audit.events WHERE action = 'login' AND actor_email = 'so.01@demo.test'",
        )
        .await;
    assert_eq!(n, 2);
}

#[tokio::test]
async fn wrong_email_and_wrong_password_look_the_same() {
    let app = TestApp::spawn().await;
    let a = app
        .login_with(&app.http, "nobody@demo.test", PASSWORD)
        .await;
    let b = app
        .login_with(&app.http, "so.01@demo.test", "wrong-password")
        .await;
    assert_eq!(a.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(b.status(), StatusCode::UNAUTHORIZED);
    let a: Value = a.json().await.unwrap();
    let b: Value = b.json().await.unwrap();
    assert_eq!(a, b);
    let failed = app
        .count("SELECT 1 FROM audit.events WHERE action = 'login.failed'")
        .await;
    assert_eq!(failed, 2);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let first = app.login("ttkc.37@demo.test").await;
    let r1 = first["refresh_token"].as_str().unwrap();

    let second: Value = app.refresh(&json!(r1)).await.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    let me = app
        .get("/api/v1/me", second["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.status(), StatusCode::OK);

    // The rotated token presented again: refused, and the family is revoked...
    let reuse = app.refresh(&json!(r1)).await;
    assert_eq!(reuse.status(), StatusCode::UNAUTHORIZED);
    // ...so the legitimate holder's newer token is dead too.
    let after = app.refresh(&json!(r2)).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'token.reuse'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'token.refresh'")
            .await,
        1
    );

    // Another login (another family) is unaffected.
    let other = app.login("ttkc.37@demo.test").await;
    let ok = app.refresh(&json!(other["refresh_token"])).await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = TestApp::spawn().await;
    let t = app.login("dn1.79@demo.test").await;
    let r = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": t["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let again = app.refresh(&json!(t["refresh_token"])).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    // Unknown tokens get the same 204.
    let r = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": "nonsense"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_it_expires() {
    // Account lock 2 s after 5 failures (Config::for_tests).
    let app = TestApp::spawn().await;
    let attacker = app.client_from(1);
    for _ in 0..5 {
        let r = app.login_with(&attacker, "so.79@demo.test", "guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password gets 429 with Retry-After, from anywhere.
    let r = app.login_with(&attacker, "so.79@demo.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    let owner = app.client_from(2);
    let r = app.login_with(&owner, "so.79@demo.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Other accounts are not affected.
    let r = app.login_with(&owner, "so.01@demo.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'lockout.account'")
            .await,
        1
    );

    // An e-mail without an account locks the same way, so a lock reveals nothing.
    for _ in 0..5 {
        let r = app
            .login_with(&owner, "nobody.here@demo.test", "guess")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .login_with(&owner, "nobody.here@demo.test", "guess")
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // After the lock expires (moved into the past here rather than waited for) the owner logs in
    // from another address.
    app.execute(
        "UPDATE identity.login_throttle SET locked_until = now() - interval '1 second'
          WHERE subject = 'account:so.79@demo.test'",
    )
    .await;
    let r = app.login_with(&owner, "so.79@demo.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_from_one_address_lock_that_address_only() {
    // Address lock after 12 failures within a minute (Config::for_tests), across accounts.
    let app = TestApp::spawn().await;
    let attacker = app.client_from(3);
    for i in 0..12 {
        let email = format!("unknown{i}@demo.test");
        let r = app.login_with(&attacker, &email, "guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = app
        .login_with(&attacker, "dn1.01@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    // The same user from elsewhere still gets in.
    let r = app
        .login_with(&app.client_from(4), "dn1.01@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'lockout.address'")
            .await,
        1
    );
}

#[tokio::test]
async fn health_and_ready() {
    let app = TestApp::spawn().await;
    let r = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.http.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.http.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let spec: Value = app.public_json("/api-docs/openapi.json").await;
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/provinces",
        "/api/v1/organisations",
        "/api/v1/organisations/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/registrations",
        "/api/v1/registrations/{id}/verify",
        "/api/v1/registrations/{id}/reject",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/confirm",
        "/.well-known/jwks.json",
        "/health",
        "/ready",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
}

#[tokio::test]
async fn ready_is_503_when_the_database_is_unreachable() {
    let db = kc_testing::TestDb::new().await;
    // A port nothing listens on.
    let config = kc_identity::Config::for_tests().unwrap();
    let pool = kc_db::Db::connect("postgres://kc_identity@127.0.0.1:1/nothing", 1)
        .await
        .unwrap();
    let state = kc_identity::AppState::new(pool, config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(kc_http::serve_on(
        "identity",
        listener,
        kc_identity::app(state),
    ));
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/health"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        http.get(format!("{base}/ready"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // A request that needs the database gets 503 with the envelope, not 500.
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "so.01@demo.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    drop(db);
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_past_the_account_limit() {
    let app = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for i in 0..20u8 {
        let client = app.client_from(10 + i);
        let url = app.url("/api/v1/auth/login");
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({"email": "so.37@demo.test", "password": format!("guess-{i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    // Only the limit's worth of guesses reached the password check (5 in Config::for_tests).
    assert_eq!(checked, 5, "{checked} guesses were checked");
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'login.failed'")
            .await,
        5
    );
}

#[tokio::test]
async fn parallel_logins_of_one_account_never_lock_it() {
    // Regression: the attempt and the success path once locked the throttle rows in opposite orders
    // and deadlocked; and counting attempts in flight as failures once locked out a user whose right
    // password arrived in parallel. Now: each is either served or asked to retry in a second, no 500,
    // and the account is not locked afterwards.
    let app = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let client = app.http.clone();
        let url = app.url("/api/v1/auth/login");
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .json(&json!({"email": "so.01@demo.test", "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            (r.status(), r.headers().get("retry-after").cloned())
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            (StatusCode::OK, _) => ok += 1,
            (StatusCode::TOO_MANY_REQUESTS, Some(retry)) => assert_eq!(retry, "1"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(ok >= 5, "only {ok} of 10 served");
    let r = app.login_with(&app.http, "so.01@demo.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action LIKE 'lockout.%'")
            .await,
        0
    );
}

#[tokio::test]
async fn logins_beyond_the_password_queue_are_shed_at_once_and_nothing_else_waits() {
    let app = TestApp::spawn_with(|c| c.login_queue = 1).await;
    let token = app.token("so.01@demo.test").await;
    let attempts = "SELECT 1 FROM audit.events WHERE action LIKE 'login%'";
    let before = app.count(attempts).await;

    // The only place is taken, as by a login whose password check is running.
    let held = app.state.passwords.place().expect("a free place");
    let r = app.login_with(&app.http, "so.01@demo.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "busy", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Hệ thống đang bận"),
        "{body}"
    );
    // So is a password change, which checks the current password the same way.
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "Mật-khẩu-mới-2026"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // A shed login cost nothing and counted against no one: no audit row, no failure counted.
    assert_eq!(app.count(attempts).await, before);
    // The rest of the service does not wait for passwords.
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::OK);

    // The place given back, the next login goes through.
    drop(held);
    app.login("so.01@demo.test").await;
}
