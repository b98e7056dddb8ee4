//! The one summary query every summary screen and export reads.

use crate::clusters::store::{FROM, Filter};
use kc_db::{Tx, stmt};
use rust_decimal::Decimal;
use sea_orm::{DbErr, FromQueryResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How the summary groups clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    #[default]
    Province,
    Region,
}

/// Which province a version counts under: today's (after the 2025 merger) or the one it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    #[default]
    Current,
    AsWas,
}

/// One line of the summary. Areas in hectares; occupancy = leased ÷ industrial land of the clusters
/// counted (not removed from the plan, not revoked).
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct SummaryLine {
    /// A province code or a region.
    pub key: String,
    pub name: String,
    /// Every cluster, whatever its status.
    pub clusters: i64,
    /// Those counted in the areas: not removed from the plan, not revoked.
    pub active: i64,
    pub in_plan: i64,
    pub established: i64,
    pub under_construction: i64,
    pub operating: i64,
    pub expanded: i64,
    pub removed_from_plan: i64,
    pub revoked: i64,
    #[schema(value_type = String)]
    pub planned_area_ha: Decimal,
    #[schema(value_type = String)]
    pub industrial_area_ha: Decimal,
    #[schema(value_type = String)]
    pub leased_area_ha: Decimal,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "crate::clusters::data::percent")]
    pub occupancy_percent: Option<Decimal>,
    /// Established or further, without a central wastewater plant that operates.
    pub without_wastewater: i64,
}

pub async fn summary(
    tx: &Tx,
    f: &Filter,
    grouping: Grouping,
    basis: Basis,
) -> Result<Vec<SummaryLine>, DbErr> {
    let (cond, vals) = f.clause();
    let unit = match basis {
        Basis::Current => "p",
        Basis::AsWas => "pa",
    };
    let (key, name) = match grouping {
        Grouping::Province => (format!("{unit}.code"), format!("{unit}.name")),
        Grouping::Region => (format!("{unit}.region"), format!("{unit}.region")),
    };
    let active = "v.status NOT IN ('removed_from_plan', 'revoked')";
    SummaryLine::find_by_statement(stmt(
        &format!(
            "SELECT {key} AS key, min({name}) AS name, count(*) AS clusters,
                    count(*) FILTER (WHERE {active}) AS active,
                    count(*) FILTER (WHERE v.status = 'in_plan') AS in_plan,
                    count(*) FILTER (WHERE v.status = 'established') AS established,
                    count(*) FILTER (WHERE v.status = 'under_construction') AS under_construction,
                    count(*) FILTER (WHERE v.status = 'operating') AS operating,
                    count(*) FILTER (WHERE v.status = 'expanded') AS expanded,
                    count(*) FILTER (WHERE v.status = 'removed_from_plan') AS removed_from_plan,
                    count(*) FILTER (WHERE v.status = 'revoked') AS revoked,
                    trim_scale(coalesce(sum(v.planned_area_ha) FILTER (WHERE {active}), 0)) AS planned_area_ha,
                    trim_scale(coalesce(sum(v.industrial_area_ha) FILTER (WHERE {active}), 0)) AS industrial_area_ha,
                    trim_scale(coalesce(sum(v.leased_area_ha) FILTER (WHERE {active}), 0)) AS leased_area_ha,
                    round(sum(v.leased_area_ha) FILTER (WHERE {active}) * 100
                          / nullif(sum(v.industrial_area_ha) FILTER (WHERE {active}), 0), 2) AS occupancy_percent,
                    count(*) FILTER (WHERE v.status IN ('established', 'under_construction', 'operating', 'expanded')
                                       AND NOT (v.wastewater_exists AND v.wastewater_operating)) AS without_wastewater
               FROM {FROM} WHERE {cond} GROUP BY {key} ORDER BY {key}"
        ),
        vals,
    ))
    .all(tx)
    .await
}

/// The totals of the lines.
pub fn totals(lines: &[SummaryLine]) -> SummaryLine {
    let sum_i = |f: fn(&SummaryLine) -> i64| lines.iter().map(f).sum::<i64>();
    let sum_d = |f: fn(&SummaryLine) -> Decimal| lines.iter().map(f).sum::<Decimal>();
    let industrial = sum_d(|l| l.industrial_area_ha);
    let leased = sum_d(|l| l.leased_area_ha);
    SummaryLine {
        key: "total".into(),
        name: "Tổng cộng".into(),
        clusters: sum_i(|l| l.clusters),
        active: sum_i(|l| l.active),
        in_plan: sum_i(|l| l.in_plan),
        established: sum_i(|l| l.established),
        under_construction: sum_i(|l| l.under_construction),
        operating: sum_i(|l| l.operating),
        expanded: sum_i(|l| l.expanded),
        removed_from_plan: sum_i(|l| l.removed_from_plan),
        revoked: sum_i(|l| l.revoked),
        planned_area_ha: sum_d(|l| l.planned_area_ha),
        industrial_area_ha: industrial,
        leased_area_ha: leased,
        occupancy_percent: crate::clusters::data::occupancy(leased, industrial),
        without_wastewater: sum_i(|l| l.without_wastewater),
    }
}
