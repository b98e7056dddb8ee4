//! Identity's own settings, read once through the skeleton's `Env`. In production mode every secret
//! must be given and the service refuses to start without it, naming the variable; development mode
//! (`KC_MODE=dev`) generates a signing key into the git-ignored data folder (`KC_DATA_DIR`).

use anyhow::Context;
use kc_service::Env;
pub use kc_service::Mode;
use std::path::PathBuf;
use std::time::Duration;

/// Lock or slow down repeated login failures.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    /// Failures on one e-mail within `account_window` after which it is locked.
    pub account_failures: i32,
    pub account_window: Duration,
    /// How long an account stays locked.
    pub account_lock: Duration,
    /// Failures from one client address within `addr_window` after which that address is locked.
    pub addr_failures: i32,
    pub addr_window: Duration,
    pub addr_lock: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            account_failures: 5,
            account_window: Duration::from_secs(15 * 60),
            account_lock: Duration::from_secs(15 * 60),
            addr_failures: 20,
            addr_window: Duration::from_secs(15 * 60),
            addr_lock: Duration::from_secs(15 * 60),
        }
    }
}

/// Argon2id cost parameters (recorded in every hash, so they can be raised later).
#[derive(Debug, Clone, Copy)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP's recommendation for Argon2id: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        Argon2Params {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub signing_key_pem: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub reset_ttl: Duration,
    pub lockout: LockoutPolicy,
    pub argon2: Argon2Params,
    /// `KC_LOGIN_QUEUE`: how many password checks may run or wait at once; a login beyond them is
    /// answered 429 with `Retry-After` (default: four per core).
    pub login_queue: usize,
    /// Base URL of the web portal, for links in e-mails.
    pub portal_url: String,
}

pub fn data_dir(env: &Env) -> PathBuf {
    PathBuf::from(env.get("KC_DATA_DIR").unwrap_or_else(|| ".data".into()))
}

impl Config {
    /// Identity's own settings (the skeleton reads the database URL).
    pub fn from_env(env: &mut Env) -> Config {
        let mode = env.mode();
        let signing_key_pem = match env.get("KC_JWT_SIGNING_KEY_FILE") {
            Some(path) => std::fs::read_to_string(&path).unwrap_or_else(|e| {
                env.problem(format!("KC_JWT_SIGNING_KEY_FILE: cannot read {path}: {e}"));
                String::new()
            }),
            None => {
                let dir = data_dir(env);
                env.secret(
                    "KC_JWT_SIGNING_KEY_FILE",
                    "a PKCS#8 PEM Ed25519 private key",
                    || dev_signing_key(&dir),
                )
            }
        };
        let d = LockoutPolicy::default();
        let lockout = LockoutPolicy {
            account_failures: env.or("KC_LOCKOUT_ACCOUNT_FAILURES", d.account_failures),
            account_window: env.seconds("KC_LOCKOUT_ACCOUNT_WINDOW_SECONDS", d.account_window),
            account_lock: env.seconds("KC_LOCKOUT_ACCOUNT_SECONDS", d.account_lock),
            addr_failures: env.or("KC_LOCKOUT_ADDR_FAILURES", d.addr_failures),
            addr_window: env.seconds("KC_LOCKOUT_ADDR_WINDOW_SECONDS", d.addr_window),
            addr_lock: env.seconds("KC_LOCKOUT_ADDR_SECONDS", d.addr_lock),
        };
        Config {
            mode,
            signing_key_pem,
            access_ttl: env.seconds("KC_ACCESS_TOKEN_SECONDS", Duration::from_secs(15 * 60)),
            refresh_ttl: env.seconds(
                "KC_REFRESH_TOKEN_SECONDS",
                Duration::from_secs(30 * 24 * 3600),
            ),
            reset_ttl: env.seconds("KC_PASSWORD_RESET_SECONDS", Duration::from_secs(3600)),
            lockout,
            argon2: Argon2Params::default(),
            login_queue: env.or("KC_LOGIN_QUEUE", crate::passwords::default_places()),
            portal_url: env
                .get("KC_PORTAL_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".into()),
        }
    }

    /// A configuration for tests: a fresh key, fast lockouts.
    pub fn for_tests() -> anyhow::Result<Config> {
        Ok(Config {
            mode: Mode::Dev,
            signing_key_pem: kc_auth::Signer::generate_pem()?,
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(3600),
            reset_ttl: Duration::from_secs(3600),
            lockout: LockoutPolicy {
                account_failures: 5,
                account_window: Duration::from_secs(60),
                account_lock: Duration::from_secs(2),
                addr_failures: 12,
                addr_window: Duration::from_secs(60),
                addr_lock: Duration::from_secs(60),
            },
            argon2: Argon2Params::default(),
            login_queue: crate::passwords::default_places(),
            portal_url: "http://127.0.0.1:8080".into(),
        })
    }
}

fn dev_signing_key(dir: &std::path::Path) -> anyhow::Result<String> {
    let path = dir.join("jwt-signing-key.pem");
    if let Ok(pem) = std::fs::read_to_string(&path) {
        return Ok(pem);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let pem = kc_auth::Signer::generate_pem()?;
    write_private(&path, &pem).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "development mode: generated a signing key");
    Ok(pem)
}

/// Write a secret readable by its owner only.
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}
