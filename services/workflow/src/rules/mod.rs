//! Dated reference rules: what the law says today may change tomorrow (DOMAIN.md "configurable").
//!
//! A rule has a kind ([`RuleKind`]), a key naming what it is about within the kind (an activity code,
//! a deadline, a stage, a priority flag), optionally a fund and a province (none: national), a
//! validity period (`valid_from`, `valid_to` inclusive, open-ended when absent), its legal basis, and a
//! body with the kind's own fields ([`RuleBody`]). Versions of one rule never overlap (the database
//! refuses it). A change is a new version from a day not in the past, which ends the version before
//! it: nothing already decided under an older version changes.
//!
//! Which rule applies where is answered in one place, [`store::in_force`]: the province's own version
//! when it has one, the national one otherwise.

pub mod routes;
pub mod store;

use kc_http::FieldErrors;
use kc_kernel::{Fund, Money, RuleKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a support cap's ceiling is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CapUnit {
    /// Per demonstration model (mô hình).
    Model,
    /// Per establishment (cơ sở).
    Establishment,
    /// Per technology line (dây chuyền).
    Line,
    /// Per project (dự án), as for CCN infrastructure.
    Project,
}

/// An activity type (a content group that may be funded).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityTypeBody {
    #[schema(schema_with = kc_http::text_schema::<300>)]
    pub name_vi: String,
    #[schema(schema_with = kc_http::text_schema::<300>)]
    pub name_en: String,
}

/// A support cap: at most `max_share_percent` of the cost and, when set, at most `max_amount` đồng.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportCapBody {
    /// Per cent of the cost, more than 0 and at most 100, with at most two decimals.
    #[schema(value_type = String, pattern = "^(100(\\.0{1,2})?|[0-9]{1,2}(\\.[0-9]{1,2})?)$", example = "30")]
    pub max_share_percent: Decimal,
    /// The ceiling in whole đồng, or none.
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$", example = "1000000000")]
    pub max_amount: Option<Money>,
    pub per: CapUnit,
}

/// A yearly deadline: a day of the year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineBody {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1, maximum = 12)]
    pub month: u32,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1, maximum = 31)]
    pub day: u32,
}

/// The administration's time limit for a stage.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageLimitBody {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1, maximum = 365)]
    pub days: u32,
}

/// A priority given at selection, in points.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityBody {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 0, maximum = 100)]
    pub points: u32,
}

/// One criterion of a scoring rubric.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub code: String,
    #[schema(schema_with = kc_http::text_schema::<300>)]
    pub name_vi: String,
    /// The most points an appraiser may give.
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1, maximum = 100)]
    pub max: u32,
}

/// A scoring rubric: its criteria and the total a scheme needs to pass.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricBody {
    #[schema(min_items = 1, max_items = 20)]
    pub criteria: Vec<Criterion>,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 0, maximum = 2000)]
    pub pass_total: u32,
}

/// How much of a scheme's approved support may be advanced: at most `max_percent` of it in all, and
/// only once the implementing unit has reported more than `min_progress_percent` of the work done (0:
/// from the contract on).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceLimitBody {
    /// Per cent of the approved support, at most 100, with at most two decimals.
    #[schema(value_type = String, pattern = "^(100(\\.0{1,2})?|[0-9]{1,2}(\\.[0-9]{1,2})?)$", example = "70")]
    pub max_percent: Decimal,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 0, maximum = 99)]
    pub min_progress_percent: u32,
}

/// Who approves a kind of adjustment: the funding level (the ministry for the national fund, the
/// province's department for a local one) holding this permission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRouteBody {
    /// `officer` or `approver`.
    pub permission: kc_kernel::Permission,
}

/// The body of a rule, by kind (the shape its kind names; documented as one of these).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RuleBody {
    ActivityType(ActivityTypeBody),
    SupportCap(SupportCapBody),
    Deadline(DeadlineBody),
    StageLimit(StageLimitBody),
    Priority(PriorityBody),
    Rubric(RubricBody),
    AdvanceLimit(AdvanceLimitBody),
    AdjustmentRoute(AdjustmentRouteBody),
}

/// Whether `key` is a rule key or a code (activity, criterion): 1 to 64 of `a-z`, `0-9`, `_`,
/// starting with a letter (`^[a-z][a-z0-9_]{0,63}$`).
pub fn is_key(key: &str) -> bool {
    let b = key.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// The deadlines a rule may set: the first two are days of the year before the plan year, the
/// settlement's a day of the year after it.
pub const DEADLINES: &[&str] = &[
    "plan_registration",
    "province_registration",
    "national_settlement",
];
/// The stages that have a time limit.
pub const STAGES: &[&str] = &[
    "application_submitted",
    "application_under_review",
    "application_returned",
    "scheme_registered",
    "scheme_appraised",
    "scheme_sent_to_ministry",
    "scheme_selected",
];
/// The kinds of adjustment a route rule names.
pub const ADJUSTMENTS: &[&str] = &[
    "raise_support",
    "change_content",
    "change_location",
    "change_beneficiary",
    "change_timing",
    "lower_support",
];
/// The priority flags.
pub const PRIORITIES: &[&str] = &["woman_owned", "ethnic_minority_owned", "difficult_area"];

impl RuleBody {
    /// Parse the body of a rule of `kind`, recording what is wrong under `body.<field>`.
    pub fn parse(
        kind: RuleKind,
        value: &serde_json::Value,
        fields: &mut FieldErrors,
    ) -> Option<RuleBody> {
        fn typed<T: serde::de::DeserializeOwned>(
            value: &serde_json::Value,
            fields: &mut FieldErrors,
        ) -> Option<T> {
            match kc_http::parse_json::<T>(value.to_string().as_bytes()) {
                Ok(v) => Some(v),
                Err(kc_http::ApiError::Invalid { fields: f, .. }) => {
                    for (k, v) in f {
                        let k = if k == "body" { k } else { format!("body.{k}") };
                        fields.insert(k, v);
                    }
                    None
                }
                Err(_) => {
                    fields.insert(
                        "body".into(),
                        "Nội dung quy định không hợp lệ (invalid rule body)".into(),
                    );
                    None
                }
            }
        }
        let body = match kind {
            RuleKind::ActivityType => {
                let mut b: ActivityTypeBody = typed(value, fields)?;
                b.name_vi = kc_http::req_text(fields, "body.name_vi", &b.name_vi, 300);
                b.name_en = kc_http::req_text(fields, "body.name_en", &b.name_en, 300);
                RuleBody::ActivityType(b)
            }
            RuleKind::SupportCap => {
                let b: SupportCapBody = typed(value, fields)?;
                let p = b.max_share_percent;
                if p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED || p.normalize().scale() > 2 {
                    fields.insert(
                        "body.max_share_percent".into(),
                        "Tỷ lệ hỗ trợ phải lớn hơn 0 và không quá 100%, tối đa hai chữ số thập phân (share must be above 0 and at most 100, two decimals)".into(),
                    );
                }
                RuleBody::SupportCap(b)
            }
            RuleKind::Deadline => {
                let b: DeadlineBody = typed(value, fields)?;
                // A day that exists every year (29 February does not).
                if chrono::NaiveDate::from_ymd_opt(2025, b.month, b.day).is_none() {
                    fields.insert(
                        "body.day".into(),
                        "Ngày không tồn tại trong tháng (no such day in that month)".into(),
                    );
                }
                RuleBody::Deadline(b)
            }
            RuleKind::StageLimit => {
                let b: StageLimitBody = typed(value, fields)?;
                if !(1..=365).contains(&b.days) {
                    fields.insert(
                        "body.days".into(),
                        "Thời hạn từ 1 đến 365 ngày (1 to 365 days)".into(),
                    );
                }
                RuleBody::StageLimit(b)
            }
            RuleKind::Priority => {
                let b: PriorityBody = typed(value, fields)?;
                if b.points > 100 {
                    fields.insert(
                        "body.points".into(),
                        "Điểm ưu tiên từ 0 đến 100 (0 to 100 points)".into(),
                    );
                }
                RuleBody::Priority(b)
            }
            RuleKind::Rubric => {
                let mut b: RubricBody = typed(value, fields)?;
                let mut codes = std::collections::BTreeSet::new();
                for c in b.criteria.iter_mut() {
                    c.name_vi = kc_http::req_text(fields, "body.criteria", &c.name_vi, 300);
                    let code_ok = c.code.len() <= 64
                        && c.code.starts_with(|ch: char| ch.is_ascii_lowercase())
                        && c.code
                            .chars()
                            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
                    if !code_ok || !codes.insert(c.code.clone()) || !(1..=100).contains(&c.max) {
                        fields.insert(
                            "body.criteria".into(),
                            "Mã tiêu chí không trùng nhau, điểm tối đa từ 1 đến 100 (distinct codes, max 1 to 100)".into(),
                        );
                    }
                }
                if b.criteria.is_empty() || b.criteria.len() > 20 {
                    fields.insert(
                        "body.criteria".into(),
                        "Từ 1 đến 20 tiêu chí (1 to 20 criteria)".into(),
                    );
                }
                if b.pass_total > b.criteria.iter().map(|c| c.max).sum::<u32>() {
                    fields.insert(
                        "body.pass_total".into(),
                        "Điểm đạt không vượt tổng điểm tối đa (pass total above the maximum)"
                            .into(),
                    );
                }
                RuleBody::Rubric(b)
            }
            RuleKind::AdvanceLimit => {
                let b: AdvanceLimitBody = typed(value, fields)?;
                let p = b.max_percent;
                if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED || p.normalize().scale() > 2 {
                    fields.insert(
                        "body.max_percent".into(),
                        "Tỷ lệ tạm ứng từ 0 đến 100%, tối đa hai chữ số thập phân (0 to 100, two decimals)".into(),
                    );
                }
                if b.min_progress_percent > 99 {
                    fields.insert(
                        "body.min_progress_percent".into(),
                        "Tiến độ tối thiểu từ 0 đến 99% (0 to 99)".into(),
                    );
                }
                RuleBody::AdvanceLimit(b)
            }
            RuleKind::AdjustmentRoute => {
                let b: AdjustmentRouteBody = typed(value, fields)?;
                if !matches!(
                    b.permission,
                    kc_kernel::Permission::Officer | kc_kernel::Permission::Approver
                ) {
                    fields.insert(
                        "body.permission".into(),
                        "Thẩm quyền là cán bộ (officer) hoặc lãnh đạo phê duyệt (approver) (officer or approver)".into(),
                    );
                }
                RuleBody::AdjustmentRoute(b)
            }
        };
        Some(body)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// What each kind allows for its key, fund and province, checked before anything is written.
pub fn check_shape(
    kind: RuleKind,
    key: &str,
    fund: Option<Fund>,
    has_province: bool,
    fields: &mut FieldErrors,
) {
    let listed = |list: &[&str], fields: &mut FieldErrors| {
        if !list.contains(&key) {
            fields.insert(
                "key".into(),
                format!(
                    "Mã phải là một trong: {} (key must be one of these)",
                    list.join(", ")
                ),
            );
        }
    };
    match kind {
        RuleKind::Deadline => listed(DEADLINES, fields),
        RuleKind::StageLimit => listed(STAGES, fields),
        RuleKind::Priority => listed(PRIORITIES, fields),
        RuleKind::AdjustmentRoute => listed(ADJUSTMENTS, fields),
        RuleKind::ActivityType
        | RuleKind::SupportCap
        | RuleKind::Rubric
        | RuleKind::AdvanceLimit => {}
    }
    let needs_fund = matches!(
        kind,
        RuleKind::SupportCap | RuleKind::Deadline | RuleKind::AdvanceLimit
    );
    if needs_fund && fund.is_none() {
        fields.insert(
            "fund".into(),
            "Cần chọn nguồn kinh phí (kcqg hoặc kcdp) (fund is required for this kind)".into(),
        );
    }
    if !needs_fund
        && fund.is_some()
        && !matches!(kind, RuleKind::StageLimit | RuleKind::AdjustmentRoute)
    {
        fields.insert(
            "fund".into(),
            "Quy định loại này không theo nguồn kinh phí (this kind has no fund)".into(),
        );
    }
    let local = matches!(
        kind,
        RuleKind::SupportCap | RuleKind::Deadline | RuleKind::AdvanceLimit
    );
    if has_province && !local {
        fields.insert(
            "province_code".into(),
            "Quy định loại này chỉ có ở cấp quốc gia (this kind is national only)".into(),
        );
    }
}
