//! Black-box tests of the whole system live in `tests/`: they start the real binaries from
//! `target/debug` (the test command builds them first; `KC_BIN_DIR` overrides where they are) against a
//! database of their own on the test run's PostgreSQL, and a real SMTP server (aiosmtpd, which the test
//! command installs). This library starts them: [`System::start`] runs every service of the one list
//! (`deploy/services.txt`), identity first, with demo data, and the notifications service delivering
//! to the mail server; [`browser`] drives headless Chromium through the portal. A service's log goes
//! to the test's output, which the test runner shows when the test fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness: a failed unwrap is a failed test

pub mod api;
pub mod browser;
pub mod load;
pub mod replicas;

use kc_testing::TestDb;
pub use kc_testing::mail::{Mail, Sink};
use reqwest::StatusCode;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The path of a built binary.
pub fn bin(name: &str) -> PathBuf {
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

/// Send SIGTERM to `child` and wait, until `within` has passed, for it to exit; its exit status.
pub fn terminate(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while start.elapsed() < within {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A running service process, killed if the test ends early.
pub struct Proc {
    pub name: &'static str,
    child: Child,
    pub port: u16,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// SIGTERM, then the exit status (waits up to 10 s).
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        terminate(&mut self.child, Duration::from_secs(10))
    }

    /// Start `kc-<name>` on a free port with exactly these variables (and PATH).
    pub fn start(name: &'static str, envs: &[(&str, String)]) -> Proc {
        Proc::start_on(name, kc_testing::free_port(), envs)
    }

    /// Start `kc-<name>` on `port` with exactly these variables (and PATH).
    pub fn start_on(name: &'static str, port: u16, envs: &[(&str, String)]) -> Proc {
        let info = kc_service::services::info(name);
        let mut cmd = Command::new(bin(&format!("kc-{name}")));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(info.port_var(), port.to_string())
            .env("KC_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn");
        Proc { name, child, port }
    }

    pub async fn wait_healthy(&self) {
        let http = reqwest::Client::new();
        let url = self.url("/health");
        kc_testing::wait_for(
            &format!("{} healthy", self.name),
            Duration::from_secs(20),
            || async {
                let r = http.get(&url).send().await.ok()?;
                (r.status() == StatusCode::OK).then_some(())
            },
        )
        .await
    }
}

/// Every service of the system as real processes on one database, with the demo accounts.
pub struct System {
    /// In the order of the one list: identity first.
    pub services: Vec<Proc>,
    /// Identity's data folder (its development signing key is `jwt-signing-key.pem` there).
    pub data: PathBuf,
    pub db: TestDb,
    /// The mail server the notifications service sends to.
    pub mail: Sink,
}

/// The demo accounts, through the real binary (`kc-identity seed-demo`), with identity's development
/// signing key written into `data`.
pub(crate) fn seed_accounts(db: &TestDb, data: &std::path::Path) {
    let status = Command::new(bin("kc-identity"))
        .arg("seed-demo")
        .env_clear()
        .env("KC_MODE", "dev")
        .env("KC_DATA_DIR", data)
        .env("KC_DATABASE_URL", db.url_as("kc_identity"))
        .env("KC_LOG", "warn")
        .status()
        .unwrap();
    assert!(status.success(), "seed-demo failed");
}

/// What a service of the system is started with, besides where the others are: development mode,
/// the shared data folder, a scheduler that looks every second (a test moves its clock), the mail
/// server, and its own database role.
pub(crate) fn service_env(
    info: &kc_service::services::ServiceInfo,
    db: &TestDb,
    data: &std::path::Path,
    mail: &Sink,
) -> Vec<(&'static str, String)> {
    let mut envs = vec![
        ("KC_MODE", "dev".to_owned()),
        ("KC_DATA_DIR", data.to_string_lossy().to_string()),
        ("KC_SCHEDULER_INTERVAL_SECS", "1".to_owned()),
        ("KC_SMTP_HOST", "127.0.0.1".to_owned()),
        ("KC_SMTP_PORT", mail.port.to_string()),
    ];
    if info.database {
        envs.push(("KC_DATABASE_URL", db.url_as(&format!("kc_{}", info.name))));
    }
    envs
}

impl System {
    pub async fn start() -> System {
        let db = TestDb::new().await;
        let mail = Sink::start().await;
        let data = std::env::temp_dir().join(format!("kc-e2e-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data).unwrap();
        seed_accounts(&db, &data);

        let mut services: Vec<Proc> = Vec::new();
        for info in kc_service::services::all() {
            let mut envs: Vec<(String, String)> = service_env(info, &db, &data, &mail)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            // Where each service started before this one answers (the portal calls them all).
            envs.extend(
                services
                    .iter()
                    .map(|p| (kc_service::services::info(p.name).url_var(), p.url(""))),
            );
            let envs: Vec<(&str, String)> =
                envs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            let p = Proc::start(info.name, &envs);
            p.wait_healthy().await;
            services.push(p);
        }
        System {
            services,
            data,
            db,
            mail,
        }
    }

    pub fn service(&self, name: &str) -> &Proc {
        self.services
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no service {name}"))
    }

    /// Load a service's demo data as the run command does (`kc-<name> seed-demo`, the real binary,
    /// against the running services); what it printed. The notifications demo's e-mails wait for a
    /// mail server that is not there.
    pub fn seed(&self, name: &str) -> std::process::Output {
        let urls = self.services.iter().map(|p| (p.name, p.url("")));
        seed_demo(name, &self.db, urls, kc_testing::free_port())
    }

    /// Every service's demo data (the 2018 archive, workflow, registry, then notifications), as the
    /// run command loads it, each load successful.
    pub fn seed_all(&self) {
        let out = Command::new(bin("kc-seed"))
            .arg(self.db.superuser_url())
            .arg("--archive-2018")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kc-seed --archive-2018: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for name in ["workflow", "registry", "notifications"] {
            let out = self.seed(name);
            assert!(
                out.status.success(),
                "{name} seed-demo: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Identity's signing key, to forge tokens the services must refuse.
    pub fn signing_key(&self) -> String {
        std::fs::read_to_string(self.data.join("jwt-signing-key.pem")).unwrap()
    }
}

impl Drop for System {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// `kc-<name> seed-demo`, the real binary, against the running services at `urls` (by service name),
/// sending its e-mails (if any) to `smtp_port`; what it printed.
pub(crate) fn seed_demo<'a>(
    name: &str,
    db: &TestDb,
    urls: impl Iterator<Item = (&'a str, String)>,
    smtp_port: u16,
) -> std::process::Output {
    let mut cmd = Command::new(bin(&format!("kc-{name}")));
    cmd.arg("seed-demo")
        .env_clear()
        .env("KC_MODE", "dev")
        .env("KC_LOG", "warn")
        .env("KC_SMTP_PORT", smtp_port.to_string());
    for (service, url) in urls {
        cmd.env(kc_service::services::info(service).url_var(), url);
    }
    if kc_service::services::info(name).database {
        cmd.env("KC_DATABASE_URL", db.url_as(&format!("kc_{name}")));
    }
    cmd.output().unwrap()
}

/// The demo accounts' password (the run command prints it too).
pub const DEMO_PASSWORD: &str = "KhuyenCong@2025";

/// The OpenAPI document of the service at `base`.
pub async fn openapi(http: &reqwest::Client, base: &str) -> serde_json::Value {
    get_json(http, &format!("{base}/api-docs/openapi.json"), None).await
}

/// The first plan year whose registration (by 20 May of the year before) is still open.
pub fn open_plan_year() -> i32 {
    use chrono::Datelike;
    let t = kc_kernel::today_vn();
    if (t.month(), t.day()) <= (5, 20) {
        t.year() + 1
    } else {
        t.year() + 2
    }
}

/// GET a JSON document, with a bearer token when given.
pub async fn get_json(http: &reqwest::Client, url: &str, token: Option<&str>) -> serde_json::Value {
    let mut req = http.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().json().await.unwrap()
}

/// Log in through identity (`identity` is its base URL): identity's answer, the access and refresh
/// tokens.
pub async fn token_pair(
    http: &reqwest::Client,
    identity: &str,
    email: &str,
    password: &str,
) -> serde_json::Value {
    let r: serde_json::Value = http
        .post(format!("{identity}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r["access_token"].is_string(), "login {email}: {r}");
    r
}

/// Log in through identity (`identity` is its base URL): the access token, and the caller's `/me`.
pub async fn login(
    http: &reqwest::Client,
    identity: &str,
    email: &str,
    password: &str,
) -> (String, serde_json::Value) {
    let pair = token_pair(http, identity, email, password).await;
    let token = pair["access_token"].as_str().unwrap().to_owned();
    let me = get_json(http, &format!("{identity}/api/v1/me"), Some(&token)).await;
    (token, me)
}
