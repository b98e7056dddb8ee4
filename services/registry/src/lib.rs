//! The registry service. Industrial cluster (CCN) registry (routes arrive with their issue).
//!
//! Today it serves what every service serves (health, readiness, whoami, OpenAPI docs) through the
//! `kc-service` skeleton; its own routes join [`routes`].

use kc_service::{Built, Env, Kit, Service, ServiceState};
use utoipa_axum::router::OpenApiRouter;

/// The registry service on the skeleton.
pub struct Registry;

impl Service for Registry {
    const NAME: &'static str = "registry";
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
