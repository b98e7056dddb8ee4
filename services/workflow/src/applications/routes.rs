//! `/api/v1/applications`: an enterprise's drafts and submissions, the centre's queue and decisions,
//! the submitted versions and their differences.

use super::caps::{self, Cap};
use super::diff::{Change, diff};
use super::state::{Action, Party, editable, holder};
use super::store::{self, ApplicationStep, ApplicationView, Content, Filter, Sort, VersionRow};
use crate::AppState;
use crate::SERVICE;
use crate::batch::Outcome;
use crate::rules::{SupportCapBody, store as rules};
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use kc_auth::{AnyUser, CentreOfficer, EnterpriseMember, Lock, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit};
use kc_events::ApplicationTransitioned;
use kc_http::{
    ApiError, ClientMeta, FieldErrors, Json, Page, PageQuery, Paged, Path, Query, opt_text,
    req_text, search_text,
};
use kc_kernel::{
    ApplicationStatus, Fund, Money, Region, RuleKind, Scope, day_in_vietnam, today_vn,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_applications, create_application))
        .routes(routes!(get_application, save_application))
        .routes(routes!(submit))
        .routes(routes!(withdraw))
        .routes(routes!(review))
        .routes(routes!(return_application))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(batch))
        .routes(routes!(history))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(diff_versions))
}

/// An application with what the caller may do next.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationOut {
    #[serde(flatten)]
    pub application: ApplicationView,
    /// Who holds it now: the applicant or the centre (none once decided).
    pub holder: Option<Party>,
    /// The steps the caller may take now.
    pub actions: Vec<Action>,
}

fn out(caller_scope: Scope, role: kc_kernel::Role, a: ApplicationView) -> ApplicationOut {
    let party = match (caller_scope, role) {
        (Scope::Enterprise { .. }, _) => Some(Party::Applicant),
        (_, kc_kernel::Role::Centre) => Some(Party::Centre),
        _ => None,
    };
    let actions = Action::ALL
        .into_iter()
        .filter(|act| Some(act.party()) == party && act.allowed_from(a.status))
        .collect();
    ApplicationOut {
        holder: holder(a.status),
        actions,
        application: a,
    }
}

fn out_for<P>(tenant: &Tenant<P>, a: ApplicationView) -> ApplicationOut {
    out(tenant.scope(), tenant.role(), a)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub status: Option<ApplicationStatus>,
    pub fund: Option<Fund>,
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub activity_code: Option<String>,
    /// Part of the commune's name (taken literally).
    #[param(schema_with = kc_http::search_text_schema)]
    pub commune: Option<String>,
    #[param(minimum = 2000, maximum = 2099)]
    pub plan_year: Option<i32>,
    /// Only those past (true) or within (false) their stage's time limit.
    pub overdue: Option<bool>,
    /// One province (the ministry; others always see their own).
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    pub region: Option<Region>,
    /// Part of the title or the applicant's name (taken literally).
    #[param(schema_with = kc_http::search_text_schema)]
    pub q: Option<String>,
    #[param(inline)]
    pub sort: Option<Sort>,
}

impl ListQuery {
    /// The filters as [`open_list`] checks them.
    pub(super) fn asked(&self) -> Asked<'_> {
        Asked {
            status: self.status,
            fund: self.fund,
            activity_code: self.activity_code.as_deref(),
            commune: self.commune.as_deref(),
            plan_year: self.plan_year,
            overdue: self.overdue,
            province_code: self.province_code.as_deref(),
            region: self.region,
            q: self.q.as_deref(),
        }
    }
}

/// Applications the caller may see: an enterprise its own, a centre or department its province's
/// (the queue), the ministry every province's. Filtered, sorted, paged.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListQuery, PageQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today",
                                             "activity_code": "letters a-z, digits and _"}))),
    responses((status = 200, body = Paged<ApplicationOut>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_applications(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ListQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Paged<ApplicationOut>>, ApiError> {
    let page = Page::parse(p.page, p.per_page)?;
    let (tx, filter) = open_list(&tenant, q.asked()).await?;
    let (items, total) = store::list(
        &tx,
        &filter,
        q.sort.unwrap_or_default(),
        page.limit,
        page.offset,
    )
    .await?;
    tx.commit().await?;
    let items = items.into_iter().map(|a| out_for(&tenant, a)).collect();
    Ok(Json(Paged::new(items, total, page)))
}

/// What a list of applications or its export asks for, as sent.
pub(super) struct Asked<'a> {
    pub status: Option<ApplicationStatus>,
    pub fund: Option<Fund>,
    pub activity_code: Option<&'a str>,
    pub commune: Option<&'a str>,
    pub plan_year: Option<i32>,
    pub overdue: Option<bool>,
    pub province_code: Option<&'a str>,
    pub region: Option<Region>,
    pub q: Option<&'a str>,
}

/// Check what a list asks for and open its transaction: the filter (an enterprise's own
/// applications only), or 422 naming each field at fault. The list and its export read the same
/// applications.
pub(super) async fn open_list<P>(
    tenant: &Tenant<P>,
    a: Asked<'_>,
) -> Result<(Tx, Filter), ApiError> {
    let mut fields = FieldErrors::new();
    let commune = search_text(&mut fields, "commune", a.commune);
    let search = search_text(&mut fields, "q", a.q);
    if a.activity_code.is_some_and(|c| !crate::rules::is_key(c)) {
        fields.insert("activity_code".into(), ACTIVITY_CODE_SHAPE.into());
    }
    if a.plan_year.is_some_and(|y| !(2000..=2099).contains(&y)) {
        fields.insert("plan_year".into(), PLAN_YEAR_RANGE.into());
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
    let organisation_id = match tenant.scope() {
        Scope::Enterprise { org, .. } => Some(org),
        _ => None,
    };
    let filter = Filter {
        status: a.status,
        fund: a.fund,
        activity_code: a.activity_code.map(str::to_owned),
        commune,
        plan_year: a.plan_year,
        overdue: a.overdue,
        province_id,
        region: a.region,
        organisation_id,
        q: search,
    };
    Ok((tx, filter))
}

const ACTIVITY_CODE_SHAPE: &str =
    "Mã nội dung gồm chữ thường a-z, chữ số và _ (activity code: a-z, 0-9, _)";
const VERSION_FROM_ONE: &str = "Phiên bản bắt đầu từ 1 (version starts at 1)";
const PLAN_YEAR_RANGE: &str = "Năm kế hoạch từ 2000 đến 2099 (plan year 2000 to 2099)";

/// The content of a draft as the applicant sends it: every field may be empty until submission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// The version last read; required to save an existing application (a stale one answers 412).
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    #[schema(minimum = 1)]
    pub version: Option<i32>,
    pub fund: Option<Fund>,
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$", example = "machinery")]
    pub activity_code: Option<String>,
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    #[schema(minimum = 2000, maximum = 2099)]
    pub plan_year: Option<i32>,
    #[schema(schema_with = kc_http::opt_text_schema::<300>)]
    pub title: Option<String>,
    #[schema(schema_with = kc_http::opt_text_schema::<200>)]
    pub commune: Option<String>,
    /// Whole đồng.
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$", example = "1000000000")]
    pub total_cost: Option<Money>,
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$", example = "300000000")]
    pub support_requested: Option<Money>,
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$", example = "700000000")]
    pub counterpart: Option<Money>,
    #[schema(schema_with = kc_http::opt_text_schema::<5000>)]
    pub expected_results: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    pub difficult_area: bool,
}

fn check_date(fields: &mut FieldErrors, name: &str, d: Option<NaiveDate>) -> Option<NaiveDate> {
    let d = d?;
    if !(2000..=2099).contains(&d.year()) {
        fields.insert(
            name.into(),
            "Ngày trong khoảng năm 2000–2099 (a date from 2000 to 2099)".into(),
        );
    }
    Some(d)
}

/// Check a draft's fields one by one (shape, not completeness: that is for submission).
fn parse_draft(req: &DraftInput, fields: &mut FieldErrors) -> Content {
    if req.version.is_some_and(|v| v < 1) {
        fields.insert("version".into(), VERSION_FROM_ONE.into());
    }
    if req
        .activity_code
        .as_deref()
        .is_some_and(|c| !crate::rules::is_key(c))
    {
        fields.insert("activity_code".into(), ACTIVITY_CODE_SHAPE.into());
    }
    if req.plan_year.is_some_and(|y| !(2000..=2099).contains(&y)) {
        fields.insert("plan_year".into(), PLAN_YEAR_RANGE.into());
    }
    let start_date = check_date(fields, "start_date", req.start_date);
    let end_date = check_date(fields, "end_date", req.end_date);
    if let (Some(s), Some(e)) = (start_date, end_date)
        && e < s
    {
        fields.insert(
            "end_date".into(),
            "Ngày kết thúc không được trước ngày bắt đầu (end before start)".into(),
        );
    }
    Content {
        fund: req.fund,
        activity_code: req.activity_code.clone(),
        plan_year: req.plan_year,
        title: opt_text(fields, "title", req.title.as_deref(), 300),
        commune: opt_text(fields, "commune", req.commune.as_deref(), 200),
        total_cost: req.total_cost,
        support_requested: req.support_requested,
        counterpart: req.counterpart,
        expected_results: opt_text(
            fields,
            "expected_results",
            req.expected_results.as_deref(),
            5000,
        ),
        start_date,
        end_date,
        difficult_area: req.difficult_area,
        woman_owned: false,
        ethnic_minority_owned: false,
    }
}

/// Start an application (a draft) for the caller's enterprise.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = DraftInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<EnterpriseMember>())),
               ("x-kc-server-rules" = json!({
                   "start_date": "from 2000 to 2099", "end_date": "from 2000 to 2099, not before start_date"}))),
    responses((status = 201, body = ApplicationOut), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_application(
    tenant: Tenant<EnterpriseMember>,
    meta: ClientMeta,
    Json(req): Json<DraftInput>,
) -> Result<(StatusCode, Json<ApplicationOut>), ApiError> {
    let mut fields = FieldErrors::new();
    let mut content = parse_draft(&req, &mut fields);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let Scope::Enterprise { province, org } = tenant.scope() else {
        return Err(ApiError::Forbidden(
            "Chỉ doanh nghiệp nộp hồ sơ (only enterprises apply)".into(),
        ));
    };
    let tx = tenant.begin().await?;
    (content.woman_owned, content.ethnic_minority_owned) = store::profile_flags(&tx, org).await?;
    let id = store::insert(&tx, province, org, &content, tenant.user_id()).await?;
    let created = store::by_id(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "application.created",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            after: serde_json::to_value(created.content()).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out_for(&tenant, created))))
}

/// One application, with whose move it is, its stage's time limit, and the steps the caller may take.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("application")))),
    responses((status = 200, body = ApplicationOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_application(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let (tx, a) = tenant.load::<ApplicationView>(id).await?;
    tx.commit().await?;
    Ok(Json(out_for(&tenant, a)))
}

/// Check that the version the client saw is current: 412 otherwise.
fn check_version(seen: Option<i32>, current: &ApplicationView) -> Result<(), ApiError> {
    match seen {
        Some(v) if v == current.version => Ok(()),
        Some(_) => Err(ApiError::stale_version(current.version)),
        None => Err(ApiError::field(
            "version",
            "Cần gửi phiên bản đã đọc (version is required)",
        )),
    }
}

fn wrong_state(a: &ApplicationView, what: &str) -> ApiError {
    ApiError::wrong_state(
        a.status.as_str(),
        a.status.label_vi(),
        format!(
            "Không thể {what}: hồ sơ đang ở trạng thái \"{}\" (not allowed in the current state)",
            a.status.label_vi()
        ),
    )
}

/// Save the content of a draft or of a returned application (the whole form, as often as the applicant
/// likes; nothing is submitted).
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", request_body = DraftInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<EnterpriseMember>().on("application"))),
               ("x-kc-server-rules" = json!({
                   "version": "required",
                   "start_date": "from 2000 to 2099", "end_date": "from 2000 to 2099, not before start_date"}))),
    responses((status = 200, body = ApplicationOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn save_application(
    tenant: Tenant<EnterpriseMember>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<DraftInput>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let mut fields = FieldErrors::new();
    let mut content = parse_draft(&req, &mut fields);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let (tx, before) = tenant.load_for_update::<ApplicationView>(id).await?;
    check_version(req.version, &before)?;
    if !editable(before.status) {
        return Err(wrong_state(&before, "sửa hồ sơ"));
    }
    (content.woman_owned, content.ethnic_minority_owned) =
        store::profile_flags(&tx, before.organisation_id).await?;
    store::save_content(&tx, id, &content).await?;
    let after = store::by_id(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "application.saved",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            province_id: Some(before.province_id),
            before: serde_json::to_value(before.content()).ok(),
            after: serde_json::to_value(after.content()).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(out_for(&tenant, after)))
}

/// A step of the life cycle: the version the client saw, and the reason (required to return or
/// reject).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    pub reason: Option<String>,
}

/// Everything a submission must have, and the rules it must keep, as of `today`.
async fn check_submission(
    tx: &Tx,
    c: &Content,
    province: Uuid,
    today: NaiveDate,
) -> Result<FieldErrors, ApiError> {
    let mut f = FieldErrors::new();
    let missing = |f: &mut FieldErrors, name: &str, present: bool| {
        if !present {
            f.insert(
                name.into(),
                "Cần điền trước khi nộp (required to submit)".into(),
            );
        }
    };
    missing(&mut f, "fund", c.fund.is_some());
    missing(&mut f, "activity_code", c.activity_code.is_some());
    missing(&mut f, "plan_year", c.plan_year.is_some());
    missing(&mut f, "title", c.title.is_some());
    missing(&mut f, "commune", c.commune.is_some());
    missing(
        &mut f,
        "total_cost",
        c.total_cost.is_some_and(|m| m > Money::ZERO),
    );
    missing(
        &mut f,
        "support_requested",
        c.support_requested.is_some_and(|m| m > Money::ZERO),
    );
    missing(&mut f, "counterpart", c.counterpart.is_some());
    missing(&mut f, "expected_results", c.expected_results.is_some());
    missing(&mut f, "start_date", c.start_date.is_some());
    missing(&mut f, "end_date", c.end_date.is_some());
    if let Some(year) = c.plan_year {
        if year < today.year() {
            f.insert(
                "plan_year".into(),
                format!(
                    "Năm kế hoạch không được trước năm {} (plan year in the past)",
                    today.year()
                ),
            );
        }
        for (name, d) in [("start_date", c.start_date), ("end_date", c.end_date)] {
            if d.is_some_and(|d| d.year() != year) {
                f.insert(
                    name.into(),
                    format!("Ngày phải trong năm kế hoạch {year} (a date within the plan year)"),
                );
            }
        }
    }
    if let (Some(cost), Some(support)) = (c.total_cost, c.support_requested) {
        if support > cost {
            f.insert(
                "support_requested".into(),
                format!("Mức hỗ trợ {support} vượt tổng chi phí {cost} (support above the cost)"),
            );
        } else if let Some(counterpart) = c.counterpart {
            let needed = cost.checked_sub(support).unwrap_or(Money::ZERO);
            if counterpart < needed {
                f.insert(
                    "counterpart".into(),
                    format!(
                        "Vốn đối ứng tối thiểu {needed} (tổng chi phí trừ mức hỗ trợ) (counterpart below the cost not supported)"
                    ),
                );
            }
        }
    }
    if let Some(code) = &c.activity_code
        && rules::in_force(tx, RuleKind::ActivityType, code, None, None, today)
            .await?
            .is_none()
    {
        f.insert(
            "activity_code".into(),
            format!("Không có nội dung hoạt động \"{code}\" đang áp dụng (unknown activity type)"),
        );
    }
    if let (Some(code), Some(fund), Some(cost), Some(support), false) = (
        &c.activity_code,
        c.fund,
        c.total_cost,
        c.support_requested,
        f.contains_key("support_requested") || f.contains_key("activity_code"),
    ) && let Some(rule) = rules::in_force(
        tx,
        RuleKind::SupportCap,
        code,
        Some(fund),
        Some(province),
        today,
    )
    .await?
    {
        let body: SupportCapBody = serde_json::from_value(rule.body)
            .map_err(|e| ApiError::internal(format!("support cap {}: {e}", rule.id)))?;
        caps::check(
            cost,
            support,
            &Cap {
                rule: body,
                valid_from: rule.valid_from,
                legal_basis: rule.legal_basis,
            },
            &mut f,
        );
    }
    Ok(f)
}

/// Make one step on one application, in its own transaction: lock, check the version, the state, the
/// content for a submission; change; keep the version; audit; announce.
async fn step<P>(
    tenant: &Tenant<P>,
    meta: &ClientMeta,
    id: Uuid,
    action: Action,
    req: &StepInput,
) -> Result<ApplicationOut, ApiError> {
    let mut fields = FieldErrors::new();
    if req.version < 1 {
        fields.insert("version".into(), VERSION_FROM_ONE.into());
    }
    let reason = if action.needs_reason() {
        Some(req_text(
            &mut fields,
            "reason",
            req.reason.as_deref().unwrap_or(""),
            2000,
        ))
    } else {
        opt_text(&mut fields, "reason", req.reason.as_deref(), 2000)
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let (tx, before) = tenant.load_for_update::<ApplicationView>(id).await?;
    check_version(Some(req.version), &before)?;
    if !action.allowed_from(before.status) {
        return Err(wrong_state(&before, action_vi(action)));
    }
    if action == Action::Submit {
        let mut content = before.content();
        (content.woman_owned, content.ethnic_minority_owned) =
            store::profile_flags(&tx, before.organisation_id).await?;
        let problems = check_submission(&tx, &content, before.province_id, today_vn()).await?;
        if !problems.is_empty() {
            return Err(ApiError::validation(problems));
        }
        if content != before.content() {
            store::save_content(&tx, id, &content).await?;
        }
        store::add_version(
            &tx,
            before.province_id,
            id,
            before.submissions + 1,
            &content,
            tenant.user_id(),
        )
        .await?;
    }
    store::set_status(
        &tx,
        &before,
        action.to(),
        (tenant.role(), tenant.user_id()),
        reason.as_deref(),
        action == Action::Submit,
    )
    .await?;
    let after = store::by_id(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: action.audit_action(),
            entity_type: "application",
            entity_id: Some(id.to_string()),
            province_id: Some(before.province_id),
            before: Some(serde_json::json!({"status": before.status, "version": before.version})),
            after: Some(
                serde_json::json!({"status": after.status, "version": after.version,
                                           "reason": reason}),
            ),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    kc_events::enqueue(
        &tx,
        SERVICE,
        &ApplicationTransitioned {
            application_id: id,
            province: before.province_id,
            organisation_id: before.organisation_id,
            from: before.status.as_str().to_owned(),
            to: after.status.as_str().to_owned(),
            version: after.version,
            by: tenant.user_id(),
            reason,
            title: after.title.clone(),
            holder: holder(after.status).map(|p| p.level().as_str().to_owned()),
            due_on: after.due_at.map(day_in_vietnam),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out_for(tenant, after))
}

fn action_vi(a: Action) -> &'static str {
    match a {
        Action::Submit => "nộp hồ sơ",
        Action::Review => "tiếp nhận xem xét",
        Action::Return => "trả lại hồ sơ",
        Action::Accept => "chấp nhận hồ sơ",
        Action::Reject => "từ chối hồ sơ",
        Action::Withdraw => "rút hồ sơ",
    }
}

const SUBMIT_RULES: &str = "complete, within the plan year, support within the cost and the cap rule in force, counterpart covering the rest";

/// Submit a draft or a returned application (the applicant). Completeness, the plan year, the
/// counterpart and the support cap rule in force are checked; the content is kept as a new version.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications", request_body = StepInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<EnterpriseMember>().on("application"))),
               ("x-kc-server-rules" = json!({
                   "fund": SUBMIT_RULES, "activity_code": SUBMIT_RULES, "plan_year": SUBMIT_RULES,
                   "title": SUBMIT_RULES, "commune": SUBMIT_RULES, "total_cost": SUBMIT_RULES,
                   "support_requested": SUBMIT_RULES, "counterpart": SUBMIT_RULES,
                   "expected_results": SUBMIT_RULES, "start_date": SUBMIT_RULES, "end_date": SUBMIT_RULES}))),
    responses((status = 200, body = ApplicationOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn submit(
    tenant: Tenant<EnterpriseMember>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<StepInput>,
) -> Result<Json<ApplicationOut>, ApiError> {
    step(&tenant, &meta, id, Action::Submit, &req)
        .await
        .map(Json)
}

/// Withdraw an application before a decision (the applicant).
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "applications", request_body = StepInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<EnterpriseMember>().on("application")))),
    responses((status = 200, body = ApplicationOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn withdraw(
    tenant: Tenant<EnterpriseMember>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<StepInput>,
) -> Result<Json<ApplicationOut>, ApiError> {
    step(&tenant, &meta, id, Action::Withdraw, &req)
        .await
        .map(Json)
}

/// Take a submitted application up for review (the centre).
#[utoipa::path(post, path = "/api/v1/applications/{id}/review", tag = "applications", request_body = StepInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>().on("application")))),
    responses((status = 200, body = ApplicationOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn review(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<StepInput>,
) -> Result<Json<ApplicationOut>, ApiError> {
    step(&tenant, &meta, id, Action::Review, &req)
        .await
        .map(Json)
}

/// Return an application to the applicant for more information, with a reason (the centre).
#[utoipa::path(post, path = "/api/v1/applications/{id}/return", tag = "applications", request_body = StepInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>().on("application"))),
               ("x-kc-server-rules" = json!({"reason": "required"}))),
    responses((status = 200, body = ApplicationOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn return_application(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<StepInput>,
) -> Result<Json<ApplicationOut>, ApiError> {
    step(&tenant, &meta, id, Action::Return, &req)
        .await
        .map(Json)
}

/// Accept an application, to be built into a scheme (the centre).
#[utoipa::path(post, path = "/api/v1/applications/{id}/accept", tag = "applications", request_body = StepInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>().on("application")))),
    responses((status = 200, body = ApplicationOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn accept(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<StepInput>,
) -> Result<Json<ApplicationOut>, ApiError> {
    step(&tenant, &meta, id, Action::Accept, &req)
        .await
        .map(Json)
}

/// Reject an application, with a reason (the centre).
#[utoipa::path(post, path = "/api/v1/applications/{id}/reject", tag = "applications", request_body = StepInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>().on("application"))),
               ("x-kc-server-rules" = json!({"reason": "required"}))),
    responses((status = 200, body = ApplicationOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn reject(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<StepInput>,
) -> Result<Json<ApplicationOut>, ApiError> {
    step(&tenant, &meta, id, Action::Reject, &req)
        .await
        .map(Json)
}

/// A centre's step on many applications at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    /// `review`, `return`, `accept` or `reject`.
    pub action: Action,
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    pub reason: Option<String>,
    #[schema(min_items = 1, max_items = 200)]
    pub items: Vec<BatchItem>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    pub id: Uuid,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
}

/// Take up, return, accept or reject many applications at once (the centre). Each item is its own
/// step in its own transaction and is answered on its own: one item's failure changes nothing for the
/// others.
#[utoipa::path(post, path = "/api/v1/applications/batch", tag = "applications", request_body = BatchInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>())),
               ("x-kc-server-rules" = json!({"action": "review, return, accept or reject",
                                             "items": "1 to 200 items"}))),
    responses((status = 200, body = Outcome<ApplicationOut>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn batch(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Json(req): Json<BatchInput>,
) -> Result<Json<Outcome<ApplicationOut>>, ApiError> {
    if req.action.party() != Party::Centre {
        return Err(ApiError::field(
            "action",
            "Chỉ được xử lý hàng loạt: review, return, accept, reject (centre steps only)",
        ));
    }
    if req.items.is_empty() || req.items.len() > 200 {
        return Err(ApiError::field(
            "items",
            "Từ 1 đến 200 hồ sơ (1 to 200 items)",
        ));
    }
    // What every item shares is checked once: a bad reason or version refuses the whole batch.
    let mut fields = FieldErrors::new();
    opt_text(&mut fields, "reason", req.reason.as_deref(), 2000);
    if req.items.iter().any(|i| i.version < 1) {
        fields.insert("items".into(), VERSION_FROM_ONE.into());
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let mut results = Vec::with_capacity(req.items.len());
    for item in &req.items {
        let input = StepInput {
            version: item.version,
            reason: req.reason.clone(),
        };
        results.push((
            item.id,
            step(&tenant, &meta, item.id, req.action, &input).await,
        ));
    }
    Ok(Json(Outcome::of(results)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub items: Vec<ApplicationStep>,
}

/// Every step the application took, oldest first: from and to which state, by which role, when and
/// why (a return's or a rejection's reason).
#[utoipa::path(get, path = "/api/v1/applications/{id}/history", tag = "applications",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("application")))),
    responses((status = 200, body = History), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn history(tenant: Tenant<AnyUser>, Path(id): Path<Uuid>) -> Result<Json<History>, ApiError> {
    let (tx, _) = tenant.load::<ApplicationView>(id).await?;
    let items = store::history(&tx, id).await?;
    tx.commit().await?;
    Ok(Json(History { items }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionList {
    pub items: Vec<VersionRow>,
}

/// Every submitted version of an application, oldest first.
#[utoipa::path(get, path = "/api/v1/applications/{id}/versions", tag = "applications",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("application")))),
    responses((status = 200, body = VersionList), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn list_versions(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<VersionList>, ApiError> {
    let (tx, _) = tenant.load::<ApplicationView>(id).await?;
    let items = store::versions(&tx, id).await?;
    tx.commit().await?;
    Ok(Json(VersionList { items }))
}

/// One submitted version, as it was sent.
#[utoipa::path(get, path = "/api/v1/applications/{id}/versions/{number}", tag = "applications",
    params(("id" = Uuid, Path), ("number" = i32, Path, minimum = 1)),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("application")))),
    responses((status = 200, body = VersionRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_version(
    tenant: Tenant<AnyUser>,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<Json<VersionRow>, ApiError> {
    let (tx, _) = tenant.load::<ApplicationView>(id).await?;
    let v = store::version(&tx, id, number)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(v))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDiff {
    pub from: i32,
    pub to: i32,
    pub changes: Vec<Change>,
}

/// What changed from version `a` to version `b`: each changed field, old and new.
#[utoipa::path(get, path = "/api/v1/applications/{id}/versions/{a}/diff/{b}", tag = "applications",
    params(("id" = Uuid, Path), ("a" = i32, Path, minimum = 1), ("b" = i32, Path, minimum = 1)),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("application")))),
    responses((status = 200, body = VersionDiff), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn diff_versions(
    tenant: Tenant<AnyUser>,
    Path((id, a, b)): Path<(Uuid, i32, i32)>,
) -> Result<Json<VersionDiff>, ApiError> {
    let (tx, _) = tenant.load::<ApplicationView>(id).await?;
    let va = store::version(&tx, id, a)
        .await?
        .ok_or(ApiError::NotFound)?;
    let vb = store::version(&tx, id, b)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(VersionDiff {
        from: a,
        to: b,
        changes: diff(&va.content, &vb.content),
    }))
}
