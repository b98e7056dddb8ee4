//! One way to build a service: the skeleton all five binaries run on.
//!
//! A service is a type implementing [`Service`]: its name in the one list of services
//! (`deploy/services.txt`, see [`services`]), its typed settings read once at start-up through
//! [`Env`], and a `build` that turns a [`Kit`] (settings, the database pool when the service uses
//! one, the mode) into [`Built`]: its routes (with their state), the token verifier, and its
//! background [`Worker`]s. [`run`] is then the whole `main`: logging, configuration (every missing
//! variable named in one error), the pool, the HTTP server with the standard layers, health, OpenAPI
//! and Swagger UI, whoami, and the workers, all stopped by the same signal: on SIGTERM or SIGINT the
//! requests in flight finish, each worker finishes or releases its current item, then the process
//! exits.
//!
//! A service whose entry in the list says it uses no database (the portal) does not connect to one
//! and its `/ready` does not depend on one.

mod config;
pub mod services;

pub use config::{Env, Mode};
pub use services::ServiceInfo;
pub use tokio_util::sync::CancellationToken;

use anyhow::Context;
use axum::extract::{FromRef, State};
use futures_util::future::BoxFuture;
use kc_auth::{Caller, Claims, Verifier};
use kc_db::Db;
use kc_http::Json;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A service of the system.
pub trait Service: Sized + 'static {
    /// Its name in `deploy/services.txt`.
    const NAME: &'static str;
    /// Its own settings.
    type Config: Send + 'static;
    /// Read its own settings (once, at start-up). Record problems in `env`; they are reported
    /// together with every other missing variable.
    fn config(env: &mut Env) -> Self::Config;
    /// Build the routes, the verifier and the workers.
    fn build(kit: Kit<Self::Config>) -> impl Future<Output = anyhow::Result<Built>> + Send;
}

/// What the skeleton gives a service to build itself from.
pub struct Kit<C> {
    pub info: &'static ServiceInfo,
    pub mode: Mode,
    /// The service's own settings.
    pub config: C,
    /// The pool of the service's own login role; `None` for a service that uses no database.
    pub db: Option<Db>,
    /// Where identity publishes its signing keys (every service but identity).
    pub identity_url: Option<String>,
}

impl<C> Kit<C> {
    /// The pool; an error for a service whose entry says it uses no database.
    pub fn db(&self) -> anyhow::Result<Db> {
        self.db
            .clone()
            .with_context(|| format!("{} uses no database", self.info.name))
    }

    /// A verifier of access tokens against identity's published keys.
    pub fn remote_verifier(&self) -> anyhow::Result<Arc<Verifier>> {
        let url = self
            .identity_url
            .as_deref()
            .context("KC_IDENTITY_URL is not set")?;
        Ok(Arc::new(Verifier::from_identity_url(url)))
    }
}

/// A running service's parts.
pub struct Built {
    /// Its routes, with their state.
    pub routes: OpenApiRouter,
    /// The verifier `/api/v1/whoami` uses (the same as the routes').
    pub verifier: Arc<Verifier>,
    pub workers: Vec<Worker>,
}

/// A background task (an outbox consumer, a scheduler) started and stopped with the HTTP server.
/// It must return soon after its token is cancelled, having finished or released its current item.
pub struct Worker {
    pub name: &'static str,
    run: Box<dyn FnOnce(CancellationToken) -> BoxFuture<'static, anyhow::Result<()>> + Send>,
}

impl Worker {
    pub fn new<F, Fut>(name: &'static str, run: F) -> Worker
    where
        F: FnOnce(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        Worker {
            name,
            run: Box::new(move |token| Box::pin(run(token))),
        }
    }
}

/// The settings every service shares.
struct Common {
    database_url: Option<String>,
    max_connections: u32,
    identity_url: Option<String>,
}

fn common(info: &ServiceInfo, env: &mut Env) -> Common {
    let database_url = info.database.then(|| {
        env.required(
            "KC_DATABASE_URL",
            &format!(
                "the {0} service's own login role, e.g. postgres://kc_{0}@127.0.0.1:5432/kc",
                info.name
            ),
        )
    });
    let identity_url = (info.name != "identity").then(|| {
        env.required(
            "KC_IDENTITY_URL",
            "the identity service's base URL, e.g. http://127.0.0.1:8081",
        )
    });
    Common {
        database_url,
        max_connections: env.or("KC_DB_MAX_CONNECTIONS", 10),
        identity_url,
    }
}

/// Read the configuration and connect: everything but the server. Commands of a service binary
/// (`kc-identity seed-demo`) start from here too.
pub async fn prepare<S: Service>() -> anyhow::Result<Kit<S::Config>> {
    let info = services::info(S::NAME);
    let mut env = Env::from_process()?;
    let common = common(info, &mut env);
    let config = S::config(&mut env);
    let mode = env.mode();
    env.finish()?;
    let db = match &common.database_url {
        Some(url) => Some(Db::connect(url, common.max_connections).await?),
        None => None,
    };
    Ok(Kit {
        info,
        mode,
        config,
        db,
        identity_url: common.identity_url,
    })
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
    db: Option<Db>,
}

impl FromRef<WhoAmIState> for Arc<Verifier> {
    fn from_ref(s: &WhoAmIState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

/// The verified claims of the caller's access token, once the database has confirmed that the
/// caller's account and organisation are still active (401 otherwise, as on every route).
#[utoipa::path(get, path = "/api/v1/whoami", tag = "auth",
    extensions(("x-kc-access" = json!(kc_auth::declare::<kc_auth::AnyUser>()))),
    security(("bearer" = [])),
    responses((status = 200, body = WhoAmI), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 503, body = kc_http::ErrorEnvelope)))]
async fn whoami(
    State(s): State<WhoAmIState>,
    caller: Caller,
) -> Result<Json<WhoAmI>, kc_http::ApiError> {
    if let Some(db) = &s.db {
        db.begin_for_caller(&caller.scope(), caller.user_id(), caller.claims().sv)
            .await?
            .commit()
            .await?;
    }
    Ok(Json(WhoAmI {
        service: s.service,
        scope: caller.scope().name().into(),
        claims: caller.claims().clone(),
    }))
}

#[derive(OpenApi)]
#[openapi(components(schemas(kc_http::ErrorEnvelope)), modifiers(&BearerAuth))]
struct BaseDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole HTTP application of a service: its routes, whoami, health, OpenAPI at
/// `/api-docs/openapi.json` and Swagger UI at `/docs`, in the standard layers. Tests build it too.
pub fn app(
    info: &'static ServiceInfo,
    db: Option<Db>,
    verifier: Arc<Verifier>,
    routes: OpenApiRouter,
) -> axum::Router {
    let mut doc = BaseDoc::openapi();
    doc.info.title = format!("kc-{}", info.name);
    doc.info.description = Some(info.label.to_owned());
    let whoami = OpenApiRouter::new()
        .routes(routes!(whoami))
        .with_state(WhoAmIState {
            service: info.name,
            verifier,
            db: db.clone(),
        });
    let api = OpenApiRouter::with_openapi(doc).merge(routes).merge(whoami);
    kc_http::finish(info.name, db, api)
}

/// The whole `main` of a service.
pub async fn run<S: Service>() -> std::process::ExitCode {
    kc_http::telemetry::init();
    match serve::<S>().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("kc-{}: {e:#}", S::NAME);
            std::process::ExitCode::FAILURE
        }
    }
}

/// How long workers get to finish their item after the signal.
pub const WORKER_GRACE: Duration = Duration::from_secs(30);

async fn serve<S: Service>() -> anyhow::Result<()> {
    let kit = prepare::<S>().await?;
    let info = kit.info;
    let addr = kc_http::bind_addr(&info.port_var(), info.port)?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!(
            "{}: cannot listen on {addr} (is another copy running?)",
            info.name
        )
    })?;
    serve_with::<S>(kit, listener, kc_http::shutdown_signal()).await
}

/// Serve a built service on `listener` with its workers until `shutdown` completes (the binary passes
/// SIGTERM/SIGINT; tests pass their own). Then the server stops taking connections and finishes the
/// requests in flight, while every worker is cancelled and finishes or releases its item; returns
/// when both are done (workers get [`WORKER_GRACE`]).
pub async fn serve_with<S: Service>(
    kit: Kit<S::Config>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let info = kit.info;
    let db = kit.db.clone();
    let built = S::build(kit).await?;
    let app = app(info, db.clone(), built.verifier, built.routes);

    let stop = CancellationToken::new();
    let mut workers = tokio::task::JoinSet::new();
    for w in built.workers {
        let token = stop.child_token();
        let name = w.name;
        workers.spawn(async move { (name, (w.run)(token).await) });
    }
    let signal = stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        signal.cancel();
    });
    let served =
        kc_http::serve_until(info.name, listener, app, stop.clone().cancelled_owned()).await;
    stop.cancel();
    let drained = tokio::time::timeout(WORKER_GRACE, async {
        while let Some(done) = workers.join_next().await {
            match done {
                Ok((name, Ok(()))) => tracing::info!(worker = name, "worker stopped"),
                Ok((name, Err(e))) => tracing::error!(worker = name, "worker failed: {e:#}"),
                Err(e) => tracing::error!("worker panicked: {e}"),
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("workers did not stop within {WORKER_GRACE:?}; abandoning them");
    }
    if let Some(db) = db {
        let _ = db.close().await;
    }
    served
}

/// The state most services start with: the pool and the verifier, which `kc_auth::Tenant` takes
/// from it. A service with more state embeds it and implements the same two `FromRef`s.
#[derive(Clone)]
pub struct ServiceState {
    pub db: Db,
    pub verifier: Arc<Verifier>,
}

impl ServiceState {
    /// The pool and a verifier of identity's published keys: what a service with a database and no
    /// state of its own needs.
    pub fn from_kit<C>(kit: &Kit<C>) -> anyhow::Result<ServiceState> {
        Ok(ServiceState {
            db: kit.db()?,
            verifier: kit.remote_verifier()?,
        })
    }

    /// A service with this state and these routes, and no worker.
    pub fn serve(self, routes: OpenApiRouter<ServiceState>) -> Built {
        Built {
            verifier: self.verifier.clone(),
            routes: routes.with_state(self),
            workers: Vec::new(),
        }
    }
}

impl FromRef<ServiceState> for Arc<Verifier> {
    fn from_ref(s: &ServiceState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

impl FromRef<ServiceState> for Db {
    fn from_ref(s: &ServiceState) -> Db {
        s.db.clone()
    }
}
