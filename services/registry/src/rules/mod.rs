//! The registry's rule checks as dated data (`registry.rules`): a cluster's size, the condition for a
//! new cluster, the conditions for an expansion, the cap on state support for infrastructure. Each
//! rule's figures are its body, checked here; versions never overlap and a new one starts no earlier
//! than today ([`store`], [`routes`]).

pub mod routes;
pub mod store;

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

/// A rule's body, by its key.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RuleBody {
    Size(SizeBody),
    NewCluster(NewClusterBody),
    Expansion(ExpansionBody),
    Support(SupportBody),
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
