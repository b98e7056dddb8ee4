//! The day the system takes as today: Vietnam's (Asia/Ho_Chi_Minh), or in development mode the day a
//! test or a demo has set (`notifications.clock`), so that reminders can be seen to go out on 7 June
//! without waiting for it. Production ignores the setting and refuses to change it.

use crate::AppState;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use kc_auth::{AnyUser, MinistryAdmin, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit, stmt};
use kc_http::{ApiError, ClientMeta, Json};
use kc_kernel::today_vn;
use kc_service::Mode;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Today for the scheduler and the routes: the day set in development mode, else Vietnam's.
pub async fn today<C: ConnectionTrait>(c: &C, mode: Mode) -> Result<NaiveDate, DbErr> {
    Ok(set_day(c, mode).await?.unwrap_or_else(today_vn))
}

/// The day set in development mode (none in production, whatever the table holds).
async fn set_day<C: ConnectionTrait>(c: &C, mode: Mode) -> Result<Option<NaiveDate>, DbErr> {
    if mode == Mode::Production {
        return Ok(None);
    }
    let row = c
        .query_one_raw(stmt("SELECT today FROM notifications.clock", []))
        .await?;
    row.map(|r| r.try_get::<NaiveDate>("", "today")).transpose()
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_clock, set_clock, reset_clock))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    /// The day reminders are computed for.
    pub today: NaiveDate,
    /// Vietnam's real date.
    pub real_today: NaiveDate,
    /// The day was set (development mode only).
    pub moved: bool,
    /// This system may move its clock (development mode).
    pub movable: bool,
    /// The scheduler's latest pass, for the ministry (its counts are the nation's); none before the
    /// first pass, and for everyone else.
    pub last_pass: Option<LastPass>,
}

/// What the scheduler's passes for one day did, in all (see `scheduler::pass`).
#[derive(Debug, Serialize, ToSchema, sea_orm::FromQueryResult)]
pub struct LastPass {
    /// The day passed for (the clock's today when the pass began).
    pub day: NaiveDate,
    /// How many passes ran for that day.
    pub passes: i64,
    /// When the latest of them finished.
    pub finished_at: DateTime<Utc>,
    /// Obligations opened from the calendar's duties.
    pub opened: i64,
    /// Obligations marked overdue.
    pub overdue: i64,
    /// Obligations whose reminder or escalation step came.
    pub stepped: i64,
    /// Notices added.
    pub notices: i64,
    /// E-mails queued.
    pub emails: i64,
}

async fn view<C: ConnectionTrait>(c: &C, mode: Mode) -> Result<ClockView, DbErr> {
    let set = set_day(c, mode).await?;
    Ok(ClockView {
        today: set.unwrap_or_else(today_vn),
        real_today: today_vn(),
        moved: set.is_some(),
        movable: mode == Mode::Dev,
        last_pass: LastPass::find_by_statement(stmt(
            "SELECT day, passes, finished_at, opened, overdue, stepped, notices, emails
               FROM notifications.scheduler_passes ORDER BY finished_at DESC LIMIT 1",
            [],
        ))
        .one(c)
        .await?,
    })
}

/// The day the system takes as today.
#[utoipa::path(get, path = "/api/v1/clock", tag = "clock", security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = ClockView), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn get_clock(
    State(mode): State<Mode>,
    tenant: Tenant<AnyUser>,
) -> Result<Json<ClockView>, ApiError> {
    let tx = tenant.begin().await?;
    let v = view(&tx, mode).await?;
    tx.commit().await?;
    Ok(Json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockInput {
    /// The day to take as today (2000-01-01 to 2100-12-31).
    pub today: NaiveDate,
}

fn refuse_in_production(mode: Mode) -> Result<(), ApiError> {
    if mode == Mode::Production {
        return Err(ApiError::Forbidden(
            "Không thể đặt lại ngày hệ thống khi vận hành thật (the clock moves in development mode only)"
                .into(),
        ));
    }
    Ok(())
}

/// Set the day the system takes as today (development mode only; 403 in production). Audited.
#[utoipa::path(put, path = "/api/v1/clock", tag = "clock", request_body = ClockInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryAdmin>())),
               ("x-kc-server-rules" = json!({"today": "2000-01-01 to 2100-12-31"}))),
    responses((status = 200, body = ClockView), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn set_clock(
    State(mode): State<Mode>,
    tenant: Tenant<MinistryAdmin>,
    meta: ClientMeta,
    Json(req): Json<ClockInput>,
) -> Result<Json<ClockView>, ApiError> {
    refuse_in_production(mode)?;
    let lo = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let hi = NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or_default();
    if req.today < lo || req.today > hi {
        return Err(ApiError::field(
            "today",
            "Ngày từ 01/01/2000 đến 31/12/2100 (a day from 2000 to 2100)",
        ));
    }
    let tx = tenant.begin().await?;
    tx.execute_raw(stmt(
        "INSERT INTO notifications.clock (only_row, today, set_by) VALUES (true, $1, $2)
         ON CONFLICT (only_row) DO UPDATE SET today = $1, set_by = $2, set_at = now()",
        [req.today.into(), tenant.user_id().into()],
    ))
    .await?;
    audit(
        &tx,
        crate::SERVICE,
        AuditEvent {
            action: "clock.set",
            entity_type: "clock",
            after: Some(serde_json::json!({"today": req.today})),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let v = view(&tx, mode).await?;
    tx.commit().await?;
    Ok(Json(v))
}

/// Go back to Vietnam's real date (development mode only; 403 in production). Audited.
#[utoipa::path(delete, path = "/api/v1/clock", tag = "clock", security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryAdmin>()))),
    responses((status = 200, body = ClockView), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope)))]
async fn reset_clock(
    State(mode): State<Mode>,
    tenant: Tenant<MinistryAdmin>,
    meta: ClientMeta,
) -> Result<Json<ClockView>, ApiError> {
    refuse_in_production(mode)?;
    let tx = tenant.begin().await?;
    tx.execute_raw(stmt("DELETE FROM notifications.clock", []))
        .await?;
    audit(
        &tx,
        crate::SERVICE,
        AuditEvent {
            action: "clock.reset",
            entity_type: "clock",
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let v = view(&tx, mode).await?;
    tx.commit().await?;
    Ok(Json(v))
}
