//! `/api/v1/extension-reports`: a province's department drafts its six-month or annual extension
//! report (the figures filled from the execution report of the province and year), writes its
//! narrative and sends it; the ministry sees which provinces have sent theirs and may return one for
//! correction.

use super::store::{self, ExtensionReport, ProvinceLine};
use crate::figures::routes::report as execution_report;
use crate::figures::store::{GroupBy, Scope};
use crate::{AppState, SERVICE};
use axum::http::StatusCode;
use kc_auth::{MinistryOfficer, ProvinceOfficer, ProvinceStaff, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit};
use kc_events::ExtensionReportSubmitted;
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Path, Query, opt_text, req_text};
use kc_kernel::{ExtensionReportStatus, OrgKind, ReportKind, today_vn};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reports, create_report))
        .routes(routes!(get_report, edit_report))
        .routes(routes!(submit_report))
        .routes(routes!(return_report))
}

/// The figures of the province and year, as the execution report gives them (by activity type).
async fn figures(tx: &Tx, province: Uuid, year: i32) -> Result<serde_json::Value, ApiError> {
    let r = execution_report(
        tx,
        Scope {
            year,
            fund: None,
            province_id: Some(province),
        },
        GroupBy::Activity,
        false,
    )
    .await?;
    serde_json::to_value(&r).map_err(ApiError::internal)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    pub kind: ReportKind,
    #[param(minimum = 2000, maximum = 2099)]
    pub year: i32,
}

/// Which provinces have sent their report of a kind and year.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodView {
    pub kind: ReportKind,
    pub year: i32,
    /// Provinces that have sent it.
    pub submitted: usize,
    pub provinces: Vec<ProvinceLine>,
}

/// The reports of a kind and year, a line per province in force (the ministry: every province,
/// those without a report too; a province's staff: their own).
#[utoipa::path(get, path = "/api/v1/extension-reports", tag = "extension-reports", params(PeriodQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"year": "2000 to 2099"}))),
    responses((status = 200, body = PeriodView), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_reports(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<PeriodView>, ApiError> {
    check_year(q.year)?;
    let tx = tenant.begin().await?;
    let provinces = store::by_province(&tx, q.kind, q.year, tenant.scope().province()).await?;
    tx.commit().await?;
    Ok(Json(PeriodView {
        kind: q.kind,
        year: q.year,
        submitted: provinces
            .iter()
            .filter(|p| p.status == Some(ExtensionReportStatus::Submitted))
            .count(),
        provinces,
    }))
}

fn check_year(year: i32) -> Result<(), ApiError> {
    if (2000..=2099).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::field(
            "year",
            "Năm báo cáo từ 2000 đến 2099 (year 2000 to 2099)",
        ))
    }
}

/// A new report: its kind and year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReportInput {
    pub kind: ReportKind,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 2000, maximum = 2099)]
    pub year: i32,
}

/// Draft the province's report (the department's officer): its figures filled from the execution
/// report of the province and year. One per kind and year (409).
#[utoipa::path(post, path = "/api/v1/extension-reports", tag = "extension-reports", request_body = NewReportInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>())),
               ("x-kc-server-rules" = json!({"year": "from 2000 to this year"}))),
    responses((status = 201, body = ExtensionReport), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 409, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_report(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Json(req): Json<NewReportInput>,
) -> Result<(StatusCode, Json<ExtensionReport>), ApiError> {
    use chrono::Datelike;
    if !(2000..=today_vn().year()).contains(&req.year) {
        return Err(ApiError::field(
            "year",
            "Năm báo cáo từ 2000 đến năm nay (a year up to this one)",
        ));
    }
    let Some(province) = tenant.scope().province() else {
        return Err(ApiError::Forbidden(
            "Chỉ Sở Công Thương (a department only)".into(),
        ));
    };
    let tx = tenant.begin().await?;
    if tenant_org_kind(&tx, tenant.org_id()).await? != Some(OrgKind::Department) {
        return Err(ApiError::Forbidden(
            "Chỉ Sở Công Thương (a department only)".into(),
        ));
    }
    let figures = figures(&tx, province, req.year).await?;
    let id = store::insert(
        &tx,
        province,
        tenant.org_id(),
        req.kind,
        req.year,
        figures,
        tenant.user_id(),
    )
    .await
    .map_err(|e| {
        ApiError::unique_or(
            e,
            "kind",
            "Tỉnh đã có báo cáo kỳ này (the province already has this report)",
        )
    })?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "extension_report.created",
            entity_type: "extension_report",
            entity_id: Some(id.to_string()),
            province_id: Some(province),
            after: Some(json!({"kind": req.kind, "year": req.year})),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let r = <ExtensionReport as kc_auth::Resource>::load(&tx, id, kc_auth::Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The kind of the caller's organisation.
async fn tenant_org_kind(tx: &Tx, org: Uuid) -> Result<Option<OrgKind>, ApiError> {
    use sea_orm::ConnectionTrait;
    let row = tx
        .query_one_raw(kc_db::stmt(
            "SELECT kind FROM identity.organisations WHERE id = $1",
            [org.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<String>("", "kind")?.parse().ok(),
        None => None,
    })
}

/// One report.
#[utoipa::path(get, path = "/api/v1/extension-reports/{id}", tag = "extension-reports",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>().on("extension_report")))),
    responses((status = 200, body = ExtensionReport), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_report(
    tenant: Tenant<ProvinceStaff>,
    Path(id): Path<Uuid>,
) -> Result<Json<ExtensionReport>, ApiError> {
    let (tx, r) = tenant.load::<ExtensionReport>(id).await?;
    tx.commit().await?;
    Ok(Json(r))
}

/// The department's edit of a draft or returned report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    /// The narrative: what was done, what was achieved, difficulties, proposals.
    #[schema(schema_with = kc_http::opt_text_schema::<20000>)]
    pub narrative: Option<String>,
    /// Fill the figures in again from the execution report as it is now.
    #[serde(default)]
    pub refresh_figures: bool,
}

fn editable(r: &ExtensionReport) -> Result<(), ApiError> {
    if matches!(
        r.status,
        ExtensionReportStatus::Draft | ExtensionReportStatus::Returned
    ) {
        Ok(())
    } else {
        Err(ApiError::wrong_state(
            r.status.as_str(),
            r.status.label_vi(),
            "Báo cáo đã gửi Bộ; chỉ sửa khi Bộ trả lại (sent: it changes only when returned)",
        ))
    }
}

fn same_version(seen: i32, r: &ExtensionReport) -> Result<(), ApiError> {
    if seen == r.version {
        Ok(())
    } else {
        Err(ApiError::stale_version(r.version))
    }
}

/// Write the narrative, or fill the figures in again (the department's officer; a draft or a
/// returned report).
#[utoipa::path(patch, path = "/api/v1/extension-reports/{id}", tag = "extension-reports", request_body = EditInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>().on("extension_report")))),
    responses((status = 200, body = ExtensionReport), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn edit_report(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<EditInput>,
) -> Result<Json<ExtensionReport>, ApiError> {
    let (tx, r) = tenant.load_for_update::<ExtensionReport>(id).await?;
    editable(&r)?;
    same_version(req.version, &r)?;
    let mut fields = FieldErrors::new();
    // An empty narrative clears it (it must be written before the report is sent).
    let narrative = req
        .narrative
        .as_deref()
        .map(|n| opt_text(&mut fields, "narrative", Some(n), 20000).unwrap_or_default());
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let figures = if req.refresh_figures {
        Some(figures(&tx, r.province_id, r.year).await?)
    } else {
        None
    };
    store::update(&tx, r.id, narrative.as_deref(), figures).await?;
    finish(&tenant, &meta, tx, &r, "extension_report.edited", None).await
}

/// The version the caller saw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
}

/// Send the report to the ministry (the department's officer), its figures filled in as they are
/// now; this fulfils the department's reporting duty (`workflow.extension_report_submitted`).
#[utoipa::path(post, path = "/api/v1/extension-reports/{id}/submit", tag = "extension-reports", request_body = SubmitInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>().on("extension_report"))),
               ("x-kc-server-rules" = json!({"narrative": "written before the report is sent"}))),
    responses((status = 200, body = ExtensionReport), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn submit_report(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<SubmitInput>,
) -> Result<Json<ExtensionReport>, ApiError> {
    let (tx, r) = tenant.load_for_update::<ExtensionReport>(id).await?;
    editable(&r)?;
    same_version(req.version, &r)?;
    if r.narrative.trim().is_empty() {
        return Err(ApiError::field(
            "narrative",
            "Cần viết phần đánh giá, kiến nghị trước khi gửi (write the narrative first)",
        ));
    }
    let figures = figures(&tx, r.province_id, r.year).await?;
    store::transition(
        &tx,
        r.id,
        ExtensionReportStatus::Submitted,
        tenant.user_id(),
        None,
        Some(figures),
    )
    .await?;
    kc_events::enqueue(
        &tx,
        SERVICE,
        &ExtensionReportSubmitted {
            report_id: r.id,
            province: r.province_id,
            organisation: r.organisation_id,
            kind: r.kind.as_str().to_owned(),
            year: r.year,
            version: r.version + 1,
            by: tenant.user_id(),
        },
    )
    .await?;
    finish(&tenant, &meta, tx, &r, "extension_report.submitted", None).await
}

/// Why a report goes back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    #[schema(schema_with = kc_http::text_schema::<2000>)]
    pub reason: String,
}

/// Return a sent report to its province for correction (the ministry's officer), with a reason.
#[utoipa::path(post, path = "/api/v1/extension-reports/{id}/return", tag = "extension-reports", request_body = ReturnInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOfficer>().on("extension_report")))),
    responses((status = 200, body = ExtensionReport), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn return_report(
    tenant: Tenant<MinistryOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<ReturnInput>,
) -> Result<Json<ExtensionReport>, ApiError> {
    let (tx, r) = tenant.load_for_update::<ExtensionReport>(id).await?;
    if r.status != ExtensionReportStatus::Submitted {
        return Err(ApiError::wrong_state(
            r.status.as_str(),
            r.status.label_vi(),
            "Chỉ trả lại báo cáo đã gửi (only a sent report is returned)",
        ));
    }
    same_version(req.version, &r)?;
    let mut fields = FieldErrors::new();
    let reason = req_text(&mut fields, "reason", &req.reason, 2000);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    store::transition(
        &tx,
        r.id,
        ExtensionReportStatus::Returned,
        tenant.user_id(),
        Some(&reason),
        None,
    )
    .await?;
    finish(
        &tenant,
        &meta,
        tx,
        &r,
        "extension_report.returned",
        Some(reason),
    )
    .await
}

/// Audit the change and answer with the report as it is now.
async fn finish<P>(
    tenant: &Tenant<P>,
    meta: &ClientMeta,
    tx: Tx,
    before: &ExtensionReport,
    action: &'static str,
    reason: Option<String>,
) -> Result<Json<ExtensionReport>, ApiError> {
    let after = <ExtensionReport as kc_auth::Resource>::load(&tx, before.id, kc_auth::Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action,
            entity_type: "extension_report",
            entity_id: Some(before.id.to_string()),
            province_id: Some(before.province_id),
            before: Some(json!({"status": before.status, "version": before.version})),
            after: Some(
                json!({"status": after.status, "version": after.version, "reason": reason}),
            ),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}
