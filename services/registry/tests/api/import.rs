//! Importing a province's registry: the template, good files, bad rows named by row and column, and
//! files that must be refused whole (wrong columns, encodings, formulas, too many rows, a zip bomb).

use crate::helpers::{MINISTRY, OFFICER, TestApp, fields};
use reqwest::StatusCode;
use serde_json::Value;

const HEADER: &str = "code,name,communes,status,latitude,longitude,planned_area_ha,industrial_area_ha,leased_area_ha,investor_name,investor_kind,registered_capital,wastewater_exists,decision_number,decision_date";

async fn import(app: &TestApp, query: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/clusters/import{query}", app.base))
        .bearer_auth(app.token(OFFICER).await)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s.into_bytes()
}

const GOOD: &str = "CCN-A,Cụm công nghiệp A,Xã Phú Nghĩa,operating,20.93,105.65,50,36,20,Công ty CP A,enterprise,350000000000,có,1520/QĐ-UBND,10/06/2020";
const GOOD2: &str =
    "CCN-B,Cụm công nghiệp B,Xã Phú Nghĩa; Xã Quang Minh,in_plan,21.1,105.7,30,20,0,,,,không,,";

#[tokio::test]
async fn a_good_file_imports_and_a_bad_row_stops_it_naming_row_and_column() {
    let app = TestApp::spawn().await;
    app.commune("01", "Xã Phú Nghĩa").await;
    app.commune("01", "Xã Quang Minh").await;

    // Bad rows: nothing written, each error named by row and column.
    let bad = csv(&[
        GOOD,
        "CCN-C,Cụm C,Xã Phú Nghĩa,operating,20.9,105.6,50,36,40,,,,không,,",
        "CCN-D,Cụm D,Xã Không Có,operating,20.9,105.6,50,36,10,,,,không,,",
        "CCN-E,Cụm E,Xã Phú Nghĩa,đang chạy,20.9,105.6,50,36,10,,,,không,1/QĐ,01/01/2099",
        "CCN-A,Cụm A lặp,Xã Phú Nghĩa,in_plan,20.9,105.6,80,36,10,,,,không,,",
    ]);
    let r = import(&app, "", bad.clone()).await;
    let body = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["error"]["code"], "import_rejected");
    let f = fields(&body);
    for expected in [
        "dòng 3 · Đất đã cho thuê (ha)",
        "dòng 4 · Xã, phường",
        "dòng 5 · Trạng thái",
        "dòng 5 · Số quyết định thành lập",
        "dòng 6 · Mã cụm công nghiệp",
        "dòng 6 · Diện tích quy hoạch (ha)",
    ] {
        assert!(f.iter().any(|k| k == expected), "{expected}: {f:?}");
    }
    assert_eq!(app.count("SELECT 1 FROM registry.clusters").await, 0);

    // Valid rows only, when asked: the rejected ones come back as a CSV file.
    let r = import(&app, "?valid_only=true", bad).await;
    let report = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (report["rows"].as_i64(), report["imported"].as_i64()),
        (Some(5), Some(1))
    );
    assert_eq!(report["rejected"].as_array().unwrap().len(), 4);
    let rejected = report["rejected_csv"].as_str().unwrap();
    assert!(
        rejected.starts_with("code,name,") && rejected.lines().next().unwrap().ends_with(",Lỗi"),
        "{rejected}"
    );
    assert_eq!(rejected.lines().count(), 5);
    // The good file: its clusters, recorded as imported, their occupancy computed.
    let r = import(&app, "", csv(&[GOOD2])).await;
    assert_eq!(app.expect(r, StatusCode::OK).await["imported"], 1);
    let r = app.get("/api/v1/clusters?q=CCN-", MINISTRY).await;
    let list = app.expect(r, StatusCode::OK).await;
    assert_eq!(list["total"], 2);
    let a = &list["items"][0];
    assert_eq!(
        (a["action"].as_str(), a["occupancy_percent"].as_str()),
        (Some("imported"), Some("55.56"))
    );
    assert_eq!(a["decisions"][0]["date"], "2020-06-10");
    assert_eq!(
        list["items"][1]["communes"],
        serde_json::json!(["Xã Phú Nghĩa", "Xã Quang Minh"])
    );
    // Importing the same codes again is refused row by row.
    let r = import(&app, "", csv(&[GOOD2])).await;
    assert!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await)[0]
            .contains("Mã cụm công nghiệp")
    );
}

#[tokio::test]
async fn the_template_imports_as_it_is() {
    let app = TestApp::spawn().await;
    app.commune("01", "Xã Phú Nghĩa").await;
    let r = app
        .get("/api/v1/clusters/import-template.xlsx", "dn1.01@demo.test")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    assert_eq!(&bytes[..2], b"PK");
    let r = import(&app, "", bytes).await;
    let report = app.expect(r, StatusCode::OK).await;
    assert_eq!(report["imported"], 1, "{report}");
    let r = app.get("/api/v1/clusters", OFFICER).await;
    let c: Value = app.expect(r, StatusCode::OK).await["items"][0].clone();
    assert_eq!(
        (c["code"].as_str(), c["wastewater_working"].as_bool()),
        (Some("CCN-01-101"), Some(true))
    );
}

#[tokio::test]
async fn files_that_cannot_be_read_are_refused_whole_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.commune("01", "Xã Phú Nghĩa").await;
    let file_error = |body: Value| {
        body["error"]["fields"]["file"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };

    // Wrong columns.
    let r = import(&app, "", b"ma,ten\nA,B\n".to_vec()).await;
    assert!(
        file_error(app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await).contains("thiếu cột")
    );
    // Windows-1258 ("Cụm" in that code page) is not UTF-8.
    let mut cp1258 = csv(&[]);
    cp1258.extend_from_slice(
        b"CCN-A,C\xf2m A,X\xe3 Ph\xfa Ngh\xeda,in_plan,20.9,105.6,50,36,0,,,,,,\n",
    );
    let r = import(&app, "", cp1258).await;
    assert!(file_error(app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await).contains("UTF-8"));
    // 100 000 rows.
    let many: Vec<String> = (0..100_000)
        .map(|i| format!("C{i},Cụm,Xã Phú Nghĩa,in_plan,20.9,105.6,50,36,0,,,,,,"))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let r = import(&app, "", csv(&many)).await;
    assert!(file_error(app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await).contains("10000"));
    // A formula.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in GOOD.split(',').enumerate() {
        ws.write_string(1, c as u16, v).unwrap();
    }
    ws.write_formula(1, 6, "=40+10").unwrap();
    let r = import(&app, "", wb.save_to_buffer().unwrap()).await;
    assert!(
        file_error(app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await).contains("công thức")
    );
    // A zip bomb dressed as XLSX: 200 MiB of zeros in a few hundred kilobytes.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "xl/worksheets/sheet1.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..200 {
        std::io::Write::write_all(&mut zip, &zeros).unwrap();
    }
    let bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let r = import(&app, "", bomb).await;
    assert!(file_error(app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await).contains("MiB"));
    // Over 10 MiB: 413 before anything is read.
    let r = import(&app, "", vec![b'a'; 11 * 1024 * 1024]).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Not the department's: 403.
    let r = app
        .http
        .post(format!("{}/api/v1/clusters/import", app.base))
        .bearer_auth(app.token("ttkc.01@demo.test").await)
        .body(csv(&[GOOD]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT 1 FROM registry.clusters").await, 0);
}
