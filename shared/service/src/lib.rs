//! The skeleton every service other than identity starts from, so that each service's own crate holds
//! only its domain:
//!
//! - [`ServiceConfig`] from the environment: `KC_DATABASE_URL` (the service's own login role; required,
//!   no default) and `KC_IDENTITY_URL` (where the signing keys are published);
//! - [`ServiceState`]: the database pool and the token [`Verifier`];
//! - `GET /api/v1/whoami`: the verified claims of the caller, so each service can be checked on its own;
//! - [`app`]: the service's routes + health + OpenAPI at `/api-docs/openapi.json` + Swagger UI at `/docs`,
//!   wrapped in the standard layers;
//! - [`run`]: the whole `main`.

use axum::extract::{FromRef, State};
use kc_auth::{Caller, Claims, Verifier};
use kc_http::Json;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

/// What a service is called and where it listens by default.
#[derive(Debug, Clone, Copy)]
pub struct ServiceSpec {
    /// `workflow`, `registry`, ...
    pub name: &'static str,
    /// The environment variable that overrides the port, e.g. `KC_WORKFLOW_PORT`.
    pub port_var: &'static str,
    pub default_port: u16,
}

#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub database_url: String,
    pub identity_url: String,
    pub max_connections: u32,
}

impl ServiceConfig {
    pub fn from_env(spec: &ServiceSpec) -> anyhow::Result<ServiceConfig> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let database_url = var("KC_DATABASE_URL").ok_or_else(|| {
            anyhow::anyhow!(
                "KC_DATABASE_URL is required: the {} service's own login role (kc_{}), e.g. postgres://kc_{}@127.0.0.1:5432/kc",
                spec.name,
                spec.name,
                spec.name
            )
        })?;
        let identity_url = var("KC_IDENTITY_URL").ok_or_else(|| {
            anyhow::anyhow!(
                "KC_IDENTITY_URL is required: the identity service's base URL, e.g. http://127.0.0.1:8081"
            )
        })?;
        let max_connections = match var("KC_DB_MAX_CONNECTIONS") {
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("KC_DB_MAX_CONNECTIONS must be a number"))?,
            None => 10,
        };
        Ok(ServiceConfig {
            database_url,
            identity_url,
            max_connections,
        })
    }
}

/// The state every such service starts with.
#[derive(Clone)]
pub struct ServiceState {
    pub db: DatabaseConnection,
    pub verifier: Arc<Verifier>,
}

impl FromRef<ServiceState> for Arc<Verifier> {
    fn from_ref(s: &ServiceState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

impl ServiceState {
    pub async fn connect(config: &ServiceConfig) -> anyhow::Result<ServiceState> {
        let db = kc_db::connect(&config.database_url, config.max_connections).await?;
        Ok(ServiceState {
            db,
            verifier: Arc::new(Verifier::from_identity_url(&config.identity_url)),
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    /// The service that verified the token.
    pub service: &'static str,
    /// ministry, province or enterprise scope as the database sees it.
    pub scope: String,
    pub claims: Claims,
}

#[derive(Clone)]
struct WhoAmIState {
    service: &'static str,
    verifier: Arc<Verifier>,
}

impl FromRef<WhoAmIState> for Arc<Verifier> {
    fn from_ref(s: &WhoAmIState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

/// `GET /api/v1/whoami`: 200 with the verified claims, 401 for a missing or bad token.
pub fn whoami_router(service: &'static str, verifier: Arc<Verifier>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(whoami))
        .with_state(WhoAmIState { service, verifier })
}

/// The verified claims of the caller's access token.
#[utoipa::path(get, path = "/api/v1/whoami", tag = "auth", responses(
    (status = 200, body = WhoAmI), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn whoami(State(s): State<WhoAmIState>, caller: Caller) -> Json<WhoAmI> {
    Json(WhoAmI {
        service: s.service,
        scope: caller.scope.name().into(),
        claims: caller.claims,
    })
}

#[derive(OpenApi)]
struct EmptyDoc;

/// The full application of a service: its own routes, whoami, health, OpenAPI and Swagger UI, layers.
pub fn app(spec: &ServiceSpec, state: &ServiceState, routes: OpenApiRouter) -> axum::Router {
    let mut doc = EmptyDoc::openapi();
    doc.info.title = format!("kc-{}", spec.name);
    let api = OpenApiRouter::with_openapi(doc)
        .merge(routes)
        .merge(whoami_router(spec.name, state.verifier.clone()));
    kc_http::finish(spec.name, state.db.clone(), api)
}

/// The whole `main` of a service: log set-up, config, connect, serve until SIGTERM/SIGINT.
pub async fn run(
    spec: ServiceSpec,
    routes: impl FnOnce(&ServiceState) -> OpenApiRouter,
) -> std::process::ExitCode {
    kc_http::telemetry::init();
    let result = async {
        let config = ServiceConfig::from_env(&spec)?;
        let addr = kc_http::bind_addr(spec.port_var, spec.default_port)?;
        let state = ServiceState::connect(&config).await?;
        let app = app(&spec, &state, routes(&state));
        kc_http::serve(spec.name, addr, app).await
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("kc-{}: {e:#}", spec.name);
            std::process::ExitCode::FAILURE
        }
    }
}
