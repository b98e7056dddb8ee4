//! `/api/v1/notifications`: the caller's own notices, the unread count, and mark-as-read.

use super::store::{self, Notice};
use crate::AppState;
use kc_auth::{AnyUser, Tenant, declare};
use kc_http::{ApiError, Json, Page, Paged, Query};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notices))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NoticeQuery {
    /// Only the unread ones.
    #[serde(default)]
    pub unread: Option<bool>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// The caller's notices, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NoticeQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = Paged<Notice>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_notices(
    tenant: Tenant<AnyUser>,
    Query(q): Query<NoticeQuery>,
) -> Result<Json<Paged<Notice>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let tx = tenant.begin().await?;
    let (items, total) =
        store::list(&tx, q.unread.unwrap_or(false), page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// How many of the caller's notices are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = UnreadCount), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn unread_count(tenant: Tenant<AnyUser>) -> Result<Json<UnreadCount>, ApiError> {
    let tx = tenant.begin().await?;
    let unread = store::count(&tx, true).await?;
    tx.commit().await?;
    Ok(Json(UnreadCount { unread }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// The notices to mark read (at most 500); every unread notice when absent. Ids that are not the
    /// caller's change nothing.
    #[schema(max_items = 500)]
    #[serde(default)]
    pub ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
    pub unread: i64,
}

/// Mark the caller's notices read (some, or all).
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", request_body = MarkRead,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = MarkedRead), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn mark_read(
    tenant: Tenant<AnyUser>,
    Json(req): Json<MarkRead>,
) -> Result<Json<MarkedRead>, ApiError> {
    if req.ids.as_ref().is_some_and(|ids| ids.len() > 500) {
        return Err(ApiError::field(
            "ids",
            "Tối đa 500 thông báo một lần (at most 500 at once)",
        ));
    }
    let tx = tenant.begin().await?;
    let marked = store::mark_read(&tx, req.ids.as_deref()).await?;
    let unread = store::count(&tx, true).await?;
    tx.commit().await?;
    Ok(Json(MarkedRead { marked, unread }))
}
