//! Provincial appraisal (thẩm định cấp cơ sở): each appraiser declares no conflict of interest and
//! scores the scheme against the rubric in force; the chain's appraisal step concludes from the scores.

use crate::rules::{RubricBody, store as rules};
use chrono::{DateTime, NaiveDate, Utc};
use kc_db::{Tx, stmt};
use kc_http::FieldErrors;
use kc_kernel::{Money, RuleKind};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The rubric in force on `day` for an activity type (its own, or the `default` one).
pub async fn rubric(
    tx: &Tx,
    activity_code: &str,
    day: NaiveDate,
) -> Result<Option<RubricBody>, DbErr> {
    for key in [activity_code, "default"] {
        if let Some(rule) = rules::in_force(tx, RuleKind::Rubric, key, None, None, day).await? {
            return serde_json::from_value(rule.body)
                .map(Some)
                .map_err(|e| DbErr::Json(format!("rubric {}: {e}", rule.id)));
        }
    }
    Ok(None)
}

/// The total of `given` against `rubric`: every criterion scored, none above its maximum, none
/// unknown. Problems are recorded under `scores`.
pub fn total(rubric: &RubricBody, given: &BTreeMap<String, u32>, fields: &mut FieldErrors) -> u32 {
    let mut sum = 0;
    for c in &rubric.criteria {
        match given.get(&c.code) {
            Some(n) if *n <= c.max => sum += n,
            Some(n) => {
                fields.insert(
                    "scores".into(),
                    format!(
                        "\"{}\": {n} vượt điểm tối đa {} (above the criterion's maximum)",
                        c.code, c.max
                    ),
                );
            }
            None => {
                fields.insert(
                    "scores".into(),
                    format!(
                        "Thiếu điểm tiêu chí \"{}\" ({}) (a criterion is not scored)",
                        c.code, c.name_vi
                    ),
                );
            }
        }
    }
    if let Some(unknown) = given
        .keys()
        .find(|k| !rubric.criteria.iter().any(|c| &c.code == *k))
    {
        fields.insert(
            "scores".into(),
            format!(
                "Không có tiêu chí \"{unknown}\" trong bộ tiêu chí đang áp dụng (unknown criterion)"
            ),
        );
    }
    sum
}

/// One appraiser's scores.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ScoreRow {
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    #[schema(value_type = Object)]
    pub scores: serde_json::Value,
    pub total: i32,
    #[schema(value_type = String)]
    pub recommended_amount: Decimal,
    pub passes: bool,
    pub note: Option<String>,
    pub scored_at: DateTime<Utc>,
}

pub async fn scores(tx: &Tx, scheme: Uuid) -> Result<Vec<ScoreRow>, DbErr> {
    ScoreRow::find_by_statement(stmt(
        "SELECT user_id, organisation_id, scores, total, recommended_amount, passes, note, scored_at
           FROM workflow.appraisal_scores WHERE scheme_id = $1 ORDER BY scored_at",
        [scheme.into()],
    ))
    .all(tx)
    .await
}

/// A new score, checked.
pub struct NewScore {
    pub province_id: Uuid,
    pub scheme_id: Uuid,
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub scores: serde_json::Value,
    pub total: u32,
    pub recommended_amount: Money,
    pub passes: bool,
    pub note: Option<String>,
}

/// Record a score; an appraiser who already scored is a unique violation.
pub async fn insert(tx: &Tx, s: &NewScore) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO workflow.appraisal_scores (province_id, scheme_id, user_id, organisation_id,
             no_conflict_declared, scores, total, recommended_amount, passes, note)
         VALUES ($1, $2, $3, $4, true, $5, $6, $7, $8, $9)",
        [
            s.province_id.into(),
            s.scheme_id.into(),
            s.user_id.into(),
            s.organisation_id.into(),
            s.scores.clone().into(),
            (s.total as i32).into(),
            s.recommended_amount.amount().into(),
            s.passes.into(),
            s.note.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// What the appraisal concluded.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Conclusion {
    pub appraisers: usize,
    /// More than half of the appraisers found that the scheme passes.
    pub passes: bool,
    /// The appraisers' recommended amounts, averaged (rounded down to whole đồng).
    #[schema(value_type = String)]
    pub recommended: Money,
}

pub fn conclude(rows: &[ScoreRow]) -> Option<Conclusion> {
    if rows.is_empty() {
        return None;
    }
    let n = rows.len();
    let passing = rows.iter().filter(|r| r.passes).count();
    let sum: Decimal = rows.iter().map(|r| r.recommended_amount).sum();
    let average = (sum / Decimal::from(n as u64)).floor();
    Some(Conclusion {
        appraisers: n,
        passes: passing * 2 > n,
        recommended: Money::new(average).unwrap_or(Money::ZERO),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Criterion;

    fn rubric() -> RubricBody {
        RubricBody {
            criteria: vec![
                Criterion {
                    code: "a".into(),
                    name_vi: "A".into(),
                    max: 20,
                },
                Criterion {
                    code: "b".into(),
                    name_vi: "B".into(),
                    max: 30,
                },
            ],
            pass_total: 30,
        }
    }

    #[test]
    fn scores_are_complete_within_their_maximum_and_known() {
        let mut f = FieldErrors::new();
        let given: BTreeMap<_, _> = [("a".to_owned(), 20), ("b".to_owned(), 15)].into();
        assert_eq!(total(&rubric(), &given, &mut f), 35);
        assert!(f.is_empty());
        for bad in [
            BTreeMap::from([("a".to_owned(), 21), ("b".to_owned(), 1)]),
            BTreeMap::from([("a".to_owned(), 1)]),
            BTreeMap::from([
                ("a".to_owned(), 1),
                ("b".to_owned(), 1),
                ("c".to_owned(), 1),
            ]),
        ] {
            let mut f = FieldErrors::new();
            total(&rubric(), &bad, &mut f);
            assert!(f.contains_key("scores"), "{bad:?}");
        }
    }

    fn row(passes: bool, amount: i64) -> ScoreRow {
        ScoreRow {
            user_id: Uuid::nil(),
            organisation_id: Uuid::nil(),
            scores: serde_json::json!({}),
            total: 0,
            recommended_amount: Decimal::from(amount),
            passes,
            note: None,
            scored_at: Utc::now(),
        }
    }

    #[test]
    fn a_majority_passes_and_the_amount_is_the_average_rounded_down() {
        let c = conclude(&[row(true, 100), row(true, 101), row(false, 0)])
            .unwrap_or_else(|| unreachable!());
        assert!(c.passes);
        assert_eq!(c.recommended, Money::from_dong(67));
        assert!(!conclude(&[row(true, 1), row(false, 1)]).is_some_and(|c| c.passes));
        assert_eq!(conclude(&[]), None);
    }
}
