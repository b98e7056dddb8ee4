//! All SQL of the duties.

use chrono::{DateTime, NaiveDate, Utc};
use kc_db::stmt;
use kc_kernel::{DutyLevel, DutyOpening};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A version of a duty.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Duty {
    pub id: Uuid,
    pub code: String,
    /// The province of a province's own version (its reminder offsets); none: national.
    pub province_id: Option<Uuid>,
    pub province_code: Option<String>,
    pub valid_from: NaiveDate,
    /// The last day in force; none: until further notice.
    pub valid_to: Option<NaiveDate>,
    pub title: String,
    /// Who reports.
    pub reporter: DutyLevel,
    /// To whom.
    pub recipient: DutyLevel,
    /// How its obligations open: every year for every organisation of the reporting level, or on an
    /// event of another service.
    pub opened_by: DutyOpening,
    /// The period and data window the report covers.
    pub data_window: String,
    /// A fixed due date: month and day, in the period's year plus `due_year_offset`.
    pub due_month: Option<i32>,
    pub due_day: Option<i32>,
    pub due_year_offset: i32,
    /// Or: `after_days` after the event `after_event`.
    pub after_event: Option<String>,
    pub after_days: Option<i32>,
    /// A due date on a weekend or holiday moves to the next working day.
    pub to_working_day: bool,
    /// Days from the due date on which the party is reminded (negative: before).
    pub offsets: Vec<i32>,
    /// Escalation steps: `[{"after_days": 1, "to": "centre"}]`.
    #[schema(value_type = Vec<super::Escalation>)]
    pub escalation: serde_json::Value,
    pub legal_basis: String,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT d.id, d.code, d.province_id, a.code AS province_code, d.valid_from,
        d.valid_to, d.title, d.reporter, d.recipient, d.opened_by, d.data_window, d.due_month, d.due_day,
        d.due_year_offset, d.after_event, d.after_days, d.to_working_day, d.offsets, d.escalation,
        d.legal_basis, d.created_at
   FROM notifications.duties d LEFT JOIN identity.admin_units a ON a.id = d.province_id";

/// Every version (or those of one code, or those in force on a day) that `c` may see.
pub async fn list<C: ConnectionTrait>(
    c: &C,
    code: Option<&str>,
    as_of: Option<NaiveDate>,
) -> Result<Vec<Duty>, DbErr> {
    Duty::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE ($1::text IS NULL OR d.code = $1)
               AND ($2::date IS NULL OR ($2 >= d.valid_from AND (d.valid_to IS NULL OR $2 <= d.valid_to)))
             ORDER BY d.code, a.code NULLS FIRST, d.valid_from LIMIT 1000"
        ),
        [code.into(), as_of.into()],
    ))
    .all(c)
    .await
}

/// The version of `code` in force on `day` for `province`: the province's own first.
pub async fn in_force<C: ConnectionTrait>(
    c: &C,
    code: &str,
    province: Option<Uuid>,
    day: NaiveDate,
) -> Result<Option<Duty>, DbErr> {
    Duty::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE d.code = $1 AND (d.province_id IS NULL OR d.province_id = $2)
               AND $3 >= d.valid_from AND (d.valid_to IS NULL OR $3 <= d.valid_to)
             ORDER BY d.province_id NULLS LAST LIMIT 1"
        ),
        [code.into(), province.into(), day.into()],
    ))
    .one(c)
    .await
}

/// The provinces' own versions of `code` in force on `day`, by province (one query for all).
pub async fn province_versions<C: ConnectionTrait>(
    c: &C,
    code: &str,
    day: NaiveDate,
) -> Result<HashMap<Uuid, Duty>, DbErr> {
    let versions = Duty::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE d.code = $1 AND d.province_id IS NOT NULL
               AND $2 >= d.valid_from AND (d.valid_to IS NULL OR $2 <= d.valid_to)"
        ),
        [code.into(), day.into()],
    ))
    .all(c)
    .await?;
    Ok(versions
        .into_iter()
        .filter_map(|d| d.province_id.map(|p| (p, d)))
        .collect())
}

/// The national versions in force on `day` of the duties opened by the calendar.
pub async fn calendar_duties<C: ConnectionTrait>(
    c: &C,
    day: NaiveDate,
) -> Result<Vec<Duty>, DbErr> {
    Duty::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE d.opened_by = 'calendar' AND d.province_id IS NULL
               AND $1 >= d.valid_from AND (d.valid_to IS NULL OR $1 <= d.valid_to) ORDER BY d.code"
        ),
        [day.into()],
    ))
    .all(c)
    .await
}

/// Versions of (code, province) that a new version from `from` would overlap, locked.
pub async fn open_versions<C: ConnectionTrait>(
    c: &C,
    code: &str,
    province: Option<Uuid>,
    from: NaiveDate,
) -> Result<Vec<Duty>, DbErr> {
    Duty::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE d.code = $1 AND d.province_id IS NOT DISTINCT FROM $2
               AND (d.valid_to IS NULL OR d.valid_to >= $3) ORDER BY d.valid_from FOR UPDATE OF d"
        ),
        [code.into(), province.into(), from.into()],
    ))
    .all(c)
    .await
}

pub async fn end<C: ConnectionTrait>(c: &C, id: Uuid, last_day: NaiveDate) -> Result<(), DbErr> {
    c.execute_raw(stmt(
        "UPDATE notifications.duties SET valid_to = $2, updated_at = now() WHERE id = $1",
        [id.into(), last_day.into()],
    ))
    .await?;
    Ok(())
}

/// Insert `d` as a new version (its id, province and valid_from as given).
pub async fn insert<C: ConnectionTrait>(c: &C, d: &Duty, by: Uuid) -> Result<(), DbErr> {
    c.execute_raw(stmt(
        "INSERT INTO notifications.duties (id, code, province_id, valid_from, title, reporter, recipient,
            opened_by, data_window, due_month, due_day, due_year_offset, after_event, after_days,
            to_working_day, offsets, escalation, legal_basis, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        [
            d.id.into(),
            d.code.clone().into(),
            d.province_id.into(),
            d.valid_from.into(),
            d.title.clone().into(),
            d.reporter.into(),
            d.recipient.into(),
            d.opened_by.into(),
            d.data_window.clone().into(),
            d.due_month.into(),
            d.due_day.into(),
            d.due_year_offset.into(),
            d.after_event.clone().into(),
            d.after_days.into(),
            d.to_working_day.into(),
            d.offsets.clone().into(),
            d.escalation.clone().into(),
            d.legal_basis.clone().into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(())
}

pub async fn by_id<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<Duty>, DbErr> {
    Duty::find_by_statement(stmt(&format!("{SELECT} WHERE d.id = $1"), [id.into()]))
        .one(c)
        .await
}
