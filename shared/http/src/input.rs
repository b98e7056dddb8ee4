//! Validated text input and pagination: the checks every service applies to what callers send.
//!
//! Text is NFC-normalised and trimmed, bounded in length, and refused when it holds control or
//! invisible (format) characters or nothing visible at all ([`kc_kernel::check_text`] says what is
//! refused); each failure is recorded in a [`FieldErrors`] under the field's name so that one answer
//! names every field at fault.

use crate::{ApiError, FieldErrors};
use kc_kernel::TextError;
use serde::{Deserialize, Serialize};

/// Whether text holds a character that text fields refuse: a control character other than tab and
/// line breaks, or an invisible format character ([`kc_kernel::refused_char`]).
pub fn has_control(s: &str) -> bool {
    s.chars().any(|c| kc_kernel::refused_char(c).is_some())
}

/// A required text field: NFC, trimmed, not empty, nothing that [`kc_kernel::check_text`] refuses
/// (control characters other than tab and line breaks, invisible characters such as U+200B or
/// U+202E, nothing visible), at most `max` characters both as sent (what the document's `maxLength`
/// says) and as stored.
pub fn req_text(fields: &mut FieldErrors, name: &str, value: &str, max: usize) -> String {
    if value.chars().count() > max {
        too_long(fields, name, max);
        return value.to_owned();
    }
    let v = kc_kernel::nfc_trimmed(value);
    match kc_kernel::check_text(&v) {
        Err(TextError::Blank) if v.is_empty() => {
            fields.insert(
                name.into(),
                "Không được để trống (must not be empty)".into(),
            );
        }
        Err(refused) => {
            fields.insert(name.into(), refused.to_string());
        }
        Ok(()) if v.chars().count() > max => too_long(fields, name, max),
        Ok(()) => {}
    }
    v
}

fn too_long(fields: &mut FieldErrors, name: &str, max: usize) {
    fields.insert(
        name.into(),
        format!("Tối đa {max} ký tự (at most {max} characters)"),
    );
}

/// An optional text field: absent, empty or white space is `None`; otherwise as [`req_text`] (text
/// made only of invisible characters is refused, not taken as absent).
pub fn opt_text(
    fields: &mut FieldErrors,
    name: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let value = value?;
    if kc_kernel::nfc_trimmed(value).is_empty() {
        if value.chars().count() > max {
            too_long(fields, name, max);
        }
        return None;
    }
    Some(req_text(fields, name, value, max))
}

/// A search text (`?q=`): optional, at most 200 characters, checked as [`req_text`].
pub fn search_text(fields: &mut FieldErrors, name: &str, value: Option<&str>) -> Option<String> {
    opt_text(fields, name, value, 200)
}

/// The OpenAPI schema of a required text field checked with [`req_text`] (`MAX` characters at most):
/// a pattern states what [`kc_kernel::check_text`] refuses. Use as
/// `#[schema(schema_with = kc_http::text_schema::<300>)]`.
pub fn text_schema<const MAX: usize>() -> utoipa::openapi::schema::Object {
    text_schema_of(MAX, false, false)
}

/// A text field that may be absent or `null`, and is checked with [`req_text`] when it is a string
/// (a PATCH's `name`: blank is refused).
pub fn nullable_text_schema<const MAX: usize>() -> utoipa::openapi::schema::Object {
    text_schema_of(MAX, true, false)
}

/// An optional text field checked with [`opt_text`] or [`patch_text`]: absent, `null` or blank is no
/// value (a PATCH clears it), anything else is checked as [`req_text`].
pub fn opt_text_schema<const MAX: usize>() -> utoipa::openapi::schema::Object {
    text_schema_of(MAX, true, true)
}

/// A search parameter checked with [`search_text`] (`?q=`): blank is no value.
pub fn search_text_schema() -> utoipa::openapi::schema::Object {
    text_schema_of(200, false, true)
}

fn text_schema_of(max: usize, nullable: bool, blank: bool) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let ty = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .min_length((!blank).then_some(1))
        .max_length(Some(max))
        .pattern(Some(kc_kernel::text_pattern(blank)))
        .description(Some(format!(
            "Text, at most {max} characters once trimmed and in Unicode NFC; no control characters \
             other than tab and line breaks, no invisible (format) characters{}.",
            if blank {
                "; blank is no value"
            } else {
                ", something visible"
            }
        )))
        .build()
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

/// An integer field that takes any JSON number with no fractional part (`2026` and `2026.0` are the
/// same integer to JSON Schema, and to the clients it describes). Use as
/// `#[serde(deserialize_with = "kc_http::whole")]`.
pub fn whole<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::de::Error;
    let n = serde_json::Number::deserialize(d)?;
    let i = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => Some(i),
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    };
    let i = i.ok_or_else(|| D::Error::custom(format!("invalid type: {n}, expected an integer")))?;
    T::try_from(i).map_err(|_| D::Error::custom(format!("integer {i} out of range")))
}

/// As [`whole`], for an optional field (`#[serde(default, deserialize_with = "kc_http::opt_whole")]`).
pub fn opt_whole<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    #[derive(Deserialize)]
    struct Wrap<T: TryFrom<i64>>(#[serde(deserialize_with = "whole")] T);
    Ok(Option::<Wrap<T>>::deserialize(d)?.map(|w| w.0))
}

/// As [`whole`], for an optional list of whole numbers.
pub fn opt_whole_list<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    #[derive(Deserialize)]
    struct Wrap<T: TryFrom<i64>>(#[serde(deserialize_with = "whole")] T);
    Ok(Option::<Vec<Wrap<T>>>::deserialize(d)?.map(|l| l.into_iter().map(|w| w.0).collect()))
}

const MONEY_SHAPE: &str = "Số tiền là số đồng nguyên viết bằng chữ số trong chuỗi, tối đa 15 chữ số, ví dụ \"1500000\" (amount: whole đồng as a string of at most 15 digits)";

/// An amount in whole đồng, as the API takes it: a JSON string of at most 15 digits (`"1500000"`).
/// A JSON number is refused: it may be a float, and floats are never money.
pub fn parse_money(s: &str) -> Result<kc_kernel::Money, String> {
    use std::str::FromStr;
    if !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit()) {
        return rust_decimal::Decimal::from_str(s)
            .ok()
            .and_then(|d| kc_kernel::Money::new(d).ok())
            .ok_or_else(|| MONEY_SHAPE.to_owned());
    }
    // Say what is wrong when it is a number of another kind (negative, with a fraction).
    match rust_decimal::Decimal::from_str(s.trim()).map(kc_kernel::Money::new) {
        Ok(Err(e)) => Err(e.to_string()),
        _ => Err(MONEY_SHAPE.to_owned()),
    }
}

/// A money field: `#[serde(deserialize_with = "kc_http::money")]`, see [`parse_money`].
pub fn money<'de, D>(d: D) -> Result<kc_kernel::Money, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let s = String::deserialize(d)?;
    parse_money(&s).map_err(D::Error::custom)
}

/// An optional money field: `#[serde(default, deserialize_with = "kc_http::opt_money")]`.
pub fn opt_money<'de, D>(d: D) -> Result<Option<kc_kernel::Money>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse_money(&s).map(Some).map_err(D::Error::custom),
    }
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

/// A day in a query parameter: exactly `YYYY-MM-DD`, years 1900 to 9999; `None` when absent or
/// empty. Anything else is recorded under `name`.
pub fn date_param(
    fields: &mut FieldErrors,
    name: &str,
    value: Option<&str>,
) -> Option<chrono::NaiveDate> {
    let value = value.filter(|v| !v.is_empty())?;
    // Exactly `YYYY-MM-DD`: chrono alone would also take `2025-7-1` or a sign.
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let day = shaped
        .then(|| chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten()
        // PostgreSQL's dates end at year 294276; anything this far out is a mistake.
        .filter(|d| (1900..=9999).contains(&chrono::Datelike::year(d)));
    if day.is_none() {
        fields.insert(
            name.to_owned(),
            "Ngày phải có dạng YYYY-MM-DD trong khoảng 1900–9999, ví dụ 2025-06-30 (date must be YYYY-MM-DD, years 1900 to 9999)".into(),
        );
    }
    day
}

/// The OpenAPI schema of a [`date_param`]: `YYYY-MM-DD` (years 1900 to 9999), or empty.
pub fn date_param_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .pattern(Some("^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$")),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .build()
        .into()
}

/// A new version of a dated rule starts today or later (never retroactively), and before 2101.
pub fn valid_from_today(fields: &mut FieldErrors, name: &str, from: chrono::NaiveDate) {
    let today = kc_kernel::today_vn();
    if from < today || chrono::Datelike::year(&from) > 2100 {
        fields.insert(
            name.to_owned(),
            format!(
                "Quy định chỉ áp dụng từ hôm nay ({}) trở đi, không hồi tố (a rule applies from today on, never retroactively)",
                kc_kernel::format_date_vn(today)
            ),
        );
    }
}

/// A new version of a dated rule would start on or before one already set to start later (409).
pub fn later_version(name: &str, starts: chrono::NaiveDate) -> ApiError {
    ApiError::conflict_field(
        name,
        format!(
            "Đã có phiên bản áp dụng từ {}; hãy chọn ngày sau đó (a version already starts on or after this day)",
            kc_kernel::format_date_vn(starts)
        ),
    )
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
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Paged<T> {
    /// How many pages the list has (at least one).
    pub fn pages(&self) -> u64 {
        (self.total.max(0) as u64)
            .div_ceil(self.per_page.max(1))
            .max(1)
    }

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
    fn money_is_whole_dong_written_as_digits() {
        assert_eq!(
            parse_money("1500000").unwrap(),
            kc_kernel::Money::from_dong(1_500_000)
        );
        assert_eq!(parse_money("0").unwrap(), kc_kernel::Money::ZERO);
        assert!(parse_money("-5").unwrap_err().contains("âm"));
        assert!(parse_money("12.5").unwrap_err().contains("nguyên"));
        for bad in ["", "1e3", " 1", "1 000", "1234567890123456", "+5"] {
            assert!(
                parse_money(bad).unwrap_err().contains("15 chữ số"),
                "{bad:?}"
            );
        }
        #[derive(Deserialize)]
        struct Body {
            #[serde(deserialize_with = "money")]
            amount: kc_kernel::Money,
        }
        // A JSON number is refused: it may be a float.
        assert!(serde_json::from_str::<Body>(r#"{"amount": 5}"#).is_err());
        assert_eq!(
            serde_json::from_str::<Body>(r#"{"amount": "5"}"#)
                .unwrap()
                .amount,
            kc_kernel::Money::from_dong(5)
        );
        #[derive(Deserialize)]
        struct Year {
            #[serde(deserialize_with = "whole")]
            year: i32,
        }
        assert_eq!(
            serde_json::from_str::<Year>(r#"{"year": 2026.0}"#)
                .unwrap()
                .year,
            2026
        );
        assert!(serde_json::from_str::<Year>(r#"{"year": 2026.5}"#).is_err());
        assert!(serde_json::from_str::<Year>(r#"{"year": 99999999999}"#).is_err());
    }

    #[test]
    fn text_is_nfc_trimmed_bounded_and_clean() {
        let mut f = FieldErrors::new();
        // 11 characters as sent (the limit holds for those too), 6 once trimmed and in NFC.
        assert_eq!(
            req_text(&mut f, "a", "  Nguye\u{0302}\u{0303}n ", 11),
            "Nguyễn"
        );
        assert!(f.is_empty());
        req_text(&mut f, "b", "   ", 10);
        req_text(&mut f, "c", "x\u{0}y", 10);
        req_text(&mut f, "d", "ươn ươn ươn", 5);
        assert_eq!(f.keys().collect::<Vec<_>>(), ["b", "c", "d"]);
        assert_eq!(f["b"], "Không được để trống (must not be empty)");
        assert_eq!(
            f["c"],
            "Có ký tự điều khiển không được phép (U+0000) (contains a control character, U+0000)"
        );
        assert_eq!(opt_text(&mut f, "e", Some("  "), 5), None);
    }

    #[test]
    fn the_limit_holds_for_the_text_as_sent_too() {
        let mut f = FieldErrors::new();
        req_text(&mut f, "padded", &format!(" {} ", "x".repeat(5)), 5);
        opt_text(&mut f, "blank", Some(&"\u{85}".repeat(6)), 5);
        assert_eq!(f.keys().collect::<Vec<_>>(), ["blank", "padded"]);
        assert_eq!(f["padded"], "Tối đa 5 ký tự (at most 5 characters)");
        assert_eq!(req_text(&mut f, "ok", " xxx ", 5), "xxx");
        assert_eq!(opt_text(&mut f, "ok", Some("     "), 5), None);
        assert_eq!(f.len(), 2);
    }

    /// The message of each field at fault, after checking `(field, value)` with [`req_text`].
    fn refusals(values: &[(&str, &str)]) -> FieldErrors {
        let mut f = FieldErrors::new();
        for (name, value) in values {
            req_text(&mut f, name, value, 100);
        }
        f
    }

    #[test]
    fn invisible_characters_are_refused_naming_the_field() {
        let f = refusals(&[
            ("zero_width_only", "\u{200B}"),
            ("rlo", "Công ty \u{202E}TNHH"),
            ("bom", "\u{FEFF}Cơ sở Mây tre"),
            ("soft_hyphen", "Hợp tác\u{00AD}xã"),
            ("zwj", "Lê\u{200D}Văn"),
            ("zwnj", "Lê\u{200C}Văn"),
            ("nul", "Cơ sở\u{0}X"),
            ("hangul_filler_only", " \u{3164} "),
        ]);
        let invisible = |cp: &str| {
            format!(
                "Có ký tự vô hình không được phép ({cp}) (contains an invisible character, {cp})"
            )
        };
        assert_eq!(f["zero_width_only"], invisible("U+200B"));
        assert_eq!(f["rlo"], invisible("U+202E"));
        assert_eq!(f["bom"], invisible("U+FEFF"));
        assert_eq!(f["soft_hyphen"], invisible("U+00AD"));
        assert_eq!(f["zwj"], invisible("U+200D"));
        assert_eq!(f["zwnj"], invisible("U+200C"));
        assert!(f["nul"].contains("(contains a control character, U+0000)"));
        assert_eq!(
            f["hangul_filler_only"],
            "Không được để trống: chỉ có khoảng trắng hoặc ký tự vô hình (must not be empty: only blanks or invisible characters)"
        );
        assert_eq!(f.len(), 8);
    }

    #[test]
    fn vietnamese_tabs_and_line_breaks_pass() {
        let mut f = FieldErrors::new();
        assert_eq!(
            req_text(
                &mut f,
                "name",
                "Ho\u{0300}a Bi\u{0300}nh Nguye\u{0302}\u{0303}n",
                100
            ),
            "Hòa Bình Nguyễn"
        );
        assert_eq!(
            req_text(&mut f, "address", "Số 1\tngõ 2\r\nphố Huế\nHà Nội", 100),
            "Số 1\tngõ 2\r\nphố Huế\nHà Nội"
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn optional_and_patch_text_refuse_the_same() {
        let mut f = FieldErrors::new();
        opt_text(&mut f, "phone", Some("\u{200B}"), 30);
        search_text(&mut f, "q", Some("a\u{202E}b"));
        patch_text(&mut f, "address", &Patch::Set("\u{FEFF}".into()), 30);
        assert_eq!(f.keys().collect::<Vec<_>>(), ["address", "phone", "q"]);
        // Plain white space still means "absent" or "clear".
        assert_eq!(opt_text(&mut f, "x", Some(" \t "), 30), None);
        assert_eq!(
            patch_text(&mut f, "y", &Patch::Set("  ".into()), 30),
            Patch::Clear
        );
        assert_eq!(f.len(), 3);
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
