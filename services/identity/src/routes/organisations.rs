//! Organisations within the caller's scope. Departments and centres are reference data (one of each
//! per province); admins create and edit enterprises, and edit names and status of the others.

use crate::routes::{
    Page, Paged, SERVICE, audit_by, check_admin_status, check_status_change, opt_text, req_text,
};
use crate::store::{self, OrgFilter, OrgView};
use crate::{AppState, tokens};
use axum::extract::State;
use axum::http::StatusCode;
use kc_auth::{AnyUser, Authorized, MinistryOrProvinceAdmin, ProvinceStaff};
use kc_db::{AuditEvent, audit, begin, stmt};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json};
use kc_http::{Path, Query};
use kc_kernel::{EnterpriseKind, ProvinceCode, Role, Scope, TaxCode};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organisations, create_organisation))
        .routes(routes!(get_organisation, update_organisation))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrgQuery {
    /// ministry, department, centre or enterprise
    pub kind: Option<String>,
    /// pending, active, rejected or disabled
    pub status: Option<String>,
    /// Only this province (2-digit code); the ministry may choose any.
    pub province_code: Option<String>,
    /// Search in name or tax code.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Organisations visible to the caller (the ministry: all; a department or centre: its province).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrgQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Paged<OrgView>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope)))]
async fn list_organisations(
    State(s): State<AppState>,
    caller: Authorized<ProvinceStaff>,
    Query(q): Query<OrgQuery>,
) -> Result<Json<Paged<OrgView>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let mut fields = FieldErrors::new();
    if let Some(k) = &q.kind
        && kc_kernel::OrgKind::parse(k).is_none()
    {
        fields.insert(
            "kind".into(),
            "Loại tổ chức không hợp lệ (unknown kind)".into(),
        );
    }
    if let Some(st) = &q.status
        && !["pending", "active", "rejected", "disabled"].contains(&st.as_str())
    {
        fields.insert(
            "status".into(),
            "Trạng thái không hợp lệ (unknown status)".into(),
        );
    }
    let search = match q.q.as_deref().map(kc_kernel::nfc_trimmed) {
        Some(text) if crate::routes::has_control(&text) || text.chars().count() > 200 => {
            fields.insert(
                "q".into(),
                "Từ khoá tìm kiếm không hợp lệ (search text invalid or longer than 200)".into(),
            );
            None
        }
        Some(text) if !text.is_empty() => Some(text),
        _ => None,
    };
    let tx = begin(&s.db, &caller.scope).await?;
    let province_id = match &q.province_code {
        Some(code) => Some(province_by_code(&tx, code, &mut fields).await?),
        None => None,
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let filter = OrgFilter {
        kind: q.kind.clone(),
        status: q.status.clone(),
        province_id: province_id.flatten(),
        q: search,
    };
    let (items, total) = store::list_orgs(&tx, &filter, page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

/// The id of the province in force today with this code, or a field error.
pub async fn province_by_code(
    tx: &DatabaseTransaction,
    code: &str,
    fields: &mut FieldErrors,
) -> Result<Option<Uuid>, ApiError> {
    let Ok(code) = ProvinceCode::parse(code) else {
        fields.insert(
            "province_code".into(),
            "Mã tỉnh phải gồm 2 chữ số, ví dụ \"01\" (province code must be 2 digits)".into(),
        );
        return Ok(None);
    };
    match store::current_unit_by_code(tx, code.as_str()).await? {
        Some(u) => Ok(Some(u.id)),
        None => {
            fields.insert(
                "province_code".into(),
                format!("Không có tỉnh/thành phố mã {code} (unknown province code)"),
            );
            Ok(None)
        }
    }
}

/// One organisation. Enterprise users see only their own; others only their province's.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations",
    security(("bearer" = [])),
    responses((status = 200, body = OrgView), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_organisation(
    State(s): State<AppState>,
    caller: Authorized<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<OrgView>, ApiError> {
    if caller.role() == Role::Enterprise && id != caller.org_id() {
        return Err(ApiError::NotFound);
    }
    let tx = begin(&s.db, &caller.scope).await?;
    let org = store::org_by_id(&tx, id).await?;
    tx.commit().await?;
    let org = org
        .filter(|o| caller.scope.can_see_province(o.province_id))
        .ok_or(ApiError::NotFound)?;
    Ok(Json(org))
}

/// The fields of an enterprise, as registration and administration take them.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EnterpriseInput {
    /// 10 digits, or 10 digits, a dash and 3 digits.
    pub tax_code: String,
    pub name: String,
    /// company, cooperative, household_business or cooperative_group
    pub enterprise_kind: String,
    /// 2-digit code of the province in force today; defaults to the caller's own province.
    pub province_code: Option<String>,
    /// Commune (xã / phường / đặc khu).
    pub commune: String,
    pub address: Option<String>,
    #[serde(default)]
    pub woman_owned: bool,
    #[serde(default)]
    pub ethnic_minority_owned: bool,
}

pub struct ParsedEnterprise {
    pub tax_code: String,
    pub name: String,
    pub enterprise_kind: EnterpriseKind,
    pub commune: String,
    pub address: Option<String>,
    pub woman_owned: bool,
    pub ethnic_minority_owned: bool,
}

pub fn parse_enterprise(e: &EnterpriseInput, fields: &mut FieldErrors) -> ParsedEnterprise {
    let tax_code = match TaxCode::parse(&e.tax_code) {
        Ok(t) => t.as_str().to_owned(),
        Err(err) => {
            fields.insert("tax_code".into(), err.to_string());
            String::new()
        }
    };
    let enterprise_kind = EnterpriseKind::parse(&e.enterprise_kind).unwrap_or_else(|| {
        fields.insert(
            "enterprise_kind".into(),
            "Loại hình phải là company, cooperative, household_business hoặc cooperative_group (unknown enterprise kind)".into(),
        );
        EnterpriseKind::Company
    });
    ParsedEnterprise {
        tax_code,
        name: req_text(fields, "name", &e.name, 300),
        enterprise_kind,
        commune: req_text(fields, "commune", &e.commune, 200),
        address: opt_text(fields, "address", e.address.as_deref(), 500),
        woman_owned: e.woman_owned,
        ethnic_minority_owned: e.ethnic_minority_owned,
    }
}

/// Insert an enterprise organisation; a duplicate tax code is a 409 naming `tax_code`.
pub async fn insert_enterprise(
    tx: &DatabaseTransaction,
    province_id: Uuid,
    p: &ParsedEnterprise,
    status: &str,
) -> Result<Uuid, ApiError> {
    let id = Uuid::new_v4();
    let r = tx
        .execute_raw(stmt(
            "INSERT INTO identity.organisations (id, province_id, kind, name, tax_code, enterprise_kind,
                 commune, address, woman_owned, ethnic_minority_owned, status)
             VALUES ($1, $2, 'enterprise', $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                id.into(),
                province_id.into(),
                p.name.clone().into(),
                p.tax_code.clone().into(),
                p.enterprise_kind.as_str().into(),
                p.commune.clone().into(),
                p.address.clone().into(),
                p.woman_owned.into(),
                p.ethnic_minority_owned.into(),
                status.into(),
            ],
        ))
        .await;
    match r {
        Ok(_) => Ok(id),
        Err(e) if kc_db::is_unique_violation(&e) => Err(conflict_field(
            "tax_code",
            "Mã số thuế này đã được đăng ký (tax code already registered)",
        )),
        Err(e) => Err(e.into()),
    }
}

pub fn conflict_field(field: &str, msg: &str) -> ApiError {
    let mut f = FieldErrors::new();
    f.insert(field.into(), msg.into());
    ApiError::Invalid {
        status: StatusCode::CONFLICT,
        code: "conflict",
        message: msg.into(),
        fields: f,
    }
}

/// Create an enterprise (ministry admins in any province, department admins in their own).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = EnterpriseInput,
    security(("bearer" = [])),
    responses((status = 201, body = OrgView), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 409, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_organisation(
    State(s): State<AppState>,
    caller: Authorized<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<EnterpriseInput>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let mut fields = FieldErrors::new();
    let parsed = parse_enterprise(&req, &mut fields);
    let tx = begin(&s.db, &caller.scope).await?;
    let province_id = match (&req.province_code, caller.scope) {
        (Some(code), _) => province_by_code(&tx, code, &mut fields).await?,
        (None, Scope::Province(p)) => Some(p),
        (None, _) => {
            fields.insert(
                "province_code".into(),
                "Cần chọn tỉnh/thành phố (province is required)".into(),
            );
            None
        }
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let province_id = province_id.ok_or(ApiError::NotFound)?;
    if !caller.scope.can_see_province(Some(province_id)) {
        return Err(ApiError::Forbidden(
            "Không được quản lý tổ chức của tỉnh khác (cannot manage another province)".into(),
        ));
    }
    let id = insert_enterprise(&tx, province_id, &parsed, "active").await?;
    let org = store::org_by_id(&tx, id).await?.ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "organisation.created",
            entity_type: "organisation",
            entity_id: Some(id.to_string()),
            province_id: Some(province_id),
            after: serde_json::to_value(&org).ok(),
            ..audit_by(&caller, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    pub name: Option<String>,
    pub commune: Option<String>,
    pub address: Option<String>,
    pub woman_owned: Option<bool>,
    pub ethnic_minority_owned: Option<bool>,
    /// active or disabled
    pub status: Option<String>,
}

/// Edit an organisation of the caller's scope.
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "organisations", request_body = OrgPatch,
    security(("bearer" = [])),
    responses((status = 200, body = OrgView), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn update_organisation(
    State(s): State<AppState>,
    caller: Authorized<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<OrgPatch>,
) -> Result<Json<OrgView>, ApiError> {
    let mut fields = FieldErrors::new();
    let name = req
        .name
        .as_deref()
        .map(|n| req_text(&mut fields, "name", n, 300));
    let commune = req
        .commune
        .as_deref()
        .map(|n| req_text(&mut fields, "commune", n, 200));
    let address = opt_text(&mut fields, "address", req.address.as_deref(), 500);
    check_admin_status(&mut fields, req.status.as_deref());
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let tx = begin(&s.db, &caller.scope).await?;
    let before = store::org_by_id_for_update(&tx, id)
        .await?
        .filter(|o| caller.scope.can_see_province(o.province_id))
        .ok_or(ApiError::NotFound)?;
    check_status_change(&before.status, req.status.as_deref())?;
    tx.execute_raw(stmt(
        "UPDATE identity.organisations SET
            name = coalesce($2, name), commune = coalesce($3, commune), address = coalesce($4, address),
            woman_owned = coalesce($5, woman_owned), ethnic_minority_owned = coalesce($6, ethnic_minority_owned),
            status = coalesce($7, status), updated_at = now()
          WHERE id = $1",
        [
            id.into(),
            name.into(),
            commune.into(),
            address.into(),
            req.woman_owned.into(),
            req.ethnic_minority_owned.into(),
            req.status.clone().into(),
        ],
    ))
    .await?;
    if req.status.as_deref() == Some("disabled") {
        tokens::revoke(
            &tx,
            tokens::Revoke::Organisation(id),
            "organisation disabled",
        )
        .await?;
    }
    let after = store::org_by_id(&tx, id).await?.ok_or(ApiError::NotFound)?;
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
            ..audit_by(&caller, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}
