//! `/api/v1/schemes`: the centre builds a scheme from accepted applications; each step of the fund's
//! approval chain is taken by whoever the chain names; the province's appraisers score it.

use super::appraisal::{self, Conclusion, NewScore, ScoreRow};
use super::chain::{self, Step};
use super::store::{self, Beneficiary, Filter, NewScheme, SchemeView, StepChange, StepRow};
use crate::applications::caps::{self, Cap};
use crate::batch::Outcome;
use crate::budget::store::{self as budget, Commit};
use crate::rules::{SupportCapBody, store as rules};
use crate::{AppState, SERVICE};
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use kc_auth::{
    AnyUser, CentreOfficer, Lock, ProvinceOfficer, ProvinceStaff, Tenant, audit_by, declare,
};
use kc_db::{AuditEvent, Tx, audit};
use kc_events::SchemeTransitioned;
use kc_http::{
    ApiError, ClientMeta, FieldErrors, Json, Page, Paged, Path, Query, opt_text, req_text,
    search_text,
};
use kc_kernel::{
    ApplicationStatus, Fund, Money, Region, RuleKind, SchemeKind, SchemeStatus, format_date_vn,
    today_vn,
};
use kc_sheets::{Cell, Column, FileFormat, Kind, Table};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_schemes, create_scheme))
        .routes(routes!(export_schemes))
        .routes(routes!(get_scheme))
        .routes(routes!(advance))
        .routes(routes!(reject))
        .routes(routes!(score))
        .routes(routes!(batch))
        .routes(routes!(add_beneficiaries))
        .routes(routes!(list_steps))
}

/// A scheme with its beneficiaries, its history, its appraisal and its next step.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeOut {
    #[serde(flatten)]
    pub scheme: SchemeView,
    pub beneficiaries: Vec<Beneficiary>,
    pub steps: Vec<StepRow>,
    pub appraisal: Vec<ScoreRow>,
    pub conclusion: Option<Conclusion>,
    /// The next step of the chain, and who takes it (none at the end).
    pub next: Option<Step>,
    /// Whether the caller takes the next step.
    pub caller_acts: bool,
}

async fn scheme_out<P>(tenant: &Tenant<P>, tx: &Tx, s: SchemeView) -> Result<SchemeOut, ApiError> {
    let next = chain::next(tx, s.fund, s.status, today_vn()).await?;
    let appraisal = appraisal::scores(tx, s.id).await?;
    Ok(SchemeOut {
        beneficiaries: store::beneficiaries(tx, s.id).await?,
        steps: store::steps(tx, s.id).await?,
        conclusion: appraisal::conclude(&appraisal),
        appraisal,
        caller_acts: next.as_ref().is_some_and(|n| n.taken_by(tenant.claims())),
        next,
        scheme: s,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SchemeQuery {
    pub status: Option<SchemeStatus>,
    pub fund: Option<Fund>,
    #[param(minimum = 2000, maximum = 2099)]
    pub plan_year: Option<i32>,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    pub region: Option<Region>,
    /// Only schemes with (or without) a priority beneficiary.
    pub priority: Option<bool>,
    pub overdue: Option<bool>,
    #[param(schema_with = kc_http::search_text_schema)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Schemes: a province's (its department and centre), every province's (the ministry), priority and
/// point schemes first.
#[utoipa::path(get, path = "/api/v1/schemes", tag = "schemes", params(SchemeQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today"}))),
    responses((status = 200, body = Paged<SchemeView>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_schemes(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<SchemeQuery>,
) -> Result<Json<Paged<SchemeView>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let (tx, filter) = open_list(
        &tenant,
        Asked {
            status: q.status,
            fund: q.fund,
            plan_year: q.plan_year,
            province_code: q.province_code.as_deref(),
            region: q.region,
            priority: q.priority,
            overdue: q.overdue,
            q: q.q.as_deref(),
        },
    )
    .await?;
    let (items, total) = store::list(&tx, &filter, page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

/// What a scheme list or its export asks for, as sent.
struct Asked<'a> {
    status: Option<SchemeStatus>,
    fund: Option<Fund>,
    plan_year: Option<i32>,
    province_code: Option<&'a str>,
    region: Option<Region>,
    priority: Option<bool>,
    overdue: Option<bool>,
    q: Option<&'a str>,
}

/// Check what a list asks for and open its transaction: the filter, or 422 naming each field at
/// fault (the list and its export read the same schemes).
async fn open_list(tenant: &Tenant<ProvinceStaff>, a: Asked<'_>) -> Result<(Tx, Filter), ApiError> {
    let mut fields = FieldErrors::new();
    let search = search_text(&mut fields, "q", a.q);
    if a.plan_year.is_some_and(|y| !(2000..=2099).contains(&y)) {
        fields.insert(
            "plan_year".into(),
            "Năm kế hoạch từ 2000 đến 2099 (plan year 2000 to 2099)".into(),
        );
    }
    let tx = tenant.begin().await?;
    let province_id = kc_auth::list_province(
        &tx,
        tenant.scope(),
        "province_code",
        a.province_code,
        &mut fields,
    )
    .await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let filter = Filter {
        status: a.status,
        fund: a.fund,
        plan_year: a.plan_year,
        province_id,
        region: a.region,
        priority: a.priority,
        overdue: a.overdue,
        q: search,
    };
    Ok((tx, filter))
}

/// The most rows one export holds.
const EXPORT_LIMIT: u64 = 100_000;

/// The columns of the scheme list's export.
const EXPORT_COLUMNS: [Column; 17] = [
    Column {
        key: "province_code",
        heading: "Mã tỉnh",
        kind: Kind::Text,
        width: 8.0,
    },
    Column {
        key: "title",
        heading: "Tên đề án",
        kind: Kind::Text,
        width: 48.0,
    },
    Column {
        key: "fund",
        heading: "Nguồn kinh phí",
        kind: Kind::Text,
        width: 22.0,
    },
    Column {
        key: "plan_year",
        heading: "Năm kế hoạch",
        kind: Kind::Integer,
        width: 10.0,
    },
    Column {
        key: "kind",
        heading: "Loại đề án",
        kind: Kind::Text,
        width: 12.0,
    },
    Column {
        key: "activity_code",
        heading: "Nội dung hoạt động",
        kind: Kind::Text,
        width: 22.0,
    },
    Column {
        key: "status",
        heading: "Trạng thái",
        kind: Kind::Text,
        width: 22.0,
    },
    Column {
        key: "implementing_org_name",
        heading: "Đơn vị thực hiện",
        kind: Kind::Text,
        width: 32.0,
    },
    Column {
        key: "commune",
        heading: "Địa điểm",
        kind: Kind::Text,
        width: 24.0,
    },
    Column {
        key: "total_cost",
        heading: "Tổng kinh phí (đồng)",
        kind: Kind::Money,
        width: 18.0,
    },
    Column {
        key: "support_requested",
        heading: "Kinh phí đề nghị hỗ trợ (đồng)",
        kind: Kind::Money,
        width: 18.0,
    },
    Column {
        key: "support_approved",
        heading: "Kinh phí phê duyệt (đồng)",
        kind: Kind::Money,
        width: 18.0,
    },
    Column {
        key: "paid",
        heading: "Đã thanh toán (đồng)",
        kind: Kind::Money,
        width: 18.0,
    },
    Column {
        key: "settled",
        heading: "Đã quyết toán (đồng)",
        kind: Kind::Money,
        width: 18.0,
    },
    Column {
        key: "progress_percent",
        heading: "Tiến độ (%)",
        kind: Kind::Integer,
        width: 10.0,
    },
    Column {
        key: "beneficiary_count",
        heading: "Số cơ sở thụ hưởng",
        kind: Kind::Integer,
        width: 10.0,
    },
    Column {
        key: "created_on",
        heading: "Ngày lập",
        kind: Kind::Date,
        width: 12.0,
    },
];

fn export_cells(s: &SchemeView) -> Vec<Cell> {
    vec![
        s.province_code.clone().into(),
        s.title.clone().into(),
        s.fund.label_vi().into(),
        s.plan_year.into(),
        s.kind.label_vi().into(),
        s.activity_code.clone().into(),
        s.status.label_vi().into(),
        s.implementing_org_name.clone().into(),
        s.commune.clone().into(),
        s.total_cost.into(),
        s.support_requested.into(),
        s.support_approved.into(),
        s.paid.into(),
        s.settled.into(),
        s.progress_percent.into(),
        s.beneficiary_count.into(),
        kc_kernel::day_in_vietnam(s.created_at).into(),
    ]
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SchemeExportQuery {
    pub status: Option<SchemeStatus>,
    pub fund: Option<Fund>,
    #[param(minimum = 2000, maximum = 2099)]
    pub plan_year: Option<i32>,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    pub region: Option<Region>,
    pub priority: Option<bool>,
    pub overdue: Option<bool>,
    #[param(schema_with = kc_http::search_text_schema)]
    pub q: Option<String>,
    /// `xlsx` (default) or `csv`.
    pub format: Option<FileFormat>,
    /// The columns, comma-separated, in order (default: all): province_code, title, fund, plan_year,
    /// kind, activity_code, status, implementing_org_name, commune, total_cost, support_requested,
    /// support_approved, paid, settled, progress_percent, beneficiary_count, created_on.
    #[param(max_length = 400)]
    pub columns: Option<String>,
}

/// The scheme list as a spreadsheet (XLSX or CSV), with the list's filters and the columns chosen
/// (at most 100 000 schemes).
#[utoipa::path(get, path = "/api/v1/schemes/export", tag = "schemes", params(SchemeExportQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today", "columns": "known column keys"}))),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_schemes(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<SchemeExportQuery>,
) -> Result<axum::response::Response, ApiError> {
    let chosen = kc_sheets::choose(&EXPORT_COLUMNS, q.columns.as_deref())?;
    let (tx, filter) = open_list(
        &tenant,
        Asked {
            status: q.status,
            fund: q.fund,
            plan_year: q.plan_year,
            province_code: q.province_code.as_deref(),
            region: q.region,
            priority: q.priority,
            overdue: q.overdue,
            q: q.q.as_deref(),
        },
    )
    .await?;
    let (items, _) = store::list(&tx, &filter, EXPORT_LIMIT, 0).await?;
    tx.commit().await?;
    let table = Table {
        title: format!(
            "Danh sách đề án khuyến công (trích xuất ngày {})",
            format_date_vn(today_vn())
        ),
        sheet: "Đề án",
        all: &EXPORT_COLUMNS,
        chosen,
        rows: items.iter().map(export_cells).collect(),
    };
    kc_sheets::download(
        &table,
        q.format.unwrap_or_default(),
        &format!("de-an-{}", today_vn()),
    )
}

/// A new scheme, from accepted applications.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeInput {
    pub kind: SchemeKind,
    pub fund: Fund,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 2000, maximum = 2099)]
    pub plan_year: i32,
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$", example = "machinery")]
    pub activity_code: String,
    #[schema(schema_with = kc_http::text_schema::<300>)]
    pub title: String,
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub commune: String,
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "1000000000")]
    pub total_cost: Money,
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "300000000")]
    pub support_requested: Money,
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "700000000")]
    pub counterpart: Money,
    /// Accepted applications of the province, not yet in a scheme: their enterprises are the
    /// beneficiaries. A point scheme names at least one.
    #[schema(max_items = 200)]
    #[serde(default)]
    pub application_ids: Vec<Uuid>,
    /// The industrial cluster of the province the scheme supports (its infrastructure or its
    /// tenants), as the registry knows it.
    #[serde(default)]
    pub cluster_id: Option<Uuid>,
}

const SCHEME_RULES: &str = "an activity type in force; support within the cost, counterpart covering the rest; a point scheme names accepted applications";

/// Build a scheme (the centre, as its implementing unit) from accepted applications of its province.
#[utoipa::path(post, path = "/api/v1/schemes", tag = "schemes", request_body = SchemeInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>())),
               ("x-kc-server-rules" = json!({
                   "activity_code": SCHEME_RULES, "support_requested": SCHEME_RULES,
                   "counterpart": SCHEME_RULES, "application_ids": SCHEME_RULES,
                   "cluster_id": "a cluster of the province in the registry",
                   "plan_year": "this year or later"}))),
    responses((status = 201, body = SchemeOut), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_scheme(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Json(req): Json<SchemeInput>,
) -> Result<(StatusCode, Json<SchemeOut>), ApiError> {
    let mut fields = FieldErrors::new();
    let title = req_text(&mut fields, "title", &req.title, 300);
    let commune = req_text(&mut fields, "commune", &req.commune, 200);
    let today = today_vn();
    if !(today.year()..=2099).contains(&req.plan_year) {
        fields.insert(
            "plan_year".into(),
            format!(
                "Năm kế hoạch từ {} đến 2099 (plan year this year or later)",
                today.year()
            ),
        );
    }
    if req.support_requested > req.total_cost || req.support_requested == Money::ZERO {
        fields.insert(
            "support_requested".into(),
            "Mức hỗ trợ lớn hơn 0 và không vượt tổng chi phí (support above 0 and within the cost)"
                .into(),
        );
    } else if Some(req.counterpart) < req.total_cost.checked_sub(req.support_requested) {
        fields.insert(
            "counterpart".into(),
            "Vốn đối ứng tối thiểu bằng tổng chi phí trừ mức hỗ trợ (counterpart below the rest of the cost)".into(),
        );
    }
    if req.kind == SchemeKind::Point && req.application_ids.is_empty() {
        fields.insert(
            "application_ids".into(),
            "Đề án điểm cần nêu cơ sở thụ hưởng (a point scheme names its beneficiaries)".into(),
        );
    }
    if req.application_ids.len() > 200 {
        fields.insert(
            "application_ids".into(),
            "Tối đa 200 hồ sơ (at most 200)".into(),
        );
    }
    let Some(province) = tenant.scope().province() else {
        return Err(ApiError::Forbidden(
            "Chỉ Trung tâm Khuyến công (a centre only)".into(),
        ));
    };
    let tx = tenant.begin().await?;
    if rules::in_force(
        &tx,
        RuleKind::ActivityType,
        &req.activity_code,
        None,
        None,
        today,
    )
    .await?
    .is_none()
    {
        fields.insert(
            "activity_code".into(),
            format!(
                "Không có nội dung hoạt động \"{}\" đang áp dụng (unknown activity type)",
                req.activity_code
            ),
        );
    }
    // Each application: the province's, accepted, not yet in a scheme (the unique key says so too).
    let mut apps = Vec::new();
    for id in &req.application_ids {
        match crate::applications::store::by_id(&tx, *id, Lock::ForUpdate).await? {
            Some(a) if a.province_id == province && a.status == ApplicationStatus::Accepted => {
                apps.push(a)
            }
            _ => {
                fields.insert(
                    "application_ids".into(),
                    format!("Hồ sơ {id} không có hoặc chưa được tiếp nhận (not an accepted application of the province)"),
                );
            }
        }
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let id = store::insert(
        &tx,
        &NewScheme {
            province_id: province,
            implementing_org_id: tenant.org_id(),
            kind: req.kind,
            fund: req.fund,
            plan_year: req.plan_year,
            activity_code: req.activity_code,
            title,
            commune,
            total_cost: req.total_cost,
            support_requested: req.support_requested,
            counterpart: req.counterpart,
            cluster_id: req.cluster_id,
            prepared_by: tenant.user_id(),
        },
    )
    .await
    .map_err(|e| {
        if req.cluster_id.is_some() && kc_db::is_constraint_violation(&e) {
            ApiError::field(
                "cluster_id",
                "Không có cụm công nghiệp này trong tỉnh (no such cluster in the province)",
            )
        } else {
            e.into()
        }
    })?;
    for a in &apps {
        store::add_beneficiary(&tx, province, id, a.organisation_id, a.id)
            .await
            .map_err(|e| {
                ApiError::unique_or(
                    e,
                    "application_ids",
                    "Hồ sơ đã thuộc một đề án khác, hoặc hai hồ sơ của cùng một cơ sở (an application already in a scheme, or two of one enterprise)",
                )
            })?;
    }
    let scheme = store::by_id(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "scheme.created",
            entity_type: "scheme",
            entity_id: Some(id.to_string()),
            province_id: Some(province),
            after: serde_json::to_value(&scheme).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let out = scheme_out(&tenant, &tx, scheme).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// One scheme: beneficiaries, steps taken, appraisal, and the next step with who takes it.
#[utoipa::path(get, path = "/api/v1/schemes/{id}", tag = "schemes",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>().on("scheme")))),
    responses((status = 200, body = SchemeOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_scheme(
    tenant: Tenant<ProvinceStaff>,
    Path(id): Path<Uuid>,
) -> Result<Json<SchemeOut>, ApiError> {
    let (tx, s) = tenant.load::<SchemeView>(id).await?;
    let out = scheme_out(&tenant, &tx, s).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// A step: the version the caller saw, a reason, and (for the approving step) the support approved
/// (by default what the appraisal recommended).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$")]
    pub support_approved: Option<Money>,
}

fn wrong_state(s: &SchemeView, message: String) -> ApiError {
    ApiError::wrong_state(s.status.as_str(), s.status.label_vi(), message)
}

fn check_version(seen: i32, s: &SchemeView) -> Result<(), ApiError> {
    if seen == s.version {
        Ok(())
    } else {
        Err(ApiError::stale_version(s.version))
    }
}

/// The day a step with a deadline must be taken by: the deadline rule's day in the year before the
/// plan year, for the scheme's fund and province.
async fn deadline_day(
    tx: &Tx,
    step: &Step,
    s: &SchemeView,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, ApiError> {
    let Some(key) = step.deadline_key else {
        return Ok(None);
    };
    let Some(rule) = rules::in_force(
        tx,
        RuleKind::Deadline,
        key.as_str(),
        Some(s.fund),
        Some(s.province_id),
        today,
    )
    .await?
    else {
        return Ok(None);
    };
    let body: crate::rules::DeadlineBody = serde_json::from_value(rule.body)
        .map_err(|e| ApiError::internal(format!("deadline {}: {e}", rule.id)))?;
    Ok(NaiveDate::from_ymd_opt(
        s.plan_year - 1,
        body.month,
        body.day,
    ))
}

/// Take the scheme's next step in its fund's approval chain. Only the role and permission the chain
/// names take it (another allowed caller gets 403 naming the step); by the step's deadline; the
/// appraisal step needs appraisers who passed it; the approving step checks the cap rule again, keeps
/// the separation of duties and commits the support against the province's envelope of the fund.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/advance", tag = "schemes", request_body = AdvanceInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"support_approved": "within the support requested and the cap rule in force"}))),
    responses((status = 200, body = SchemeOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn advance(
    tenant: Tenant<ProvinceStaff>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<AdvanceInput>,
) -> Result<Json<SchemeOut>, ApiError> {
    take_next(&tenant, &meta, id, &req).await.map(Json)
}

/// Take one scheme's next step in its own transaction (see [`advance`]).
async fn take_next(
    tenant: &Tenant<ProvinceStaff>,
    meta: &ClientMeta,
    id: Uuid,
    req: &AdvanceInput,
) -> Result<SchemeOut, ApiError> {
    let mut fields = FieldErrors::new();
    let reason = opt_text(&mut fields, "reason", req.reason.as_deref(), 2000);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let today = today_vn();
    let (tx, s) = tenant.load_for_update::<SchemeView>(id).await?;
    check_version(req.version, &s)?;
    let Some(step) = chain::next(&tx, s.fund, s.status, today).await? else {
        return Err(wrong_state(
            &s,
            "Đề án đã ở cuối quy trình (the scheme is at the end of its chain)".into(),
        ));
    };
    if !step.taken_by(tenant.claims()) {
        return Err(ApiError::Forbidden(format!(
            "Bước \"{}\" do {} ({}) thực hiện (this step is taken by another role)",
            step.label_vi,
            step.actor_role.label_vi(),
            step.actor_permission.label_vi()
        )));
    }
    if let Some(due) = deadline_day(&tx, &step, &s, today).await?
        && today > due
    {
        return Err(wrong_state(
            &s,
            format!(
                "Đã quá hạn \"{}\" ngày {} cho kế hoạch năm {} (the deadline has passed)",
                step.label_vi,
                format_date_vn(due),
                s.plan_year
            ),
        ));
    }
    let mut change = StepChange::default();
    if step.needs_appraisal {
        let rows = appraisal::scores(&tx, s.id).await?;
        match appraisal::conclude(&rows) {
            None => {
                return Err(wrong_state(
                    &s,
                    "Chưa có thành viên nào chấm điểm thẩm định (no appraiser has scored)".into(),
                ));
            }
            Some(c) if !c.passes => {
                return Err(wrong_state(
                    &s,
                    "Kết luận thẩm định không đạt: hãy từ chối đề án (the appraisal did not pass: reject the scheme)".into(),
                ));
            }
            Some(c) => {
                change.support_recommended = Some(
                    c.recommended
                        .min(Money::new(s.support_requested).unwrap_or(Money::ZERO)),
                )
            }
        }
    }
    if step.commits_budget {
        let amount = approve_amount(&tx, tenant, &s, req.support_approved, today).await?;
        let envelope = budget::find(&tx, s.plan_year, s.fund, Some(s.province_id))
            .await?
            .ok_or_else(|| {
                wrong_state(
                    &s,
                    format!(
                        "Chưa có kinh phí {} năm {} của tỉnh (no envelope for the fund, year and province)",
                        s.fund.label_vi(),
                        s.plan_year
                    ),
                )
            })?;
        if budget::commit(&tx, envelope.id, amount).await? == Commit::Insufficient {
            return Err(ApiError::conflict_field(
                "support_approved",
                format!(
                    "Không đủ kinh phí: cần {amount}, nguồn còn {} (not enough money left in the envelope)",
                    Money::new(envelope.remaining.max(rust_decimal::Decimal::ZERO))
                        .unwrap_or(Money::ZERO)
                ),
            ));
        }
        change.approved = Some((amount, envelope.id));
    }
    finish_step(
        tenant,
        meta,
        tx,
        s,
        Some(step.step),
        step.to_status,
        reason,
        change,
    )
    .await
}

/// The support an approval commits: what the approver names, else the appraisal's recommendation,
/// else what was asked; never more than asked, within the cap rule in force; and the approver is not
/// who prepared or appraised the scheme.
async fn approve_amount(
    tx: &Tx,
    tenant: &Tenant<ProvinceStaff>,
    s: &SchemeView,
    named: Option<Money>,
    today: NaiveDate,
) -> Result<Money, ApiError> {
    let preparers = store::preparers(tx, s).await?;
    let appraisers: Vec<Uuid> = appraisal::scores(tx, s.id)
        .await?
        .iter()
        .map(|r| r.user_id)
        .collect();
    if preparers.contains(&tenant.user_id()) || appraisers.contains(&tenant.user_id()) {
        return Err(ApiError::Invalid {
            status: StatusCode::FORBIDDEN,
            code: "separation_of_duties",
            message: "Người xây dựng hoặc thẩm định đề án không được phê duyệt đề án đó (whoever prepared or appraised a scheme may not approve it)".into(),
            fields: FieldErrors::new(),
        });
    }
    let requested = Money::new(s.support_requested).unwrap_or(Money::ZERO);
    let amount = named
        .or_else(|| s.support_recommended.and_then(|d| Money::new(d).ok()))
        .unwrap_or(requested);
    let mut fields = FieldErrors::new();
    if amount > requested || amount == Money::ZERO {
        fields.insert(
            "support_approved".into(),
            format!("Mức phê duyệt lớn hơn 0 và không vượt mức đề nghị {requested} (above 0, within the support requested)"),
        );
    } else if let Some(rule) = rules::in_force(
        tx,
        RuleKind::SupportCap,
        &s.activity_code,
        Some(s.fund),
        Some(s.province_id),
        today,
    )
    .await?
    {
        let body: SupportCapBody = serde_json::from_value(rule.body)
            .map_err(|e| ApiError::internal(format!("support cap {}: {e}", rule.id)))?;
        let cost = Money::new(s.total_cost).unwrap_or(Money::ZERO);
        let mut cap_fields = FieldErrors::new();
        caps::check(
            cost,
            amount,
            &Cap {
                rule: body,
                valid_from: rule.valid_from,
                legal_basis: rule.legal_basis,
            },
            &mut cap_fields,
        );
        if let Some(m) = cap_fields.remove("support_requested") {
            fields.insert("support_approved".into(), m);
        }
    }
    if fields.is_empty() {
        Ok(amount)
    } else {
        Err(ApiError::validation(fields))
    }
}

/// Record a step (status, history, audit, event) and answer with the scheme.
#[allow(clippy::too_many_arguments)]
async fn finish_step<P>(
    tenant: &Tenant<P>,
    meta: &ClientMeta,
    tx: Tx,
    s: SchemeView,
    step: Option<i32>,
    to: SchemeStatus,
    reason: Option<String>,
    change: StepChange,
) -> Result<SchemeOut, ApiError> {
    let after = record_step(tenant, meta, &tx, &s, step, to, reason, &change).await?;
    let out = scheme_out(tenant, &tx, after).await?;
    tx.commit().await?;
    Ok(out)
}

/// Record a step of a locked scheme in the request's transaction: its status and history, the audit
/// row and the `workflow.scheme_transitioned` event; the scheme as it is after.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_step<P>(
    tenant: &Tenant<P>,
    meta: &ClientMeta,
    tx: &Tx,
    s: &SchemeView,
    step: Option<i32>,
    to: SchemeStatus,
    reason: Option<String>,
    change: &StepChange,
) -> Result<SchemeView, ApiError> {
    store::take_step(tx, s, step, to, tenant.user_id(), reason.as_deref(), change).await?;
    let after = store::by_id(tx, s.id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        tx,
        SERVICE,
        AuditEvent {
            action: match to {
                SchemeStatus::Rejected => "scheme.rejected",
                SchemeStatus::Terminated => "scheme.terminated",
                _ => "scheme.step",
            },
            entity_type: "scheme",
            entity_id: Some(s.id.to_string()),
            province_id: Some(s.province_id),
            before: Some(serde_json::json!({"status": s.status, "version": s.version})),
            after: Some(serde_json::json!({"status": after.status, "version": after.version, "step": step,
                                           "reason": reason, "support_approved": after.support_approved,
                                           "envelope_id": after.envelope_id})),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    kc_events::enqueue(
        tx,
        SERVICE,
        &SchemeTransitioned {
            scheme_id: s.id,
            province: s.province_id,
            fund: s.fund.as_str().to_owned(),
            plan_year: s.plan_year,
            from: s.status.as_str().to_owned(),
            to: after.status.as_str().to_owned(),
            version: after.version,
            by: tenant.user_id(),
            reason,
            support_approved: after.support_approved.map(|d| d.to_string()),
            title: Some(s.title.clone()),
        },
    )
    .await?;
    Ok(after)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    #[schema(schema_with = kc_http::text_schema::<2000>)]
    pub reason: String,
}

/// Refuse the scheme at its current step, with a reason: by whoever takes that step.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/reject", tag = "schemes", request_body = RejectInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>().on("scheme").decided_by_data()))),
    responses((status = 200, body = SchemeOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn reject(
    tenant: Tenant<ProvinceStaff>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<RejectInput>,
) -> Result<Json<SchemeOut>, ApiError> {
    let mut fields = FieldErrors::new();
    let reason = req_text(&mut fields, "reason", &req.reason, 2000);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let (tx, s) = tenant.load_for_update::<SchemeView>(id).await?;
    check_version(req.version, &s)?;
    let Some(step) = chain::next(&tx, s.fund, s.status, today_vn()).await? else {
        return Err(wrong_state(
            &s,
            "Đề án đã ở cuối quy trình (the scheme is at the end of its chain)".into(),
        ));
    };
    if !step.taken_by(tenant.claims()) {
        return Err(ApiError::Forbidden(format!(
            "Bước \"{}\" do {} thực hiện (this step is taken by another role)",
            step.label_vi,
            step.actor_role.label_vi()
        )));
    }
    finish_step(
        &tenant,
        &meta,
        tx,
        s,
        None,
        SchemeStatus::Rejected,
        Some(reason),
        StepChange::default(),
    )
    .await
    .map(Json)
}

/// An appraiser's declaration and scores.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    /// The appraiser declares no conflict of interest with the scheme: required to score.
    pub no_conflict: bool,
    /// Points per criterion of the rubric in force (its codes): whole numbers.
    #[schema(value_type = BTreeMap<String, u32>)]
    pub scores: BTreeMap<String, serde_json::Value>,
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$")]
    pub recommended_amount: Money,
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    pub note: Option<String>,
}

/// Score a registered scheme as one of the province's appraisers, after declaring no conflict of
/// interest. Someone of the implementing unit or of a beneficiary may not score; each appraiser
/// scores once.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/appraisal", tag = "schemes", request_body = ScoreInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>().on("scheme"))),
               ("x-kc-server-rules" = json!({
                   "no_conflict": "must be true",
                   "scores": "every criterion of the rubric in force, each within its maximum",
                   "recommended_amount": "within the support requested"}))),
    responses((status = 201, body = SchemeOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn score(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<ScoreInput>,
) -> Result<(StatusCode, Json<SchemeOut>), ApiError> {
    let mut fields = FieldErrors::new();
    let note = opt_text(&mut fields, "note", req.note.as_deref(), 2000);
    if !req.no_conflict {
        fields.insert(
            "no_conflict".into(),
            "Thành viên thẩm định phải cam kết không có xung đột lợi ích (declare no conflict of interest)".into(),
        );
    }
    let (tx, s) = tenant.load_for_update::<SchemeView>(id).await?;
    if s.status != SchemeStatus::Registered {
        return Err(wrong_state(&s, "Chỉ chấm điểm đề án đã đăng ký, chưa thẩm định (only a registered scheme is appraised)".into()));
    }
    let beneficiaries = store::beneficiaries(&tx, s.id).await?;
    if tenant.org_id() == s.implementing_org_id
        || beneficiaries
            .iter()
            .any(|b| b.organisation_id == tenant.org_id())
    {
        return Err(ApiError::Forbidden(
            "Thành viên thuộc đơn vị thực hiện hoặc cơ sở thụ hưởng không được chấm điểm (conflict of interest)".into(),
        ));
    }
    let rubric = appraisal::rubric(&tx, &s.activity_code, today_vn())
        .await?
        .ok_or_else(|| ApiError::internal("no rubric in force"))?;
    let given: BTreeMap<String, u32> = req
        .scores
        .iter()
        .filter_map(|(k, v)| {
            let points = v
                .as_u64()
                .or_else(|| {
                    v.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e6)
                        .map(|f| f as u64)
                })
                .and_then(|n| u32::try_from(n).ok());
            if points.is_none() {
                fields.insert(
                    "scores".into(),
                    format!("\"{k}\": điểm là số nguyên không âm (points are whole numbers)"),
                );
            }
            points.map(|p| (k.clone(), p))
        })
        .collect();
    let total = appraisal::total(&rubric, &given, &mut fields);
    if req.recommended_amount > Money::new(s.support_requested).unwrap_or(Money::ZERO) {
        fields.insert(
            "recommended_amount".into(),
            "Mức kiến nghị không vượt mức đề nghị hỗ trợ (within the support requested)".into(),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    appraisal::insert(
        &tx,
        &NewScore {
            province_id: s.province_id,
            scheme_id: s.id,
            user_id: tenant.user_id(),
            organisation_id: tenant.org_id(),
            scores: serde_json::to_value(&given).unwrap_or_default(),
            total,
            recommended_amount: req.recommended_amount,
            passes: total >= rubric.pass_total,
            note,
        },
    )
    .await
    .map_err(|e| {
        ApiError::unique_or(
            e,
            "scores",
            "Thành viên này đã chấm điểm đề án (already scored)",
        )
    })?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "scheme.appraisal_scored",
            entity_type: "scheme",
            entity_id: Some(s.id.to_string()),
            province_id: Some(s.province_id),
            after: Some(
                serde_json::json!({"total": total, "recommended_amount": req.recommended_amount,
                                           "passes": total >= rubric.pass_total}),
            ),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let out = scheme_out(&tenant, &tx, s).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ChainQuery {
    pub fund: Option<Fund>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainList {
    pub items: Vec<Step>,
}

/// The approval chain of each fund in force today: its steps and who takes each.
#[utoipa::path(get, path = "/api/v1/approval-steps", tag = "schemes", params(ChainQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = ChainList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_steps(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ChainQuery>,
) -> Result<Json<ChainList>, ApiError> {
    let tx = tenant.begin().await?;
    let items = chain::all(&tx, q.fund, today_vn()).await?;
    tx.commit().await?;
    Ok(Json(ChainList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeBatchItem {
    pub id: Uuid,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeBatchInput {
    #[schema(min_items = 1, max_items = 200)]
    pub items: Vec<SchemeBatchItem>,
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    pub reason: Option<String>,
}

/// Take the next step of many schemes at once (the ministry approving the year's plan, a province
/// sending its registration): each item in its own transaction, answered on its own.
#[utoipa::path(post, path = "/api/v1/schemes/batch", tag = "schemes", request_body = SchemeBatchInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>().decided_by_data())),
               ("x-kc-server-rules" = json!({"items": "1 to 200 items"}))),
    responses((status = 200, body = Outcome<SchemeOut>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn batch(
    tenant: Tenant<ProvinceStaff>,
    meta: ClientMeta,
    Json(req): Json<SchemeBatchInput>,
) -> Result<Json<Outcome<SchemeOut>>, ApiError> {
    let mut fields = FieldErrors::new();
    opt_text(&mut fields, "reason", req.reason.as_deref(), 2000);
    if req.items.is_empty() || req.items.len() > 200 || req.items.iter().any(|i| i.version < 1) {
        fields.insert(
            "items".into(),
            "Từ 1 đến 200 đề án, phiên bản từ 1 (1 to 200 items, versions from 1)".into(),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let mut results = Vec::with_capacity(req.items.len());
    for item in &req.items {
        let input = AdvanceInput {
            version: item.version,
            reason: req.reason.clone(),
            support_approved: None,
        };
        results.push((item.id, take_next(&tenant, &meta, item.id, &input).await));
    }
    Ok(Json(Outcome::of(results)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficiariesInput {
    #[schema(min_items = 1, max_items = 200)]
    pub application_ids: Vec<Uuid>,
}

/// Name more beneficiaries of a grouped scheme, from accepted applications of its province not yet
/// in a scheme (the centre that implements it).
#[utoipa::path(post, path = "/api/v1/schemes/{id}/beneficiaries", tag = "schemes", request_body = BeneficiariesInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>().on("scheme"))),
               ("x-kc-server-rules" = json!({"application_ids": "accepted applications of the province, not yet in a scheme"}))),
    responses((status = 200, body = SchemeOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn add_beneficiaries(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<BeneficiariesInput>,
) -> Result<Json<SchemeOut>, ApiError> {
    if req.application_ids.is_empty() || req.application_ids.len() > 200 {
        return Err(ApiError::field(
            "application_ids",
            "Từ 1 đến 200 hồ sơ (1 to 200 applications)",
        ));
    }
    let (tx, s) = tenant.load_for_update::<SchemeView>(id).await?;
    if s.kind != SchemeKind::Grouped || s.status == SchemeStatus::Rejected {
        return Err(wrong_state(
            &s,
            "Chỉ bổ sung cơ sở thụ hưởng cho đề án nhóm chưa bị từ chối (only a grouped scheme that is not rejected)".into(),
        ));
    }
    let mut fields = FieldErrors::new();
    for app_id in &req.application_ids {
        match crate::applications::store::by_id(&tx, *app_id, Lock::ForUpdate).await? {
            Some(a)
                if a.province_id == s.province_id && a.status == ApplicationStatus::Accepted =>
            {
                store::add_beneficiary(&tx, s.province_id, s.id, a.organisation_id, a.id)
                    .await
                    .map_err(|e| {
                        ApiError::unique_or(
                            e,
                            "application_ids",
                            "Hồ sơ đã thuộc một đề án, hoặc cơ sở đã là thụ hưởng của đề án này (already in a scheme)",
                        )
                    })?;
            }
            _ => {
                fields.insert(
                    "application_ids".into(),
                    format!("Hồ sơ {app_id} không có hoặc chưa được tiếp nhận (not an accepted application of the province)"),
                );
            }
        }
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "scheme.beneficiaries_added",
            entity_type: "scheme",
            entity_id: Some(s.id.to_string()),
            province_id: Some(s.province_id),
            after: Some(serde_json::json!({"application_ids": req.application_ids})),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let after = store::by_id(&tx, s.id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    let out = scheme_out(&tenant, &tx, after).await?;
    tx.commit().await?;
    Ok(Json(out))
}
