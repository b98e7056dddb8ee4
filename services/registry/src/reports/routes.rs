//! `/api/v1/cluster-reports` and its neighbours: the province opens a report period (each party's
//! obligation announced), investors and tenant enterprises submit their reports online, the province
//! returns or accepts each, sees who has and has not reported, and consolidates its report for the
//! ministry, which sees every province's.

use super::figures::FiguresInput;
use super::state::Step;
use super::store::{self, ComplianceLine, Filter, Missing, NewReport, ProvinceReport, ReportRow};
use super::{Period, period};
use crate::SERVICE;
use crate::clusters::store::ClusterView;
use axum::http::StatusCode;
use kc_auth::{
    AnyUser, EnterpriseMember, Lock, ProvinceOfficer, ProvinceStaff, Tenant, audit_by, declare,
};
use kc_db::{AuditEvent, Tx, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Page, Paged, Path, Query, req_text};
use kc_kernel::{ReportKind, ReportParty, ReportStatus, today_vn};
use kc_service::ServiceState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ServiceState> {
    OpenApiRouter::new()
        .routes(routes!(list_periods, open_period))
        .routes(routes!(submit_report))
        .routes(routes!(list_reports))
        .routes(routes!(get_report))
        .routes(routes!(return_report))
        .routes(routes!(accept_report))
        .routes(routes!(compliance))
        .routes(routes!(list_province_reports, consolidate))
}

/// A year in a list's filter: 2000 to 2100.
fn filter_year(fields: &mut FieldErrors, year: Option<i32>) {
    if year.is_some_and(|y| !(2000..=2100).contains(&y)) {
        fields.insert(
            "year".into(),
            "Năm từ 2000 đến 2100 (year 2000 to 2100)".into(),
        );
    }
}

fn check_year(fields: &mut FieldErrors, year: i32) {
    let now = chrono::Datelike::year(&today_vn());
    if !(2000..=now + 1).contains(&year) {
        fields.insert(
            "year".into(),
            format!(
                "Năm báo cáo từ 2000 đến {} (year 2000 to next year)",
                now + 1
            ),
        );
    }
}

/// The period of `kind` and `year` for the province, or 422 naming `kind` when no rule is in force.
async fn period_of(
    tx: &Tx,
    kind: ReportKind,
    year: i32,
    province: Uuid,
) -> Result<Period, ApiError> {
    period(tx, kind, year, Some(province), today_vn())
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "kind",
                "Chưa có quy định về kỳ báo cáo này (no rule in force for this report period)",
            )
        })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodList {
    pub items: Vec<Period>,
}

/// The report periods of a year (this year by default) for the caller's province: data windows and
/// due dates, from the rules in force.
#[utoipa::path(get, path = "/api/v1/cluster-report-periods", tag = "cluster reports", params(PeriodQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"year": "2000 to next year"}))),
    responses((status = 200, body = PeriodList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_periods(
    tenant: Tenant<AnyUser>,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<PeriodList>, ApiError> {
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&today_vn()));
    let mut fields = FieldErrors::new();
    check_year(&mut fields, year);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let tx = tenant.begin().await?;
    // The ministry reads the national rule (any province's own rules are listed with the rules).
    let province = tenant.scope().province();
    let mut items = Vec::new();
    for kind in ReportKind::ALL {
        if let Some(p) = period(&tx, kind, year, province, today_vn()).await? {
            items.push(p);
        }
    }
    tx.commit().await?;
    Ok(Json(PeriodList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodInput {
    pub kind: ReportKind,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedPeriod {
    #[serde(flatten)]
    pub period: Period,
    /// The parties expected to report (investors and tenants of the province's clusters).
    pub parties: usize,
    /// Those whose obligation was announced now (the others had been already).
    pub announced: usize,
}

/// Open a report period for the province: every party expected to report (each cluster's investor and
/// tenant enterprises) is announced as `registry.cluster_report_due`, once per party and period;
/// opening it again announces only the parties added since.
#[utoipa::path(post, path = "/api/v1/cluster-report-periods", tag = "cluster reports", request_body = PeriodInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>())),
               ("x-kc-server-rules" = json!({"year": "2000 to next year", "kind": "a period rule in force"}))),
    responses((status = 201, body = OpenedPeriod), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn open_period(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Json(req): Json<PeriodInput>,
) -> Result<(StatusCode, Json<OpenedPeriod>), ApiError> {
    let mut fields = FieldErrors::new();
    check_year(&mut fields, req.year);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let province = crate::own_province(&tenant)?;
    let tx = tenant.begin().await?;
    let p = period_of(&tx, req.kind, req.year, province).await?;
    let parties = store::parties(&tx, province).await?;
    let announced = super::announce(&tx, province, &p, &parties).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "cluster_report_period.opened",
            entity_type: "cluster_report_period",
            entity_id: Some(format!("{}:{}", p.kind.as_str(), p.year)),
            province_id: Some(province),
            after: Some(
                serde_json::json!({"period": p, "parties": parties.len(), "announced": announced}),
            ),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(OpenedPeriod {
            period: p,
            parties: parties.len(),
            announced,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub kind: ReportKind,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    pub figures: FiguresInput,
}

/// Submit the caller's report on a cluster it invests in or operates in (or submit it again once the
/// province has returned it). Open from the first day of the period's data window; a report first
/// submitted after the due date is marked late. Announced as `registry.cluster_report_submitted`.
#[utoipa::path(post, path = "/api/v1/clusters/{id}/reports", tag = "cluster reports", request_body = ReportInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<EnterpriseMember>().on("cluster"))),
               ("x-kc-server-rules" = json!({"year": "2000 to next year, its data window begun",
                                             "kind": "a period rule in force",
                                             "leased_area_ha": "the investor's, within the industrial land; never a tenant's",
                                             "secondary_projects": "the investor's",
                                             "revenue": "a tenant's",
                                             "workers": "0 to 10 000 000"}))),
    responses((status = 201, body = ReportRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn submit_report(
    tenant: Tenant<EnterpriseMember>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<ReportInput>,
) -> Result<(StatusCode, Json<ReportRow>), ApiError> {
    let mut fields = FieldErrors::new();
    check_year(&mut fields, req.year);
    let (tx, cluster) = tenant.load::<ClusterView>(id).await?;
    let org = tenant.org_id();
    let party = if cluster.investor_org_id == Some(org) {
        ReportParty::Investor
    } else {
        ReportParty::Tenant
    };
    let figures = req
        .figures
        .check(party, cluster.industrial_area_ha, &mut fields);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let p = period_of(&tx, req.kind, req.year, cluster.province_id).await?;
    if today_vn() < p.window_from {
        return Err(ApiError::Conflict(format!(
            "Kỳ báo cáo bắt đầu từ ngày {} (the period has not begun)",
            kc_kernel::format_date_vn(p.window_from)
        )));
    }
    let figures = serde_json::to_value(&figures).map_err(ApiError::internal)?;
    let existing = store::find(&tx, id, org, req.kind, req.year).await?;
    if !Step::Submit.allowed_from(existing.as_ref().map(|r| r.status)) {
        let status = existing
            .as_ref()
            .map(|r| r.status)
            .unwrap_or(ReportStatus::Submitted);
        return Err(ApiError::wrong_state(
            status.as_str(),
            status.label_vi(),
            "Báo cáo kỳ này đã nộp; chỉ nộp lại khi Sở yêu cầu chỉnh sửa (already submitted; submit again only when returned)",
        ));
    }
    let report_id = match &existing {
        Some(r) => {
            store::resubmit(&tx, r.id, &figures, tenant.user_id()).await?;
            r.id
        }
        None => {
            store::insert(
                &tx,
                &NewReport {
                    province_id: cluster.province_id,
                    cluster_id: id,
                    organisation_id: org,
                    party,
                    period: &p,
                    figures,
                    by: tenant.user_id(),
                },
            )
            .await?
        }
    };
    let row = <ReportRow as kc_auth::Resource>::load(&tx, report_id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "cluster_report.submitted",
            entity_type: "cluster_report",
            entity_id: Some(report_id.to_string()),
            province_id: Some(cluster.province_id),
            before: existing.as_ref().and_then(|r| serde_json::to_value(r).ok()),
            after: serde_json::to_value(&row).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    super::announce_submitted(&tx, &row).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    pub kind: Option<ReportKind>,
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    pub status: Option<ReportStatus>,
    pub cluster_id: Option<Uuid>,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Reports: a province's (its staff), every province's (the ministry), an enterprise's own.
#[utoipa::path(get, path = "/api/v1/cluster-reports", tag = "cluster reports", params(ReportQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own"}))),
    responses((status = 200, body = Paged<ReportRow>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_reports(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<Paged<ReportRow>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let mut fields = FieldErrors::new();
    filter_year(&mut fields, q.year);
    let tx = tenant.begin().await?;
    let province_id = kc_auth::list_province(
        &tx,
        tenant.scope(),
        "province_code",
        q.province_code.as_deref(),
        &mut fields,
    )
    .await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let filter = Filter {
        province_id,
        cluster_id: q.cluster_id,
        kind: q.kind,
        year: q.year,
        status: q.status,
    };
    let (items, total) = store::list(&tx, &filter, page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

/// One report.
#[utoipa::path(get, path = "/api/v1/cluster-reports/{id}", tag = "cluster reports",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("cluster_report")))),
    responses((status = 200, body = ReportRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_report(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<ReportRow>, ApiError> {
    let (tx, row) = tenant.load::<ReportRow>(id).await?;
    tx.commit().await?;
    Ok(Json(row))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    /// Why it is returned (required to return), or a note on its acceptance.
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    #[serde(default)]
    pub note: Option<String>,
}

async fn review(
    tenant: &Tenant<ProvinceOfficer>,
    meta: &ClientMeta,
    id: Uuid,
    req: ReviewInput,
    step: Step,
) -> Result<Json<ReportRow>, ApiError> {
    // Who may see the report comes first (404), then what was sent.
    let (tx, before) = tenant.load_for_update::<ReportRow>(id).await?;
    let mut fields = FieldErrors::new();
    let note = match (step, req.note.as_deref()) {
        (Step::Return, n) => Some(req_text(&mut fields, "note", n.unwrap_or_default(), 2000)),
        (_, n) => kc_http::opt_text(&mut fields, "note", n, 2000),
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    if req.version != before.version {
        return Err(ApiError::stale_version(before.version));
    }
    if !step.allowed_from(Some(before.status)) {
        return Err(ApiError::wrong_state(
            before.status.as_str(),
            before.status.label_vi(),
            "Chỉ xem xét báo cáo đã nộp (only a submitted report is reviewed)",
        ));
    }
    store::review(&tx, id, step.to(), note, tenant.user_id()).await?;
    let after = <ReportRow as kc_auth::Resource>::load(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: match step {
                Step::Return => "cluster_report.returned",
                _ => "cluster_report.accepted",
            },
            entity_type: "cluster_report",
            entity_id: Some(id.to_string()),
            province_id: Some(before.province_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}

/// Return a submitted report to its party for corrections, saying why.
#[utoipa::path(post, path = "/api/v1/cluster-reports/{id}/return", tag = "cluster reports", request_body = ReviewInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>().on("cluster_report"))),
               ("x-kc-server-rules" = json!({"note": "required: why it is returned"}))),
    responses((status = 200, body = ReportRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn return_report(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<ReviewInput>,
) -> Result<Json<ReportRow>, ApiError> {
    review(&tenant, &meta, id, req, Step::Return).await
}

/// Accept a submitted report.
#[utoipa::path(post, path = "/api/v1/cluster-reports/{id}/accept", tag = "cluster reports", request_body = ReviewInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>().on("cluster_report")))),
    responses((status = 200, body = ReportRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn accept_report(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<ReviewInput>,
) -> Result<Json<ReportRow>, ApiError> {
    review(&tenant, &meta, id, req, Step::Accept).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ComplianceQuery {
    pub kind: ReportKind,
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Compliance {
    pub kind: ReportKind,
    pub year: i32,
    pub lines: Vec<ComplianceLine>,
    /// The parties that have not reported (a province's own; the first 2 000 for the nation).
    pub missing: Vec<Missing>,
}

/// Who has and has not reported for a period, per province (the ministry: every province).
#[utoipa::path(get, path = "/api/v1/cluster-reports/compliance", tag = "cluster reports", params(ComplianceQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own"}))),
    responses((status = 200, body = Compliance), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn compliance(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<ComplianceQuery>,
) -> Result<Json<Compliance>, ApiError> {
    let mut fields = FieldErrors::new();
    filter_year(&mut fields, Some(q.year));
    let tx = tenant.begin().await?;
    let province = kc_auth::list_province(
        &tx,
        tenant.scope(),
        "province_code",
        q.province_code.as_deref(),
        &mut fields,
    )
    .await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let lines = store::compliance(&tx, q.kind, q.year, province).await?;
    let missing = store::missing(&tx, q.kind, q.year, province).await?;
    tx.commit().await?;
    Ok(Json(Compliance {
        kind: q.kind,
        year: q.year,
        lines,
        missing,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProvinceReportQuery {
    pub kind: Option<ReportKind>,
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceReportList {
    pub items: Vec<ProvinceReport>,
}

/// The provinces' consolidated reports (a province's own; the ministry: every province's).
#[utoipa::path(get, path = "/api/v1/province-reports", tag = "cluster reports", params(ProvinceReportQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own"}))),
    responses((status = 200, body = ProvinceReportList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_province_reports(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<ProvinceReportQuery>,
) -> Result<Json<ProvinceReportList>, ApiError> {
    let mut fields = FieldErrors::new();
    filter_year(&mut fields, q.year);
    let tx = tenant.begin().await?;
    let province = kc_auth::list_province(
        &tx,
        tenant.scope(),
        "province_code",
        q.province_code.as_deref(),
        &mut fields,
    )
    .await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let items = store::province_reports(&tx, q.kind, q.year, province).await?;
    tx.commit().await?;
    Ok(Json(ProvinceReportList { items }))
}

/// Consolidate the province's report for the ministry from its accepted reports (sent again, it
/// replaces the last and its version grows).
#[utoipa::path(post, path = "/api/v1/province-reports", tag = "cluster reports", request_body = PeriodInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>())),
               ("x-kc-server-rules" = json!({"year": "2000 to next year"}))),
    responses((status = 201, body = ProvinceReport), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn consolidate(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Json(req): Json<PeriodInput>,
) -> Result<(StatusCode, Json<ProvinceReport>), ApiError> {
    let mut fields = FieldErrors::new();
    check_year(&mut fields, req.year);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let province = crate::own_province(&tenant)?;
    let tx = tenant.begin().await?;
    let totals = store::totals(&tx, province, req.kind, req.year).await?;
    let report =
        store::consolidate(&tx, province, req.kind, req.year, &totals, tenant.user_id()).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "province_report.submitted",
            entity_type: "province_report",
            entity_id: Some(report.id.to_string()),
            province_id: Some(province),
            after: serde_json::to_value(&report).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(report)))
}
