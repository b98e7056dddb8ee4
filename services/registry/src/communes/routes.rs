//! `/api/v1/communes`: the communes of a province, and a province's admins adding one.

use super::store::{self, CommuneRow};
use crate::SERVICE;
use axum::http::StatusCode;
use chrono::NaiveDate;
use kc_auth::{AnyUser, MinistryOrProvinceAdmin, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Query, req_text};
use kc_kernel::today_vn;
use kc_service::ServiceState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<ServiceState> {
    OpenApiRouter::new().routes(routes!(list_communes, add_commune))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CommuneQuery {
    /// A province (2-digit code); every province when absent.
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommuneList {
    pub items: Vec<CommuneRow>,
}

/// The communes in force today, of one province or of all.
#[utoipa::path(get, path = "/api/v1/communes", tag = "communes", params(CommuneQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today"}))),
    responses((status = 200, body = CommuneList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_communes(
    tenant: Tenant<AnyUser>,
    Query(q): Query<CommuneQuery>,
) -> Result<Json<CommuneList>, ApiError> {
    let mut fields = FieldErrors::new();
    let tx = tenant.begin().await?;
    let province = match q.province_code.as_deref() {
        Some(code) => kc_auth::province_by_code(&tx, "province_code", code, &mut fields).await?,
        None => None,
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let items = store::in_force(&tx, province, today_vn()).await?;
    tx.commit().await?;
    Ok(Json(CommuneList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommuneInput {
    /// The caller's own province by default (the ministry must name one).
    #[schema(pattern = "^[0-9]{2}$")]
    #[serde(default)]
    pub province_code: Option<String>,
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub name: String,
    /// In force from (today by default).
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
}

/// Add a commune to a province's list.
#[utoipa::path(post, path = "/api/v1/communes", tag = "communes", request_body = CommuneInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own",
                                             "name": "not yet on the province's list from that day",
                                             "valid_from": "1990 to 2100"}))),
    responses((status = 201, body = CommuneRow), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn add_commune(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<CommuneInput>,
) -> Result<(StatusCode, Json<CommuneRow>), ApiError> {
    let mut fields = FieldErrors::new();
    let name = req_text(&mut fields, "name", &req.name, 200);
    let from = req.valid_from.unwrap_or_else(today_vn);
    if !(1990..=2100).contains(&chrono::Datelike::year(&from)) {
        fields.insert(
            "valid_from".into(),
            "Từ năm 1990 đến 2100 (1990 to 2100)".into(),
        );
    }
    let tx = tenant.begin().await?;
    let province = kc_auth::target_province(
        &tx,
        tenant.scope(),
        "province_code",
        req.province_code.as_deref(),
        false,
        &mut fields,
    )
    .await?;
    let (Some(province), true) = (province, fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let row = store::insert(&tx, province, &name, from, tenant.user_id())
        .await
        .map_err(|e| {
            ApiError::unique_or(
                e,
                "name",
                "Tỉnh đã có xã, phường này từ ngày đó (the province already lists this commune)",
            )
        })?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "commune.added",
            entity_type: "commune",
            entity_id: Some(row.id.to_string()),
            province_id: Some(province),
            after: serde_json::to_value(&row).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(row)))
}
