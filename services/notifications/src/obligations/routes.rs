//! `/api/v1/obligations`: the duties owed, as each caller may see them (the ministry every province,
//! a province its own, an enterprise its own and the time limits on its cases); the recipient
//! records a report that arrived, or waives a duty with a reason. `/api/v1/compliance`: who reported
//! on time, late, or not at all, per province, for a period.

use super::state::{self, Close};
use super::store::{self, ComplianceRow, Filter, ObligationView};
use crate::duties::{is_code, is_period};
use crate::{AppState, SERVICE};
use kc_auth::{AnyUser, SchemeWorker, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit};
use kc_http::{
    ApiError, ClientMeta, FieldErrors, Json, Page, PageQuery, Paged, Path, Query, req_text,
};
use kc_kernel::ObligationState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

const PERIOD: &str = "Kỳ báo cáo như 2026 hay 2026-H1: 1 đến 40 chữ, số hoặc dấu - (a period such as 2026 or 2026-H1)";
const DUTY: &str = "Mã nghĩa vụ: chữ thường, chữ số và dấu gạch dưới (a duty's code)";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_obligations))
        .routes(routes!(get_obligation))
        .routes(routes!(fulfil_obligation))
        .routes(routes!(waive_obligation))
        .routes(routes!(compliance))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ObligationQuery {
    pub state: Option<ObligationState>,
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub duty: Option<String>,
    /// The period, e.g. `2026` or `2026-H1`.
    #[param(pattern = "^[0-9A-Za-z-]{1,40}$")]
    pub period: Option<String>,
    pub organisation_id: Option<Uuid>,
    /// Due on or after this day (`YYYY-MM-DD`).
    #[param(schema_with = kc_http::date_param_schema)]
    pub due_from: Option<String>,
    /// Due on or before this day (`YYYY-MM-DD`).
    #[param(schema_with = kc_http::date_param_schema)]
    pub due_to: Option<String>,
}

impl ObligationQuery {
    /// The filter asked for, or 422 naming each parameter at fault (the list and its export ask the
    /// same).
    pub(super) fn filter(&self) -> Result<Filter, ApiError> {
        let mut fields = FieldErrors::new();
        let due_from = kc_http::date_param(&mut fields, "due_from", self.due_from.as_deref());
        let due_to = kc_http::date_param(&mut fields, "due_to", self.due_to.as_deref());
        if self.period.as_deref().is_some_and(|p| !is_period(p)) {
            fields.insert("period".into(), PERIOD.into());
        }
        if self.duty.as_deref().is_some_and(|d| !is_code(d, false)) {
            fields.insert("duty".into(), DUTY.into());
        }
        if !fields.is_empty() {
            return Err(ApiError::validation(fields));
        }
        Ok(Filter {
            state: self.state,
            duty: self.duty.clone(),
            period: self.period.clone(),
            organisation: self.organisation_id,
            due_from,
            due_to,
        })
    }
}

/// The obligations the caller sees, soonest due first.
#[utoipa::path(get, path = "/api/v1/obligations", tag = "obligations", params(ObligationQuery, PageQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"period": "letters, digits and -", "duty": "a duty's code"}))),
    responses((status = 200, body = Paged<ObligationView>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_obligations(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ObligationQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Paged<ObligationView>>, ApiError> {
    let page = Page::parse(p.page, p.per_page)?;
    let filter = q.filter()?;
    let tx = tenant.begin().await?;
    let (items, total) = store::list(&tx, &filter, page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

/// One obligation (404 outside the caller's scope).
#[utoipa::path(get, path = "/api/v1/obligations/{id}", tag = "obligations", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("obligation")))),
    responses((status = 200, body = ObligationView), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_obligation(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<ObligationView>, ApiError> {
    let (tx, o) = tenant.load::<ObligationView>(id).await?;
    tx.commit().await?;
    Ok(Json(o))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// What arrived and how (to fulfil), or why the duty does not apply (to waive).
    #[schema(schema_with = kc_http::text_schema::<1000>)]
    pub note: String,
}

async fn close(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    id: Uuid,
    req: CloseInput,
    action: Close,
) -> Result<Json<ObligationView>, ApiError> {
    let (tx, o) = tenant.load_for_update::<ObligationView>(id).await?;
    let mut fields = FieldErrors::new();
    let note = req_text(&mut fields, "note", &req.note, 1000);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    if !state::speaks_for_recipient(&tenant, o.recipient, action) {
        return Err(ApiError::Forbidden(format!(
            "Chỉ {} (nơi nhận báo cáo) hoặc Bộ Công Thương mới thực hiện được (only the recipient, {}, or the ministry)",
            o.recipient.label_vi(),
            o.recipient.as_str()
        )));
    }
    if !state::can_close(o.state) {
        return Err(ApiError::wrong_state(
            o.state.as_str(),
            o.state.label_vi(),
            "Nghĩa vụ này đã khép lại (the obligation is already closed)",
        ));
    }
    if action == Close::Fulfil && !state::fulfilled_by_hand(o.subject_kind.as_deref()) {
        return Err(ApiError::Conflict(
            "Thời hạn này khép lại khi hồ sơ chuyển sang bước tiếp theo (an application's time limit is met by its next step in the workflow)".into(),
        ));
    }
    store::close(&tx, id, action.target(), &note, tenant.user_id()).await?;
    let after = <ObligationView as kc_auth::Resource>::load(&tx, id, kc_auth::Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: match action {
                Close::Fulfil => "obligation.fulfilled",
                Close::Waive => "obligation.waived",
            },
            entity_type: "obligation",
            entity_id: Some(id.to_string()),
            province_id: Some(o.province_id),
            before: serde_json::to_value(&o).ok(),
            after: serde_json::to_value(&after).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}

/// Record that the report arrived (the recipient, or the ministry): no more reminders. 409 when the
/// obligation is already closed, or is an application's stage time limit (its next step meets it).
/// Audited.
#[utoipa::path(post, path = "/api/v1/obligations/{id}/fulfil", tag = "obligations",
    params(("id" = Uuid, Path)), request_body = CloseInput, security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("obligation").decided_by_data()))),
    responses((status = 200, body = ObligationView), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 409, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn fulfil_obligation(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<CloseInput>,
) -> Result<Json<ObligationView>, ApiError> {
    close(tenant, meta, id, req, Close::Fulfil).await
}

/// Waive an obligation with a reason (the recipient's admins, or the ministry's): no more reminders.
/// 409 when it is already closed. Audited.
#[utoipa::path(post, path = "/api/v1/obligations/{id}/waive", tag = "obligations",
    params(("id" = Uuid, Path)), request_body = CloseInput, security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("obligation").decided_by_data()))),
    responses((status = 200, body = ObligationView), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 409, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn waive_obligation(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<CloseInput>,
) -> Result<Json<ObligationView>, ApiError> {
    close(tenant, meta, id, req, Close::Waive).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ComplianceQuery {
    /// The period, e.g. `2026` or `2026-H1`.
    #[param(pattern = "^[0-9A-Za-z-]{1,40}$")]
    pub period: String,
    /// One duty (every duty when absent).
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub duty: Option<String>,
}

impl ComplianceQuery {
    /// 422 naming a period or a duty that is not one (the table and its export ask the same).
    pub(super) fn check(&self) -> Result<(), ApiError> {
        let mut fields = FieldErrors::new();
        if !is_period(&self.period) {
            fields.insert("period".into(), PERIOD.into());
        }
        if self.duty.as_deref().is_some_and(|d| !is_code(d, false)) {
            fields.insert("duty".into(), DUTY.into());
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(fields))
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Compliance {
    pub period: String,
    pub duty: Option<String>,
    /// One line per province the caller sees (an enterprise: its own obligations).
    pub provinces: Vec<ComplianceRow>,
}

/// Reporting compliance for a period, per province: on time, late, missing, not yet due, waived.
#[utoipa::path(get, path = "/api/v1/compliance", tag = "obligations", params(ComplianceQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"period": "letters, digits and -", "duty": "a duty's code"}))),
    responses((status = 200, body = Compliance), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn compliance(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ComplianceQuery>,
) -> Result<Json<Compliance>, ApiError> {
    q.check()?;
    let tx = tenant.begin().await?;
    let provinces = store::compliance(&tx, q.duty.as_deref(), &q.period).await?;
    tx.commit().await?;
    Ok(Json(Compliance {
        period: q.period,
        duty: q.duty,
        provinces,
    }))
}
