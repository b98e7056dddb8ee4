//! `/api/v1/calendar-days`: the official calendar of a year; the ministry's admins add, change or
//! remove a day, and the obligations it touches are re-dated.

use super::store::{self, CalendarDay};
use crate::{AppState, SERVICE, clock};
use axum::extract::State;
use chrono::Datelike;
use kc_auth::{AnyUser, MinistryAdmin, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Query, req_text};
use kc_kernel::CalendarDayKind;
use kc_service::Mode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_days, set_day, remove_day))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The year (this year by default).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    pub items: Vec<CalendarDay>,
}

/// The holidays and make-up working days of a year.
#[utoipa::path(get, path = "/api/v1/calendar-days", tag = "calendar", params(YearQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = CalendarYear), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_days(
    tenant: Tenant<AnyUser>,
    Query(q): Query<YearQuery>,
) -> Result<Json<CalendarYear>, ApiError> {
    let year = q.year.unwrap_or_else(|| kc_kernel::today_vn().year());
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::field(
            "year",
            "Năm từ 2000 đến 2100 (a year from 2000 to 2100)",
        ));
    }
    let tx = tenant.begin().await?;
    let items = store::list(&tx, year).await?;
    tx.commit().await?;
    Ok(Json(CalendarYear { year, items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDayInput {
    /// 2000-01-01 to 2100-12-31.
    pub day: chrono::NaiveDate,
    /// `holiday` (a day off), or `working_day` (a Saturday or Sunday worked in exchange).
    pub kind: CalendarDayKind,
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarChange {
    pub day: CalendarDay,
    /// Obligations whose due date moved.
    pub obligations_redated: u64,
}

fn check_day(fields: &mut FieldErrors, day: chrono::NaiveDate) {
    if !(2000..=2100).contains(&day.year()) {
        fields.insert(
            "day".into(),
            "Ngày từ năm 2000 đến 2100 (a day from 2000 to 2100)".into(),
        );
    }
}

/// Add or change a day of the calendar. Audited.
#[utoipa::path(post, path = "/api/v1/calendar-days", tag = "calendar", request_body = CalendarDayInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryAdmin>())),
               ("x-kc-server-rules" = json!({"day": "2000 to 2100; a make-up working day is a Saturday or Sunday"}))),
    responses((status = 200, body = CalendarChange), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn set_day(
    State(mode): State<Mode>,
    tenant: Tenant<MinistryAdmin>,
    meta: ClientMeta,
    Json(req): Json<CalendarDayInput>,
) -> Result<Json<CalendarChange>, ApiError> {
    let mut fields = FieldErrors::new();
    let name = req_text(&mut fields, "name", &req.name, 200);
    check_day(&mut fields, req.day);
    if req.kind == CalendarDayKind::WorkingDay && req.day.weekday().number_from_monday() < 6 {
        fields.insert(
            "day".into(),
            "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật (a make-up working day is a Saturday or Sunday)"
                .into(),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let day = CalendarDay {
        day: req.day,
        kind: req.kind,
        name,
    };
    let tx = tenant.begin().await?;
    let before = store::upsert(&tx, &day, tenant.user_id()).await?;
    let today = clock::today(&tx, mode).await?;
    let obligations_redated = store::redate(&tx, day.day, today).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "calendar_day.set",
            entity_type: "calendar_day",
            entity_id: Some(day.day.to_string()),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&day).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(CalendarChange {
        day,
        obligations_redated,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DayQuery {
    /// The day to remove (`YYYY-MM-DD`).
    #[param(schema_with = kc_http::date_param_schema)]
    pub day: Option<String>,
}

/// Remove a day from the calendar (it is then what its weekday says). 404 if it is not there. Audited.
#[utoipa::path(delete, path = "/api/v1/calendar-days", tag = "calendar", params(DayQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryAdmin>())),
               ("x-kc-server-rules" = json!({"day": "2000 to 2100"}))),
    responses((status = 200, body = CalendarChange), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn remove_day(
    State(mode): State<Mode>,
    tenant: Tenant<MinistryAdmin>,
    meta: ClientMeta,
    Query(q): Query<DayQuery>,
) -> Result<Json<CalendarChange>, ApiError> {
    let mut fields = FieldErrors::new();
    let day = kc_http::date_param(&mut fields, "day", q.day.as_deref());
    match day {
        Some(d) => check_day(&mut fields, d),
        None if !fields.contains_key("day") => {
            fields.insert("day".into(), "Cần chọn ngày (a day is required)".into());
        }
        None => {}
    }
    let Some(day) = day.filter(|_| fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let tx = tenant.begin().await?;
    let removed = store::delete(&tx, day).await?.ok_or(ApiError::NotFound)?;
    let today = clock::today(&tx, mode).await?;
    let obligations_redated = store::redate(&tx, day, today).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "calendar_day.removed",
            entity_type: "calendar_day",
            entity_id: Some(day.to_string()),
            before: serde_json::to_value(&removed).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(CalendarChange {
        day: removed,
        obligations_redated,
    }))
}
