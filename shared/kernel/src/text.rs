//! Text input types: parsed once at the boundary, valid from then on.
//!
//! Free text (names, addresses, reasons) is NFC-normalised, trimmed and checked with [`check_text`],
//! which refuses control characters and invisible (format) characters: [`refused_char`] is the one
//! rule of what is refused.

use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory};
use icu_properties::{CodePointMapData, CodePointSetData};
use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    #[error("Mã tỉnh phải gồm 2 chữ số, ví dụ \"01\" (province code must be 2 digits)")]
    ProvinceCode,
    #[error(
        "Mã số thuế phải gồm 10 chữ số hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (tax code must be 10 digits or 10+3 digits with a dash)"
    )]
    TaxCode,
    #[error(
        "Mã số thuế sai chữ số kiểm tra (chữ số thứ 10) (the tax code's check digit, its 10th digit, is wrong)"
    )]
    TaxCodeCheckDigit,
    #[error("Mã chi nhánh 000 không phải là chi nhánh (branch 000 is not a branch)")]
    TaxCodeBranch,
    #[error("Địa chỉ e-mail không hợp lệ (invalid e-mail address)")]
    Email,
    #[error(
        "Có ký tự điều khiển không được phép (U+{cp:04X}) (contains a control character, U+{cp:04X})",
        cp = u32::from(*.0)
    )]
    ControlCharacter(char),
    #[error(
        "Có ký tự vô hình không được phép (U+{cp:04X}) (contains an invisible character, U+{cp:04X})",
        cp = u32::from(*.0)
    )]
    InvisibleCharacter(char),
    #[error(
        "Không được để trống: chỉ có khoảng trắng hoặc ký tự vô hình (must not be empty: only blanks or invisible characters)"
    )]
    Blank,
}

/// Unicode NFC, as every name is stored.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// NFC and trimmed. This only normalises: text input is then checked with [`check_text`].
pub fn nfc_trimmed(s: &str) -> String {
    nfc(s.trim())
}

/// What text input refuses, one character at a time: the one rule of every text field.
///
/// - Control characters (general category Cc: NUL, ESC, DEL, ...), except tab, line feed and
///   carriage return, which free text such as an address or a reason may hold.
/// - Format characters (general category Cf), all of them: they are invisible and change how the
///   text around them is shown or compared without showing themselves. Among them the zero-width
///   space U+200B, the bidirectional marks, embeddings, overrides and isolates (U+200E, U+200F,
///   U+202A..U+202E, U+2066..U+2069, U+061C: a right-to-left override makes a name read backwards),
///   the word joiner and invisible operators U+2060..U+2064, the byte order mark U+FEFF and the
///   tag characters U+E0001..U+E007F.
/// - The soft hyphen U+00AD is refused with them: it marks where a word may be hyphenated at the
///   end of a line and is invisible elsewhere. Vietnamese syllables are written apart and are never
///   hyphenated, so in a name it is only ever an artefact pasted from a word processor or a PDF, and
///   it would make two names that look the same compare different.
/// - The zero-width non-joiner U+200C (ZWNJ) and joiner U+200D (ZWJ) are refused too. They are
///   needed by some scripts (Persian, the Indic scripts) and by emoji sequences, but not by
///   Vietnamese, whose letters and tone marks are whole characters once in NFC; the names, addresses
///   and reasons kept here are Vietnamese (ethnic-minority names are recorded in the Vietnamese
///   alphabet), and a joiner in them could only hide a difference between two names that look
///   alike. Should a script that needs them ever be accepted, allow them only where RFC 5892
///   (CONTEXTJ) does (after a virama, between joining letters), not everywhere.
///
/// Other characters that show nothing but are not format characters (variation selectors, which
/// follow emoji, the Hangul fillers, the combining grapheme joiner) are accepted inside text; a
/// text made only of them is refused by [`check_text`] as blank.
pub fn refused_char(c: char) -> Option<TextError> {
    match CodePointMapData::<GeneralCategory>::new().get(c) {
        GeneralCategory::Control if !matches!(c, '\t' | '\n' | '\r') => {
            Some(TextError::ControlCharacter(c))
        }
        GeneralCategory::Format => Some(TextError::InvisibleCharacter(c)),
        _ => None,
    }
}

/// Shows nothing: white space, a control or format character, or any other default-ignorable code
/// point (variation selectors, Hangul fillers, ...).
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Format
}

/// Checks free text (already NFC and trimmed, see [`nfc_trimmed`]): the first character that
/// [`refused_char`] refuses, or [`TextError::Blank`] when nothing visible is left once white space
/// and invisible characters are taken away (the empty string included).
pub fn check_text(s: &str) -> Result<(), TextError> {
    if let Some(refused) = s.chars().find_map(refused_char) {
        return Err(refused);
    }
    if s.chars().all(is_invisible) {
        return Err(TextError::Blank);
    }
    Ok(())
}

/// The rule of text input ([`nfc_trimmed`], then [`check_text`]) as a regular expression over code
/// points, for API documents: once white space is trimmed from both ends, nothing that
/// [`refused_char`] refuses and at least one visible character. With `blank_is_absent`, text made
/// only of white space matches too (an optional field, which takes it as absent). Built once from the
/// same Unicode data as the check itself, so the document cannot drift from it. Characters are written
/// literally (ASCII ones as `\xHH`), so the pattern reads the same in Python's `re` and in ECMAScript
/// with the `u` flag.
pub fn text_pattern(blank_is_absent: bool) -> &'static str {
    static REQUIRED: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| build_text_pattern(false));
    static OPTIONAL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| build_text_pattern(true));
    if blank_is_absent {
        &OPTIONAL
    } else {
        &REQUIRED
    }
}

fn build_text_pattern(blank_is_absent: bool) -> String {
    let all = || (0..=0x10FFFFu32).filter_map(char::from_u32);
    let refused = class(all().filter(|c| refused_char(*c).is_some()));
    let invisible = class(all().filter(|c| is_invisible(*c)));
    // What `str::trim` takes away (some of it, such as U+0085, is refused inside the text).
    let blank = class(all().filter(|c| c.is_whitespace()));
    let text = format!("[^{refused}]*[^{invisible}][^{refused}]*[{blank}]*");
    if blank_is_absent {
        format!("^[{blank}]*({text})?$")
    } else {
        format!("^[{blank}]*{text}$")
    }
}

/// The body of a character class holding exactly `chars` (ascending), as ranges.
fn class(chars: impl Iterator<Item = char>) -> String {
    let mut ranges: Vec<(char, char)> = Vec::new();
    for c in chars {
        match ranges.last_mut() {
            Some((_, hi)) if char::from_u32(u32::from(*hi) + 1) == Some(c) => *hi = c,
            _ => ranges.push((c, c)),
        }
    }
    let lit = |c: char| {
        if c.is_ascii() {
            format!("\\x{:02X}", u32::from(c))
        } else {
            c.to_string()
        }
    };
    ranges
        .into_iter()
        .map(|(lo, hi)| match u32::from(hi) - u32::from(lo) {
            0 => lit(lo),
            1 => format!("{}{}", lit(lo), lit(hi)),
            _ => format!("{}-{}", lit(lo), lit(hi)),
        })
        .collect()
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

/// A Vietnamese tax code (mã số thuế): 10 digits, or 10 digits, a dash and 3 digits for a branch
/// (`001` to `999`). The 10th digit is a check digit over the first nine (see
/// [`TaxCode::check_digit`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxCode(String);

/// The weights of the first nine digits of a tax code in its check digit.
const TAX_CODE_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

impl TaxCode {
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let s = s.trim();
        let (main, branch) = match s.split_once('-') {
            None => (s, None),
            Some((main, branch)) => (main, Some(branch)),
        };
        if !all_digits(main, 10) || !branch.is_none_or(|b| all_digits(b, 3)) {
            return Err(TextError::TaxCode);
        }
        if TaxCode::check_digit(&main[..9]) != main.chars().nth(9) {
            return Err(TextError::TaxCodeCheckDigit);
        }
        if branch == Some("000") {
            return Err(TextError::TaxCodeBranch);
        }
        Ok(TaxCode(s.to_owned()))
    }

    /// The check digit of the first nine digits: with the weights 31, 29, 23, 19, 17, 13, 7, 5, 3 it
    /// is 10 − (sum mod 11); `None` when that is 10 (no tax code starts with those nine digits) or
    /// when `nine` is not nine ASCII digits.
    pub fn check_digit(nine: &str) -> Option<char> {
        if !all_digits(nine, 9) {
            return None;
        }
        let sum: u32 = nine
            .bytes()
            .zip(TAX_CODE_WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        char::from_digit(10 - sum % 11, 10)
    }

    /// Nine digits completed with their check digit (for demo data and tests):
    /// `with_check_digit("010010910")` is Viettel's `0100109106`. `None` when the nine digits have no
    /// check digit or are not nine digits.
    pub fn with_check_digit(nine: &str) -> Option<TaxCode> {
        let check = TaxCode::check_digit(nine)?;
        Some(TaxCode(format!("{nine}{check}")))
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
            && !s
                .chars()
                .any(|c| c.is_whitespace() || refused_char(c).is_some())
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
    fn published_tax_codes_have_their_check_digit() {
        // Viettel, Vinamilk, FPT.
        for code in ["0100109106", "0300588569", "0101248141"] {
            assert_eq!(TaxCode::parse(code).unwrap().as_str(), code);
            assert_eq!(
                TaxCode::with_check_digit(&code[..9]).unwrap().as_str(),
                code
            );
        }
        assert_eq!(
            TaxCode::parse(" 0100109106-001 ").unwrap().as_str(),
            "0100109106-001"
        );
        assert!(TaxCode::parse("0300588569-999").is_ok());
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        for bad in [
            "0000000000", // the sum is 0: the check digit would be 10
            "0100109105",
            "0100109107",
            "0300588560",
            "0101248142",
            "0101234567",
            "1000109106",     // two digits swapped
            "0100109107-001", // a branch of a wrong code
        ] {
            assert_eq!(
                TaxCode::parse(bad),
                Err(TextError::TaxCodeCheckDigit),
                "{bad}"
            );
        }
        let message = TextError::TaxCodeCheckDigit.to_string();
        assert!(
            message.starts_with("Mã số thuế sai chữ số kiểm tra"),
            "{message}"
        );
        assert!(message.contains("(the tax code's check digit"), "{message}");
    }

    #[test]
    fn branch_000_is_not_a_branch() {
        assert_eq!(
            TaxCode::parse("0100109106-000"),
            Err(TextError::TaxCodeBranch)
        );
    }

    #[test]
    fn tax_codes_have_their_shape() {
        for bad in [
            "",
            "123",
            "01001091060",
            "0100109106-01",
            "010010910a",
            "0100109106-0011",
            "-001",
            "0100109106-",
            "0100109106-00a",
            "0100109106 001",
            "０１００１０９１０６", // full-width digits
        ] {
            assert_eq!(TaxCode::parse(bad), Err(TextError::TaxCode), "{bad}");
        }
    }

    #[test]
    fn nine_digits_are_completed_with_their_check_digit() {
        assert_eq!(
            TaxCode::with_check_digit("030058856").unwrap().as_str(),
            "0300588569"
        );
        assert_eq!(TaxCode::check_digit("010124814"), Some('1'));
        // 29·1 + 17·1 = 46, 46 mod 11 = 2: the check digit is 10 − 2 = 8.
        assert_eq!(TaxCode::check_digit("010010000"), Some('8'));
        // A sum that is a multiple of 11 has no check digit.
        assert_eq!(TaxCode::with_check_digit("000000000"), None);
        assert_eq!(TaxCode::with_check_digit("790000002"), None);
        for bad in ["", "01001091", "0100109106", "01001091a", " 010010910"] {
            assert_eq!(TaxCode::with_check_digit(bad), None, "{bad}");
        }
        // Every completed code parses.
        for n in 0..2000u32 {
            let nine = format!("{:09}", n * 499_979);
            if let Some(code) = TaxCode::with_check_digit(&nine) {
                assert_eq!(TaxCode::parse(code.as_str()).as_ref(), Ok(&code));
            }
        }
    }

    #[test]
    fn tax_code_serde_checks_the_digit() {
        assert!(serde_json::from_str::<TaxCode>("\"0100109106\"").is_ok());
        assert!(serde_json::from_str::<TaxCode>("\"0000000000\"").is_err());
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
            "a\u{200B}b@demo.test",
            "\u{FEFF}a@demo.test",
            "a@demo\u{00AD}.test",
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
        // "Nguyễn" written with combining marks becomes the precomposed form, and passes.
        let decomposed = "Nguye\u{0302}\u{0303}n";
        assert_eq!(nfc(decomposed), "Nguyễn");
        assert_eq!(check_text(&nfc_trimmed(decomposed)), Ok(()));
        for ok in [
            "Nguyễn Thị Hoà",
            "Hợp tác xã Chế biến nông sản Ê Đê",
            "Số 1, ngõ 2\nphố Huế\r\nHà Nội",
            "Cột 1\tCột 2",
            "Hồ sơ đủ ❤\u{FE0F}", // a variation selector after an emoji
        ] {
            assert_eq!(check_text(&nfc_trimmed(ok)), Ok(()), "{ok:?}");
        }
    }

    fn checked(s: &str) -> Result<(), TextError> {
        check_text(&nfc_trimmed(s))
    }

    #[test]
    fn control_characters_are_refused_but_tabs_and_line_breaks_pass() {
        assert_eq!(
            checked("Cơ sở\u{0}X"),
            Err(TextError::ControlCharacter('\0'))
        );
        assert_eq!(
            checked("a\u{1B}[31mb"),
            Err(TextError::ControlCharacter('\u{1B}'))
        );
        assert_eq!(
            checked("a\u{7F}"),
            Err(TextError::ControlCharacter('\u{7F}'))
        );
        assert_eq!(
            checked("a\u{85}b"),
            Err(TextError::ControlCharacter('\u{85}'))
        );
        assert_eq!(checked("dòng 1\ndòng 2\tcột\r\n"), Ok(()));
        let message = TextError::ControlCharacter('\0').to_string();
        assert_eq!(
            message,
            "Có ký tự điều khiển không được phép (U+0000) (contains a control character, U+0000)"
        );
    }

    #[test]
    fn invisible_characters_are_refused() {
        for (text, c) in [
            ("\u{200B}", '\u{200B}'),              // a name made of a zero-width space
            ("Công ty \u{202E}cba", '\u{202E}'),   // right-to-left override
            ("\u{FEFF}Công ty A", '\u{FEFF}'),     // byte order mark, pasted from a file
            ("Hợp tác\u{00AD}xã", '\u{00AD}'),     // soft hyphen
            ("Lê\u{200C}Văn", '\u{200C}'),         // ZWNJ
            ("Lê\u{200D}Văn", '\u{200D}'),         // ZWJ
            ("👨\u{200D}🌾", '\u{200D}'),          // an emoji ZWJ sequence
            ("a\u{2060}b", '\u{2060}'),            // word joiner
            ("a\u{2066}b\u{2069}", '\u{2066}'),    // isolates
            ("a\u{200E}", '\u{200E}'),             // left-to-right mark
            ("🏴\u{E0067}\u{E007F}", '\u{E0067}'), // tag characters
        ] {
            assert_eq!(
                checked(text),
                Err(TextError::InvisibleCharacter(c)),
                "{text:?}"
            );
            assert_eq!(refused_char(c), Some(TextError::InvisibleCharacter(c)));
        }
        assert_eq!(
            TextError::InvisibleCharacter('\u{202E}').to_string(),
            "Có ký tự vô hình không được phép (U+202E) (contains an invisible character, U+202E)"
        );
    }

    #[test]
    fn text_with_nothing_visible_is_blank() {
        for blank in [
            "",
            "   ",
            "\u{3000}",         // ideographic space
            "\u{3164}",         // Hangul filler
            "\u{FE0F}",         // a variation selector alone
            "\u{034F}\u{00A0}", // combining grapheme joiner, no-break space
            "\t\n",
        ] {
            assert_eq!(checked(blank), Err(TextError::Blank), "{blank:?}");
        }
    }

    #[test]
    fn the_documented_pattern_is_the_rule() {
        let required = regex::Regex::new(text_pattern(false)).unwrap();
        let optional = regex::Regex::new(text_pattern(true)).unwrap();
        for text in [
            "Nguyễn Thị Hoà",
            "Nguye\u{0302}\u{0303}n",
            " Số 1, ngõ 2\nphố Huế\r\nHà Nội\n",
            "Cột 1\tCột 2",
            "Hồ sơ đủ ❤\u{FE0F}",
            "\u{85}x\u{0B}",
            "\u{3000}x\u{3164}",
            "",
            "   ",
            "\u{85}\u{85}",
            "\u{3000}",
            "\u{3164}",
            "\u{FE0F}",
            "\u{034F}\u{00A0}",
            "\t\n",
            "Cơ sở\u{0}X",
            "a\u{1B}[31mb",
            "a\u{7F}",
            "a\u{85}b",
            "x\u{0C}y",
            "\u{200B}",
            "\u{200B}x",
            "Công ty \u{202E}cba",
            "\u{FEFF}Công ty A",
            "Hợp tác\u{00AD}xã",
            "Lê\u{200C}Văn",
            "👨\u{200D}🌾",
            "🏴\u{E0067}\u{E007F}",
            "a\u{2060}b",
        ] {
            let checked = check_text(&nfc_trimmed(text)).is_ok();
            assert_eq!(required.is_match(text), checked, "{text:?}");
            let absent = nfc_trimmed(text).is_empty();
            assert_eq!(optional.is_match(text), checked || absent, "{text:?}");
        }
    }

    #[test]
    fn what_is_refused_is_decided_in_one_place() {
        for c in [
            'a', 'ễ', '\u{0303}', ' ', '\t', '\n', '\r', '❤', '\u{FE0F}', '\u{3164}',
        ] {
            assert_eq!(refused_char(c), None, "{c:?}");
        }
        for c in ['\0', '\u{7}', '\u{9F}'] {
            assert_eq!(refused_char(c), Some(TextError::ControlCharacter(c)));
        }
    }
}
