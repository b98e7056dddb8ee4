//! The workflow service. Scheme workflow: applications, appraisal, plans, budget, contracts, payments, settlement (routes arrive with their issues).
//!
//! Today it serves what every service serves (health, readiness, whoami, OpenAPI docs) through the
//! `kc-service` skeleton; its own routes join [`routes`].

use kc_service::{Built, Env, Kit, Service, ServiceState};
use utoipa_axum::router::OpenApiRouter;

/// The workflow service on the skeleton.
pub struct Workflow;

impl Service for Workflow {
    const NAME: &'static str = "workflow";
    type Config = ();

    fn config(_env: &mut Env) {}

    async fn build(kit: Kit<()>) -> anyhow::Result<Built> {
        Ok(ServiceState::from_kit(&kit)?.serve(routes()))
    }
}

/// The service's own routes.
pub fn routes() -> OpenApiRouter<ServiceState> {
    OpenApiRouter::new()
}
