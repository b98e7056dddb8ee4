//! `GET /api/v1/reports/execution`: the money figures of a plan year.

use super::store::{self, GroupBy, Scope, Sums};
use crate::AppState;
use kc_auth::{ProvinceStaff, Tenant, declare};
use kc_http::{ApiError, FieldErrors, Json, Query};
use kc_kernel::{Fund, Region};
use kc_sheets::{Cell, Column, FileFormat, Kind, Table};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(execution_report))
        .routes(routes!(export_execution_report))
}

/// Money figures, in whole đồng (strings), with the execution rate in per cent (two decimals).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ExecutionFigures {
    /// The envelopes of the year (where the grouping has them).
    #[schema(value_type = Option<String>)]
    pub plan: Option<Decimal>,
    /// Approved support, less what terminations released.
    #[schema(value_type = String)]
    pub approved: Decimal,
    /// Bound by implementation contracts.
    #[schema(value_type = String)]
    pub committed: Decimal,
    /// Advances (counted in `paid` too).
    #[schema(value_type = String)]
    pub advanced: Decimal,
    /// Every disbursement.
    #[schema(value_type = String)]
    pub paid: Decimal,
    /// Settled (quyết toán): what was executed.
    #[schema(value_type = String)]
    pub settled: Decimal,
    /// Settled ÷ approved, in per cent (none when nothing is approved).
    #[schema(example = "98.82")]
    pub execution_rate: Option<String>,
    /// Settled ÷ plan, in per cent, where there is a plan.
    #[schema(example = "97.47")]
    pub plan_execution_rate: Option<String>,
    /// Approved schemes.
    pub schemes: i64,
}

/// One fund's figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExecutionFund {
    /// `KCQG` or `KCĐP`, as reports write it.
    #[schema(example = "KCQG")]
    pub fund: &'static str,
    /// The fund as the API spells it elsewhere.
    pub fund_code: Fund,
    pub fund_name: &'static str,
    #[serde(flatten)]
    pub totals: ExecutionFigures,
}

/// One row of the grouping.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExecutionRow {
    /// What the row is: a fund, a province code, a former province's id, a region, an activity code,
    /// an implementing unit's id.
    pub key: String,
    /// The province's or the activity's code, where it has one.
    pub code: Option<String>,
    pub label: String,
    #[serde(flatten)]
    pub totals: ExecutionFigures,
}

/// The execution report of a plan year.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExecutionReport {
    pub year: i32,
    pub group_by: GroupBy,
    pub funds: Vec<ExecutionFund>,
    pub total: ExecutionFigures,
    pub rows: Vec<ExecutionRow>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// The plan year.
    #[param(minimum = 2000, maximum = 2099)]
    pub year: i32,
    /// How the rows are grouped (default: by province as it is today).
    pub group_by: Option<GroupBy>,
    pub fund: Option<Fund>,
    /// One province (the ministry; a province's staff see their own only).
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
}

/// A share in per cent with two decimals, rounded half away from zero (none when the whole is 0).
pub fn rate(part: Decimal, whole: Decimal) -> Option<String> {
    if whole.is_zero() {
        return None;
    }
    let r = (part * Decimal::ONE_HUNDRED / whole)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    Some(format!("{r:.2}"))
}

impl ExecutionFigures {
    fn of(s: &Sums, plan: Option<Decimal>) -> ExecutionFigures {
        ExecutionFigures {
            plan,
            approved: s.approved,
            committed: s.committed,
            advanced: s.advanced,
            paid: s.paid,
            settled: s.settled,
            execution_rate: None,
            plan_execution_rate: None,
            schemes: s.schemes,
        }
        .rated()
    }

    fn rated(mut self) -> ExecutionFigures {
        self.execution_rate = rate(self.settled, self.approved);
        self.plan_execution_rate = self.plan.and_then(|p| rate(self.settled, p));
        self
    }

    fn add(&mut self, o: &ExecutionFigures) {
        self.plan = match (self.plan, o.plan) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
        };
        self.approved += o.approved;
        self.committed += o.committed;
        self.advanced += o.advanced;
        self.paid += o.paid;
        self.settled += o.settled;
        self.schemes += o.schemes;
    }
}

/// The execution report: plan, approved, committed, advanced, paid and settled, and the execution
/// rate (settled ÷ approved; ÷ plan as `plan_execution_rate`), per fund, in total, and in rows
/// grouped by fund, province (today's or the one of the time), region, activity type or implementing
/// unit. The rows and the funds are summed by separate queries over the same view; they agree to the
/// đồng.
#[utoipa::path(get, path = "/api/v1/reports/execution", tag = "reports", params(ReportQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today; the caller's own for a province's staff",
                                             "year": "2000 to 2099"}))),
    responses((status = 200, body = ExecutionReport), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn execution_report(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<ExecutionReport>, ApiError> {
    let (tx, scope, by, national) = open_report(&tenant, &q).await?;
    let report = report(&tx, scope, by, national).await?;
    tx.commit().await?;
    Ok(Json(report))
}

/// Check the query and open the report's transaction: the scope it covers, the grouping, and whether
/// the caller sees the nation.
async fn open_report(
    tenant: &Tenant<ProvinceStaff>,
    q: &ReportQuery,
) -> Result<(kc_db::Tx, Scope, GroupBy, bool), ApiError> {
    let mut fields = FieldErrors::new();
    if !(2000..=2099).contains(&q.year) {
        fields.insert(
            "year".into(),
            "Năm kế hoạch từ 2000 đến 2099 (year 2000 to 2099)".into(),
        );
    }
    let tx = tenant.begin().await?;
    let province_id = kc_auth::list_province(
        &tx,
        tenant.scope(),
        "province_code",
        q.province_code.as_deref(),
        &mut fields,
    )
    .await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let scope = Scope {
        year: q.year,
        fund: q.fund,
        province_id,
    };
    let national = province_id.is_none() && tenant.scope().province().is_none();
    Ok((tx, scope, q.group_by.unwrap_or_default(), national))
}

/// The columns of the report's export.
const COLUMNS: [Column; 11] = [
    Column {
        key: "label",
        heading: "Nhóm",
        kind: Kind::Text,
        width: 36.0,
    },
    Column {
        key: "code",
        heading: "Mã",
        kind: Kind::Text,
        width: 10.0,
    },
    Column {
        key: "plan",
        heading: "Kế hoạch (đồng)",
        kind: Kind::Money,
        width: 20.0,
    },
    Column {
        key: "approved",
        heading: "Kinh phí phê duyệt (đồng)",
        kind: Kind::Money,
        width: 20.0,
    },
    Column {
        key: "committed",
        heading: "Đã ký hợp đồng (đồng)",
        kind: Kind::Money,
        width: 20.0,
    },
    Column {
        key: "advanced",
        heading: "Đã tạm ứng (đồng)",
        kind: Kind::Money,
        width: 20.0,
    },
    Column {
        key: "paid",
        heading: "Đã thanh toán (đồng)",
        kind: Kind::Money,
        width: 20.0,
    },
    Column {
        key: "settled",
        heading: "Đã quyết toán (đồng)",
        kind: Kind::Money,
        width: 20.0,
    },
    Column {
        key: "execution_rate",
        heading: "Tỷ lệ thực hiện so với phê duyệt (%)",
        kind: Kind::Percent,
        width: 14.0,
    },
    Column {
        key: "plan_execution_rate",
        heading: "Tỷ lệ thực hiện so với kế hoạch (%)",
        kind: Kind::Percent,
        width: 14.0,
    },
    Column {
        key: "schemes",
        heading: "Số đề án",
        kind: Kind::Integer,
        width: 10.0,
    },
];

fn cells(label: &str, code: Option<&str>, t: &ExecutionFigures) -> Vec<Cell> {
    let rate =
        |r: &Option<String>| Cell::from(r.as_deref().and_then(|r| r.parse::<Decimal>().ok()));
    vec![
        label.into(),
        code.map(str::to_owned).into(),
        t.plan.into(),
        t.approved.into(),
        t.committed.into(),
        t.advanced.into(),
        t.paid.into(),
        t.settled.into(),
        rate(&t.execution_rate),
        rate(&t.plan_execution_rate),
        t.schemes.into(),
    ]
}

fn group_label(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Fund => "nguồn kinh phí",
        GroupBy::Province => "tỉnh, thành phố",
        GroupBy::ProvinceThen => "tỉnh, thành phố tại thời điểm lập kế hoạch",
        GroupBy::Region => "vùng",
        GroupBy::Activity => "nội dung hoạt động",
        GroupBy::Implementer => "đơn vị thực hiện",
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// The plan year.
    #[param(minimum = 2000, maximum = 2099)]
    pub year: i32,
    pub group_by: Option<GroupBy>,
    pub fund: Option<Fund>,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    /// `xlsx` (default) or `csv`.
    pub format: Option<FileFormat>,
    /// The columns, comma-separated, in order (default: all): label, code, plan, approved, committed,
    /// advanced, paid, settled, execution_rate, plan_execution_rate, schemes.
    #[param(max_length = 400)]
    pub columns: Option<String>,
}

/// The execution report as a spreadsheet (XLSX or CSV): the rows of the grouping and the total, with
/// the columns chosen; Vietnamese headings, amounts as numbers.
#[utoipa::path(get, path = "/api/v1/reports/execution/export", tag = "reports", params(ExportQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today; the caller's own for a province's staff",
                                             "year": "2000 to 2099", "columns": "known column keys"}))),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_execution_report(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<ExportQuery>,
) -> Result<axum::response::Response, ApiError> {
    let chosen = kc_sheets::choose(&COLUMNS, q.columns.as_deref())?;
    let query = ReportQuery {
        year: q.year,
        group_by: q.group_by,
        fund: q.fund,
        province_code: q.province_code.clone(),
    };
    let (tx, scope, by, national) = open_report(&tenant, &query).await?;
    let report = report(&tx, scope, by, national).await?;
    tx.commit().await?;
    let mut rows: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .map(|r| cells(&r.label, r.code.as_deref(), &r.totals))
        .collect();
    rows.push(cells("Tổng cộng", None, &report.total));
    let table = Table {
        title: format!(
            "Tình hình thực hiện kinh phí khuyến công năm {}, theo {}",
            report.year,
            group_label(by)
        ),
        sheet: "Thực hiện kinh phí",
        all: &COLUMNS,
        chosen,
        rows,
    };
    kc_sheets::download(
        &table,
        q.format.unwrap_or_default(),
        &format!("thuc-hien-kinh-phi-{}-{}", report.year, by.as_str()),
    )
}

/// The report of `scope`, its rows grouped `by` (`national`: the caller sees the nation, whose plan of
/// the national fund is the national envelope).
pub async fn report<C: sea_orm::ConnectionTrait>(
    c: &C,
    scope: Scope,
    by: GroupBy,
    national: bool,
) -> Result<ExecutionReport, ApiError> {
    let fund_sums = store::rows(c, scope, GroupBy::Fund).await?;
    let fund_plans: HashMap<String, Decimal> = store::plans(c, scope, GroupBy::Fund, national)
        .await?
        .into_iter()
        .map(|p| (p.key, p.plan))
        .collect();
    let mut funds = Vec::new();
    let mut total = ExecutionFigures::default();
    for fund in Fund::ALL {
        if scope.fund.is_some_and(|f| f != fund) {
            continue;
        }
        let plan = fund_plans.get(fund.as_str()).copied();
        let totals = match fund_sums.iter().find(|s| s.key == fund.as_str()) {
            Some(s) => ExecutionFigures::of(s, plan),
            None => ExecutionFigures {
                plan,
                ..ExecutionFigures::default()
            }
            .rated(),
        };
        total.add(&totals);
        funds.push(ExecutionFund {
            fund: match fund {
                Fund::Kcqg => "KCQG",
                Fund::Kcdp => "KCĐP",
            },
            fund_code: fund,
            fund_name: fund.label_vi(),
            totals,
        });
    }
    let plan_list = store::plans(c, scope, by, national).await?;
    let plans: HashMap<String, Decimal> =
        plan_list.iter().map(|p| (p.key.clone(), p.plan)).collect();
    let has_plan = matches!(by, GroupBy::Fund | GroupBy::Province | GroupBy::Region);
    let mut sums = store::rows(c, scope, by).await?;
    // A group with a plan and no approved scheme yet is a row too (its figures 0), so that the rows'
    // plans add up to the total's.
    for p in &plan_list {
        if !sums.iter().any(|s| s.key == p.key) {
            sums.push(Sums {
                key: p.key.clone(),
                code: (by == GroupBy::Province).then(|| p.key.clone()),
                label: p.label.clone(),
                approved: Decimal::ZERO,
                committed: Decimal::ZERO,
                advanced: Decimal::ZERO,
                paid: Decimal::ZERO,
                settled: Decimal::ZERO,
                schemes: 0,
            });
        }
    }
    sums.sort_by(|a, b| (&a.code, &a.label, &a.key).cmp(&(&b.code, &b.label, &b.key)));
    let rows = sums
        .into_iter()
        .map(|s| {
            let plan = has_plan.then(|| plans.get(&s.key).copied().unwrap_or_default());
            let label = match by {
                GroupBy::Fund => s
                    .key
                    .parse::<Fund>()
                    .map(|f| f.label_vi().to_owned())
                    .unwrap_or(s.label.clone()),
                GroupBy::Region => s
                    .key
                    .parse::<Region>()
                    .map(|r| r.label_vi().to_owned())
                    .unwrap_or(s.label.clone()),
                _ => s.label.clone(),
            };
            ExecutionRow {
                key: s.key.clone(),
                code: s.code.clone(),
                label,
                totals: ExecutionFigures::of(&s, plan),
            }
        })
        .collect();
    Ok(ExecutionReport {
        year: scope.year,
        group_by: by,
        funds,
        total: total.rated(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_have_two_decimals_rounded_half_away_from_zero() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(
            rate(d("118579290000"), d("120000000000")).as_deref(),
            Some("98.82")
        );
        assert_eq!(
            rate(d("172187940000"), d("178300980000")).as_deref(),
            Some("96.57")
        );
        assert_eq!(rate(d("1"), d("8")).as_deref(), Some("12.50"));
        assert_eq!(rate(d("1"), d("3")).as_deref(), Some("33.33"));
        assert_eq!(rate(d("2"), d("3")).as_deref(), Some("66.67"));
        assert_eq!(rate(d("5"), d("0")), None);
    }
}
