//! `kc-sheets`: every list and report table of the platform exports through here, as XLSX or CSV,
//! with the columns the user chose (`?columns=a,b,c`, in that order; all when absent).
//!
//! - Headings are Vietnamese; the title row says what and when.
//! - In XLSX, amounts are numbers formatted `#,##0` (whole đồng up to 9·10^15 are exact in a
//!   spreadsheet number), rates `0.00`, dates real dates shown dd/mm/yyyy.
//! - CSV is UTF-8 with a byte-order mark (Excel opens it in Vietnamese), amounts as plain whole
//!   numbers, rates with a `.` decimal point, dates dd/mm/yyyy.
//!
//! A service describes its columns once ([`Column`]) and gives each row's values in that order
//! ([`Cell`]); [`choose`] reads the user's choice, [`download`] answers with the file.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use kc_http::ApiError;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format as XFormat, FormatBorder, Workbook, XlsxError};
use serde::Deserialize;
use utoipa::ToSchema;

/// What a column holds, which says how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Whole đồng.
    Money,
    /// A count.
    Integer,
    /// A per cent with two decimals.
    Percent,
    /// A measure with decimals (hectares, degrees): in a workbook at least two shown and up to six;
    /// in CSV as stored (`12.5`).
    Decimal,
    Date,
}

/// A column a table may export.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The name in `?columns=`.
    pub key: &'static str,
    /// The Vietnamese heading.
    pub heading: &'static str,
    pub kind: Kind,
    /// The width in the workbook, in characters.
    pub width: f64,
}

/// A column, in a `const` table of columns.
pub const fn column(key: &'static str, heading: &'static str, kind: Kind, width: f64) -> Column {
    Column {
        key,
        heading,
        kind,
        width,
    }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(Decimal),
    Date(NaiveDate),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<Decimal> for Cell {
    fn from(d: Decimal) -> Cell {
        Cell::Number(d)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(Decimal::from(n))
    }
}
impl From<i32> for Cell {
    fn from(n: i32) -> Cell {
        Cell::Number(Decimal::from(n))
    }
}
impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Cell {
        Cell::Date(d)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// The file asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    #[default]
    Xlsx,
    Csv,
}

/// What an export adds to its list's question: the file and the columns (`?format=csv&columns=a,b`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct SheetQuery {
    /// `xlsx` (default) or `csv`.
    #[param(inline)]
    pub format: Option<FileFormat>,
    /// The columns, comma-separated, in order (default: all); the route's description names its
    /// columns' keys.
    #[param(max_length = 600)]
    pub columns: Option<String>,
}

/// A table to export: its title, the chosen columns (indices into the columns the rows follow) and
/// its rows (every column's value, in the described order).
pub struct Table<'a> {
    pub title: String,
    /// The worksheet's name (at most 31 characters).
    pub sheet: &'a str,
    pub all: &'a [Column],
    pub chosen: Vec<usize>,
    pub rows: Vec<Vec<Cell>>,
}

/// The columns the user chose: `columns` is a comma-separated list of keys (none: all of them). An
/// unknown key is a 422 on `columns` that lists the known ones.
pub fn choose(all: &[Column], columns: Option<&str>) -> Result<Vec<usize>, ApiError> {
    let Some(list) = columns.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok((0..all.len()).collect());
    };
    let mut chosen = Vec::new();
    for key in list.split(',').map(str::trim) {
        match all.iter().position(|c| c.key == key) {
            Some(i) if !chosen.contains(&i) => chosen.push(i),
            Some(_) => {}
            None => {
                let known: Vec<&str> = all.iter().map(|c| c.key).collect();
                return Err(ApiError::field(
                    "columns",
                    format!(
                        "Không có cột \"{}\"; các cột: {} (unknown column)",
                        key.chars().take(40).collect::<String>(),
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(chosen)
}

fn number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The table as an XLSX workbook.
pub fn xlsx(t: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.sheet)?;
    let title = XFormat::new().set_bold().set_font_size(14);
    let head = XFormat::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin);
    let money = XFormat::new().set_num_format("#,##0");
    let rate = XFormat::new().set_num_format("0.00");
    let measure = XFormat::new().set_num_format("#,##0.00####");
    let date = XFormat::new().set_num_format("dd/mm/yyyy");
    ws.write_string_with_format(0, 0, &t.title, &title)?;
    for (col, i) in t.chosen.iter().enumerate() {
        let c = &t.all[*i];
        ws.write_string_with_format(2, col as u16, c.heading, &head)?;
        ws.set_column_width(col as u16, c.width)?;
    }
    ws.set_freeze_panes(3, 0)?;
    for (r, row) in t.rows.iter().enumerate() {
        let r = 3 + r as u32;
        for (col, i) in t.chosen.iter().enumerate() {
            let col = col as u16;
            match (&row[*i], t.all[*i].kind) {
                (Cell::Empty, _) => {}
                (Cell::Text(s), _) => {
                    ws.write_string(r, col, s)?;
                }
                (Cell::Number(n), Kind::Percent) => {
                    ws.write_number_with_format(r, col, number(*n), &rate)?;
                }
                (Cell::Number(n), Kind::Decimal) => {
                    ws.write_number_with_format(r, col, number(*n), &measure)?;
                }
                (Cell::Number(n), Kind::Integer) => {
                    ws.write_number(r, col, number(*n))?;
                }
                (Cell::Number(n), _) => {
                    ws.write_number_with_format(r, col, number(*n), &money)?;
                }
                (Cell::Date(d), _) => {
                    ws.write_datetime_with_format(r, col, *d, &date)?;
                }
            }
        }
    }
    wb.save_to_buffer()
}

/// A text that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
/// first) gets a leading `'`, so that opening the CSV runs nothing.
fn inert(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The table as CSV (UTF-8 with a byte-order mark; a heading row, then the rows; a text that would
/// be read as a formula kept as text).
pub fn csv(t: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(t.chosen.iter().map(|i| t.all[*i].heading))?;
        for row in &t.rows {
            w.write_record(t.chosen.iter().map(|i| match &row[*i] {
                Cell::Empty => String::new(),
                Cell::Text(s) => inert(s),
                Cell::Number(n) if t.all[*i].kind == Kind::Percent => format!("{n:.2}"),
                Cell::Number(n) => n.normalize().to_string(),
                Cell::Date(d) => format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()),
            }))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// Answer with the table as a file named `stem.xlsx` or `stem.csv` (ASCII), kept by no cache.
pub fn download(t: &Table, format: FileFormat, stem: &str) -> Result<Response, ApiError> {
    let (bytes, content_type, ext) = match format {
        FileFormat::Xlsx => (
            xlsx(t).map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        FileFormat::Csv => (
            csv(t).map_err(ApiError::internal)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{ext}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 3] = [
        Column {
            key: "name",
            heading: "Tên",
            kind: Kind::Text,
            width: 20.0,
        },
        Column {
            key: "amount",
            heading: "Số tiền (đồng)",
            kind: Kind::Money,
            width: 16.0,
        },
        Column {
            key: "rate",
            heading: "Tỷ lệ (%)",
            kind: Kind::Percent,
            width: 10.0,
        },
    ];

    fn table(chosen: Vec<usize>) -> Table<'static> {
        Table {
            title: "Thử".into(),
            sheet: "Thử",
            all: &COLUMNS,
            chosen,
            rows: vec![vec![
                "Hà Nội, \"Thủ đô\"".into(),
                Decimal::new(120_000_000_000, 0).into(),
                Decimal::new(9882, 2).into(),
            ]],
        }
    }

    #[test]
    fn the_user_chooses_the_columns_and_their_order() {
        assert_eq!(choose(&COLUMNS, None).ok(), Some(vec![0, 1, 2]));
        assert_eq!(choose(&COLUMNS, Some("rate, name")).ok(), Some(vec![2, 0]));
        assert_eq!(choose(&COLUMNS, Some("name,name")).ok(), Some(vec![0]));
        assert!(choose(&COLUMNS, Some("name,salary")).is_err());
    }

    #[test]
    fn csv_has_a_bom_vietnamese_headings_and_plain_numbers() {
        let bytes = csv(&table(vec![2, 0, 1])).unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(
            text,
            "\u{feff}Tỷ lệ (%),Tên,Số tiền (đồng)\n98.82,\"Hà Nội, \"\"Thủ đô\"\"\",120000000000\n"
        );
    }

    #[test]
    fn a_text_that_looks_like_a_formula_stays_text() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("-1+2"), "'-1+2");
        assert_eq!(inert("Hà Nội"), "Hà Nội");
    }

    #[test]
    fn xlsx_is_a_workbook() {
        let bytes = xlsx(&table(vec![0, 1])).unwrap_or_default();
        assert_eq!(&bytes[..2], b"PK");
    }
}
