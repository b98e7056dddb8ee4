//! All SQL of applications and their versions.

use chrono::{DateTime, NaiveDate, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, contains_pattern, count, stmt};
use kc_kernel::{ApplicationStatus, Fund, Money, Owner, Region, Role};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What the applicant writes: everything may be empty in a draft; submission checks it. This is also
/// the content kept for each submitted version (with the priority flags of the enterprise's profile).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Content {
    pub fund: Option<Fund>,
    pub activity_code: Option<String>,
    pub plan_year: Option<i32>,
    pub title: Option<String>,
    /// The commune (xã, phường, đặc khu) where the work takes place; the province is the enterprise's.
    pub commune: Option<String>,
    #[schema(value_type = Option<String>)]
    pub total_cost: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub support_requested: Option<Money>,
    /// The beneficiary's own funding (vốn đối ứng).
    #[schema(value_type = Option<String>)]
    pub counterpart: Option<Money>,
    pub expected_results: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// The work takes place in an area with difficult socio-economic conditions (declared).
    pub difficult_area: bool,
    /// From the enterprise's profile, as it was when the content was saved.
    pub woman_owned: bool,
    pub ethnic_minority_owned: bool,
}

/// An application as the API shows it, with whose move it is and the stage's time limit.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: Uuid,
    pub province_id: Uuid,
    pub province_code: String,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub status: ApplicationStatus,
    /// Increases with every change; send it back with a change (a stale one answers 412).
    pub version: i32,
    /// How many times it was submitted (the number of its latest version).
    pub submissions: i32,
    pub fund: Option<Fund>,
    pub activity_code: Option<String>,
    pub plan_year: Option<i32>,
    pub title: Option<String>,
    pub commune: Option<String>,
    #[schema(value_type = Option<String>)]
    pub total_cost: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub support_requested: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub counterpart: Option<Decimal>,
    pub expected_results: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub difficult_area: bool,
    pub woman_owned: bool,
    pub ethnic_minority_owned: bool,
    /// The reason of the last return, rejection or withdrawal.
    pub status_reason: Option<String>,
    /// When the current state began.
    pub stage_since: DateTime<Utc>,
    /// When the current stage's time limit runs out (none: the state has no limit).
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    /// The scheme it went into, once accepted into one, and where that scheme stands.
    pub scheme_id: Option<Uuid>,
    pub scheme_status: Option<kc_kernel::SchemeStatus>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ApplicationView {
    /// The content as stored.
    pub fn content(&self) -> Content {
        Content {
            fund: self.fund,
            activity_code: self.activity_code.clone(),
            plan_year: self.plan_year,
            title: self.title.clone(),
            commune: self.commune.clone(),
            total_cost: self.total_cost.and_then(|d| Money::new(d).ok()),
            support_requested: self.support_requested.and_then(|d| Money::new(d).ok()),
            counterpart: self.counterpart.and_then(|d| Money::new(d).ok()),
            expected_results: self.expected_results.clone(),
            start_date: self.start_date,
            end_date: self.end_date,
            difficult_area: self.difficult_area,
            woman_owned: self.woman_owned,
            ethnic_minority_owned: self.ethnic_minority_owned,
        }
    }
}

impl Resource for ApplicationView {
    async fn load(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<Self>, DbErr> {
        by_id(tx, id, lock).await
    }
    fn owner(&self) -> Owner {
        Owner {
            province: Some(self.province_id),
            organisation: Some(self.organisation_id),
        }
    }
}

/// The view, with the stage's time limit (`workflow.stage_days`: the stage-limit rule in force today
/// for `application_<status>`, the application's fund and province).
const VIEW: &str = "SELECT a.id, a.province_id, p.code AS province_code, a.organisation_id,
        o.name AS organisation_name, a.status, a.version, a.submissions, a.fund, a.activity_code,
        a.plan_year, a.title, a.commune, a.total_cost, a.support_requested, a.counterpart,
        a.expected_results, a.start_date, a.end_date, a.difficult_area, a.woman_owned,
        a.ethnic_minority_owned, a.status_reason, a.stage_since,
        a.stage_since + make_interval(days => lim.days) AS due_at,
        coalesce(a.stage_since + make_interval(days => lim.days) < now(), false) AS overdue,
        sc.id AS scheme_id, sc.status AS scheme_status,
        a.created_at, a.updated_at, p.region
   FROM workflow.applications a
   JOIN identity.organisations o ON o.id = a.organisation_id
   JOIN identity.admin_units p ON p.id = a.province_id
   LEFT JOIN workflow.scheme_beneficiaries sb ON sb.application_id = a.id
   LEFT JOIN workflow.schemes sc ON sc.id = sb.scheme_id
   LEFT JOIN LATERAL (
     SELECT workflow.stage_days('application_' || a.status, a.fund, a.province_id) AS days) lim ON true";

pub async fn by_id(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<ApplicationView>, DbErr> {
    if lock == Lock::ForUpdate && !kc_db::lock_row(tx, "workflow.applications", id).await? {
        return Ok(None);
    }
    ApplicationView::find_by_statement(stmt(&format!("{VIEW} WHERE a.id = $1"), [id.into()]))
        .one(tx)
        .await
}

/// How a list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// The longest-waiting first (the queue's order).
    #[default]
    Waiting,
    /// The nearest time limit first.
    Due,
    /// The most recently changed first.
    Updated,
    /// The largest support asked for first.
    Support,
}

impl Sort {
    fn order_by(self) -> &'static str {
        match self {
            Sort::Waiting => "v.stage_since, v.id",
            Sort::Due => "v.due_at NULLS LAST, v.id",
            Sort::Updated => "v.updated_at DESC, v.id",
            Sort::Support => "v.support_requested DESC NULLS LAST, v.id",
        }
    }
}

/// Filters of the list; row-level security keeps each caller to its own scope on top of them.
#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<ApplicationStatus>,
    pub fund: Option<Fund>,
    pub activity_code: Option<String>,
    pub commune: Option<String>,
    pub plan_year: Option<i32>,
    pub overdue: Option<bool>,
    pub province_id: Option<Uuid>,
    pub region: Option<Region>,
    pub organisation_id: Option<Uuid>,
    /// Literally in the title or the applicant's name.
    pub q: Option<String>,
}

pub async fn list(
    tx: &Tx,
    f: &Filter,
    sort: Sort,
    limit: u64,
    offset: u64,
) -> Result<(Vec<ApplicationView>, i64), DbErr> {
    let cond = "($1::text IS NULL OR v.status = $1) AND ($2::text IS NULL OR v.fund = $2)
        AND ($3::text IS NULL OR v.activity_code = $3) AND ($4::text IS NULL OR v.commune ILIKE $4)
        AND ($5::int IS NULL OR v.plan_year = $5) AND ($6::bool IS NULL OR v.overdue = $6)
        AND ($7::uuid IS NULL OR v.province_id = $7) AND ($8::text IS NULL OR v.region = $8)
        AND ($9::uuid IS NULL OR v.organisation_id = $9)
        AND ($10::text IS NULL OR v.title ILIKE $10 OR v.organisation_name ILIKE $10)";
    let vals = || -> Vec<sea_orm::Value> {
        vec![
            f.status.into(),
            f.fund.into(),
            f.activity_code.clone().into(),
            f.commune.as_deref().map(contains_pattern).into(),
            f.plan_year.into(),
            f.overdue.into(),
            f.province_id.into(),
            f.region.into(),
            f.organisation_id.into(),
            f.q.as_deref().map(contains_pattern).into(),
        ]
    };
    let mut v = vals();
    v.push((limit as i64).into());
    v.push((offset as i64).into());
    let rows = ApplicationView::find_by_statement(stmt(
        &format!(
            "SELECT v.* FROM ({VIEW}) v WHERE {cond} ORDER BY {} LIMIT $11 OFFSET $12",
            sort.order_by()
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

/// The priority flags of an enterprise's profile.
pub async fn profile_flags(tx: &Tx, organisation: Uuid) -> Result<(bool, bool), DbErr> {
    let row = tx
        .query_one_raw(stmt(
            "SELECT woman_owned, ethnic_minority_owned FROM identity.organisations WHERE id = $1",
            [organisation.into()],
        ))
        .await?;
    match row {
        Some(r) => Ok((
            r.try_get("", "woman_owned")?,
            r.try_get("", "ethnic_minority_owned")?,
        )),
        None => Ok((false, false)),
    }
}

fn content_values(c: &Content) -> Vec<sea_orm::Value> {
    vec![
        c.fund.into(),
        c.activity_code.clone().into(),
        c.plan_year.into(),
        c.title.clone().into(),
        c.commune.clone().into(),
        c.total_cost.map(|m| m.amount()).into(),
        c.support_requested.map(|m| m.amount()).into(),
        c.counterpart.map(|m| m.amount()).into(),
        c.expected_results.clone().into(),
        c.start_date.into(),
        c.end_date.into(),
        c.difficult_area.into(),
        c.woman_owned.into(),
        c.ethnic_minority_owned.into(),
    ]
}

/// A new draft.
pub async fn insert(
    tx: &Tx,
    province: Uuid,
    organisation: Uuid,
    content: &Content,
    by: Uuid,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let mut v = content_values(content);
    v.extend([id.into(), province.into(), organisation.into(), by.into()]);
    tx.execute_raw(stmt(
        "INSERT INTO workflow.applications (fund, activity_code, plan_year, title, commune, total_cost,
             support_requested, counterpart, expected_results, start_date, end_date, difficult_area,
             woman_owned, ethnic_minority_owned, id, province_id, organisation_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        v,
    ))
    .await?;
    Ok(id)
}

/// Replace the content (the row is locked and its version checked by the caller); the version grows.
pub async fn save_content(tx: &Tx, id: Uuid, content: &Content) -> Result<(), DbErr> {
    let mut v = content_values(content);
    v.push(id.into());
    tx.execute_raw(stmt(
        "UPDATE workflow.applications SET fund = $1, activity_code = $2, plan_year = $3, title = $4,
             commune = $5, total_cost = $6, support_requested = $7, counterpart = $8,
             expected_results = $9, start_date = $10, end_date = $11, difficult_area = $12,
             woman_owned = $13, ethnic_minority_owned = $14, version = version + 1, updated_at = now()
         WHERE id = $15",
        v,
    ))
    .await?;
    Ok(())
}

/// Move to `to` (the row is locked and the move checked by the caller): a new stage begins, the
/// version grows, a submission is counted.
pub async fn set_status(
    tx: &Tx,
    before: &ApplicationView,
    to: ApplicationStatus,
    by: (Role, Uuid),
    reason: Option<&str>,
    submitted: bool,
) -> Result<(), DbErr> {
    // The move and its line in the history, in one statement.
    tx.execute_raw(stmt(
        "WITH moved AS (
           UPDATE workflow.applications SET status = $2, status_reason = $3, stage_since = now(),
                  version = version + 1, submissions = submissions + $4::int, updated_at = now()
            WHERE id = $1
           RETURNING province_id, id)
         INSERT INTO workflow.application_steps
                (province_id, application_id, from_status, to_status, by_role, by_user, reason)
         SELECT province_id, id, $5, $2, $6, $7, $3 FROM moved",
        [
            before.id.into(),
            to.into(),
            reason.into(),
            i32::from(submitted).into(),
            before.status.into(),
            by.0.into(),
            by.1.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// One step of an application's history.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ApplicationStep {
    pub at: DateTime<Utc>,
    pub from_status: ApplicationStatus,
    pub to_status: ApplicationStatus,
    /// The role of whoever took it (the applicant is `enterprise`).
    pub by_role: Role,
    pub reason: Option<String>,
}

/// An application's history, oldest first.
pub async fn history(tx: &Tx, id: Uuid) -> Result<Vec<ApplicationStep>, DbErr> {
    ApplicationStep::find_by_statement(stmt(
        "SELECT at, from_status, to_status, by_role, reason FROM workflow.application_steps
          WHERE application_id = $1 ORDER BY id",
        [id.into()],
    ))
    .all(tx)
    .await
}

/// Keep the content of a submission as version `number`.
pub async fn add_version(
    tx: &Tx,
    province: Uuid,
    id: Uuid,
    number: i32,
    content: &Content,
    by: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO workflow.application_versions (province_id, application_id, number, content, submitted_by)
         VALUES ($1, $2, $3, $4, $5)",
        [
            province.into(),
            id.into(),
            number.into(),
            serde_json::to_value(content)
                .map_err(|e| DbErr::Json(e.to_string()))?
                .into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// One submitted version.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct VersionRow {
    pub number: i32,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
    #[schema(value_type = Content)]
    pub content: serde_json::Value,
}

pub async fn versions(tx: &Tx, id: Uuid) -> Result<Vec<VersionRow>, DbErr> {
    VersionRow::find_by_statement(stmt(
        "SELECT number, submitted_by, submitted_at, content FROM workflow.application_versions
          WHERE application_id = $1 ORDER BY number",
        [id.into()],
    ))
    .all(tx)
    .await
}

pub async fn version(tx: &Tx, id: Uuid, number: i32) -> Result<Option<VersionRow>, DbErr> {
    VersionRow::find_by_statement(stmt(
        "SELECT number, submitted_by, submitted_at, content FROM workflow.application_versions
          WHERE application_id = $1 AND number = $2",
        [id.into(), number.into()],
    ))
    .one(tx)
    .await
}
