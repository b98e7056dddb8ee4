//! All SQL of the money figures: sums over `workflow.scheme_figures` (one row per approved scheme) and
//! the plan from the budget envelopes. Row-level security keeps each caller to its scope.

use kc_db::stmt;
use kc_kernel::Fund;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// How the rows of a report are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Fund,
    /// The province as it is today (after the 2025 merger).
    #[default]
    Province,
    /// The province as it was when the scheme was planned (one of the 63 before the merger).
    ProvinceThen,
    Region,
    /// The activity type.
    Activity,
    /// The implementing unit.
    Implementer,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Fund => "fund",
            GroupBy::Province => "province",
            GroupBy::ProvinceThen => "province_then",
            GroupBy::Region => "region",
            GroupBy::Activity => "activity",
            GroupBy::Implementer => "implementer",
        }
    }

    /// The key, code and label of a row, and the envelopes' province column a row's plan is summed
    /// over (none: the grouping has no plan of its own).
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            GroupBy::Fund => ("f.fund", "NULL::text", "f.fund"),
            GroupBy::Province => ("p.code", "p.code", "p.name"),
            GroupBy::ProvinceThen => ("o.id::text", "o.code", "o.name"),
            GroupBy::Region => ("p.region", "NULL::text", "p.region"),
            GroupBy::Activity => (
                "f.activity_code",
                "f.activity_code",
                "coalesce((SELECT r.body->>'name_vi' FROM workflow.rules r
                             WHERE r.kind = 'activity_type' AND r.key = f.activity_code
                             ORDER BY r.valid_from DESC LIMIT 1), f.activity_code)",
            ),
            GroupBy::Implementer => ("f.implementing_org_id::text", "NULL::text", "io.name"),
        }
    }
}

/// Sums of one group, in whole đồng.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Sums {
    pub key: String,
    pub code: Option<String>,
    pub label: String,
    pub approved: Decimal,
    pub committed: Decimal,
    pub advanced: Decimal,
    pub paid: Decimal,
    pub settled: Decimal,
    pub schemes: i64,
}

/// What a report covers.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub year: i32,
    pub fund: Option<Fund>,
    pub province_id: Option<Uuid>,
}

const FROM: &str = "FROM workflow.scheme_figures f
   JOIN identity.admin_units p ON p.id = f.province_id
   JOIN identity.admin_units o ON o.id = f.origin_unit_id
   JOIN identity.organisations io ON io.id = f.implementing_org_id
  WHERE f.plan_year = $1 AND ($2::text IS NULL OR f.fund = $2) AND ($3::uuid IS NULL OR f.province_id = $3)";

/// The sums of each group, in the order of their keys.
pub async fn rows<C: ConnectionTrait>(
    c: &C,
    scope: Scope,
    by: GroupBy,
) -> Result<Vec<Sums>, DbErr> {
    let (key, code, label) = by.columns();
    Sums::find_by_statement(stmt(
        &format!(
            "SELECT {key} AS key, {code} AS code, {label} AS label,
                    sum(f.approved) AS approved, sum(f.committed) AS committed,
                    sum(f.advanced) AS advanced, sum(f.paid) AS paid, sum(f.settled) AS settled,
                    count(*) AS schemes
               {FROM}
              GROUP BY 1, 2, 3 ORDER BY 2, 3, 1"
        ),
        [
            scope.year.into(),
            scope.fund.into(),
            scope.province_id.into(),
        ],
    ))
    .all(c)
    .await
}

/// A group's plan: its key and label as [`rows`] gives them, and the envelopes' sum.
#[derive(Debug, Clone)]
pub struct Plan {
    pub key: String,
    pub label: String,
    pub plan: Decimal,
}

/// The plan of each group that has one: the envelopes of the year. By fund: the national fund's
/// national envelope for a caller who sees the nation (`national`), else the allocations it sees; a
/// local fund's provincial envelopes. By province or region: the envelopes of its provinces.
pub async fn plans<C: ConnectionTrait>(
    c: &C,
    scope: Scope,
    by: GroupBy,
    national: bool,
) -> Result<Vec<Plan>, DbErr> {
    let (key, label) = match by {
        GroupBy::Fund => ("e.fund", "e.fund"),
        GroupBy::Province => ("a.code", "a.name"),
        GroupBy::Region => ("a.region", "a.region"),
        GroupBy::ProvinceThen | GroupBy::Activity | GroupBy::Implementer => return Ok(Vec::new()),
    };
    // The national envelope has no province: it counts for the fund's plan of a national caller, and
    // then the allocations drawn from it do not (they would count twice).
    let which = if by == GroupBy::Fund && national {
        "((e.fund = 'kcqg' AND e.province_id IS NULL) OR (e.fund = 'kcdp' AND e.province_id IS NOT NULL))"
    } else {
        "e.province_id IS NOT NULL"
    };
    let rows = c
        .query_all_raw(stmt(
            &format!(
                "SELECT {key} AS key, {label} AS label, sum(e.amount) AS plan
                   FROM workflow.envelopes e LEFT JOIN identity.admin_units a ON a.id = e.province_id
                  WHERE e.year = $1 AND ($2::text IS NULL OR e.fund = $2)
                    AND ($3::uuid IS NULL OR e.province_id = $3) AND {which}
                  GROUP BY 1, 2"
            ),
            [scope.year.into(), scope.fund.into(), scope.province_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Plan {
                key: r.try_get("", "key")?,
                label: r.try_get("", "label")?,
                plan: r.try_get("", "plan")?,
            })
        })
        .collect()
}
