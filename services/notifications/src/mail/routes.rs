//! `/api/v1/deliveries`: every e-mail, its status and attempts (administrators of a province see its
//! own, the ministry's every one), and the re-queue of dead ones. `/api/v1/senders`: a province's
//! sender name and reply-to. `/api/v1/notification-preferences`: the notices a user does not want by
//! e-mail (never a legal deadline).

use super::store::{self, DeliveryView, Sender};
use crate::{AppState, SERVICE};
use kc_auth::{AnyUser, MinistryOrProvinceAdmin, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Page, Paged, Query, req_text};
use kc_kernel::{DeliveryStatus, Email, NoticeKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deliveries))
        .routes(routes!(requeue_deliveries))
        .routes(routes!(list_senders, set_sender))
        .routes(routes!(get_preferences, set_preferences))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeliveryQuery {
    pub status: Option<DeliveryStatus>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// The e-mails, newest first: to whom, about what, their status, attempts and last error.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "e-mail", params(DeliveryQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>()))),
    responses((status = 200, body = Paged<DeliveryView>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_deliveries(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    Query(q): Query<DeliveryQuery>,
) -> Result<Json<Paged<DeliveryView>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let tx = tenant.begin().await?;
    let (items, total) = store::list(&tx, q.status, page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequeueInput {
    /// Dead e-mails to send again (1 to 500); others change nothing.
    #[schema(min_items = 1, max_items = 500)]
    pub ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Requeued {
    pub requeued: Vec<Uuid>,
}

/// Send dead e-mails again (after the address or the mail server was fixed): each gets a new series
/// of attempts. Those not dead, or not the caller's to see, are left as they are. Audited.
#[utoipa::path(post, path = "/api/v1/deliveries/requeue", tag = "e-mail", request_body = RequeueInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>())),
               ("x-kc-server-rules" = json!({"ids": "1 to 500"}))),
    responses((status = 200, body = Requeued), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn requeue_deliveries(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<RequeueInput>,
) -> Result<Json<Requeued>, ApiError> {
    if req.ids.is_empty() || req.ids.len() > 500 {
        return Err(ApiError::field(
            "ids",
            "Từ 1 đến 500 thư (1 to 500 e-mails)",
        ));
    }
    let tx = tenant.begin().await?;
    let requeued = store::requeue(&tx, &req.ids).await?;
    if !requeued.is_empty() {
        audit(
            &tx,
            SERVICE,
            AuditEvent {
                action: "delivery.requeued",
                entity_type: "delivery",
                after: Some(serde_json::json!({"ids": requeued})),
                province_id: tenant.scope().province(),
                ..audit_by(&tenant, &meta)
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(Requeued { requeued }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SenderList {
    pub items: Vec<Sender>,
}

/// The senders the caller sees (a province's own; the ministry every province's).
#[utoipa::path(get, path = "/api/v1/senders", tag = "e-mail", security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>()))),
    responses((status = 200, body = SenderList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope)))]
async fn list_senders(
    tenant: Tenant<MinistryOrProvinceAdmin>,
) -> Result<Json<SenderList>, ApiError> {
    let tx = tenant.begin().await?;
    let items = store::senders(&tx).await?;
    tx.commit().await?;
    Ok(Json(SenderList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderInput {
    /// The province (its admins: their own, the default; the ministry must name one).
    #[schema(pattern = "^[0-9]{2}$")]
    #[serde(default)]
    pub province_code: Option<String>,
    /// The name the province's e-mails come from, e.g. "Sở Công Thương Hà Nội".
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub from_name: String,
    /// Where replies go (the office's address); none: replies are not read.
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// Set a province's sender name and reply-to address. Audited.
#[utoipa::path(put, path = "/api/v1/senders", tag = "e-mail", request_body = SenderInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own; required from the ministry",
                                             "reply_to": "an e-mail address"}))),
    responses((status = 200, body = SenderList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn set_sender(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<SenderInput>,
) -> Result<Json<SenderList>, ApiError> {
    let mut fields = FieldErrors::new();
    let from_name = req_text(&mut fields, "from_name", &req.from_name, 200);
    let reply_to = match req
        .reply_to
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => match Email::parse(r) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                fields.insert(
                    "reply_to".into(),
                    "Địa chỉ thư không hợp lệ (not an e-mail address)".into(),
                );
                None
            }
        },
        None => None,
    };
    let tx = tenant.begin().await?;
    let province = kc_auth::target_province(
        &tx,
        tenant.scope(),
        "province_code",
        req.province_code.as_deref(),
        true,
        &mut fields,
    )
    .await?;
    if province.is_none() && !fields.contains_key("province_code") {
        fields.insert(
            "province_code".into(),
            "Chọn tỉnh, thành phố (choose a province)".into(),
        );
    }
    let Some(province) = province.filter(|_| fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    store::set_sender(
        &tx,
        province,
        &from_name,
        reply_to.as_deref(),
        tenant.user_id(),
    )
    .await?;
    let items = store::senders(&tx).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "sender.set",
            entity_type: "sender",
            entity_id: Some(province.to_string()),
            province_id: Some(province),
            after: Some(serde_json::json!({"from_name": from_name, "reply_to": reply_to})),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(SenderList { items }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preferences {
    /// The kinds of notice the caller does not receive by e-mail (still in the portal).
    pub muted: Vec<NoticeKind>,
    /// The kinds that may be muted (legal deadlines may not).
    pub mutable: Vec<NoticeKind>,
}

fn mutable() -> Vec<NoticeKind> {
    NoticeKind::ALL
        .iter()
        .copied()
        .filter(|k| !k.is_legal_deadline())
        .collect()
}

/// The caller's e-mail preferences.
#[utoipa::path(get, path = "/api/v1/notification-preferences", tag = "notifications",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = Preferences), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn get_preferences(tenant: Tenant<AnyUser>) -> Result<Json<Preferences>, ApiError> {
    let tx = tenant.begin().await?;
    let muted = store::mutes(&tx).await?;
    tx.commit().await?;
    Ok(Json(Preferences {
        muted,
        mutable: mutable(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    /// The kinds not to receive by e-mail; reminders and overdue notices (legal deadlines) cannot be
    /// muted.
    #[schema(max_items = 10)]
    pub muted: Vec<NoticeKind>,
}

/// Set which notices the caller does not receive by e-mail (422 naming `muted` for a legal deadline).
#[utoipa::path(put, path = "/api/v1/notification-preferences", tag = "notifications",
    request_body = PreferencesInput, security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"muted": "at most 10; no legal deadline (reminder, overdue)"}))),
    responses((status = 200, body = Preferences), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn set_preferences(
    tenant: Tenant<AnyUser>,
    Json(req): Json<PreferencesInput>,
) -> Result<Json<Preferences>, ApiError> {
    if req.muted.len() > 10 {
        return Err(ApiError::field("muted", "Tối đa 10 loại (at most 10)"));
    }
    if req.muted.iter().any(|k| k.is_legal_deadline()) {
        return Err(ApiError::field(
            "muted",
            "Không thể tắt nhắc hạn của nghĩa vụ theo quy định (legal deadlines cannot be muted)",
        ));
    }
    let tx = tenant.begin().await?;
    store::set_mutes(&tx, tenant.user_id(), &req.muted).await?;
    let muted = store::mutes(&tx).await?;
    tx.commit().await?;
    Ok(Json(Preferences {
        muted,
        mutable: mutable(),
    }))
}
