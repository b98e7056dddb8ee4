//! `/api/v1/duties`: the reporting duties in force and their history; the ministry's admins add a
//! national version, a province's admins their province's own reminder offsets, from today on.

use super::store::{self, Duty};
use super::{Escalation, check};
use crate::{AppState, SERVICE};
use axum::http::StatusCode;
use chrono::NaiveDate;
use kc_auth::{AnyUser, MinistryOrProvinceAdmin, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Query, opt_text};
use kc_kernel::{DutyLevel, DutyOpening};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_duties, add_duty))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DutyQuery {
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub code: Option<String>,
    /// Only the versions in force on this day (`YYYY-MM-DD`); every version when absent.
    #[param(schema_with = kc_http::date_param_schema)]
    pub as_of: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyList {
    pub items: Vec<Duty>,
}

/// The reporting duties: national versions and the caller's province's own (the ministry: every
/// province's).
#[utoipa::path(get, path = "/api/v1/duties", tag = "duties", params(DutyQuery), security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"code": "a duty's code"}))),
    responses((status = 200, body = DutyList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_duties(
    tenant: Tenant<AnyUser>,
    Query(q): Query<DutyQuery>,
) -> Result<Json<DutyList>, ApiError> {
    let mut fields = FieldErrors::new();
    let as_of = kc_http::date_param(&mut fields, "as_of", q.as_of.as_deref());
    if q.code.as_deref().is_some_and(|c| !super::is_code(c, false)) {
        fields.insert(
            "code".into(),
            "Mã nghĩa vụ không hợp lệ (not a duty's code)".into(),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let tx = tenant.begin().await?;
    let items = store::list(&tx, q.code.as_deref(), as_of).await?;
    tx.commit().await?;
    Ok(Json(DutyList { items }))
}

/// A new version of a duty. A national version (the ministry) takes every field left out from the
/// version in force on `valid_from`; giving any of the due-date fields replaces the whole due-date
/// rule. A province's version (its admins) sets only its own `offsets`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyInput {
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub code: String,
    /// The province of its own reminder offsets (a province's admins: their own, the default); none
    /// from the ministry: a national version.
    #[schema(pattern = "^[0-9]{2}$")]
    #[serde(default)]
    pub province_code: Option<String>,
    /// The first day in force: today or later, never in the past.
    pub valid_from: NaiveDate,
    #[schema(schema_with = kc_http::opt_text_schema::<300>)]
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub reporter: Option<DutyLevel>,
    #[serde(default)]
    pub recipient: Option<DutyLevel>,
    #[serde(default)]
    pub opened_by: Option<DutyOpening>,
    #[schema(schema_with = kc_http::opt_text_schema::<300>)]
    #[serde(default)]
    pub data_window: Option<String>,
    #[schema(minimum = 1, maximum = 12)]
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    pub due_month: Option<i32>,
    #[schema(minimum = 1, maximum = 31)]
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    pub due_day: Option<i32>,
    /// 1: the due date falls in the year after the period (22 January for the year before).
    #[schema(minimum = 0, maximum = 1)]
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    pub due_year_offset: Option<i32>,
    #[schema(pattern = "^[a-z][a-z0-9_.]{0,63}$")]
    #[serde(default)]
    pub after_event: Option<String>,
    #[schema(minimum = 0, maximum = 366)]
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    pub after_days: Option<i32>,
    #[serde(default)]
    pub to_working_day: Option<bool>,
    /// Days from the due date on which the party is reminded, -90 to 90 (e.g. -14, -7, -1, 0, 1, 7).
    #[schema(min_items = 1, max_items = 20)]
    #[serde(default, deserialize_with = "kc_http::opt_whole_list")]
    pub offsets: Option<Vec<i32>>,
    #[schema(max_items = 5)]
    #[serde(default)]
    pub escalation: Option<Vec<Escalation>>,
    #[schema(schema_with = kc_http::opt_text_schema::<500>)]
    #[serde(default)]
    pub legal_basis: Option<String>,
}

/// Add a version of a duty from `valid_from`; the version in force then ends the day before, and a
/// version already set to start later is a conflict (409). Obligations already open keep the version
/// they were opened under. Audited.
#[utoipa::path(post, path = "/api/v1/duties", tag = "duties", request_body = DutyInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>())),
               ("x-kc-server-rules" = json!({
                   "valid_from": "today or later", "province_code": "a province in force today, the caller's own",
                   "code": "a new duty gives every field", "title": "required for a new duty",
                   "reporter": "below the recipient, not the ministry", "recipient": "above the reporter",
                   "opened_by": "required for a new duty", "data_window": "required for a new duty",
                   "legal_basis": "required for a new duty", "due": "a fixed day or days after an event",
                   "due_day": "a day that exists in every year",
                   "offsets": "each -90 to 90, no repeats; a province's version sets only these",
                   "escalation": "1 to 90 days after, to a level above the reporter",
                   "after_event": "an event's name"}))),
    responses((status = 201, body = Duty), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn add_duty(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<DutyInput>,
) -> Result<(StatusCode, Json<Duty>), ApiError> {
    let mut fields = FieldErrors::new();
    let title = opt_text(&mut fields, "title", req.title.as_deref(), 300);
    let data_window = opt_text(&mut fields, "data_window", req.data_window.as_deref(), 300);
    let legal_basis = opt_text(&mut fields, "legal_basis", req.legal_basis.as_deref(), 500);
    kc_http::valid_from_today(&mut fields, "valid_from", req.valid_from);
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
    let base = store::in_force(&tx, &req.code, None, req.valid_from).await?;
    let new_due = req.due_month.is_some()
        || req.due_day.is_some()
        || req.after_event.is_some()
        || req.after_days.is_some();
    let duty = match (&base, province) {
        (None, Some(_)) => {
            fields.insert(
                "code".into(),
                "Chưa có nghĩa vụ báo cáo quốc gia này (no national duty with this code)".into(),
            );
            None
        }
        (Some(base), Some(p)) => {
            let given = [
                ("title", req.title.is_some()),
                ("reporter", req.reporter.is_some()),
                ("recipient", req.recipient.is_some()),
                ("opened_by", req.opened_by.is_some()),
                ("data_window", req.data_window.is_some()),
                (
                    "due",
                    new_due || req.due_year_offset.is_some() || req.to_working_day.is_some(),
                ),
                ("escalation", req.escalation.is_some()),
                ("legal_basis", req.legal_basis.is_some()),
            ];
            for (name, _) in given.iter().filter(|(_, g)| *g) {
                fields.insert(
                    (*name).into(),
                    "Tỉnh chỉ đặt riêng các lần nhắc (a province sets only its own offsets)".into(),
                );
            }
            if req.offsets.is_none() {
                fields.insert(
                    "offsets".into(),
                    "Cần các lần nhắc riêng của tỉnh (the province's offsets are required)".into(),
                );
            }
            Some(Duty {
                id: Uuid::new_v4(),
                province_id: Some(p),
                province_code: None,
                valid_from: req.valid_from,
                valid_to: None,
                offsets: req.offsets.clone().unwrap_or_default(),
                ..base.clone()
            })
        }
        (base, None) => {
            let mut need = |name: &'static str, v: Option<()>| {
                if v.is_none() {
                    fields.insert(
                        name.into(),
                        "Cần cho nghĩa vụ mới (required for a new duty)".into(),
                    );
                }
            };
            if base.is_none() {
                need("title", title.as_ref().map(|_| ()));
                need("reporter", req.reporter.map(|_| ()));
                need("recipient", req.recipient.map(|_| ()));
                need("opened_by", req.opened_by.map(|_| ()));
                need("data_window", data_window.as_ref().map(|_| ()));
                need("legal_basis", legal_basis.as_ref().map(|_| ()));
                need("offsets", req.offsets.as_ref().map(|_| ()));
            }
            let from_base = |f: fn(&Duty) -> Option<i32>| base.as_ref().and_then(f);
            let (due_month, due_day, after_event, after_days) = if new_due || base.is_none() {
                (
                    req.due_month,
                    req.due_day,
                    req.after_event.clone(),
                    req.after_days,
                )
            } else {
                (
                    from_base(|b| b.due_month),
                    from_base(|b| b.due_day),
                    base.as_ref().and_then(|b| b.after_event.clone()),
                    from_base(|b| b.after_days),
                )
            };
            Some(Duty {
                id: Uuid::new_v4(),
                code: req.code.clone(),
                province_id: None,
                province_code: None,
                valid_from: req.valid_from,
                valid_to: None,
                title: title
                    .or_else(|| base.as_ref().map(|b| b.title.clone()))
                    .unwrap_or_default(),
                reporter: req
                    .reporter
                    .or(base.as_ref().map(|b| b.reporter))
                    .unwrap_or(DutyLevel::Enterprise),
                recipient: req
                    .recipient
                    .or(base.as_ref().map(|b| b.recipient))
                    .unwrap_or(DutyLevel::Department),
                opened_by: req
                    .opened_by
                    .or(base.as_ref().map(|b| b.opened_by))
                    .unwrap_or(DutyOpening::Event),
                data_window: data_window
                    .or_else(|| base.as_ref().map(|b| b.data_window.clone()))
                    .unwrap_or_default(),
                due_month,
                due_day,
                due_year_offset: req
                    .due_year_offset
                    .or(base.as_ref().map(|b| b.due_year_offset))
                    .unwrap_or(0),
                after_event,
                after_days,
                to_working_day: req
                    .to_working_day
                    .or(base.as_ref().map(|b| b.to_working_day))
                    .unwrap_or(true),
                offsets: req
                    .offsets
                    .clone()
                    .or_else(|| base.as_ref().map(|b| b.offsets.clone()))
                    .unwrap_or_default(),
                escalation: match &req.escalation {
                    Some(e) => serde_json::to_value(e).unwrap_or_default(),
                    None => base
                        .as_ref()
                        .map(|b| b.escalation.clone())
                        .unwrap_or_else(|| serde_json::json!([])),
                },
                legal_basis: legal_basis
                    .or_else(|| base.as_ref().map(|b| b.legal_basis.clone()))
                    .unwrap_or_default(),
                created_at: chrono::Utc::now(),
            })
        }
    };
    let Some(duty) = duty.filter(|_| fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    for (field, message) in check(&duty) {
        fields.entry(field.into()).or_insert(message);
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let open = store::open_versions(&tx, &duty.code, province, duty.valid_from).await?;
    if let Some(later) = open.iter().find(|v| v.valid_from >= duty.valid_from) {
        return Err(kc_http::later_version("valid_from", later.valid_from));
    }
    if let Some(day_before) = duty.valid_from.pred_opt() {
        for v in &open {
            store::end(&tx, v.id, day_before).await?;
        }
    }
    store::insert(&tx, &duty, tenant.user_id()).await?;
    let row = store::by_id(&tx, duty.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "duty.added",
            entity_type: "duty",
            entity_id: Some(duty.id.to_string()),
            province_id: province,
            before: serde_json::to_value(&open).ok(),
            after: serde_json::to_value(&row).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(row)))
}
