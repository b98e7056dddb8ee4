//! Validated text input and pagination: the checks every service applies to what callers send.
//!
//! Text is NFC-normalised and trimmed, bounded in length, and refused when it holds control characters;
//! each failure is recorded in a [`FieldErrors`] under the field's name so that one answer names every
//! field at fault.

use crate::{ApiError, FieldErrors};
use serde::{Deserialize, Serialize};

/// Control characters (NUL and the like) are refused in every text field; line breaks and tabs pass.
pub fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

const CONTROL_MESSAGE: &str = "Có ký tự điều khiển không hợp lệ (contains control characters)";

/// A required text field: NFC, trimmed, not empty, at most `max` characters.
pub fn req_text(fields: &mut FieldErrors, name: &str, value: &str, max: usize) -> String {
    let v = kc_kernel::nfc_trimmed(value);
    if has_control(&v) {
        fields.insert(name.into(), CONTROL_MESSAGE.into());
    } else if v.is_empty() {
        fields.insert(
            name.into(),
            "Không được để trống (must not be empty)".into(),
        );
    } else if v.chars().count() > max {
        fields.insert(
            name.into(),
            format!("Tối đa {max} ký tự (at most {max} characters)"),
        );
    }
    v
}

/// An optional text field: absent or blank is `None`; otherwise as [`req_text`].
pub fn opt_text(
    fields: &mut FieldErrors,
    name: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = kc_kernel::nfc_trimmed(value?);
    if v.is_empty() {
        return None;
    }
    Some(req_text(fields, name, &v, max))
}

/// A search text (`?q=`): optional, at most 200 characters, no control characters.
pub fn search_text(fields: &mut FieldErrors, name: &str, value: Option<&str>) -> Option<String> {
    opt_text(fields, name, value, 200)
}

/// A PATCH field that may be set, cleared or left alone: JSON `"x"` sets, `null` clears, an absent
/// key leaves the stored value. Use with `#[serde(default, deserialize_with = "kc_http::patch")]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    /// Keep or a new value (`Some(None)` clears).
    pub fn as_change(&self) -> Option<Option<&T>> {
        match self {
            Patch::Keep => None,
            Patch::Clear => Some(None),
            Patch::Set(v) => Some(Some(v)),
        }
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }
}

/// Deserialize a present key into [`Patch::Set`] or [`Patch::Clear`] (absent keys stay `Keep`
/// through `#[serde(default)]`).
pub fn patch<'de, D, T>(d: D) -> Result<Patch<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(match Option::<T>::deserialize(d)? {
        Some(v) => Patch::Set(v),
        None => Patch::Clear,
    })
}

/// An optional text field of a PATCH: `Set` is checked as [`req_text`]; a blank string clears.
pub fn patch_text(
    fields: &mut FieldErrors,
    name: &str,
    value: &Patch<String>,
    max: usize,
) -> Patch<String> {
    match value {
        Patch::Keep => Patch::Keep,
        Patch::Clear => Patch::Clear,
        Patch::Set(v) => match opt_text(fields, name, Some(v), max) {
            Some(v) => Patch::Set(v),
            None => Patch::Clear,
        },
    }
}

/// `?page=1&per_page=50`: the query parameters of every list.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// One page of a list (per_page at most 200).
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: u64,
    pub limit: u64,
    pub offset: u64,
}

impl Page {
    pub fn parse(page: Option<u64>, per_page: Option<u64>) -> Result<Page, ApiError> {
        let limit = per_page.unwrap_or(50);
        if limit == 0 || limit > 200 {
            return Err(ApiError::field(
                "per_page",
                "Số bản ghi mỗi trang từ 1 đến 200 (per_page must be 1 to 200)",
            ));
        }
        let number = page.unwrap_or(1);
        if number == 0 || number > 100_000 {
            return Err(ApiError::field(
                "page",
                "Số trang phải từ 1 (page starts at 1)",
            ));
        }
        Ok(Page {
            number,
            limit,
            offset: (number - 1) * limit,
        })
    }

    pub fn from_query(q: PageQuery) -> Result<Page, ApiError> {
        Page::parse(q.page, q.per_page)
    }
}

/// A page of items with the total across pages.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, page: Page) -> Paged<T> {
        Paged {
            items,
            total,
            page: page.number,
            per_page: page.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_nfc_trimmed_bounded_and_clean() {
        let mut f = FieldErrors::new();
        assert_eq!(
            req_text(&mut f, "a", "  Nguye\u{0302}\u{0303}n ", 10),
            "Nguyễn"
        );
        assert!(f.is_empty());
        req_text(&mut f, "b", "   ", 10);
        req_text(&mut f, "c", "x\u{0}y", 10);
        req_text(&mut f, "d", "ươn ươn ươn", 5);
        assert_eq!(f.keys().collect::<Vec<_>>(), ["b", "c", "d"]);
        assert_eq!(opt_text(&mut f, "e", Some("  "), 5), None);
    }

    #[test]
    fn patch_keeps_clears_or_sets() {
        #[derive(Deserialize)]
        struct P {
            #[serde(default, deserialize_with = "patch")]
            phone: Patch<String>,
        }
        let p: P = serde_json::from_str("{}").unwrap();
        assert_eq!(p.phone, Patch::Keep);
        let p: P = serde_json::from_str(r#"{"phone":null}"#).unwrap();
        assert_eq!(p.phone, Patch::Clear);
        let p: P = serde_json::from_str(r#"{"phone":"090"}"#).unwrap();
        assert_eq!(p.phone, Patch::Set("090".into()));
    }
}
