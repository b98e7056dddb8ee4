//! Forged and broken access tokens, for the negative cases every protected route must refuse.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kc_auth::{Claims, Signer};

/// A token that the verifier should accept, signed with `key_pem` (the identity's key).
pub fn sign(key_pem: &str, claims: &Claims) -> String {
    Signer::from_pkcs8_pem(key_pem)
        .expect("signing key")
        .sign(claims)
        .expect("sign")
}

/// Every way a token can be wrong, named. `valid` are claims that would be accepted; `key_pem` is the
/// real signing key; `public_x` is the JWKS `x` of the real key (its raw public key, base64url).
pub fn bad_tokens(key_pem: &str, valid: &Claims) -> Vec<(&'static str, String)> {
    let signer = Signer::from_pkcs8_pem(key_pem).expect("signing key");
    let kid = signer.kid().to_owned();
    let now = chrono::Utc::now().timestamp();
    let with = |f: &dyn Fn(&mut Claims)| {
        let mut c = valid.clone();
        f(&mut c);
        signer.sign(&c).expect("sign")
    };
    let mut out = vec![
        (
            "expired",
            with(&|c| {
                c.iat = now - 7200;
                c.nbf = now - 7200;
                c.exp = now - 3600;
            }),
        ),
        (
            "not yet valid",
            with(&|c| {
                c.nbf = now + 3600;
                c.exp = now + 7200;
            }),
        ),
        ("wrong issuer", with(&|c| c.iss = "someone-else".into())),
        ("wrong audience", with(&|c| c.aud = "another-app".into())),
    ];

    // alg: none, no signature.
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(valid).expect("claims json"));
    let none_header =
        URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
    out.push(("alg none", format!("{none_header}.{payload}.")));

    // HS256 with the public key (as published) as the HMAC secret.
    let public_x = signer.jwk().x;
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(kid.clone());
    let hs = jsonwebtoken::encode(&h, valid, &EncodingKey::from_secret(public_x.as_bytes()))
        .expect("hs256");
    out.push(("HS256 with the public key as secret", hs));
    let raw_public = URL_SAFE_NO_PAD.decode(&public_x).expect("x");
    let hs_raw =
        jsonwebtoken::encode(&h, valid, &EncodingKey::from_secret(&raw_public)).expect("hs256");
    out.push(("HS256 with the raw public key as secret", hs_raw));

    // Signed by another Ed25519 key, claiming the real key id.
    let other_pem = Signer::generate_pem().expect("key");
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(kid.clone());
    let other = jsonwebtoken::encode(
        &h,
        valid,
        &EncodingKey::from_ed_pem(other_pem.as_bytes()).expect("pem"),
    )
    .expect("sign");
    out.push(("bad signature (another key, same kid)", other));

    // Signed by another key with its own, unknown, key id.
    let other_signer = Signer::from_pkcs8_pem(&other_pem).expect("key");
    out.push(("unknown key id", other_signer.sign(valid).expect("sign")));

    // A real token whose claims were edited afterwards (role raised to ministry).
    let real = signer.sign(valid).expect("sign");
    let parts: Vec<&str> = real.split('.').collect();
    let mut tampered: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("payload")).expect("json");
    tampered["role"] = serde_json::json!("ministry");
    tampered["province"] = serde_json::Value::Null;
    let tampered_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&tampered).expect("json"));
    out.push((
        "tampered claims",
        format!("{}.{}.{}", parts[0], tampered_payload, parts[2]),
    ));

    // No kid at all.
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = None;
    let no_kid = jsonwebtoken::encode(
        &h,
        valid,
        &EncodingKey::from_ed_pem(key_pem.as_bytes()).expect("pem"),
    )
    .expect("sign");
    out.push(("no key id", no_kid));

    out.push(("garbage", "not-a-token".into()));
    out.push(("empty", String::new()));
    out
}
