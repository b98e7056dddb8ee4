//! All SQL of periodic reports: the reports, the parties expected to report, who did, and the
//! province's consolidated report.

use chrono::{DateTime, NaiveDate, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, count, stmt};
use kc_kernel::{Owner, ReportKind, ReportParty, ReportStatus};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A report, with its cluster and party named.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ReportRow {
    pub id: Uuid,
    pub province_id: Uuid,
    pub province_code: String,
    pub cluster_id: Uuid,
    pub cluster_code: String,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub party: ReportParty,
    pub kind: ReportKind,
    pub year: i32,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub due_date: NaiveDate,
    pub status: ReportStatus,
    pub version: i32,
    #[schema(value_type = super::figures::Figures)]
    pub figures: serde_json::Value,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
    pub first_submitted_at: DateTime<Utc>,
    /// First submitted after its due date (in Vietnam).
    pub late: bool,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Why it was returned, or a note on its acceptance.
    pub review_note: Option<String>,
}

impl Resource for ReportRow {
    async fn load(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<Self>, DbErr> {
        let lock = if lock == Lock::ForUpdate {
            " FOR UPDATE OF r"
        } else {
            ""
        };
        ReportRow::find_by_statement(stmt(
            &format!("{SELECT} WHERE r.id = $1{lock}"),
            [id.into()],
        ))
        .one(tx)
        .await
    }
    fn owner(&self) -> Owner {
        Owner {
            province: Some(self.province_id),
            organisation: Some(self.organisation_id),
        }
    }
}

const SELECT: &str = "SELECT r.id, r.province_id, p.code AS province_code, r.cluster_id, c.code AS cluster_code,
        r.organisation_id, o.name AS organisation_name, r.party, r.kind, r.year, r.window_from, r.window_to,
        r.due_date, r.status, r.version, r.figures, r.submitted_by, r.submitted_at, r.first_submitted_at,
        r.first_submitted_at >= ((r.due_date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') AS late,
        r.reviewed_by, r.reviewed_at, r.review_note
   FROM registry.cluster_reports r
   JOIN identity.admin_units p ON p.id = r.province_id
   JOIN registry.clusters c ON c.id = r.cluster_id
   JOIN identity.organisations o ON o.id = r.organisation_id";

/// The report of a party for a period, if any (locked).
pub async fn find(
    tx: &Tx,
    cluster: Uuid,
    org: Uuid,
    kind: ReportKind,
    year: i32,
) -> Result<Option<ReportRow>, DbErr> {
    ReportRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE r.cluster_id = $1 AND r.organisation_id = $2 AND r.kind = $3 AND r.year = $4
              FOR UPDATE OF r"
        ),
        [cluster.into(), org.into(), kind.into(), year.into()],
    ))
    .one(tx)
    .await
}

#[derive(Debug, Default)]
pub struct Filter {
    pub province_id: Option<Uuid>,
    pub cluster_id: Option<Uuid>,
    pub kind: Option<ReportKind>,
    pub year: Option<i32>,
    pub status: Option<ReportStatus>,
}

pub async fn list(
    tx: &Tx,
    f: &Filter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<ReportRow>, i64), DbErr> {
    let cond =
        "($1::uuid IS NULL OR r.province_id = $1) AND ($2::uuid IS NULL OR r.cluster_id = $2)
        AND ($3::text IS NULL OR r.kind = $3) AND ($4::int IS NULL OR r.year = $4)
        AND ($5::text IS NULL OR r.status = $5)";
    let vals = || -> Vec<sea_orm::Value> {
        vec![
            f.province_id.into(),
            f.cluster_id.into(),
            f.kind.into(),
            f.year.into(),
            f.status.into(),
        ]
    };
    let mut v = vals();
    v.push((limit as i64).into());
    v.push((offset as i64).into());
    let rows = ReportRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE {cond} ORDER BY r.year DESC, r.kind, p.code, c.code, o.name LIMIT $6 OFFSET $7"
        ),
        v,
    ))
    .all(tx)
    .await?;
    let total = count(
        tx,
        &format!("SELECT count(*) AS n FROM registry.cluster_reports r WHERE {cond}"),
        vals(),
    )
    .await?;
    Ok((rows, total))
}

/// A first submission.
pub struct NewReport<'a> {
    pub province_id: Uuid,
    pub cluster_id: Uuid,
    pub organisation_id: Uuid,
    pub party: ReportParty,
    pub period: &'a super::Period,
    pub figures: serde_json::Value,
    pub by: Uuid,
}

pub async fn insert(tx: &Tx, r: &NewReport<'_>) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO registry.cluster_reports (id, province_id, cluster_id, organisation_id, party, kind, year,
             window_from, window_to, due_date, status, version, figures, submitted_by, submitted_at,
             first_submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'submitted', 1, $11, $12, now(), now())",
        [
            id.into(),
            r.province_id.into(),
            r.cluster_id.into(),
            r.organisation_id.into(),
            r.party.into(),
            r.period.kind.into(),
            r.period.year.into(),
            r.period.window_from.into(),
            r.period.window_to.into(),
            r.period.due_date.into(),
            r.figures.clone().into(),
            r.by.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// A returned report submitted again, with its corrected figures.
pub async fn resubmit(
    tx: &Tx,
    id: Uuid,
    figures: &serde_json::Value,
    by: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE registry.cluster_reports SET status = 'submitted', version = version + 1, figures = $2,
                submitted_by = $3, submitted_at = now()
          WHERE id = $1",
        [id.into(), figures.clone().into(), by.into()],
    ))
    .await?;
    Ok(())
}

/// The province's review: returned (with why) or accepted.
pub async fn review(
    tx: &Tx,
    id: Uuid,
    status: ReportStatus,
    note: Option<String>,
    by: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE registry.cluster_reports SET status = $2, version = version + 1, review_note = $3,
                reviewed_by = $4, reviewed_at = now()
          WHERE id = $1",
        [id.into(), status.into(), note.into(), by.into()],
    ))
    .await?;
    Ok(())
}

/// A party expected to report for a cluster: the investor organisation of every cluster established
/// or further (not revoked), and every tenant enterprise linked to one.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Party {
    pub cluster_id: Uuid,
    pub province_id: Uuid,
    pub organisation_id: Uuid,
    pub party: ReportParty,
}

const PARTIES: &str = "SELECT c.id AS cluster_id, c.province_id, c.investor_org_id AS organisation_id, 'investor' AS party
     FROM registry.clusters c JOIN registry.cluster_versions v ON v.cluster_id = c.id AND v.superseded_at IS NULL
    WHERE c.investor_org_id IS NOT NULL
      AND v.status IN ('established', 'under_construction', 'operating', 'expanded')
   UNION
   SELECT t.cluster_id, t.province_id, t.organisation_id, 'tenant'
     FROM registry.cluster_tenants t JOIN registry.cluster_versions v ON v.cluster_id = t.cluster_id AND v.superseded_at IS NULL
     JOIN registry.clusters c ON c.id = t.cluster_id
    WHERE v.status IN ('established', 'under_construction', 'operating', 'expanded')
      AND t.organisation_id IS DISTINCT FROM c.investor_org_id";

pub async fn parties(tx: &Tx, province: Uuid) -> Result<Vec<Party>, DbErr> {
    Party::find_by_statement(stmt(
        &format!("SELECT * FROM ({PARTIES}) x WHERE x.province_id = $1 ORDER BY cluster_id, party"),
        [province.into()],
    ))
    .all(tx)
    .await
}

/// Who has reported, per province, for a period: the parties expected, those who reported, how many
/// were accepted, late, missing.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ComplianceLine {
    pub province_code: String,
    pub province_name: String,
    pub expected: i64,
    pub reported: i64,
    pub accepted: i64,
    pub returned: i64,
    /// First submitted after the due date.
    pub late: i64,
    pub missing: i64,
}

pub async fn compliance(
    tx: &Tx,
    kind: ReportKind,
    year: i32,
    province: Option<Uuid>,
) -> Result<Vec<ComplianceLine>, DbErr> {
    ComplianceLine::find_by_statement(stmt(
        &format!(
            "SELECT p.code AS province_code, min(p.name) AS province_name, count(*) AS expected,
                    count(r.id) AS reported,
                    count(*) FILTER (WHERE r.status = 'accepted') AS accepted,
                    count(*) FILTER (WHERE r.status = 'returned') AS returned,
                    count(*) FILTER (WHERE r.first_submitted_at >= ((r.due_date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')) AS late,
                    count(*) - count(r.id) AS missing
               FROM ({PARTIES}) x
               JOIN identity.admin_units p ON p.id = x.province_id
               LEFT JOIN registry.cluster_reports r ON r.cluster_id = x.cluster_id
                    AND r.organisation_id = x.organisation_id AND r.kind = $1 AND r.year = $2
              WHERE ($3::uuid IS NULL OR x.province_id = $3)
              GROUP BY p.code ORDER BY p.code"
        ),
        [kind.into(), year.into(), province.into()],
    ))
    .all(tx)
    .await
}

/// The parties of a period that have not reported (for the province's follow-up).
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct Missing {
    pub cluster_id: Uuid,
    pub cluster_code: String,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub party: ReportParty,
}

pub async fn missing(
    tx: &Tx,
    kind: ReportKind,
    year: i32,
    province: Option<Uuid>,
) -> Result<Vec<Missing>, DbErr> {
    Missing::find_by_statement(stmt(
        &format!(
            "SELECT x.cluster_id, c.code AS cluster_code, x.organisation_id, o.name AS organisation_name,
                    x.party
               FROM ({PARTIES}) x
               JOIN registry.clusters c ON c.id = x.cluster_id
               JOIN identity.organisations o ON o.id = x.organisation_id
              WHERE ($3::uuid IS NULL OR x.province_id = $3)
                AND NOT EXISTS (SELECT 1 FROM registry.cluster_reports r WHERE r.cluster_id = x.cluster_id
                                   AND r.organisation_id = x.organisation_id AND r.kind = $1 AND r.year = $2)
              ORDER BY c.code, o.name LIMIT 2000"
        ),
        [kind.into(), year.into(), province.into()],
    ))
    .all(tx)
    .await
}

/// A province's consolidated report.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ProvinceReport {
    pub id: Uuid,
    pub province_id: Uuid,
    pub province_code: String,
    pub kind: ReportKind,
    pub year: i32,
    pub version: i32,
    #[schema(value_type = Totals)]
    pub totals: serde_json::Value,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
}

/// The sums of a province's accepted reports for a period, and who reported.
#[derive(Debug, Clone, FromQueryResult, Serialize, serde::Deserialize, ToSchema)]
pub struct Totals {
    pub expected: i64,
    pub reported: i64,
    pub accepted: i64,
    pub workers: i64,
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub capital_realised: Decimal,
    /// The investors' leased land, hectares.
    #[schema(value_type = String)]
    pub leased_area_ha: Decimal,
    pub secondary_projects: i64,
}

pub async fn totals(tx: &Tx, province: Uuid, kind: ReportKind, year: i32) -> Result<Totals, DbErr> {
    Totals::find_by_statement(stmt(
        &format!(
            "SELECT (SELECT count(*) FROM ({PARTIES}) x WHERE x.province_id = $1) AS expected,
                    count(*) AS reported, count(*) FILTER (WHERE r.status = 'accepted') AS accepted,
                    coalesce(sum((r.figures->>'workers')::bigint) FILTER (WHERE r.status = 'accepted'), 0)::bigint AS workers,
                    coalesce(sum((r.figures->>'revenue')::numeric) FILTER (WHERE r.status = 'accepted'), 0) AS revenue,
                    coalesce(sum((r.figures->>'capital_realised')::numeric) FILTER (WHERE r.status = 'accepted'), 0) AS capital_realised,
                    trim_scale(coalesce(sum((r.figures->>'leased_area_ha')::numeric) FILTER (WHERE r.status = 'accepted'), 0)) AS leased_area_ha,
                    coalesce(sum((r.figures->>'secondary_projects')::bigint) FILTER (WHERE r.status = 'accepted'), 0)::bigint AS secondary_projects
               FROM registry.cluster_reports r WHERE r.province_id = $1 AND r.kind = $2 AND r.year = $3"
        ),
        [province.into(), kind.into(), year.into()],
    ))
    .one(tx)
    .await?
    .ok_or_else(|| DbErr::RecordNotFound("totals".into()))
}

const PROVINCE_SELECT: &str =
    "SELECT r.id, r.province_id, p.code AS province_code, r.kind, r.year, r.version,
        r.totals, r.submitted_by, r.submitted_at
   FROM registry.province_reports r JOIN identity.admin_units p ON p.id = r.province_id";

/// Write (or replace, its version growing) a province's consolidated report.
pub async fn consolidate(
    tx: &Tx,
    province: Uuid,
    kind: ReportKind,
    year: i32,
    totals: &Totals,
    by: Uuid,
) -> Result<ProvinceReport, DbErr> {
    let totals = serde_json::to_value(totals).unwrap_or_default();
    tx.execute_raw(stmt(
        "INSERT INTO registry.province_reports (id, province_id, kind, year, totals, submitted_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (province_id, kind, year) DO UPDATE
            SET totals = EXCLUDED.totals, submitted_by = EXCLUDED.submitted_by, submitted_at = now(),
                version = registry.province_reports.version + 1",
        [
            Uuid::new_v4().into(),
            province.into(),
            kind.into(),
            year.into(),
            totals.into(),
            by.into(),
        ],
    ))
    .await?;
    ProvinceReport::find_by_statement(stmt(
        &format!("{PROVINCE_SELECT} WHERE r.province_id = $1 AND r.kind = $2 AND r.year = $3"),
        [province.into(), kind.into(), year.into()],
    ))
    .one(tx)
    .await?
    .ok_or_else(|| DbErr::RecordNotFound("province report".into()))
}

pub async fn province_reports(
    tx: &Tx,
    kind: Option<ReportKind>,
    year: Option<i32>,
    province: Option<Uuid>,
) -> Result<Vec<ProvinceReport>, DbErr> {
    ProvinceReport::find_by_statement(stmt(
        &format!(
            "{PROVINCE_SELECT} WHERE ($1::text IS NULL OR r.kind = $1) AND ($2::int IS NULL OR r.year = $2)
               AND ($3::uuid IS NULL OR r.province_id = $3) ORDER BY r.year DESC, r.kind, p.code LIMIT 1000"
        ),
        [kind.into(), year.into(), province.into()],
    ))
    .all(tx)
    .await
}
