//! All SQL of clusters and their versions.
//!
//! A cluster's row (`registry.clusters`) holds what never changes and its current version number; each
//! version (`registry.cluster_versions`) holds the whole record from `recorded_at` until
//! `superseded_at`. "As of" a day is the version in force at the end of that day in Vietnam.

use super::data::ClusterData;
use chrono::{DateTime, NaiveDate, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, contains_pattern, count, stmt};
use kc_kernel::{ClusterChange, ClusterStatus, InvestorKind, Owner, Region};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// A cluster as one of its versions shows it, with what is computed from it.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct ClusterView {
    pub id: Uuid,
    pub code: String,
    /// Today's province.
    pub province_id: Uuid,
    pub province_code: String,
    pub province_name: String,
    pub region: Region,
    /// The province as it was when this version was written (a former province before the 2025 merger).
    pub province_at_id: Uuid,
    pub province_at_code: String,
    pub province_at_name: String,
    pub version: i32,
    pub status: ClusterStatus,
    pub name: String,
    pub commune_ids: Vec<Uuid>,
    pub communes: Vec<String>,
    #[schema(value_type = String, example = "21.028511")]
    pub latitude: Decimal,
    #[schema(value_type = String, example = "105.804817")]
    pub longitude: Decimal,
    /// A GeoJSON polygon, if one was recorded.
    #[schema(value_type = Option<Object>)]
    pub boundary: Option<serde_json::Value>,
    #[schema(value_type = String, example = "50")]
    pub planned_area_ha: Decimal,
    #[schema(value_type = String, example = "36.5")]
    pub industrial_area_ha: Decimal,
    #[schema(value_type = String, example = "20.25")]
    pub leased_area_ha: Decimal,
    /// Leased ÷ industrial land, in percent (2 decimals); none while there is no industrial land.
    #[schema(value_type = Option<String>, example = "55.48")]
    #[serde(serialize_with = "super::data::percent")]
    pub occupancy_percent: Option<Decimal>,
    pub investor_name: Option<String>,
    pub investor_tax_code: Option<String>,
    pub investor_kind: Option<InvestorKind>,
    pub investor_org_id: Option<Uuid>,
    /// Whole đồng.
    #[schema(value_type = String, example = "250000000000")]
    pub registered_capital: Decimal,
    #[schema(value_type = String, example = "120000000000")]
    pub realised_capital: Decimal,
    pub wastewater_exists: bool,
    pub wastewater_capacity_m3: Option<i32>,
    pub wastewater_operating: bool,
    /// A central wastewater treatment plant exists and operates.
    pub wastewater_working: bool,
    pub sectors: Vec<String>,
    pub secondary_projects: i32,
    #[schema(value_type = String, example = "800000000000")]
    pub secondary_capital: Decimal,
    pub workers: i32,
    #[schema(value_type = Vec<super::data::Decision>)]
    pub decisions: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Uuid,
    pub action: ClusterChange,
    pub reason: String,
    /// The rule checks this version passed or failed, with their figures.
    #[schema(value_type = Option<super::checks::Verdict>)]
    pub verdict: Option<serde_json::Value>,
    /// Why the province decided against a failed check.
    pub justification: Option<String>,
    /// The enterprise reading it, when it is the cluster's investor or a tenant (none for staff).
    #[serde(skip)]
    pub reader_org: Option<Uuid>,
}

impl Resource for ClusterView {
    async fn load(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<Self>, DbErr> {
        current(tx, id, lock).await
    }
    fn owner(&self) -> Owner {
        // A cluster is its province's; an enterprise sees it as its investor or a tenant.
        Owner {
            province: Some(self.province_id),
            organisation: self.reader_org,
        }
    }
}

/// The columns of a version `v`, with its cluster `c`.
pub const COLUMNS: &str = "c.id, c.code, c.province_id, p.code AS province_code, p.name AS province_name,
        p.region, v.province_at_id, pa.code AS province_at_code, pa.name AS province_at_name, v.version,
        v.status, v.name, v.commune_ids,
        ARRAY(SELECT m.name FROM registry.communes m JOIN unnest(v.commune_ids) WITH ORDINALITY u(id, n)
                ON m.id = u.id ORDER BY u.n) AS communes,
        trim_scale(v.latitude) AS latitude, trim_scale(v.longitude) AS longitude, v.boundary,
        trim_scale(v.planned_area_ha) AS planned_area_ha,
        trim_scale(v.industrial_area_ha) AS industrial_area_ha,
        trim_scale(v.leased_area_ha) AS leased_area_ha,
        round(v.leased_area_ha * 100 / nullif(v.industrial_area_ha, 0), 2) AS occupancy_percent,
        v.investor_name, v.investor_tax_code, v.investor_kind, v.investor_org_id, v.registered_capital,
        v.realised_capital, v.wastewater_exists, v.wastewater_capacity_m3, v.wastewater_operating,
        (v.wastewater_exists AND v.wastewater_operating) AS wastewater_working, v.sectors,
        v.secondary_projects, v.secondary_capital, v.workers, v.decisions, v.recorded_at, v.recorded_by,
        v.action, v.reason, v.verdict, v.justification,
        CASE WHEN c.investor_org_id = tenancy.current_org()
               OR EXISTS (SELECT 1 FROM registry.cluster_tenants t
                           WHERE t.cluster_id = c.id AND t.organisation_id = tenancy.current_org())
             THEN tenancy.current_org() END AS reader_org";

pub const FROM: &str = "registry.clusters c
   JOIN registry.cluster_versions v ON v.cluster_id = c.id
   JOIN identity.admin_units p ON p.id = c.province_id
   JOIN identity.admin_units pa ON pa.id = v.province_at_id";

/// The condition that picks, per cluster, its version in force at the end of `day` (in Vietnam), the
/// day being parameter `$n`; or its current version (`day` none: `$n` is then unused but bound). Two
/// forms: the current versions have their partial index; a past day compares timestamps (leakproof
/// operators, so row-level security lets the planner use them early, which a range's `@>` is not).
pub fn in_force(n: usize, day: Option<NaiveDate>) -> String {
    match day {
        None => format!("(v.superseded_at IS NULL AND ${n}::date IS NULL)"),
        Some(_) => format!(
            "(v.recorded_at < ((${n}::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')
              AND (v.superseded_at IS NULL
                   OR v.superseded_at >= ((${n}::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')))"
        ),
    }
}

/// The current version of a cluster (locking the cluster first for a change, so that the version read
/// is the one in force once the lock is held).
pub async fn current(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<ClusterView>, DbErr> {
    if lock == Lock::ForUpdate && !kc_db::lock_row(tx, "registry.clusters", id).await? {
        return Ok(None);
    }
    ClusterView::find_by_statement(stmt(
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE c.id = $1 AND v.superseded_at IS NULL"),
        [id.into()],
    ))
    .one(tx)
    .await
}

/// The cluster as it stood at the end of `day` (none: it did not exist yet).
pub async fn as_of(tx: &Tx, id: Uuid, day: NaiveDate) -> Result<Option<ClusterView>, DbErr> {
    ClusterView::find_by_statement(stmt(
        &format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE c.id = $1 AND {}",
            in_force(2, Some(day))
        ),
        [id.into(), day.into()],
    ))
    .one(tx)
    .await
}

/// Every version of a cluster, newest first.
pub async fn history(tx: &Tx, id: Uuid) -> Result<Vec<ClusterView>, DbErr> {
    ClusterView::find_by_statement(stmt(
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE c.id = $1 ORDER BY v.version DESC"),
        [id.into()],
    ))
    .all(tx)
    .await
}

/// Filters of the list, the exports and the summary; row-level security keeps each caller to its
/// scope on top of them.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub as_of: Option<NaiveDate>,
    pub province_id: Option<Uuid>,
    pub region: Option<Region>,
    pub status: Option<ClusterStatus>,
    /// Only clusters with (false) or without (true) a working wastewater plant.
    pub without_wastewater: Option<bool>,
    pub q: Option<String>,
}

impl Filter {
    /// The WHERE clause over `c`, `v`, `p` (parameters $1–$6) and its values.
    pub fn clause(&self) -> (String, Vec<sea_orm::Value>) {
        (
            format!(
                "{} AND ($2::uuid IS NULL OR c.province_id = $2) AND ($3::text IS NULL OR p.region = $3)
                 AND ($4::text IS NULL OR v.status = $4)
                 AND ($5::bool IS NULL OR $5 = NOT (v.wastewater_exists AND v.wastewater_operating))
                 AND ($6::text IS NULL OR v.name ILIKE $6 OR c.code ILIKE $6)",
                in_force(1, self.as_of)
            ),
            vec![
                self.as_of.into(),
                self.province_id.into(),
                self.region.into(),
                self.status.into(),
                self.without_wastewater.into(),
                self.q.as_deref().map(contains_pattern).into(),
            ],
        )
    }
}

/// Clusters, by province and code (a page of a list, or an export's rows).
pub async fn rows(tx: &Tx, f: &Filter, limit: u64, offset: u64) -> Result<Vec<ClusterView>, DbErr> {
    let (cond, mut vals) = f.clause();
    vals.push((limit as i64).into());
    vals.push((offset as i64).into());
    ClusterView::find_by_statement(stmt(
        &format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE {cond} ORDER BY p.code, c.code LIMIT $7 OFFSET $8"
        ),
        vals,
    ))
    .all(tx)
    .await
}

/// A page of clusters and how many match in all.
pub async fn list(
    tx: &Tx,
    f: &Filter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<ClusterView>, i64), DbErr> {
    let items = rows(tx, f, limit, offset).await?;
    let (cond, vals) = f.clause();
    let total = count(
        tx,
        &format!("SELECT count(*) AS n FROM {FROM} WHERE {cond}"),
        vals,
    )
    .await?;
    Ok((items, total))
}

/// Who wrote a version, when, and why.
pub struct VersionMeta {
    pub at: DateTime<Utc>,
    pub by: Uuid,
    pub action: ClusterChange,
    pub reason: String,
    pub verdict: Option<serde_json::Value>,
    pub justification: Option<String>,
    /// The province in force when it was written.
    pub province_at: Uuid,
}

/// A new cluster and its first version; its id.
pub async fn insert(
    tx: &Tx,
    province: Uuid,
    code: &str,
    data: &ClusterData,
    meta: &VersionMeta,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO registry.clusters (id, province_id, code, investor_org_id, created_at)
         VALUES ($1, $2, $3, $4, $5)",
        [
            id.into(),
            province.into(),
            code.into(),
            data.investor_org_id.into(),
            meta.at.into(),
        ],
    ))
    .await?;
    write_version(tx, id, province, 1, data, meta).await?;
    Ok(id)
}

/// The next version of a cluster, superseding the current one at `meta.at`; its number.
pub async fn update(
    tx: &Tx,
    current: &ClusterView,
    data: &ClusterData,
    meta: &VersionMeta,
) -> Result<i32, DbErr> {
    let version = current.version + 1;
    tx.execute_raw(stmt(
        "UPDATE registry.cluster_versions SET superseded_at = $2
          WHERE cluster_id = $1 AND superseded_at IS NULL",
        [current.id.into(), meta.at.into()],
    ))
    .await?;
    tx.execute_raw(stmt(
        "UPDATE registry.clusters SET investor_org_id = $2 WHERE id = $1",
        [current.id.into(), data.investor_org_id.into()],
    ))
    .await?;
    write_version(tx, current.id, current.province_id, version, data, meta).await?;
    Ok(version)
}

async fn write_version(
    tx: &Tx,
    id: Uuid,
    province: Uuid,
    version: i32,
    d: &ClusterData,
    m: &VersionMeta,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO registry.cluster_versions (cluster_id, version, province_id, province_at_id,
             recorded_at, recorded_by, action, reason, verdict, justification, name, status, commune_ids,
             latitude, longitude, boundary, planned_area_ha, industrial_area_ha, leased_area_ha,
             investor_name, investor_tax_code, investor_kind, investor_org_id, registered_capital,
             realised_capital, wastewater_exists, wastewater_capacity_m3, wastewater_operating, sectors,
             secondary_projects, secondary_capital, workers, decisions)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                 $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33)",
        [
            id.into(),
            version.into(),
            province.into(),
            m.province_at.into(),
            m.at.into(),
            m.by.into(),
            m.action.into(),
            m.reason.clone().into(),
            m.verdict.clone().into(),
            m.justification.clone().into(),
            d.name.clone().into(),
            d.status.into(),
            d.commune_ids.clone().into(),
            d.latitude.into(),
            d.longitude.into(),
            d.boundary.clone().into(),
            d.planned_area_ha.into(),
            d.industrial_area_ha.into(),
            d.leased_area_ha.into(),
            d.investor_name.clone().into(),
            d.investor_tax_code.clone().into(),
            d.investor_kind.into(),
            d.investor_org_id.into(),
            Decimal::from(d.registered_capital).into(),
            Decimal::from(d.realised_capital).into(),
            d.wastewater_exists.into(),
            d.wastewater_capacity_m3.into(),
            d.wastewater_operating.into(),
            d.sectors.clone().into(),
            d.secondary_projects.into(),
            Decimal::from(d.secondary_capital).into(),
            d.workers.into(),
            serde_json::to_value(&d.decisions).unwrap_or_default().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The clusters of a province in force now whose occupancy counts for a new cluster's check: those
/// established or further, with industrial land. (Occupancy percent of each, unrounded.)
pub async fn occupancies(tx: &Tx, province: Uuid) -> Result<Vec<Decimal>, DbErr> {
    let rows = tx
        .query_all_raw(stmt(
            "SELECT v.leased_area_ha * 100 / v.industrial_area_ha AS o
               FROM registry.cluster_versions v
              WHERE v.province_id = $1 AND v.superseded_at IS NULL AND v.industrial_area_ha > 0
                AND v.status IN ('established', 'under_construction', 'operating', 'expanded')",
            [province.into()],
        ))
        .await?;
    rows.iter().map(|r| r.try_get::<Decimal>("", "o")).collect()
}

/// Tenant enterprises of a cluster.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct TenantRow {
    pub organisation_id: Uuid,
    pub name: String,
    pub tax_code: Option<String>,
    pub linked_at: DateTime<Utc>,
}

pub async fn tenants(tx: &Tx, cluster: Uuid) -> Result<Vec<TenantRow>, DbErr> {
    TenantRow::find_by_statement(stmt(
        "SELECT t.organisation_id, o.name, o.tax_code, t.linked_at
           FROM registry.cluster_tenants t JOIN identity.organisations o ON o.id = t.organisation_id
          WHERE t.cluster_id = $1 ORDER BY o.name",
        [cluster.into()],
    ))
    .all(tx)
    .await
}

pub async fn link_tenant(
    tx: &Tx,
    province: Uuid,
    cluster: Uuid,
    org: Uuid,
    by: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO registry.cluster_tenants (province_id, cluster_id, organisation_id, linked_by)
         VALUES ($1, $2, $3, $4)",
        [province.into(), cluster.into(), org.into(), by.into()],
    ))
    .await?;
    Ok(())
}

/// Whether `org` is an enterprise of `province` (identity's record, as this transaction sees it).
pub async fn is_enterprise_of(tx: &Tx, org: Uuid, province: Uuid) -> Result<bool, DbErr> {
    Ok(count(
        tx,
        "SELECT count(*) AS n FROM identity.organisations WHERE id = $1 AND province_id = $2
            AND kind = 'enterprise'",
        [org.into(), province.into()],
    )
    .await?
        > 0)
}

impl ClusterView {
    /// The record of this version, to write the next one from.
    pub fn data(&self) -> super::data::ClusterData {
        let money = |d: Decimal| kc_kernel::Money::new(d).unwrap_or(kc_kernel::Money::ZERO);
        super::data::ClusterData {
            name: self.name.clone(),
            status: self.status,
            commune_ids: self.commune_ids.clone(),
            latitude: self.latitude,
            longitude: self.longitude,
            boundary: self.boundary.clone(),
            planned_area_ha: self.planned_area_ha,
            industrial_area_ha: self.industrial_area_ha,
            leased_area_ha: self.leased_area_ha,
            investor_name: self.investor_name.clone(),
            investor_tax_code: self.investor_tax_code.clone(),
            investor_kind: self.investor_kind,
            investor_org_id: self.investor_org_id,
            registered_capital: money(self.registered_capital),
            realised_capital: money(self.realised_capital),
            wastewater_exists: self.wastewater_exists,
            wastewater_capacity_m3: self.wastewater_capacity_m3,
            wastewater_operating: self.wastewater_operating,
            sectors: self.sectors.clone(),
            secondary_projects: self.secondary_projects,
            secondary_capital: money(self.secondary_capital),
            workers: self.workers,
            decisions: serde_json::from_value(self.decisions.clone()).unwrap_or_default(),
        }
    }
}

/// An extension scheme of the workflow service that supports a cluster (read through the workflow's
/// `cluster_schemes` view, never its tables).
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct SupportingScheme {
    pub scheme_id: Uuid,
    /// `kcqg` or `kcdp`.
    pub fund: String,
    pub plan_year: i32,
    pub activity_code: String,
    pub title: String,
    /// The scheme's status (`kc_kernel::SchemeStatus`).
    pub status: String,
    #[schema(value_type = String)]
    pub support_requested: Decimal,
    #[schema(value_type = Option<String>)]
    pub support_approved: Option<Decimal>,
    pub updated_at: DateTime<Utc>,
}

pub async fn supporting_schemes(tx: &Tx, cluster: Uuid) -> Result<Vec<SupportingScheme>, DbErr> {
    SupportingScheme::find_by_statement(stmt(
        "SELECT scheme_id, fund, plan_year, activity_code, title, status, support_requested,
                support_approved, updated_at
           FROM workflow.cluster_schemes WHERE cluster_id = $1 ORDER BY plan_year DESC, title",
        [cluster.into()],
    ))
    .all(tx)
    .await
}
