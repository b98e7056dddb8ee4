//! HTTP plumbing every service shares, so each service's `main` stays a few lines long:
//!
//! - [`ApiError`]: the one error type at the service boundary and its JSON envelope
//!   `{"error": {"code", "message", "fields"}}`. Policy: 4xx for the caller's mistakes with a clear
//!   Vietnamese (English) message naming the fields at fault; 5xx never carries SQL or internals and is
//!   logged once; the database being down is 503.
//! - [`Json`], [`Path`], [`Query`]: extractors whose rejections use that envelope and name the field
//!   or parameter at fault.
//! - [`layers`]: every middleware in one visible place (request id checked or replaced, security
//!   headers, one log line per request, panic → 500 envelope, request timeout → 503, body-read timeout
//!   → 408, body limit → 413) and the [`Timeouts`].
//! - [`health`]: `GET /health` and `GET /ready`.
//! - [`input`]: validated text ([`req_text`], [`opt_text`], [`patch_text`]), PATCH fields that can be
//!   cleared ([`Patch`]), and pagination ([`Page`], [`Paged`]).
//! - [`finish`]: the last step of every service's router: health routes, OpenAPI and Swagger UI, layers.
//! - [`serve`]: bind, serve HTTP/1.1 with client addresses and a header-read timeout (slow clients are
//!   disconnected), shut down gracefully on SIGTERM/SIGINT (new connections refused, the open ones
//!   served a moment longer, the requests in flight finished); [`serve_with`] takes shorter timeouts.
//! - [`telemetry`]: tracing subscriber set-up.

mod client;
pub mod contract;
mod error;
pub mod health;
pub mod input;
mod json;
pub mod layers;
mod params;
mod serve;
pub mod telemetry;

pub use client::{ClientMeta, request_origin};
pub use error::{ApiError, ErrorBody, ErrorEnvelope, FieldErrors, InternalDetail};
pub use input::{
    Page, PageQuery, Paged, Patch, date_param, date_param_schema, later_version, money,
    nullable_text_schema, opt_money, opt_text, opt_text_schema, opt_whole, opt_whole_list,
    parse_money, patch, patch_text, req_text, search_text, search_text_schema, text_schema,
    valid_from_today, whole,
};
pub use json::{Json, parse as parse_json};
pub use layers::RequestLog;
pub use layers::Timeouts;
pub use params::{Path, Query};
pub use serve::{bind_addr, serve, serve_on, serve_until, serve_with, shutdown_signal};

/// The last step of every service's router: its routes plus `/health` and `/ready`, the OpenAPI
/// document at `/api-docs/openapi.json`, Swagger UI at `/docs` (bundled, works offline), all wrapped in
/// the standard [`layers`]. Swagger UI's online validator is off: its badge would send the document's
/// address to a third party, and the pages' Content-Security-Policy allows images from the service only.
pub fn finish(
    service: &'static str,
    db: Option<kc_db::Db>,
    api: utoipa_axum::router::OpenApiRouter,
) -> axum::Router {
    let (router, mut doc) = api.merge(health::router(service, db)).split_for_parts();
    utoipa::Modify::modify(&contract::SharedResponses, &mut doc);
    let swagger = utoipa_swagger_ui::SwaggerUi::new("/docs")
        .url("/api-docs/openapi.json", doc)
        .config(utoipa_swagger_ui::Config::default().validator_url("none"));
    let router = router.merge(swagger);
    layers::apply(router, layers::DEFAULT_BODY_LIMIT)
}
