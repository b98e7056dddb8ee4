//! The support cap check: the support asked for against the cap rule in force (a share of the cost
//! and, where the law sets one, a ceiling), with a message that names the rule and the figures.

use crate::rules::{CapUnit, SupportCapBody};
use chrono::NaiveDate;
use kc_http::FieldErrors;
use kc_kernel::{Money, format_date_vn};
use rust_decimal::Decimal;

/// A support cap rule as it applies to one application.
#[derive(Debug, Clone)]
pub struct Cap {
    pub rule: SupportCapBody,
    pub valid_from: NaiveDate,
    pub legal_basis: String,
}

fn unit_vi(u: CapUnit) -> &'static str {
    match u {
        CapUnit::Model => "mô hình",
        CapUnit::Establishment => "cơ sở",
        CapUnit::Line => "dây chuyền",
        CapUnit::Project => "dự án",
    }
}

/// `30` or `12,5`: a percentage as Vietnamese write it.
fn percent_vn(p: Decimal) -> String {
    p.normalize().to_string().replace('.', ",")
}

/// The most support the share allows for this cost, in whole đồng (rounded down).
pub fn share_ceiling(cost: Money, share_percent: Decimal) -> Money {
    let max = (cost.amount() * share_percent / Decimal::ONE_HUNDRED).floor();
    Money::new(max).unwrap_or(Money::ZERO)
}

/// Check `support` against `cap`; each breach is recorded under `support_requested`.
pub fn check(cost: Money, support: Money, cap: &Cap, fields: &mut FieldErrors) {
    let from = format_date_vn(cap.valid_from);
    let by_share = share_ceiling(cost, cap.rule.max_share_percent);
    if support > by_share {
        fields.insert(
            "support_requested".into(),
            format!(
                "Mức hỗ trợ {support} vượt {}% chi phí (tối đa {by_share}) theo quy định áp dụng từ {from} ({}) (support above the share of the cost the rule allows)",
                percent_vn(cap.rule.max_share_percent),
                cap.legal_basis
            ),
        );
        return;
    }
    if let Some(ceiling) = cap.rule.max_amount
        && support > ceiling
    {
        fields.insert(
            "support_requested".into(),
            format!(
                "Mức hỗ trợ {support} vượt mức tối đa {ceiling} mỗi {} theo quy định áp dụng từ {from} ({}) (support above the rule's ceiling)",
                unit_vi(cap.rule.per),
                cap.legal_basis
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
    use super::*;

    fn cap(share: i64, ceiling: Option<u64>) -> Cap {
        Cap {
            rule: SupportCapBody {
                max_share_percent: Decimal::from(share),
                max_amount: ceiling.map(Money::from_dong),
                per: CapUnit::Model,
            },
            valid_from: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
            legal_basis: "Thông tư 28/2018/TT-BTC".into(),
        }
    }

    fn breach(cost: u64, support: u64, c: &Cap) -> Option<String> {
        let mut f = FieldErrors::new();
        check(Money::from_dong(cost), Money::from_dong(support), c, &mut f);
        f.remove("support_requested")
    }

    #[test]
    fn the_share_holds_at_the_threshold_and_not_one_dong_above() {
        let c = cap(30, Some(1_000_000_000));
        assert_eq!(breach(1_000_000_000, 300_000_000, &c), None);
        assert_eq!(breach(1_000_000_000, 299_999_999, &c), None);
        let msg = breach(1_000_000_000, 350_000_000, &c).unwrap();
        assert!(
            msg.starts_with("Mức hỗ trợ 350.000.000 đồng vượt 30% chi phí (tối đa 300.000.000 đồng) theo quy định áp dụng từ 01/01/2019"),
            "{msg}"
        );
        assert!(breach(1_000_000_000, 300_000_001, &c).is_some());
    }

    #[test]
    fn the_ceiling_holds_at_the_threshold_and_not_one_dong_above() {
        let c = cap(30, Some(1_000_000_000));
        assert_eq!(breach(4_000_000_000, 1_000_000_000, &c), None);
        let msg = breach(4_000_000_000, 1_000_000_001, &c).unwrap();
        assert!(
            msg.contains("vượt mức tối đa 1.000.000.000 đồng mỗi mô hình"),
            "{msg}"
        );
        // No ceiling: only the share counts.
        assert_eq!(
            breach(100_000_000_000, 30_000_000_000, &cap(30, None)),
            None
        );
    }

    #[test]
    fn a_share_of_an_odd_cost_rounds_down_to_whole_dong() {
        assert_eq!(
            share_ceiling(Money::from_dong(1_000_001), Decimal::from(30)),
            Money::from_dong(300_000)
        );
        assert_eq!(percent_vn(Decimal::new(125, 1)), "12,5");
    }
}
