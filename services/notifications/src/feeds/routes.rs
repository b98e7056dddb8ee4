//! `/api/v1/calendar-feed`: the caller's private calendar address (make or replace it, see it,
//! revoke it), and the address itself, which a calendar client reads with no token.

use super::store::{self, FeedInfo, FeedOwner, NewFeed};
use crate::{AppState, SERVICE};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kc_auth::{AnyUser, Anyone, SecretHolder, Tenant, audit_by, declare, hash_secret, public};
use kc_db::{AuditEvent, audit};
use kc_http::{ApiError, ClientMeta, Json, Path};
use kc_kernel::Scope;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_feed, make_feed, revoke_feed))
        .routes(routes!(read_feed))
}

/// Where the feed's address lives, under the API.
const PATH: &str = "/api/v1/calendar-feed";

/// A new feed: its address, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewFeedOut {
    /// The whole address to give a calendar application (from the address this request was sent to).
    pub url: String,
    /// The same, from the API's root.
    pub path: String,
    pub created_at: DateTime<Utc>,
}

/// Whether the caller has a feed (its address is not shown again).
#[utoipa::path(get, path = "/api/v1/calendar-feed", tag = "calendar feed",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = FeedInfo), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn my_feed(tenant: Tenant<AnyUser>) -> Result<Json<FeedInfo>, ApiError> {
    let tx = tenant.begin().await?;
    let feed = store::mine(&tx).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(feed))
}

/// Make the caller's private calendar address, replacing any earlier one (which stops working at
/// once). The address is shown only in this answer. Audited.
#[utoipa::path(post, path = "/api/v1/calendar-feed", tag = "calendar feed",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 201, body = NewFeedOut), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn make_feed(
    tenant: Tenant<AnyUser>,
    meta: ClientMeta,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<NewFeedOut>), ApiError> {
    let secret = kc_auth::random_secret();
    let hash = hash_secret(&secret);
    let claims = tenant.claims();
    let owner = FeedOwner {
        user_id: claims.sub,
        role: claims.role,
        province_id: claims.province.as_ref().map(|p| p.id),
        organisation_id: claims.org,
        session_version: claims.sv,
    };
    let tx = tenant.begin().await?;
    let feed = store::put(
        &tx,
        &NewFeed {
            token_hash: &hash,
            owner,
        },
    )
    .await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "calendar_feed.created",
            entity_type: "calendar_feed",
            entity_id: Some(tenant.user_id().to_string()),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    let path = format!("{PATH}/{secret}.ics");
    Ok((
        StatusCode::CREATED,
        Json(NewFeedOut {
            url: format!("{}{path}", kc_http::request_origin(&headers)),
            path,
            created_at: feed.created_at,
        }),
    ))
}

/// Revoke the caller's calendar address: calendars reading it get 404 from now on. Audited.
#[utoipa::path(delete, path = "/api/v1/calendar-feed", tag = "calendar feed",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 204), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn revoke_feed(tenant: Tenant<AnyUser>, meta: ClientMeta) -> Result<StatusCode, ApiError> {
    let tx = tenant.begin().await?;
    if !store::delete(&tx).await? {
        return Err(ApiError::NotFound);
    }
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "calendar_feed.revoked",
            entity_type: "calendar_feed",
            entity_id: Some(tenant.user_id().to_string()),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The calendar of a private address (`<secret>.ics`), for calendar applications: the duties the
/// owner's organisation owes or is owed and has not met, as all-day events on their due dates. 404
/// for an unknown or revoked address, and once the owner's account is disabled or the owner has
/// logged out everywhere or reset the password.
#[utoipa::path(get, path = "/api/v1/calendar-feed/{secret}", tag = "calendar feed",
    params(("secret" = String, Path, description = "the address's secret, with `.ics`")),
    extensions(("x-kc-access" = json!(public().on("calendar_feed")))),
    responses((status = 200, content_type = "text/calendar", body = String),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn read_feed(
    anyone: Anyone,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    if secret.len() != 43 {
        return Err(ApiError::NotFound);
    }
    let hash = hash_secret(secret);
    let tx = anyone.begin_for_secret(&hash).await?;
    let owner = store::owner_of(&tx, &hash)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    let scope = Scope::of(owner.role, owner.province_id, owner.organisation_id)
        .ok_or(ApiError::NotFound)?;
    let holder = SecretHolder {
        scope,
        user: owner.user_id,
        session: owner.session_version,
    };
    // A disabled account, or a new session generation, is refused as an unknown address is.
    let tx = match anyone.begin_as_secret_holder(&holder).await {
        Err(ApiError::Unauthorized(_)) => return Err(ApiError::NotFound),
        other => other?,
    };
    let items = store::read(&tx, &owner).await?;
    tx.commit().await?;
    let body = super::calendar(
        "Khuyến công: hạn báo cáo và thời hạn xử lý",
        &items,
        &state.mail,
    );
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"khuyencong.ics\""),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=900"),
    );
    Ok(response)
}
