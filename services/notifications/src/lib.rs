//! The notifications service. Duties, reminders, escalation and e-mail (routes arrive with their issue).
//!
//! Today it serves what every service serves (health, readiness, whoami, OpenAPI docs) through the
//! `kc-service` skeleton; its own routes join [`routes`], its workers [`Notifications::build`]'s list.

use kc_service::{Built, Env, Kit, Service, ServiceState};
use utoipa_axum::router::OpenApiRouter;

/// The notifications service on the skeleton.
pub struct Notifications;

impl Service for Notifications {
    const NAME: &'static str = "notifications";
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
