//! Money: whole đồng, exact, never a float.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of Vietnamese đồng. VND has no minor unit, so an amount is always a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Money(Decimal);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("số tiền phải là số đồng nguyên (amount must be whole đồng)")]
    NotWhole,
    #[error("số tiền không được âm (amount must not be negative)")]
    Negative,
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Whole, non-negative đồng.
    pub fn new(amount: Decimal) -> Result<Self, MoneyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative);
        }
        if amount.fract() != Decimal::ZERO {
            return Err(MoneyError::NotWhole);
        }
        Ok(Money(amount.normalize()))
    }

    pub fn from_dong(dong: u64) -> Self {
        Money(Decimal::from(dong))
    }

    pub fn amount(&self) -> Decimal {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        let d = self.0.checked_sub(other.0)?;
        (!d.is_sign_negative() || d.is_zero()).then_some(Money(d))
    }

    /// `1.234.567 đồng`
    pub fn format_dong(&self) -> String {
        format!("{} đồng", format_vn(self.0, 0))
    }

    /// `298.300,98 triệu đồng`: millions with two decimals, as reports show them.
    pub fn format_trieu(&self) -> String {
        format!(
            "{} triệu đồng",
            format_vn(self.0 / Decimal::from(1_000_000), 2)
        )
    }

    /// `1,44 tỷ đồng`: billions with two decimals.
    pub fn format_ty(&self) -> String {
        format!(
            "{} tỷ đồng",
            format_vn(self.0 / Decimal::from(1_000_000_000), 2)
        )
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;
    fn try_from(d: Decimal) -> Result<Self, Self::Error> {
        Money::new(d)
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Decimal {
        m.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_dong())
    }
}

/// Vietnamese number format: `.` groups thousands, `,` is the decimal mark. Rounds half away from zero.
pub fn format_vn(value: Decimal, decimals: u32) -> String {
    let rounded = value.round_dp_with_strategy(
        decimals,
        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
    );
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let abs = rounded.abs();
    let int_part = abs.trunc();
    let frac_part = abs - int_part;
    let digits = int_part.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if decimals > 0 {
        let scaled = (frac_part * Decimal::from(10u64.pow(decimals))).trunc();
        out.push(',');
        out.push_str(&format!("{:0>width$}", scaled, width = decimals as usize));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn formats_like_vietnamese_reports() {
        let m = Money::new(Decimal::from_str("298300980000").unwrap()).unwrap();
        assert_eq!(m.format_trieu(), "298.300,98 triệu đồng");
        assert_eq!(Money::from_dong(1_234_567).format_dong(), "1.234.567 đồng");
        assert_eq!(Money::from_dong(999).format_dong(), "999 đồng");
        assert_eq!(
            Money::from_dong(1_436_000_000_000).format_ty(),
            "1.436,00 tỷ đồng"
        );
        assert_eq!(Money::ZERO.format_trieu(), "0,00 triệu đồng");
        assert_eq!(Money::from_dong(5_000).format_trieu(), "0,01 triệu đồng");
    }

    #[test]
    fn rejects_fractions_and_negatives() {
        assert_eq!(
            Money::new(Decimal::from_str("1.5").unwrap()),
            Err(MoneyError::NotWhole)
        );
        assert_eq!(Money::new(Decimal::from(-1)), Err(MoneyError::Negative));
        assert!(Money::new(Decimal::from_str("10.000").unwrap()).is_ok());
        let parsed: Result<Money, _> = serde_json::from_str("\"12.5\"");
        assert!(parsed.is_err());
    }

    #[test]
    fn arithmetic_is_exact_and_never_negative() {
        let a = Money::from_dong(120_000_000_000);
        let b = Money::from_dong(1_420_710_000);
        assert_eq!(a.checked_sub(b).unwrap(), Money::from_dong(118_579_290_000));
        assert!(b.checked_sub(a).is_none());
        assert_eq!(
            a.checked_add(b).unwrap().amount(),
            Decimal::from(121_420_710_000u64)
        );
    }
}
