//! All SQL of the periodic extension reports.

use chrono::{DateTime, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, stmt};
use kc_kernel::{ExtensionReportStatus, Owner, ReportKind};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A province's report.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ExtensionReport {
    pub id: Uuid,
    pub province_id: Uuid,
    pub province_code: String,
    pub province_name: String,
    /// The department that reports.
    pub organisation_id: Uuid,
    pub kind: ReportKind,
    pub year: i32,
    pub status: ExtensionReportStatus,
    pub version: i32,
    /// The money figures of the province and year when they were last filled in (the execution
    /// report, by activity type).
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
    pub figures_at: DateTime<Utc>,
    pub narrative: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub returned_by: Option<Uuid>,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_reason: Option<String>,
}

const SELECT: &str = "SELECT r.id, r.province_id, p.code AS province_code, p.name AS province_name,
        r.organisation_id, r.kind, r.year, r.status, r.version, r.figures, r.figures_at, r.narrative,
        r.created_by, r.created_at, r.updated_at, r.submitted_by, r.submitted_at, r.returned_by,
        r.returned_at, r.returned_reason
   FROM workflow.extension_reports r JOIN identity.admin_units p ON p.id = r.province_id";

impl Resource for ExtensionReport {
    async fn load(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<Self>, DbErr> {
        if lock == Lock::ForUpdate && !kc_db::lock_row(tx, "workflow.extension_reports", id).await?
        {
            return Ok(None);
        }
        ExtensionReport::find_by_statement(stmt(&format!("{SELECT} WHERE r.id = $1"), [id.into()]))
            .one(tx)
            .await
    }
    fn owner(&self) -> Owner {
        Owner {
            province: Some(self.province_id),
            organisation: None,
        }
    }
}

/// A new draft with its figures; the province's report of that kind and year already there is a
/// unique violation.
pub async fn insert(
    tx: &Tx,
    province: Uuid,
    organisation: Uuid,
    kind: ReportKind,
    year: i32,
    figures: serde_json::Value,
    by: Uuid,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO workflow.extension_reports (id, province_id, organisation_id, kind, year, figures,
             created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            id.into(),
            province.into(),
            organisation.into(),
            kind.into(),
            year.into(),
            figures.into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// The department's edit: the narrative, and the figures filled in again when given.
pub async fn update(
    tx: &Tx,
    id: Uuid,
    narrative: Option<&str>,
    figures: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE workflow.extension_reports
            SET narrative = coalesce($2, narrative), figures = coalesce($3, figures),
                figures_at = CASE WHEN $3::jsonb IS NULL THEN figures_at ELSE now() END,
                version = version + 1, updated_at = now()
          WHERE id = $1",
        [id.into(), narrative.into(), figures.into()],
    ))
    .await?;
    Ok(())
}

/// Move a locked report to `to`: submitted (with its figures as they are now), or returned with a
/// reason.
pub async fn transition(
    tx: &Tx,
    id: Uuid,
    to: ExtensionReportStatus,
    by: Uuid,
    reason: Option<&str>,
    figures: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    let sql = match to {
        ExtensionReportStatus::Submitted => {
            "UPDATE workflow.extension_reports SET status = 'submitted', submitted_by = $2,
                 submitted_at = now(), figures = coalesce($4, figures),
                 figures_at = CASE WHEN $4::jsonb IS NULL THEN figures_at ELSE now() END,
                 version = version + 1, updated_at = now(), returned_reason = coalesce($3, returned_reason)
              WHERE id = $1"
        }
        ExtensionReportStatus::Returned => {
            "UPDATE workflow.extension_reports SET status = 'returned', returned_by = $2,
                 returned_at = now(), returned_reason = $3, submitted_at = NULL, submitted_by = NULL,
                 version = version + 1, updated_at = now(), figures = coalesce($4, figures)
              WHERE id = $1"
        }
        ExtensionReportStatus::Draft => return Err(DbErr::Custom("no way back to a draft".into())),
    };
    tx.execute_raw(stmt(
        sql,
        [id.into(), by.into(), reason.into(), figures.into()],
    ))
    .await?;
    Ok(())
}

/// One line of the ministry's view: a province in force and its report of the kind and year, if any.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ProvinceLine {
    pub province_id: Uuid,
    pub province_code: String,
    pub province_name: String,
    pub report_id: Option<Uuid>,
    /// None: not started.
    pub status: Option<ExtensionReportStatus>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Every province in force the caller sees, with its report of `kind` and `year` (row-level security
/// keeps a province's staff to their own).
pub async fn by_province<C: ConnectionTrait>(
    c: &C,
    kind: ReportKind,
    year: i32,
    province: Option<Uuid>,
) -> Result<Vec<ProvinceLine>, DbErr> {
    ProvinceLine::find_by_statement(stmt(
        "SELECT p.id AS province_id, p.code AS province_code, p.name AS province_name,
                r.id AS report_id, r.status, r.submitted_at
           FROM identity.admin_units p
           LEFT JOIN workflow.extension_reports r
                  ON r.province_id = p.id AND r.kind = $1 AND r.year = $2
          WHERE p.valid_to IS NULL AND ($3::uuid IS NULL OR p.id = $3)
          ORDER BY p.code",
        [kind.into(), year.into(), province.into()],
    ))
    .all(c)
    .await
}
