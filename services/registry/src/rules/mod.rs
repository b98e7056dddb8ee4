//! The registry's rules as dated data (`registry.rules`): a cluster's size, the condition for a new
//! cluster, the conditions for an expansion, the cap on state support for infrastructure, and the
//! periodic reports' data windows and due dates. Each
//! rule's figures are its body, checked here; versions never overlap and a new one starts no earlier
//! than today ([`store`], [`routes`]).

pub mod routes;
pub mod store;

use chrono::NaiveDate;
use kc_kernel::ClusterRule;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `cluster_size`: the smallest and largest area of a cluster, in hectares.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SizeBody {
    #[schema(value_type = String, example = "10")]
    pub min_ha: Decimal,
    #[schema(value_type = String, example = "75")]
    pub max_ha: Decimal,
}

/// `new_cluster`: where the province already has clusters, their average occupancy must be above
/// this for a new one to be added.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClusterBody {
    #[schema(value_type = String, example = "50")]
    pub min_average_occupancy_percent: Decimal,
}

/// `expansion`: the occupancy an expansion needs (at least), the largest total area after it, and
/// whether a working central wastewater plant is required.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpansionBody {
    #[schema(value_type = String, example = "60")]
    pub min_occupancy_percent: Decimal,
    #[schema(value_type = String, example = "75")]
    pub max_total_ha: Decimal,
    pub needs_wastewater: bool,
}

/// `infrastructure_support`: state support for a cluster's infrastructure, at most this share of the
/// investment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportBody {
    #[schema(value_type = String, example = "30")]
    pub max_share_percent: Decimal,
}

/// `half_year_report` / `annual_report`: a report's data window (from a day of the year before, or of
/// the report's year, to a day of its year) and its due date in its year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportPeriodBody {
    #[schema(minimum = 1, maximum = 12)]
    pub from_month: u32,
    #[schema(minimum = 1, maximum = 31)]
    pub from_day: u32,
    /// The window starts in the year before the report's year.
    pub from_previous_year: bool,
    #[schema(minimum = 1, maximum = 12)]
    pub to_month: u32,
    #[schema(minimum = 1, maximum = 31)]
    pub to_day: u32,
    #[schema(minimum = 1, maximum = 12)]
    pub due_month: u32,
    #[schema(minimum = 1, maximum = 31)]
    pub due_day: u32,
}

impl ReportPeriodBody {
    /// The window and due date of the report of `year` (none for a day that does not exist).
    pub fn period(&self, year: i32) -> Option<(NaiveDate, NaiveDate, NaiveDate)> {
        let from_year = if self.from_previous_year {
            year - 1
        } else {
            year
        };
        Some((
            NaiveDate::from_ymd_opt(from_year, self.from_month, self.from_day)?,
            NaiveDate::from_ymd_opt(year, self.to_month, self.to_day)?,
            NaiveDate::from_ymd_opt(year, self.due_month, self.due_day)?,
        ))
    }
}

/// A rule's body, by its key.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RuleBody {
    Size(SizeBody),
    NewCluster(NewClusterBody),
    Expansion(ExpansionBody),
    Support(SupportBody),
    ReportPeriod(ReportPeriodBody),
}

/// Parse and check the body of a rule of `key`: every figure within sense (percentages 0–100,
/// areas 0–1000 ha, the smallest size below the largest). The message says what is wrong.
pub fn parse_body(key: ClusterRule, body: &serde_json::Value) -> Result<RuleBody, String> {
    let percent = |p: Decimal| p >= Decimal::ZERO && p <= Decimal::from(100);
    let area = |a: Decimal| a > Decimal::ZERO && a <= Decimal::from(1000);
    let parsed = match key {
        ClusterRule::ClusterSize => serde_json::from_value::<SizeBody>(body.clone())
            .map_err(|e| e.to_string())
            .and_then(|b| {
                if area(b.min_ha) && area(b.max_ha) && b.min_ha <= b.max_ha {
                    Ok(RuleBody::Size(b))
                } else {
                    Err("0 < min_ha ≤ max_ha ≤ 1000".into())
                }
            }),
        ClusterRule::NewCluster => serde_json::from_value::<NewClusterBody>(body.clone())
            .map_err(|e| e.to_string())
            .and_then(|b| {
                if percent(b.min_average_occupancy_percent) {
                    Ok(RuleBody::NewCluster(b))
                } else {
                    Err("min_average_occupancy_percent 0–100".into())
                }
            }),
        ClusterRule::Expansion => serde_json::from_value::<ExpansionBody>(body.clone())
            .map_err(|e| e.to_string())
            .and_then(|b| {
                if percent(b.min_occupancy_percent) && area(b.max_total_ha) {
                    Ok(RuleBody::Expansion(b))
                } else {
                    Err("min_occupancy_percent 0–100, 0 < max_total_ha ≤ 1000".into())
                }
            }),
        ClusterRule::InfrastructureSupport => serde_json::from_value::<SupportBody>(body.clone())
            .map_err(|e| e.to_string())
            .and_then(|b| {
                if percent(b.max_share_percent) {
                    Ok(RuleBody::Support(b))
                } else {
                    Err("max_share_percent 0–100".into())
                }
            }),
        ClusterRule::HalfYearReport | ClusterRule::AnnualReport => {
            serde_json::from_value::<ReportPeriodBody>(body.clone())
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    // Every day must exist in any year (no 29 February, no 30 February), the window
                    // must not be empty and the report falls due after it ends.
                    match (b.period(2023), b.period(2024)) {
                        (Some((from, to, due)), Some(_)) if from <= to && to < due => {
                            Ok(RuleBody::ReportPeriod(b))
                        }
                        _ => Err("ngày không tồn tại, hoặc kỳ dữ liệu trống, hoặc hạn nộp không sau kỳ dữ liệu (impossible dates, an empty window or a due date not after it)".into()),
                    }
                })
        }
    };
    parsed.map_err(|e| {
        format!(
            "Nội dung quy định \"{}\" không hợp lệ (invalid rule body): {e}",
            key.as_str()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_checked_by_key() {
        assert!(
            parse_body(
                ClusterRule::ClusterSize,
                &json!({"min_ha": "10", "max_ha": "75"})
            )
            .is_ok()
        );
        assert!(
            parse_body(
                ClusterRule::ClusterSize,
                &json!({"min_ha": "80", "max_ha": "75"})
            )
            .is_err()
        );
        assert!(
            parse_body(
                ClusterRule::NewCluster,
                &json!({"min_average_occupancy_percent": "150"})
            )
            .is_err()
        );
        assert!(
            parse_body(
                ClusterRule::Expansion,
                &json!({"min_occupancy_percent": "60", "max_total_ha": "75"})
            )
            .is_err()
        );
        assert!(
            parse_body(
                ClusterRule::InfrastructureSupport,
                &json!({"max_share_percent": "30", "x": 1})
            )
            .is_err()
        );
    }
}
