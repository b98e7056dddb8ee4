//! The workflow service. Scheme workflow: applications, appraisal, plans, budget, contracts, payments, settlement (routes arrive with their issues).
//!
//! Today it serves what every service serves (health, readiness, whoami, OpenAPI docs) through
//! `kc-service`; its own routes are added to [`routes`].

use kc_service::{ServiceSpec, ServiceState};
use utoipa_axum::router::OpenApiRouter;

pub const SPEC: ServiceSpec = ServiceSpec {
    name: "workflow",
    port_var: "KC_WORKFLOW_PORT",
    default_port: 8082,
};

/// The service's own routes.
pub fn routes(_state: &ServiceState) -> OpenApiRouter {
    OpenApiRouter::new()
}
