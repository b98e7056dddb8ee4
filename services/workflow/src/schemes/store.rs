//! All SQL of schemes, their beneficiaries and their steps.

use chrono::{DateTime, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, contains_pattern, count, stmt};
use kc_kernel::{Fund, Money, Owner, Region, SchemeKind, SchemeStatus};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A scheme as the API shows it, with its stage's time limit.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct SchemeView {
    pub id: Uuid,
    pub province_id: Uuid,
    pub province_code: String,
    pub implementing_org_id: Uuid,
    pub implementing_org_name: String,
    pub status: SchemeStatus,
    pub version: i32,
    pub kind: SchemeKind,
    pub fund: Fund,
    pub plan_year: i32,
    pub activity_code: String,
    pub title: String,
    pub commune: String,
    #[schema(value_type = String)]
    pub total_cost: Decimal,
    #[schema(value_type = String)]
    pub support_requested: Decimal,
    #[schema(value_type = String)]
    pub counterpart: Decimal,
    /// What the provincial appraisal recommends.
    #[schema(value_type = Option<String>)]
    pub support_recommended: Option<Decimal>,
    /// What the approval committed.
    #[schema(value_type = Option<String>)]
    pub support_approved: Option<Decimal>,
    pub envelope_id: Option<Uuid>,
    /// Disbursed so far (advances included), in whole đồng.
    #[schema(value_type = String)]
    pub paid: Decimal,
    /// Advances among what was paid.
    #[schema(value_type = String)]
    pub advanced: Decimal,
    /// Given back to the envelope by a termination.
    #[schema(value_type = String)]
    pub released: Decimal,
    /// The settlement decision's amount.
    #[schema(value_type = Option<String>)]
    pub settled: Option<Decimal>,
    /// The share of the work done, from the last progress report.
    pub progress_percent: i32,
    /// The province as it was when the scheme was planned (a former province before the 2025 merger).
    pub origin_unit_id: Option<Uuid>,
    /// The industrial cluster it supports (the registry's), if any.
    pub cluster_id: Option<Uuid>,
    pub status_reason: Option<String>,
    pub prepared_by: Uuid,
    pub stage_since: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    /// Beneficiaries named so far.
    pub beneficiary_count: i64,
    /// Any beneficiary is owned by a woman or an ethnic minority, or works in a difficult area.
    pub priority: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Resource for SchemeView {
    async fn load(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<Self>, DbErr> {
        by_id(tx, id, lock).await
    }
    fn owner(&self) -> Owner {
        Owner {
            province: Some(self.province_id),
            organisation: Some(self.implementing_org_id),
        }
    }
}

const VIEW: &str = "SELECT s.id, s.province_id, p.code AS province_code, s.implementing_org_id,
        o.name AS implementing_org_name, s.status, s.version, s.kind, s.fund, s.plan_year,
        s.activity_code, s.title, s.commune, s.total_cost, s.support_requested, s.counterpart,
        s.support_recommended, s.support_approved, s.envelope_id, s.paid, s.advanced, s.released,
        s.settled, s.progress_percent, s.origin_unit_id, s.cluster_id, s.status_reason, s.prepared_by,
        s.stage_since, s.stage_since + make_interval(days => lim.days) AS due_at,
        coalesce(s.stage_since + make_interval(days => lim.days) < now(), false) AS overdue,
        (SELECT count(*) FROM workflow.scheme_beneficiaries b WHERE b.scheme_id = s.id) AS beneficiary_count,
        EXISTS (SELECT 1 FROM workflow.scheme_beneficiaries b
                  JOIN identity.organisations bo ON bo.id = b.organisation_id
                  LEFT JOIN workflow.applications ap ON ap.id = b.application_id
                 WHERE b.scheme_id = s.id
                   AND (bo.woman_owned OR bo.ethnic_minority_owned OR coalesce(ap.difficult_area, false))) AS priority,
        s.created_at, s.updated_at, p.region
   FROM workflow.schemes s
   JOIN identity.organisations o ON o.id = s.implementing_org_id
   JOIN identity.admin_units p ON p.id = s.province_id
   LEFT JOIN LATERAL (
     SELECT workflow.stage_days('scheme_' || s.status, s.fund, s.province_id) AS days) lim ON true";

pub async fn by_id(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<SchemeView>, DbErr> {
    if lock == Lock::ForUpdate && !kc_db::lock_row(tx, "workflow.schemes", id).await? {
        return Ok(None);
    }
    SchemeView::find_by_statement(stmt(&format!("{VIEW} WHERE s.id = $1"), [id.into()]))
        .one(tx)
        .await
}

/// Filters of the list; row-level security keeps each caller to its own scope on top of them.
#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<SchemeStatus>,
    pub fund: Option<Fund>,
    pub plan_year: Option<i32>,
    pub province_id: Option<Uuid>,
    pub region: Option<Region>,
    pub priority: Option<bool>,
    pub overdue: Option<bool>,
    pub q: Option<String>,
}

/// A page of schemes: priority first, then point schemes, then the longest waiting (the ministry's
/// selection order).
pub async fn list(
    tx: &Tx,
    f: &Filter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<SchemeView>, i64), DbErr> {
    let cond = "($1::text IS NULL OR v.status = $1) AND ($2::text IS NULL OR v.fund = $2)
        AND ($3::int IS NULL OR v.plan_year = $3) AND ($4::uuid IS NULL OR v.province_id = $4)
        AND ($5::text IS NULL OR v.region = $5) AND ($6::bool IS NULL OR v.priority = $6)
        AND ($7::bool IS NULL OR v.overdue = $7) AND ($8::text IS NULL OR v.title ILIKE $8)";
    let vals = || -> Vec<sea_orm::Value> {
        vec![
            f.status.into(),
            f.fund.into(),
            f.plan_year.into(),
            f.province_id.into(),
            f.region.into(),
            f.priority.into(),
            f.overdue.into(),
            f.q.as_deref().map(contains_pattern).into(),
        ]
    };
    let mut v = vals();
    v.push((limit as i64).into());
    v.push((offset as i64).into());
    let rows = SchemeView::find_by_statement(stmt(
        &format!(
            "SELECT v.* FROM ({VIEW}) v WHERE {cond}
              ORDER BY v.priority DESC, v.kind = 'point' DESC, v.stage_since, v.id LIMIT $9 OFFSET $10"
        ),
        v,
    ))
    .all(tx)
    .await?;
    let total = count(
        tx,
        &format!("SELECT count(*) AS n FROM ({VIEW}) v WHERE {cond}"),
        vals(),
    )
    .await?;
    Ok((rows, total))
}

/// A new scheme, checked.
pub struct NewScheme {
    pub province_id: Uuid,
    pub implementing_org_id: Uuid,
    pub kind: SchemeKind,
    pub fund: Fund,
    pub plan_year: i32,
    pub activity_code: String,
    pub title: String,
    pub commune: String,
    pub total_cost: Money,
    pub support_requested: Money,
    pub counterpart: Money,
    pub cluster_id: Option<Uuid>,
    pub prepared_by: Uuid,
}

pub async fn insert(tx: &Tx, s: &NewScheme) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO workflow.schemes (id, province_id, implementing_org_id, kind, fund, plan_year,
             activity_code, title, commune, total_cost, support_requested, counterpart, prepared_by,
             cluster_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        [
            id.into(),
            s.province_id.into(),
            s.implementing_org_id.into(),
            s.kind.into(),
            s.fund.into(),
            s.plan_year.into(),
            s.activity_code.clone().into(),
            s.title.clone().into(),
            s.commune.clone().into(),
            s.total_cost.amount().into(),
            s.support_requested.amount().into(),
            s.counterpart.amount().into(),
            s.prepared_by.into(),
            s.cluster_id.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// Name a beneficiary (from its accepted application). An application already in a scheme is a
/// unique violation.
pub async fn add_beneficiary(
    tx: &Tx,
    province: Uuid,
    scheme: Uuid,
    organisation: Uuid,
    application: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO workflow.scheme_beneficiaries (province_id, scheme_id, organisation_id, application_id)
         VALUES ($1, $2, $3, $4)",
        [province.into(), scheme.into(), organisation.into(), application.into()],
    ))
    .await?;
    Ok(())
}

/// One beneficiary of a scheme.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct Beneficiary {
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub application_id: Option<Uuid>,
    pub woman_owned: bool,
    pub ethnic_minority_owned: bool,
}

pub async fn beneficiaries(tx: &Tx, scheme: Uuid) -> Result<Vec<Beneficiary>, DbErr> {
    Beneficiary::find_by_statement(stmt(
        "SELECT b.organisation_id, o.name AS organisation_name, b.application_id, o.woman_owned,
                o.ethnic_minority_owned
           FROM workflow.scheme_beneficiaries b JOIN identity.organisations o ON o.id = b.organisation_id
          WHERE b.scheme_id = $1 ORDER BY o.name",
        [scheme.into()],
    ))
    .all(tx)
    .await
}

/// One step a scheme took.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct StepRow {
    pub step: Option<i32>,
    pub from_status: SchemeStatus,
    pub to_status: SchemeStatus,
    pub by_user: Uuid,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

pub async fn steps(tx: &Tx, scheme: Uuid) -> Result<Vec<StepRow>, DbErr> {
    StepRow::find_by_statement(stmt(
        "SELECT step, from_status, to_status, by_user, at, reason FROM workflow.scheme_steps
          WHERE scheme_id = $1 ORDER BY id",
        [scheme.into()],
    ))
    .all(tx)
    .await
}

/// Who prepared the scheme: its author and whoever took its first step (registration).
pub async fn preparers(tx: &Tx, scheme: &SchemeView) -> Result<Vec<Uuid>, DbErr> {
    let rows = tx
        .query_all_raw(stmt(
            "SELECT by_user FROM workflow.scheme_steps WHERE scheme_id = $1 AND step = 1",
            [scheme.id.into()],
        ))
        .await?;
    let mut users = vec![scheme.prepared_by];
    for r in rows {
        users.push(r.try_get("", "by_user")?);
    }
    Ok(users)
}

/// What a step changes besides the status.
#[derive(Debug, Default)]
pub struct StepChange {
    pub support_recommended: Option<Money>,
    pub approved: Option<(Money, Uuid)>,
}

/// Move a locked scheme to `to` and record the step.
#[allow(clippy::too_many_arguments)]
pub async fn take_step(
    tx: &Tx,
    scheme: &SchemeView,
    step: Option<i32>,
    to: SchemeStatus,
    by: Uuid,
    reason: Option<&str>,
    change: &StepChange,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE workflow.schemes SET status = $2, status_reason = $3, stage_since = now(),
             version = version + 1, updated_at = now(),
             support_recommended = coalesce($4, support_recommended),
             support_approved = coalesce($5, support_approved),
             envelope_id = coalesce($6, envelope_id)
         WHERE id = $1",
        [
            scheme.id.into(),
            to.into(),
            reason.into(),
            change.support_recommended.map(|m| m.amount()).into(),
            change.approved.map(|(m, _)| m.amount()).into(),
            change.approved.map(|(_, e)| e).into(),
        ],
    ))
    .await?;
    tx.execute_raw(stmt(
        "INSERT INTO workflow.scheme_steps (province_id, scheme_id, step, from_status, to_status, by_user, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            scheme.province_id.into(),
            scheme.id.into(),
            step.into(),
            scheme.status.into(),
            to.into(),
            by.into(),
            reason.into(),
        ],
    ))
    .await?;
    Ok(())
}
