//! The registry service. Industrial cluster (CCN) registry (routes arrive with their issue).
//!
//! Today it serves what every service serves (health, readiness, whoami, OpenAPI docs) through
//! `kc-service`; its own routes are added to [`routes`].

use kc_service::{ServiceSpec, ServiceState};
use utoipa_axum::router::OpenApiRouter;

pub const SPEC: ServiceSpec = ServiceSpec {
    name: "registry",
    port_var: "KC_REGISTRY_PORT",
    default_port: 8083,
};

/// The service's own routes.
pub fn routes(_state: &ServiceState) -> OpenApiRouter {
    OpenApiRouter::new()
}
