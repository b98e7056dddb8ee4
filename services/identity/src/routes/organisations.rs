//! Organisations within the caller's scope. Departments and centres are reference data (one of each
//! per province); admins create and edit enterprises, and edit names and status of the others.

use crate::routes::SERVICE;
use crate::state::{self, By};
use crate::store::organisations::{self, NewEnterprise, OrgChange, OrgFilter, OrgView};
use crate::store::sessions::{self, Revoke};
use axum::http::StatusCode;
use kc_auth::{AnyUser, MinistryOrProvinceAdmin, ProvinceStaff, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit};
use kc_http::{
    ApiError, ClientMeta, FieldErrors, Json, Page, Paged, Patch, Path, Query, opt_text, patch,
    patch_text, req_text, search_text,
};
use kc_kernel::{AccountStatus, EnterpriseKind, OrgKind, TaxCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<crate::AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organisations, create_organisation))
        .routes(routes!(get_organisation, update_organisation))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrgQuery {
    pub kind: Option<OrgKind>,
    pub status: Option<AccountStatus>,
    /// Only this province (2-digit code); the ministry may choose any.
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    /// Search in name or tax code (taken literally).
    #[param(schema_with = kc_http::search_text_schema)]
    pub q: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Organisations visible to the caller (the ministry: all; a department or centre: its province).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrgQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today"}))),
    responses((status = 200, body = Paged<OrgView>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_organisations(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<OrgQuery>,
) -> Result<Json<Paged<OrgView>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let mut fields = FieldErrors::new();
    let search = search_text(&mut fields, "q", q.q.as_deref());
    let tx = tenant.begin().await?;
    let province_id = match &q.province_code {
        Some(code) => province_by_code(&tx, code, &mut fields).await?,
        None => None,
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let filter = OrgFilter {
        kind: q.kind,
        status: q.status,
        province_id,
        q: search,
    };
    let (items, total) = organisations::list(&tx, &filter, page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

/// The id of the province in force today with this code, or an error under `province_code`.
pub async fn province_by_code(
    tx: &Tx,
    code: &str,
    fields: &mut FieldErrors,
) -> Result<Option<Uuid>, ApiError> {
    kc_auth::province_by_code(tx, "province_code", code, fields).await
}

/// One organisation. Enterprise users see only their own; others only their province's.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("organisation")))),
    responses((status = 200, body = OrgView), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_organisation(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<OrgView>, ApiError> {
    let (tx, org) = tenant.load::<OrgView>(id).await?;
    tx.commit().await?;
    Ok(Json(org))
}

/// The fields of an enterprise, as registration and administration take them.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EnterpriseInput {
    /// 10 digits whose 10th is the check digit of the first nine, or those, a dash and a branch
    /// number from 001 to 999.
    #[schema(
        pattern = "^[0-9]{10}(-(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2}))?$",
        example = "0101234565"
    )]
    pub tax_code: String,
    #[schema(schema_with = kc_http::text_schema::<300>)]
    pub name: String,
    /// Parsed with the other fields, so that one answer names every field at fault.
    #[schema(value_type = EnterpriseKind)]
    pub enterprise_kind: String,
    /// 2-digit code of the province in force today; defaults to the caller's own province (the
    /// ministry must name one).
    #[schema(pattern = "^[0-9]{2}$", example = "01")]
    pub province_code: Option<String>,
    /// Commune (xã / phường / đặc khu).
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub commune: String,
    #[schema(schema_with = kc_http::opt_text_schema::<500>)]
    pub address: Option<String>,
    #[serde(default)]
    pub woman_owned: bool,
    #[serde(default)]
    pub ethnic_minority_owned: bool,
}

pub fn parse_enterprise(e: &EnterpriseInput, fields: &mut FieldErrors) -> NewEnterprise {
    let tax_code = match TaxCode::parse(&e.tax_code) {
        Ok(t) => t.as_str().to_owned(),
        Err(err) => {
            fields.insert("tax_code".into(), err.to_string());
            String::new()
        }
    };
    NewEnterprise {
        tax_code,
        name: req_text(fields, "name", &e.name, 300),
        enterprise_kind: EnterpriseKind::parse(&e.enterprise_kind).unwrap_or_else(|| {
            fields.insert(
                "enterprise_kind".into(),
                "Loại hình phải là company, cooperative, household_business hoặc cooperative_group (unknown enterprise kind)".into(),
            );
            EnterpriseKind::Company
        }),
        commune: req_text(fields, "commune", &e.commune, 200),
        address: opt_text(fields, "address", e.address.as_deref(), 500),
        woman_owned: e.woman_owned,
        ethnic_minority_owned: e.ethnic_minority_owned,
    }
}

pub const TAX_CODE_TAKEN: &str = "Mã số thuế này đã được đăng ký (tax code already registered)";

/// Create an enterprise (ministry admins in any province, department admins in their own).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = EnterpriseInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>())),
               ("x-kc-server-rules" = json!({
                   "tax_code": "the 10th digit is the check digit of the first nine",
                   "province_code": "a province in force today; required when the caller is the ministry"}))),
    responses((status = 201, body = OrgView), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_organisation(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<EnterpriseInput>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let mut fields = FieldErrors::new();
    let parsed = parse_enterprise(&req, &mut fields);
    let tx = tenant.begin().await?;
    // The department's own province, or the one the ministry names (required for the ministry);
    // another province is refused.
    let province_id = kc_auth::target_province(
        &tx,
        tenant.scope(),
        "province_code",
        req.province_code.as_deref(),
        false,
        &mut fields,
    )
    .await?;
    let (Some(province_id), true) = (province_id, fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let id = organisations::insert_enterprise(&tx, province_id, &parsed, AccountStatus::Active)
        .await
        .map_err(|e| ApiError::unique_or(e, "tax_code", TAX_CODE_TAKEN))?;
    let org = organisations::by_id(&tx, id, kc_auth::Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "organisation.created",
            entity_type: "organisation",
            entity_id: Some(id.to_string()),
            province_id: Some(province_id),
            after: serde_json::to_value(&org).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    #[schema(schema_with = kc_http::nullable_text_schema::<300>)]
    pub name: Option<String>,
    #[schema(schema_with = kc_http::nullable_text_schema::<200>)]
    pub commune: Option<String>,
    /// A new address; `null` or blank clears it.
    #[serde(default, deserialize_with = "patch")]
    #[schema(schema_with = kc_http::opt_text_schema::<500>)]
    pub address: Patch<String>,
    pub woman_owned: Option<bool>,
    pub ethnic_minority_owned: Option<bool>,
    /// active or disabled; disabling ends every session of the organisation's users.
    #[schema(schema_with = super::admin_status_schema)]
    pub status: Option<AccountStatus>,
}

/// Edit an organisation of the caller's scope.
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "organisations", request_body = OrgPatch,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>().on("organisation")))),
    responses((status = 200, body = OrgView), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn update_organisation(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<OrgPatch>,
) -> Result<Json<OrgView>, ApiError> {
    let mut fields = FieldErrors::new();
    let change = OrgChange {
        name: req
            .name
            .as_deref()
            .map(|n| req_text(&mut fields, "name", n, 300)),
        commune: req
            .commune
            .as_deref()
            .map(|n| req_text(&mut fields, "commune", n, 200)),
        address: patch_text(&mut fields, "address", &req.address, 500),
        woman_owned: req.woman_owned,
        ethnic_minority_owned: req.ethnic_minority_owned,
        status: req.status,
        status_reason: Patch::Keep,
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let (tx, before) = tenant.load_for_update::<OrgView>(id).await?;
    if let Some(to) = req.status {
        state::check(before.status, to, By::Admin)?;
    }
    organisations::update(&tx, id, &change).await?;
    if req.status == Some(AccountStatus::Disabled) {
        sessions::revoke(&tx, Revoke::Organisation(id), "organisation disabled").await?;
    }
    let after = organisations::by_id(&tx, id, kc_auth::Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "organisation.updated",
            entity_type: "organisation",
            entity_id: Some(id.to_string()),
            province_id: before.province_id,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}
