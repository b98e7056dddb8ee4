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
//! Folders: `routes/` holds one module per resource (thin handlers); the rules live in `passwords`,
//! `tokens`, `throttle` and `store`.

pub mod config;
pub mod demo;
pub mod passwords;
pub mod routes;
pub mod store;
pub mod throttle;
pub mod tokens;

use axum::extract::FromRef;
use kc_auth::{Signer, Verifier};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub use config::{Config, LockoutPolicy, Mode};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
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

impl AppState {
    pub async fn new(config: Config) -> anyhow::Result<AppState> {
        let db = kc_db::connect(&config.database_url, config.max_connections).await?;
        let signer = Signer::from_pkcs8_pem(&config.signing_key_pem)?;
        let verifier = Verifier::from_jwks(&signer.jwks())?;
        Ok(AppState {
            db,
            signer: Arc::new(signer),
            verifier: Arc::new(verifier),
            passwords: Arc::new(passwords::Passwords::new(config.argon2)?),
            config: Arc::new(config),
        })
    }
}

/// The whole HTTP application: routes, health, OpenAPI + Swagger UI at `/docs`, the standard layers.
pub fn app(state: AppState) -> axum::Router {
    kc_http::finish("identity", state.db.clone(), routes::router(state))
}
