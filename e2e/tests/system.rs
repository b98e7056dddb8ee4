//! The real binaries, started as processes, against a real PostgreSQL.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_auth::{Claims, Jwks, Verifier};
use kc_e2e::{System, bin};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;

#[tokio::test]
async fn one_token_works_in_every_service_and_forgeries_in_none() {
    let mut system = System::start().await;
    let identity = system.service("identity");
    let http = reqwest::Client::new();
    let login: Value = http
        .post(identity.url("/api/v1/auth/login"))
        .json(&json!({"email": "ttkc.79@demo.test", "password": "KhuyenCong@2025"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let jwks: Jwks = http
        .get(identity.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims: Claims = Verifier::from_jwks(&jwks)
        .unwrap()
        .verify(token)
        .await
        .unwrap();
    let key_pem = system.signing_key();
    let bad = kc_testing::jwt::bad_tokens(&key_pem, &claims);

    for p in system.services.iter().filter(|p| p.name != "identity") {
        assert_eq!(
            http.get(p.url("/ready")).send().await.unwrap().status(),
            StatusCode::OK,
            "{} ready",
            p.name
        );
        let r = http
            .get(p.url("/api/v1/whoami"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{} whoami", p.name);
        let who: Value = r.json().await.unwrap();
        assert_eq!(who["service"], p.name);
        assert_eq!(who["scope"], "province");
        assert_eq!(who["claims"]["role"], "centre");
        assert_eq!(who["claims"]["province"]["code"], "79");
        let r = http.get(p.url("/api/v1/whoami")).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "{} without token",
            p.name
        );
        for (case, t) in &bad {
            let r = http
                .get(p.url("/api/v1/whoami"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}: {case}", p.name);
        }
        let docs = http.get(p.url("/docs/")).send().await.unwrap();
        assert_eq!(docs.status(), StatusCode::OK, "{} docs", p.name);
    }

    // Every process shuts down cleanly on SIGTERM.
    for p in system.services.iter_mut().rev() {
        let status = p
            .terminate()
            .unwrap_or_else(|| panic!("{} ignored SIGTERM", p.name));
        assert!(status.success(), "{} exited with {status}", p.name);
    }
}

fn run_expecting_failure(name: &str, envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(bin(name));
    cmd.env_clear().env("KC_LOG", "error");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success(),
        "{name} started without its configuration"
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn services_refuse_to_start_without_their_secrets_and_name_them() {
    let err = run_expecting_failure("kc-identity", &[("KC_MODE", "production")]);
    assert!(err.contains("KC_DATABASE_URL"), "{err}");
    let err = run_expecting_failure(
        "kc-identity",
        &[
            ("KC_MODE", "production"),
            ("KC_DATABASE_URL", "postgres://kc_identity@127.0.0.1:1/kc"),
        ],
    );
    assert!(err.contains("KC_JWT_SIGNING_KEY_FILE"), "{err}");
    // Production is the default mode.
    let err = run_expecting_failure(
        "kc-identity",
        &[("KC_DATABASE_URL", "postgres://kc_identity@127.0.0.1:1/kc")],
    );
    assert!(err.contains("KC_JWT_SIGNING_KEY_FILE"), "{err}");
    // Demo data never in production mode.
    let err = run_expecting_failure(
        "kc-identity",
        &[
            ("KC_MODE", "production"),
            ("KC_DATABASE_URL", "postgres://kc_identity@127.0.0.1:1/kc"),
            ("KC_JWT_SIGNING_KEY_FILE", "/nonexistent/key.pem"),
        ],
    );
    assert!(err.contains("KC_JWT_SIGNING_KEY_FILE"), "{err}");
    // Every missing variable is named at once.
    for name in ["kc-workflow", "kc-registry", "kc-notifications"] {
        let err = run_expecting_failure(name, &[]);
        assert!(err.contains("KC_DATABASE_URL"), "{name}: {err}");
        assert!(err.contains("KC_IDENTITY_URL"), "{name}: {err}");
        let err =
            run_expecting_failure(name, &[("KC_DATABASE_URL", "postgres://x@127.0.0.1:1/kc")]);
        assert!(err.contains("KC_IDENTITY_URL"), "{name}: {err}");
        assert!(!err.contains("KC_DATABASE_URL"), "{name}: {err}");
    }
    // The portal uses no database: it asks only for where identity is.
    let err = run_expecting_failure("kc-portal", &[]);
    assert!(err.contains("KC_IDENTITY_URL"), "kc-portal: {err}");
    assert!(!err.contains("KC_DATABASE_URL"), "kc-portal: {err}");
}

/// Each service in turn, under sixteen clients' load, is stopped with SIGTERM: every request sent
/// before the signal is answered 200 (a request written just before it included), the process exits
/// cleanly, and a new connection is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_service_stopped_under_load_answers_every_request_it_had_accepted() {
    use kc_e2e::load::Load;

    let mut system = System::start().await;
    let identity = system.service("identity").url("");
    let http = reqwest::Client::new();
    let (token, _) =
        kc_e2e::login(&http, &identity, "ttkc.79@demo.test", kc_e2e::DEMO_PASSWORD).await;
    // Each service's read through its database (the portal: a page it renders), the portal first
    // and identity last, since the others ask identity about tokens.
    let route = |name: &str| match name {
        "identity" => "/api/v1/me",
        "portal" => "/dang-nhap",
        _ => "/api/v1/whoami",
    };
    for p in system.services.iter_mut().rev() {
        let url = p.url(route(p.name));
        // Sixteen clients, each on its own kept-alive connection, back to back.
        let load = Load::start(&url, &token, 16);
        load.reach(200).await;
        // Stop sending, and at once stop the service: the requests in flight must all be answered.
        load.stop_sending();
        let status = tokio::task::block_in_place(|| p.terminate())
            .unwrap_or_else(|| panic!("{} ignored SIGTERM", p.name));
        assert!(status.success(), "{} exited with {status}", p.name);
        let outcomes = load.outcomes().await;
        for (_, outcome) in &outcomes {
            match outcome {
                Ok((200, _)) => {}
                other => panic!("{}: a request under load came to {other:?}", p.name),
            }
        }
        let total = outcomes.len();
        assert!(total >= 200, "{}: {total} requests", p.name);
        println!(
            "{}: {total} requests under load, each answered 200; stopped cleanly",
            p.name
        );
        // Stopped: a new connection is refused.
        let r = reqwest::Client::new().get(&url).send().await;
        assert!(r.is_err_and(|e| e.is_connect()), "{} still answers", p.name);
    }
}
