//! All SQL of the calendar.

use chrono::NaiveDate;
use kc_db::stmt;
use kc_kernel::CalendarDayKind;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;

/// A day that is not what its weekday says.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: CalendarDayKind,
    pub name: String,
}

pub async fn list<C: ConnectionTrait>(c: &C, year: i32) -> Result<Vec<CalendarDay>, DbErr> {
    CalendarDay::find_by_statement(stmt(
        "SELECT day, kind, name FROM notifications.calendar_days
          WHERE day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1) ORDER BY day",
        [year.into()],
    ))
    .all(c)
    .await
}

pub async fn upsert<C: ConnectionTrait>(
    c: &C,
    d: &CalendarDay,
    by: uuid::Uuid,
) -> Result<Option<CalendarDay>, DbErr> {
    let before = CalendarDay::find_by_statement(stmt(
        "SELECT day, kind, name FROM notifications.calendar_days WHERE day = $1 FOR UPDATE",
        [d.day.into()],
    ))
    .one(c)
    .await?;
    c.execute_raw(stmt(
        "INSERT INTO notifications.calendar_days (day, kind, name, created_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (day) DO UPDATE SET kind = $2, name = $3, created_by = $4, created_at = now()",
        [d.day.into(), d.kind.into(), d.name.clone().into(), by.into()],
    ))
    .await?;
    Ok(before)
}

pub async fn delete<C: ConnectionTrait>(
    c: &C,
    day: NaiveDate,
) -> Result<Option<CalendarDay>, DbErr> {
    CalendarDay::find_by_statement(stmt(
        "DELETE FROM notifications.calendar_days WHERE day = $1 RETURNING day, kind, name",
        [day.into()],
    ))
    .one(c)
    .await
}

/// Re-date the obligations still owed whose rule date lies in the 60 days up to `day` (the days a
/// change of `day` can move), with their next reminder; one back before its new due date on `today`
/// is open again. Returns how many moved.
pub async fn redate<C: ConnectionTrait>(
    c: &C,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<u64, DbErr> {
    let r = c
        .execute_raw(stmt(
            "WITH moved AS (
               SELECT o.id, notifications.working_day(o.base_due) AS due
                 FROM notifications.obligations o JOIN notifications.duties d ON d.id = o.duty_id
                WHERE d.to_working_day AND o.state IN ('open', 'overdue')
                  AND o.base_due BETWEEN $1::date - 60 AND $1::date)
             UPDATE notifications.obligations o SET
               due_date = m.due,
               next_step_on = notifications.next_step(o.duty_id, m.due, o.last_step_on),
               state = CASE WHEN m.due >= $2 THEN 'open' ELSE o.state END,
               updated_at = now()
               FROM moved m
              WHERE o.id = m.id AND o.due_date <> m.due",
            [day.into(), today.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}
