//! The rule checks of a proposal or an expansion, with the figures behind each verdict. The rules are
//! dated data (`crate::rules`); a check whose rule is not in force is reported as passed, saying so.

use super::store::{self, ClusterView};
use crate::rules::{ExpansionBody, NewClusterBody, SizeBody, SupportBody, store as rules};
use chrono::NaiveDate;
use kc_db::Tx;
use kc_http::ApiError;
use kc_kernel::ClusterRule;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// One rule's verdict.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Check {
    pub rule: ClusterRule,
    pub label_vi: String,
    pub passed: bool,
    /// What was found, in Vietnamese, with the figures.
    pub message: String,
    /// The figures compared, by name (decimal strings).
    pub figures: BTreeMap<String, String>,
    pub legal_basis: Option<String>,
    /// The rule version applied.
    pub rule_id: Option<Uuid>,
}

/// The verdict of every check: passed when each one passed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Verdict {
    pub passed: bool,
    pub checks: Vec<Check>,
}

impl Verdict {
    fn of(checks: Vec<Check>) -> Verdict {
        Verdict {
            passed: checks.iter().all(|c| c.passed),
            checks,
        }
    }

    /// The failed checks' messages, one per line.
    pub fn failures(&self) -> String {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The 422 of a failed verdict recorded without a written justification.
    pub fn refusal(&self) -> ApiError {
        let mut fields = kc_http::FieldErrors::new();
        fields.insert(
            "justification".into(),
            format!(
                "Chưa đạt điều kiện: {}. Muốn vẫn ghi nhận quyết định, cần nêu lý do bằng văn bản (not met; record it only with a written justification)",
                self.failures()
            ),
        );
        ApiError::Invalid {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            code: "rule_check_failed",
            message: "Không đạt điều kiện theo quy định (the rule checks failed)".into(),
            fields,
        }
    }
}

fn figures<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The rule version in force and its body (none: no rule in force).
async fn rule<B: serde::de::DeserializeOwned>(
    tx: &Tx,
    key: ClusterRule,
    province: Uuid,
    day: NaiveDate,
) -> Result<Option<(rules::RuleRow, B)>, ApiError> {
    let Some(row) = rules::in_force(tx, key, Some(province), day).await? else {
        return Ok(None);
    };
    let body = serde_json::from_value(row.body.clone())
        .map_err(|e| ApiError::internal(format!("registry rule {}: {e}", row.id)))?;
    Ok(Some((row, body)))
}

fn unruled(key: ClusterRule) -> Check {
    Check {
        rule: key,
        label_vi: key.label_vi().into(),
        passed: true,
        message: format!(
            "{}: không có quy định đang áp dụng (no rule in force)",
            key.label_vi()
        ),
        figures: BTreeMap::new(),
        legal_basis: None,
        rule_id: None,
    }
}

fn checked(
    key: ClusterRule,
    row: &rules::RuleRow,
    passed: bool,
    message: String,
    figures: BTreeMap<String, String>,
) -> Check {
    Check {
        rule: key,
        label_vi: key.label_vi().into(),
        passed,
        message,
        figures,
        legal_basis: Some(row.legal_basis.clone()),
        rule_id: Some(row.id),
    }
}

async fn size(tx: &Tx, province: Uuid, area: Decimal, day: NaiveDate) -> Result<Check, ApiError> {
    let key = ClusterRule::ClusterSize;
    Ok(match rule::<SizeBody>(tx, key, province, day).await? {
        None => unruled(key),
        Some((row, b)) => {
            let passed = area >= b.min_ha && area <= b.max_ha;
            checked(
                key,
                &row,
                passed,
                format!(
                    "Diện tích {area} ha {} khoảng {}–{} ha (area {} the allowed range)",
                    if passed {
                        "nằm trong"
                    } else {
                        "nằm ngoài"
                    },
                    b.min_ha,
                    b.max_ha,
                    if passed { "within" } else { "outside" }
                ),
                figures([
                    ("area_ha", area.to_string()),
                    ("min_ha", b.min_ha.to_string()),
                    ("max_ha", b.max_ha.to_string()),
                ]),
            )
        }
    })
}

/// A new cluster of `planned` hectares in `province`.
pub async fn for_proposal(
    tx: &Tx,
    province: Uuid,
    planned: Decimal,
    day: NaiveDate,
) -> Result<Verdict, ApiError> {
    let mut checks = vec![size(tx, province, planned, day).await?];
    let key = ClusterRule::NewCluster;
    checks.push(match rule::<NewClusterBody>(tx, key, province, day).await? {
        None => unruled(key),
        Some((row, b)) => {
            let rates = store::occupancies(tx, province).await?;
            if rates.is_empty() {
                checked(
                    key,
                    &row,
                    true,
                    "Tỉnh chưa có cụm công nghiệp nào đã thành lập (no established cluster in the province yet)".into(),
                    figures([("clusters", "0".into())]),
                )
            } else {
                let exact =
                    rates.iter().copied().sum::<Decimal>() / Decimal::from(rates.len() as i64);
                let passed = exact > b.min_average_occupancy_percent;
                let average = exact
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
                checked(
                    key,
                    &row,
                    passed,
                    format!(
                        "Tỷ lệ lấp đầy bình quân của {} cụm công nghiệp trên địa bàn là {average}% ({} mức trên {}% theo quy định) (average occupancy {average}%, needs above {}%)",
                        rates.len(),
                        if passed { "đạt" } else { "chưa đạt" },
                        b.min_average_occupancy_percent,
                        b.min_average_occupancy_percent
                    ),
                    figures([
                        ("clusters", rates.len().to_string()),
                        ("average_occupancy_percent", average.to_string()),
                        ("min_average_occupancy_percent", b.min_average_occupancy_percent.to_string()),
                    ]),
                )
            }
        }
    });
    Ok(Verdict::of(checks))
}

/// An expansion of `cluster` to `planned` hectares in all.
pub async fn for_expansion(
    tx: &Tx,
    cluster: &ClusterView,
    planned: Decimal,
    day: NaiveDate,
) -> Result<Verdict, ApiError> {
    let province = cluster.province_id;
    let mut checks = vec![size(tx, province, planned, day).await?];
    let key = ClusterRule::Expansion;
    checks.push(match rule::<ExpansionBody>(tx, key, province, day).await? {
        None => unruled(key),
        Some((row, b)) => {
            // Compared unrounded; shown as the record shows it.
            let exact = if cluster.industrial_area_ha > Decimal::ZERO {
                cluster.leased_area_ha * Decimal::from(100) / cluster.industrial_area_ha
            } else {
                Decimal::ZERO
            };
            let occupancy = cluster.occupancy_percent.unwrap_or(Decimal::ZERO);
            let occupied = exact >= b.min_occupancy_percent;
            let within = planned <= b.max_total_ha;
            let wastewater = !b.needs_wastewater || cluster.wastewater_working;
            let mut problems = Vec::new();
            if !occupied {
                problems.push(format!(
                    "tỷ lệ lấp đầy {occupancy}% chưa đạt {}% (occupancy below {}%)",
                    b.min_occupancy_percent, b.min_occupancy_percent
                ));
            }
            if !within {
                problems.push(format!(
                    "tổng diện tích sau mở rộng {planned} ha vượt {} ha (total above {} ha)",
                    b.max_total_ha, b.max_total_ha
                ));
            }
            if !wastewater {
                problems.push(
                    "chưa có trạm xử lý nước thải tập trung đang vận hành (no working central wastewater plant)"
                        .into(),
                );
            }
            let passed = problems.is_empty();
            checked(
                key,
                &row,
                passed,
                if passed {
                    format!(
                        "Đạt điều kiện mở rộng: lấp đầy {occupancy}%, tổng diện tích {planned} ha, có trạm xử lý nước thải đang vận hành (expansion conditions met)"
                    )
                } else {
                    format!("Chưa đạt điều kiện mở rộng: {}", problems.join("; "))
                },
                figures([
                    ("occupancy_percent", occupancy.to_string()),
                    ("min_occupancy_percent", b.min_occupancy_percent.to_string()),
                    ("total_area_ha", planned.to_string()),
                    ("max_total_ha", b.max_total_ha.to_string()),
                    ("wastewater_working", cluster.wastewater_working.to_string()),
                    ("needs_wastewater", b.needs_wastewater.to_string()),
                ]),
            )
        }
    });
    Ok(Verdict::of(checks))
}

/// State support of `support` đồng for a cluster's infrastructure costing `investment` đồng: within
/// the share the rule in force allows.
pub async fn support(
    tx: &Tx,
    province: Uuid,
    investment: kc_kernel::Money,
    support: kc_kernel::Money,
    day: NaiveDate,
) -> Result<Check, ApiError> {
    let key = ClusterRule::InfrastructureSupport;
    Ok(match rule::<SupportBody>(tx, key, province, day).await? {
        None => unruled(key),
        Some((row, b)) => {
            let (investment, support) = (Decimal::from(investment), Decimal::from(support));
            let ceiling = (investment * b.max_share_percent / Decimal::from(100)).floor();
            let passed = support <= ceiling;
            checked(
                key,
                &row,
                passed,
                format!(
                    "Mức hỗ trợ {support} đồng {} mức tối đa {ceiling} đồng ({}% của {investment} đồng) (support {} the ceiling)",
                    if passed { "trong" } else { "vượt" },
                    b.max_share_percent,
                    if passed { "within" } else { "above" }
                ),
                figures([
                    ("investment", investment.to_string()),
                    ("support", support.to_string()),
                    ("max_share_percent", b.max_share_percent.to_string()),
                    ("max_support", ceiling.to_string()),
                ]),
            )
        }
    })
}
