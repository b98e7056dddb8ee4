//! The workflow service. Scheme workflow: applications, appraisal, plans, budget, contracts, payments, settlement (routes arrive with their issues).
//!
//! Today it serves what every service serves (health, readiness, whoami, OpenAPI docs) through the
//! `kc-service` skeleton; its own routes join [`routes`], its workers [`Workflow::build`]'s list.

use kc_service::{Built, Env, Kit, Service, ServiceState};
use utoipa_axum::router::OpenApiRouter;

/// The workflow service on the skeleton.
pub struct Workflow;

impl Service for Workflow {
    const NAME: &'static str = "workflow";
    type Config = ();

    fn config(_env: &mut Env) {}

    async fn build(kit: Kit<()>) -> anyhow::Result<Built> {
        let state = ServiceState {
            db: kit.db()?,
            verifier: kit.remote_verifier()?,
        };
        Ok(Built {
            routes: routes(state.clone()),
            verifier: state.verifier,
            workers: Vec::new(),
        })
    }
}

/// The service's own routes.
pub fn routes(state: ServiceState) -> OpenApiRouter {
    OpenApiRouter::<ServiceState>::new().with_state(state)
}
