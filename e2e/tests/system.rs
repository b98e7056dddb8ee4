//! The real binaries, started as processes, against a real PostgreSQL.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_auth::{Claims, Jwks, Verifier};
use kc_testing::TestDb;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin(name: &str) -> PathBuf {
    let dir = std::env::var("KC_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug"));
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: the test command builds the binaries first (cargo build --workspace --bins)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A running service process, killed if the test ends early.
struct Proc {
    name: &'static str,
    child: Child,
    port: u16,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// SIGTERM, then the exit status (waits up to 10 s).
    fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

fn start(name: &'static str, port_var: &str, envs: &[(&str, String)]) -> Proc {
    let port = free_port();
    let mut cmd = Command::new(bin(&format!("kc-{name}")));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(port_var, port.to_string())
        .env("KC_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn");
    Proc { name, child, port }
}

async fn wait_healthy(p: &Proc) {
    let http = reqwest::Client::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = http.get(p.url("/health")).send().await
            && r.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{} did not become healthy", p.name);
}

#[tokio::test]
async fn one_token_works_in_every_service_and_forgeries_in_none() {
    let db = TestDb::new().await;
    let data = std::env::temp_dir().join(format!("kc-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&data).unwrap();
    let data_dir = data.to_string_lossy().to_string();

    // Demo accounts, through the real binary.
    let status = Command::new(bin("kc-identity"))
        .arg("seed-demo")
        .env("KC_MODE", "dev")
        .env("KC_DATA_DIR", &data_dir)
        .env("KC_DATABASE_URL", db.url_as("kc_identity"))
        .env("KC_LOG", "warn")
        .status()
        .unwrap();
    assert!(status.success());

    let identity = start(
        "identity",
        "KC_IDENTITY_PORT",
        &[
            ("KC_MODE", "dev".into()),
            ("KC_DATA_DIR", data_dir.clone()),
            ("KC_DATABASE_URL", db.url_as("kc_identity")),
        ],
    );
    wait_healthy(&identity).await;
    let identity_url = format!("http://127.0.0.1:{}", identity.port);
    let mut others = Vec::new();
    for (name, var) in [
        ("workflow", "KC_WORKFLOW_PORT"),
        ("registry", "KC_REGISTRY_PORT"),
        ("notifications", "KC_NOTIFICATIONS_PORT"),
        ("portal", "KC_PORTAL_PORT"),
    ] {
        others.push(start(
            name,
            var,
            &[
                ("KC_DATABASE_URL", db.url_as(&format!("kc_{name}"))),
                ("KC_IDENTITY_URL", identity_url.clone()),
            ],
        ));
    }
    for p in &others {
        wait_healthy(p).await;
    }

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
    let key_pem = std::fs::read_to_string(data.join("jwt-signing-key.pem")).unwrap();
    let bad = kc_testing::jwt::bad_tokens(&key_pem, &claims);

    for p in &others {
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
    for mut p in others.into_iter().chain([identity]) {
        let status = p
            .terminate()
            .unwrap_or_else(|| panic!("{} ignored SIGTERM", p.name));
        assert!(status.success(), "{} exited with {status}", p.name);
    }
    let _ = std::fs::remove_dir_all(&data);
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
