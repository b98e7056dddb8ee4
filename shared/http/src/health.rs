//! `GET /health` (the process is alive) and `GET /ready` (its database answers).

use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use std::time::Duration;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    pub status: &'static str,
    pub service: &'static str,
}

#[derive(Clone)]
struct HealthState {
    db: DatabaseConnection,
    service: &'static str,
}

/// The two health routes, with their OpenAPI description.
pub fn router(service: &'static str, db: DatabaseConnection) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .with_state(HealthState { db, service })
}

/// Liveness: 200 while the process serves requests.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
async fn health(State(s): State<HealthState>) -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        service: s.service,
    })
}

/// Readiness: 200 only when the database is reachable, 503 otherwise.
#[utoipa::path(get, path = "/ready", tag = "health", responses(
    (status = 200, body = Health), (status = 503, body = Health)))]
async fn ready(State(s): State<HealthState>) -> (StatusCode, axum::Json<Health>) {
    let ok = tokio::time::timeout(Duration::from_secs(2), kc_db::ping(&s.db))
        .await
        .unwrap_or(false);
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
        }),
    )
}
