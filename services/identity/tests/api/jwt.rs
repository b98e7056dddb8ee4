use crate::helpers::TestApp;
use kc_auth::{Claims, Verifier};
use reqwest::StatusCode;

#[tokio::test]
async fn every_bad_token_is_refused_on_a_protected_route() {
    let app = TestApp::spawn().await;
    let good = app.token("ttkc.01@demo.test").await;
    let claims: Claims = Verifier::from_jwks(&app.state.signer.jwks())
        .unwrap()
        .verify(&good)
        .await
        .unwrap();
    // The real token works, and so does one we sign ourselves with the real key (the forger is right).
    assert_eq!(app.get("/api/v1/me", &good).await.status(), StatusCode::OK);
    let resigned = kc_testing::jwt::sign(&app.key_pem, &claims);
    assert_eq!(
        app.get("/api/v1/me", &resigned).await.status(),
        StatusCode::OK
    );

    for (case, token) in kc_testing::jwt::bad_tokens(&app.key_pem, &claims) {
        let r = app.get("/api/v1/me", &token).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer", "{case}");
    }
    // No Authorization header at all, or another scheme.
    let r = app.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .http
        .get(app.url("/api/v1/me"))
        .header("authorization", format!("Basic {good}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn jwks_publishes_the_ed25519_key() {
    let app = TestApp::spawn().await;
    let jwks: serde_json::Value = app.public_json("/.well-known/jwks.json").await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["kid"], app.state.signer.kid());
    assert!(
        key.get("d").is_none(),
        "the private part must never be published"
    );
}
