//! The registry service: the national database of industrial clusters (CCN, DOMAIN.md §6).
//!
//! One folder per resource, each with `routes` (HTTP only) and `store` (all its SQL):
//! - [`communes`]: the communes a cluster may lie in, per province, dated;
//! - [`rules`]: the rule checks as dated data (size, new cluster, expansion, infrastructure support);
//! - [`clusters`]: the record ([`clusters::data`]), its life cycle ([`clusters::state`]), the checks of
//!   a proposal or an expansion ([`clusters::checks`]), every version kept and readable as of a day;
//! - [`views`]: the summary by province or region as of a day, and the XLSX and GeoJSON exports;
//! - [`import`]: a province's existing registry from XLSX or CSV, checked row by row;
//! - [`reports`]: the periodic reports of investors and tenants, their review, who has reported, and
//!   each province's consolidated report;
//! - [`demo`]: the run command's demo clusters, with history across the 2025 merger.
//!
//! Every handler reaches the database through `kc_auth::Tenant`; every change writes its audit row
//! and, for a status change, its typed outbox event in the same transaction.

pub mod clusters;
pub mod communes;
pub mod demo;
pub mod import;
pub mod reports;
pub mod rules;
pub mod views;

use kc_service::{Built, Env, Kit, Service, ServiceState};
use utoipa_axum::router::OpenApiRouter;

/// The name this service writes in audit rows and as the outbox producer.
pub const SERVICE: &str = "registry";

/// The province a department's user keeps (ProvinceOfficer routes: always one; 403 otherwise).
pub fn own_province(caller: &kc_auth::Caller) -> Result<uuid::Uuid, kc_http::ApiError> {
    caller.scope().province().ok_or_else(|| {
        kc_http::ApiError::Forbidden("Chỉ Sở Công Thương (a department only)".into())
    })
}

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
        .merge(communes::routes::router())
        .merge(rules::routes::router())
        .merge(clusters::routes::router())
        .merge(views::routes::router())
        .merge(reports::routes::router())
        .merge(import::routes::router())
}
