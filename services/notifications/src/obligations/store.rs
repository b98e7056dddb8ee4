//! All SQL of the obligations.

use crate::duties::Duty;
use chrono::{DateTime, NaiveDate, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, stmt};
use kc_kernel::{DutyLevel, ObligationState, OrgKind, Owner};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// An obligation as its readers see it: with its duty's title and recipient, the party's name, and
/// whether it was (or is being) met late.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct ObligationView {
    pub id: Uuid,
    pub duty_code: String,
    pub duty_title: String,
    /// Who owes it (the level of the party), and to whom the report goes.
    pub reporter: DutyLevel,
    pub recipient: DutyLevel,
    pub legal_basis: String,
    pub data_window: String,
    pub province_id: Uuid,
    pub province_code: String,
    /// The party that owes it.
    pub organisation_id: Uuid,
    pub organisation_name: Option<String>,
    /// The enterprise it is owed to, when it is an administration's time limit on its case.
    pub for_org_id: Option<Uuid>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<Uuid>,
    pub subject_label: Option<String>,
    pub period: String,
    /// The rule's date, and the working day it moved to.
    pub base_due: NaiveDate,
    pub due_date: NaiveDate,
    pub state: ObligationState,
    /// Met after the due date (fulfilled late), or still owed past it.
    pub late: bool,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub fulfilment_note: Option<String>,
    pub waived_reason: Option<String>,
    pub next_step_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ObligationView {
    /// The party's name; where the reader may not see that organisation (an applicant reading the
    /// centre's time limit on its case), the name of its level.
    pub fn party_name(&self) -> &str {
        self.organisation_name
            .as_deref()
            .unwrap_or(self.reporter.label_vi())
    }
}

impl Resource for ObligationView {
    async fn load(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<Self>, DbErr> {
        let lock = if lock == Lock::ForUpdate {
            " FOR UPDATE OF o"
        } else {
            ""
        };
        ObligationView::find_by_statement(stmt(
            &format!("{SELECT} WHERE o.id = $1{lock}"),
            [id.into()],
        ))
        .one(tx)
        .await
    }
    fn owner(&self) -> Owner {
        Owner {
            province: Some(self.province_id),
            organisation: Some(self.for_org_id.unwrap_or(self.organisation_id)),
        }
    }
}

/// `late`: fulfilled on a day (in Vietnam) after the due date, or still owed with the due date past
/// (the scheduler marks it overdue the day after).
const SELECT: &str = "SELECT o.id, o.duty_code, d.title AS duty_title, d.reporter, d.recipient, d.legal_basis,
        d.data_window, o.province_id, p.code AS province_code, o.organisation_id,
        g.name AS organisation_name, o.for_org_id, o.subject_kind, o.subject_id, o.subject_label, o.period,
        o.base_due, o.due_date, o.state,
        CASE WHEN o.state = 'fulfilled' THEN (o.fulfilled_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > o.due_date
             ELSE o.state = 'overdue' END AS late,
        o.fulfilled_at, o.fulfilment_note, o.waived_reason, o.next_step_on, o.created_at, o.updated_at
   FROM notifications.obligations o
   JOIN notifications.duties d ON d.id = o.duty_id
   JOIN identity.admin_units p ON p.id = o.province_id
   LEFT JOIN identity.organisations g ON g.id = o.organisation_id";

/// What a new obligation is.
#[derive(Debug, Clone)]
pub struct NewObligation<'a> {
    pub duty: &'a Duty,
    pub province: Uuid,
    pub organisation: Uuid,
    pub for_org: Option<Uuid>,
    pub subject: Option<(&'a str, Uuid, String)>,
    pub period: String,
    pub base_due: NaiveDate,
    /// Names the duty, the party, the subject and the period: the same key never opens twice.
    pub dedup_key: String,
    /// The event that opened it (topic and de-duplication key), if any.
    pub opened_by_event: Option<String>,
}

/// The province's active organisation of a kind (its centre, its department): the party of a duty
/// that level owes.
pub async fn party_of_kind<C: ConnectionTrait>(
    c: &C,
    province: Uuid,
    kind: OrgKind,
) -> Result<Option<Uuid>, DbErr> {
    c.query_one_raw(stmt(
        "SELECT id FROM identity.organisations WHERE province_id = $1 AND kind = $2 AND status = 'active'",
        [province.into(), kind.as_str().into()],
    ))
    .await?
    .map(|r| r.try_get::<Uuid>("", "id"))
    .transpose()
}

/// The de-duplication key of an obligation.
pub fn key(code: &str, organisation: Uuid, subject: Option<Uuid>, period: &str) -> String {
    match subject {
        Some(s) => format!("{code}:{organisation}:{s}:{period}"),
        None => format!("{code}:{organisation}:{period}"),
    }
}

/// Open an obligation (its due date moved to a working day if its duty says so, its first reminder
/// day set); false when its key is already open. The worker's connection.
pub async fn open<C: ConnectionTrait>(c: &C, n: &NewObligation<'_>) -> Result<bool, DbErr> {
    let (kind, id, label) = match &n.subject {
        Some((k, id, l)) => (Some(k.to_string()), Some(*id), Some(l.clone())),
        None => (None, None, None),
    };
    let r = c
        .execute_raw(stmt(
            "INSERT INTO notifications.obligations (id, duty_id, duty_code, province_id, organisation_id,
                for_org_id, subject_kind, subject_id, subject_label, period, base_due, due_date,
                next_step_on, dedup_key, opened_by_event)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, w.due,
                    notifications.next_step($2, w.due, NULL), $12, $13
               FROM (SELECT CASE WHEN $14 THEN notifications.working_day($11) ELSE $11::date END AS due) w
             ON CONFLICT (dedup_key) DO NOTHING",
            [
                Uuid::new_v4().into(),
                n.duty.id.into(),
                n.duty.code.clone().into(),
                n.province.into(),
                n.organisation.into(),
                n.for_org.into(),
                kind.into(),
                id.into(),
                label.into(),
                n.period.clone().into(),
                n.base_due.into(),
                n.dedup_key.clone().into(),
                n.opened_by_event.clone().into(),
                n.duty.to_working_day.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// What closing an obligation sets: fulfilled at `$2` with `$1` as its note, or waived with `$1` as
/// the reason; no more reminders either way.
fn closing(to: ObligationState) -> &'static str {
    if to == ObligationState::Waived {
        "state = 'waived', waived_reason = $1, next_step_on = NULL, updated_at = now()"
    } else {
        "state = 'fulfilled', fulfilled_at = $2, fulfilment_note = $1, next_step_on = NULL,
         updated_at = now()"
    }
}

/// Close the obligation of `key` if it is still owed (fulfilled at `at`, or waived); how many (0 or 1).
pub async fn close_by_key<C: ConnectionTrait>(
    c: &C,
    key: &str,
    to: ObligationState,
    text: &str,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let r = c
        .execute_raw(stmt(
            &format!(
                "UPDATE notifications.obligations SET {}
                  WHERE dedup_key = $3 AND state IN ('open', 'overdue')",
                closing(to)
            ),
            [text.into(), at.into(), key.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// Close what is still owed about one subject (the last stage of an application) but the obligation of
/// `keep`: fulfilled at `at` with `text` as its note, or waived with it as the reason; how many.
pub async fn close_subject<C: ConnectionTrait>(
    c: &C,
    subject: (&str, Uuid),
    keep: &str,
    to: ObligationState,
    text: &str,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let r = c
        .execute_raw(stmt(
            &format!(
                "UPDATE notifications.obligations SET {}
                  WHERE subject_kind = $3 AND subject_id = $4 AND dedup_key <> $5
                    AND state IN ('open', 'overdue')",
                closing(to)
            ),
            [
                text.into(),
                at.into(),
                subject.0.into(),
                subject.1.into(),
                keep.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// Close what is still owed of one duty about one subject (a scheme's settlement dossier): fulfilled
/// at `at` with `text` as its note, or waived with it as the reason; how many.
pub async fn close_duty_of_subject<C: ConnectionTrait>(
    c: &C,
    code: &str,
    subject: (&str, Uuid),
    to: ObligationState,
    text: &str,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let r = c
        .execute_raw(stmt(
            &format!(
                "UPDATE notifications.obligations SET {}
                  WHERE subject_kind = $3 AND subject_id = $4 AND duty_code = $5
                    AND state IN ('open', 'overdue')",
                closing(to)
            ),
            [
                text.into(),
                at.into(),
                subject.0.into(),
                subject.1.into(),
                code.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// Close an obligation the caller has loaded and locked: fulfilled (with a note) or waived (with a
/// reason); no more reminders.
pub async fn close(
    tx: &Tx,
    id: Uuid,
    to: ObligationState,
    text: &str,
    by: Uuid,
) -> Result<(), DbErr> {
    let sql = if to == ObligationState::Waived {
        "UPDATE notifications.obligations SET state = 'waived', waived_reason = $2, waived_by = $3,
                next_step_on = NULL, updated_at = now() WHERE id = $1"
    } else {
        "UPDATE notifications.obligations SET state = 'fulfilled', fulfilled_at = now(),
                fulfilment_note = $2, fulfilled_by = $3, next_step_on = NULL, updated_at = now()
          WHERE id = $1"
    };
    tx.execute_raw(stmt(sql, [id.into(), text.into(), by.into()]))
        .await?;
    Ok(())
}

/// The list's filters.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub state: Option<ObligationState>,
    pub duty: Option<String>,
    pub period: Option<String>,
    pub organisation: Option<Uuid>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
}

const WHERE: &str =
    "WHERE ($1::text IS NULL OR o.state = $1) AND ($2::text IS NULL OR o.duty_code = $2)
   AND ($3::text IS NULL OR o.period = $3) AND ($4::uuid IS NULL OR o.organisation_id = $4)
   AND ($5::date IS NULL OR o.due_date >= $5) AND ($6::date IS NULL OR o.due_date <= $6)";

fn values(f: &Filter) -> Vec<sea_orm::Value> {
    vec![
        f.state.into(),
        f.duty.clone().into(),
        f.period.clone().into(),
        f.organisation.into(),
        f.due_from.into(),
        f.due_to.into(),
    ]
}

/// A page of the obligations the caller sees, soonest due first, with the total.
pub async fn list(
    tx: &Tx,
    f: &Filter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<ObligationView>, i64), DbErr> {
    let mut v = values(f);
    v.push((limit as i64).into());
    v.push((offset as i64).into());
    let items = ObligationView::find_by_statement(stmt(
        &format!("{SELECT} {WHERE} ORDER BY o.due_date, o.id LIMIT $7 OFFSET $8"),
        v,
    ))
    .all(tx)
    .await?;
    let total = kc_db::count(
        tx,
        &format!("SELECT count(*) AS n FROM notifications.obligations o {WHERE}"),
        values(f),
    )
    .await?;
    Ok((items, total))
}

/// The obligations `org` (of `province`; none: the ministry) owes, or is owed as an applicant (an
/// administration's time limit on its case), that are not met yet: soonest due first.
pub async fn owed_by_or_to(
    tx: &Tx,
    org: Uuid,
    province: Option<Uuid>,
    limit: u64,
) -> Result<Vec<ObligationView>, DbErr> {
    ObligationView::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE (o.organisation_id = $1 OR o.for_org_id = $1)
               AND ($2::uuid IS NULL OR o.province_id = $2) AND o.state IN ('open', 'overdue')
             ORDER BY o.due_date, o.id LIMIT $3"
        ),
        [org.into(), province.into(), (limit as i64).into()],
    ))
    .all(tx)
    .await
}

/// One province's line of the compliance view.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct ComplianceRow {
    pub province_id: Uuid,
    pub province_code: String,
    pub province_name: String,
    /// Obligations of the duty and period.
    pub total: i64,
    /// Fulfilled by the due date.
    pub on_time: i64,
    /// Fulfilled after it.
    pub late: i64,
    /// Past the due date and still owed.
    pub missing: i64,
    /// Not yet due.
    pub open: i64,
    pub waived: i64,
}

/// Per province the caller sees: how the obligations of `duty` (or of every duty) for `period` stand.
pub async fn compliance(
    tx: &Tx,
    duty: Option<&str>,
    period: &str,
) -> Result<Vec<ComplianceRow>, DbErr> {
    ComplianceRow::find_by_statement(stmt(
        "SELECT o.province_id, p.code AS province_code, p.name AS province_name, count(*) AS total,
                count(*) FILTER (WHERE o.state = 'fulfilled'
                  AND (o.fulfilled_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date <= o.due_date) AS on_time,
                count(*) FILTER (WHERE o.state = 'fulfilled'
                  AND (o.fulfilled_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > o.due_date) AS late,
                count(*) FILTER (WHERE o.state = 'overdue') AS missing,
                count(*) FILTER (WHERE o.state = 'open') AS open,
                count(*) FILTER (WHERE o.state = 'waived') AS waived
           FROM notifications.obligations o JOIN identity.admin_units p ON p.id = o.province_id
          WHERE o.period = $1 AND ($2::text IS NULL OR o.duty_code = $2)
          GROUP BY o.province_id, p.code, p.name ORDER BY p.code",
        [period.into(), duty.into()],
    ))
    .all(tx)
    .await
}
