//! Text input types: parsed once at the boundary, valid from then on.

use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    #[error("mã tỉnh phải gồm 2 chữ số, ví dụ \"01\" (province code must be 2 digits)")]
    ProvinceCode,
    #[error(
        "mã số thuế phải gồm 10 chữ số hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (tax code must be 10 digits or 10+3 digits with a dash)"
    )]
    TaxCode,
    #[error("địa chỉ e-mail không hợp lệ (invalid e-mail address)")]
    Email,
}

/// Unicode NFC, as every name is stored.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// NFC and trimmed.
pub fn nfc_trimmed(s: &str) -> String {
    nfc(s.trim())
}

/// A 2-digit province code (Decision 19/2025/QĐ-TTg), always with its leading zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProvinceCode(String);

impl ProvinceCode {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim();
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(ProvinceCode(s.to_owned()))
        } else {
            Err(TextError::ProvinceCode)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProvinceCode {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ProvinceCode::parse(&s)
    }
}
impl From<ProvinceCode> for String {
    fn from(c: ProvinceCode) -> String {
        c.0
    }
}
impl fmt::Display for ProvinceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Vietnamese tax code (mã số thuế): 10 digits, or 10 digits, a dash and 3 digits for a branch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxCode(String);

impl TaxCode {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim();
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        let ok = match s.split_once('-') {
            None => digits(s, 10),
            Some((main, branch)) => digits(main, 10) && digits(branch, 3),
        };
        if ok {
            Ok(TaxCode(s.to_owned()))
        } else {
            Err(TextError::TaxCode)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for TaxCode {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TaxCode::parse(&s)
    }
}
impl From<TaxCode> for String {
    fn from(c: TaxCode) -> String {
        c.0
    }
}

/// An e-mail address, trimmed and lower-cased (e-mail is unique case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = nfc_trimmed(s).to_lowercase();
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(TextError::Email);
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && !local.contains('@');
        if ok {
            Ok(Email(s))
        } else {
            Err(TextError::Email)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Email {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}
impl From<Email> for String {
    fn from(c: Email) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes() {
        assert!(TaxCode::parse("0101234567").is_ok());
        assert!(TaxCode::parse("0101234567-001").is_ok());
        for bad in [
            "",
            "123",
            "01012345678",
            "0101234567-01",
            "010123456a",
            "0101234567-0011",
            "-001",
        ] {
            assert_eq!(TaxCode::parse(bad), Err(TextError::TaxCode), "{bad}");
        }
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" So.01@Demo.Test ").unwrap().as_str(),
            "so.01@demo.test"
        );
        for bad in [
            "",
            "a",
            "a@b",
            "@demo.test",
            "a b@demo.test",
            "a@.test",
            "a@demo..test",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn province_codes_keep_leading_zero() {
        assert_eq!(ProvinceCode::parse("01").unwrap().as_str(), "01");
        assert!(ProvinceCode::parse("1").is_err());
        assert!(ProvinceCode::parse("001").is_err());
    }

    #[test]
    fn names_are_stored_nfc() {
        // "Nguyễn" written with combining marks becomes the precomposed form.
        let decomposed = "Nguye\u{0302}\u{0303}n";
        assert_eq!(nfc(decomposed), "Nguyễn");
    }
}
