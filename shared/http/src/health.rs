//! `GET /health` (the process is alive) and `GET /ready` (its database answers).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::time::Duration;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    pub status: &'static str,
    pub service: &'static str,
    /// Whether the service's database answers; absent for a service that uses none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<bool>,
}

#[derive(Clone)]
struct HealthState {
    db: Option<kc_db::Db>,
    service: &'static str,
}

/// The two health routes, with their OpenAPI description. `db` is `None` for a service that uses no
/// database: its readiness does not depend on one.
pub fn router(service: &'static str, db: Option<kc_db::Db>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .with_state(HealthState { db, service })
}

/// Liveness: 200 while the process serves requests.
#[utoipa::path(get, path = "/health", tag = "health",
    extensions(("x-kc-access" = json!({"public": true, "roles": [], "permissions": []}))),
    responses((status = 200, body = Health)))]
async fn health(State(s): State<HealthState>) -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        service: s.service,
        database: None,
    })
}

/// Readiness: 200 only when the service's database (if it uses one) is reachable, 503 otherwise.
#[utoipa::path(get, path = "/ready", tag = "health",
    extensions(("x-kc-access" = json!({"public": true, "roles": [], "permissions": []}))),
    responses(
    (status = 200, body = Health), (status = 503, body = Health)))]
async fn ready(State(s): State<HealthState>) -> (StatusCode, axum::Json<Health>) {
    let database = match &s.db {
        Some(db) => Some(
            tokio::time::timeout(Duration::from_secs(2), db.ping())
                .await
                .unwrap_or(false),
        ),
        None => None,
    };
    let ok = database.unwrap_or(true);
    let (code, status) = if ok {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (
        code,
        axum::Json(Health {
            status,
            service: s.service,
            database,
        }),
    )
}
