//! Reading an uploaded file into rows of text cells: XLSX (by its content) or CSV in UTF-8.

use super::{MAX_ROWS, MAX_UNPACKED};
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// Why a file cannot be read at all.
#[derive(Debug, PartialEq, Eq)]
pub struct Unreadable(pub String);

/// The rows of the file's first sheet (or the CSV), header first, each cell as text.
pub fn rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, Unreadable> {
    if bytes.starts_with(b"PK\x03\x04") {
        xlsx(bytes)
    } else {
        csv(bytes)
    }
}

fn too_many() -> Unreadable {
    Unreadable(format!(
        "Tệp có quá {MAX_ROWS} dòng; hãy chia thành nhiều tệp (more than {MAX_ROWS} rows)"
    ))
}

fn xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, Unreadable> {
    // The archive's declared sizes first: a zip bomb is refused before anything is unpacked.
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| Unreadable("Tệp XLSX bị hỏng (a damaged XLSX file)".into()))?;
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index_raw(i)
            .map(|f| f.size())
            .map_err(|_| Unreadable("Tệp XLSX bị hỏng (a damaged XLSX file)".into()))?;
        unpacked = unpacked.saturating_add(size);
    }
    drop(archive);
    if unpacked > MAX_UNPACKED {
        return Err(Unreadable(format!(
            "Tệp XLSX giải nén ra quá {} MiB (the file unpacks to more than {} MiB)",
            MAX_UNPACKED / 1024 / 1024,
            MAX_UNPACKED / 1024 / 1024
        )));
    }
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| Unreadable(format!("Không đọc được tệp XLSX (unreadable XLSX): {e}")))?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| Unreadable("Tệp không có trang tính nào (no sheet)".into()))?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| Unreadable(format!("Không đọc được trang tính (unreadable sheet): {e}")))?;
    if range.height() > MAX_ROWS + 1 {
        return Err(too_many());
    }
    // Values only: a formula's cached result may be stale or absent.
    if let Ok(formulas) = book.worksheet_formula(&sheet)
        && let Some((r, c, _)) = formulas.used_cells().find(|(_, _, f)| !f.is_empty())
    {
        let (r0, c0) = formulas.start().unwrap_or((0, 0));
        return Err(Unreadable(format!(
            "Ô dòng {}, cột {} chứa công thức; hãy dán giá trị (paste values, not formulas)",
            r0 as usize + r + 1,
            c0 as usize + c + 1
        )));
    }
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell).collect())
        .collect())
}

fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Whole numbers without a fraction (amounts in đồng); others as Rust prints them.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(true) => "có".into(),
        Data::Bool(false) => "không".into(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.date().to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, Unreadable> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Unreadable(
            "Tệp CSV mã hóa UTF-16; hãy lưu dạng \"CSV UTF-8\" (save as CSV UTF-8)".into(),
        ));
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
        Unreadable(format!(
            "Tệp không phải XLSX, cũng không phải CSV mã hóa UTF-8 (byte {}); hãy lưu dạng \"CSV UTF-8\" hoặc XLSX (neither XLSX nor UTF-8 CSV)",
            e.valid_up_to() + 1
        ))
    })?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| Unreadable(format!("Tệp CSV sai định dạng (malformed CSV): {e}")))?;
        if rows.len() > MAX_ROWS {
            return Err(too_many());
        }
        rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_utf8_with_or_without_bom() {
        let rows = rows("\u{feff}code,name\nA,Cụm Phú Nghĩa\n".as_bytes()).unwrap_or_default();
        assert_eq!(rows, vec![vec!["code", "name"], vec!["A", "Cụm Phú Nghĩa"]]);
        // Windows-1258 ("Cụm" is not UTF-8 there) and UTF-16 are refused with a clear message.
        assert!(rows_err(b"code,name\nA,C\xf2m\n").contains("UTF-8"));
        assert!(rows_err(b"\xff\xfec\x00o\x00").contains("UTF-16"));
    }

    fn rows_err(bytes: &[u8]) -> String {
        rows(bytes).err().map(|e| e.0).unwrap_or_default()
    }

    #[test]
    fn a_damaged_xlsx_is_refused() {
        assert!(rows_err(b"PK\x03\x04garbage").contains("XLSX"));
    }
}
