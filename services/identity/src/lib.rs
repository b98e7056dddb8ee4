//! The identity service: who is who, and who may see what.
//!
//! - administrative units (the 34 provinces in force and the 63 former ones, dated, with successors);
//! - organisations (the ministry's agency, each province's department and centre, enterprises) and
//!   their users, administered within scope;
//! - login with Argon2id passwords, lockout of repeated failures per account and per client address;
//! - EdDSA access tokens (15 minutes) and rotating opaque refresh tokens with reuse detection;
//! - enterprise self-registration verified by the province's centre, password reset by e-mailed token
//!   (written to the outbox; the notifications service sends it);
//! - an audit row for every login, failure, refresh, reuse, lockout, verification and change.
//!
//! Folders: `routes/` holds one module per resource (HTTP only), `store/` one module per resource
//! (all the SQL), `state` the life cycle of an account; the rules of sign-in live in `passwords`,
//! `tokens` and `throttle` (login counters, with their own SQL).

pub mod config;
pub mod demo;
pub mod passwords;
pub mod routes;
pub mod state;
pub mod store;
pub mod throttle;
pub mod tokens;

use axum::extract::FromRef;
use kc_auth::{Signer, Verifier};
use kc_db::Db;
use kc_service::{Built, Env, Kit, Service};
use std::sync::Arc;

pub use config::{Config, LockoutPolicy, Mode};

/// The identity service on the skeleton.
pub struct Identity;

impl Service for Identity {
    const NAME: &'static str = "identity";
    type Config = Config;

    fn config(env: &mut Env) -> Config {
        Config::from_env(env)
    }

    async fn build(kit: Kit<Config>) -> anyhow::Result<Built> {
        let state = AppState::new(kit.db()?, kit.config)?;
        Ok(Built {
            verifier: state.verifier.clone(),
            routes: routes::router(state),
            workers: Vec::new(),
        })
    }
}

/// What every handler can reach. The pool is reached only through `kc_auth::Tenant` (a verified
/// caller's transaction) or `routes::PreAuthDb` (login, refresh, registration, reset).
#[derive(Clone)]
pub struct AppState {
    db: Db,
    pub signer: Arc<Signer>,
    pub verifier: Arc<Verifier>,
    pub config: Arc<Config>,
    pub passwords: Arc<passwords::Passwords>,
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(s: &AppState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(s: &AppState) -> Db {
        s.db.clone()
    }
}

impl AppState {
    pub fn new(db: Db, config: Config) -> anyhow::Result<AppState> {
        let signer = Signer::from_pkcs8_pem(&config.signing_key_pem)?;
        let verifier = Verifier::from_jwks(&signer.jwks())?;
        Ok(AppState {
            db,
            signer: Arc::new(signer),
            verifier: Arc::new(verifier),
            passwords: Arc::new(passwords::Passwords::new(
                config.argon2,
                config.login_queue,
            )?),
            config: Arc::new(config),
        })
    }
}

/// The whole HTTP application (tests serve it in-process).
pub fn app(state: AppState) -> axum::Router {
    kc_service::app(
        kc_service::services::info(Identity::NAME),
        Some(state.db.clone()),
        state.verifier.clone(),
        routes::router(state),
    )
}
