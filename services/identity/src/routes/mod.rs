//! One module per resource, HTTP only: each handler parses, checks, calls the store, audits, and
//! answers. Every route declares who may call it in its OpenAPI operation (`x-kc-access`).
//!
//! A route whose request fields are checked beyond what their schema can say (a tax code's check
//! digit, a province code that must be in force, a record that must exist in the caller's scope)
//! names them in its operation's `x-kc-server-rules` (field → the rule): a request that fits the
//! schema may still be answered 422 naming one of these fields, and only these. The fuzzer
//! (`e2e/tests/fuzz.rs`) holds every route to it.

pub mod auth;
pub mod me;
pub mod organisations;
pub mod provinces;
pub mod registrations;
pub mod users;

use crate::AppState;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use kc_db::{Db, PreAuth, Tx};
use kc_http::ApiError;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(info(
    title = "kc-identity",
    description = "Định danh, tổ chức, người dùng, đăng nhập (identity: organisations, users, login, tokens)"
))]
struct ApiDoc;

pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(me::router())
        .merge(provinces::router())
        .merge(organisations::router())
        .merge(users::router())
        .merge(registrations::router())
        .with_state(state)
}

pub const SERVICE: &str = "identity";

/// The statuses an administrator may set on an account or an organisation (`state::check`, `By::Admin`).
pub(crate) fn admin_status_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some([
            serde_json::json!("active"),
            serde_json::json!("disabled"),
            serde_json::Value::Null,
        ]))
        .description(Some(
            "active or disabled (pending and rejected are the centre's decisions); absent or null keeps it",
        ))
        .build()
}

/// The way to the database of identity's pre-authentication flows (login, refresh, logout,
/// registration, password reset), which must find a user before any tenant is known.
#[derive(Clone)]
pub struct PreAuthDb(Db);

impl PreAuthDb {
    pub async fn begin(&self, flow: PreAuth) -> Result<Tx, ApiError> {
        Ok(self.0.begin_preauth(flow).await?)
    }
}

impl FromRequestParts<AppState> for PreAuthDb {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PreAuthDb(Db::from_ref(s)))
    }
}
