//! The summary and the exports: XLSX with Vietnamese headings, GeoJSON with points and polygons.

use crate::helpers::{MINISTRY, OFFICER, TestApp, record};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_registry_exports_to_xlsx_and_geojson_and_lists_clusters_without_wastewater() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    let a = app.operating(&commune, "A", ("50", "40", "30")).await;
    let mut rec = record(&commune, ("40", "30", "15"));
    rec["boundary"] = json!({"type": "Polygon", "coordinates": [[[105.6, 20.9], [105.7, 20.9], [105.7, 21.0], [105.6, 20.9]]]});
    rec["wastewater_exists"] = json!(true);
    rec["wastewater_operating"] = json!(true);
    rec["wastewater_capacity_m3"] = json!(2000);
    let r = app
        .post(
            "/api/v1/clusters",
            OFFICER,
            &json!({"code": "B", "record": rec}),
        )
        .await;
    let b = app.expect(r, StatusCode::CREATED).await;
    let b = app.stepped(&b, "established", json!({})).await;

    let r = app
        .get("/api/v1/clusters?without_wastewater=true", MINISTRY)
        .await;
    let list = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (list["total"].as_i64(), list["items"][0]["id"].as_str()),
        (Some(1), a["id"].as_str())
    );
    let r = app
        .get("/api/v1/clusters/summary?province_code=01", OFFICER)
        .await;
    let s = app.expect(r, StatusCode::OK).await;
    assert_eq!(s["total"]["clusters"], 2);
    assert_eq!(s["total"]["without_wastewater"], 1);
    assert_eq!(s["total"]["planned_area_ha"], "90");
    assert_eq!(s["total"]["occupancy_percent"], "64.29", "45 of 70 ha: {s}");
    assert_eq!(
        (
            s["lines"][0]["operating"].as_i64(),
            s["lines"][0]["established"].as_i64()
        ),
        (Some(1), Some(1))
    );

    let r = app
        .get("/api/v1/clusters/export.xlsx?province_code=01", OFFICER)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "a zip container");
    assert!(bytes.len() > 4000);
    // As CSV with the columns chosen, in their order; an unknown column is named.
    let r = app
        .get(
            "/api/v1/clusters/export.csv?province_code=01&columns=code,planned_area_ha,status",
            OFFICER,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap().trim_start_matches('\u{feff}'),
        "Mã,Diện tích quy hoạch (ha),Trạng thái"
    );
    assert_eq!(lines.count(), 2, "{csv}");
    let r = app
        .get("/api/v1/clusters/export.csv?columns=code,salary", OFFICER)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let r = app.get("/api/v1/clusters/export.geojson", MINISTRY).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["type"], "FeatureCollection");
    let features = doc["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!(
        features[0]["geometry"],
        json!({"type": "Point", "coordinates": [105.65, 20.93]})
    );
    assert_eq!(features[0]["properties"]["status_vi"], "Đang hoạt động");
    let r = app
        .get("/api/v1/clusters/export.geojson?polygons=true", MINISTRY)
        .await;
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["features"].as_array().unwrap().len(), 1);
    assert_eq!(doc["features"][0]["geometry"]["type"], "Polygon");
    assert_eq!(doc["features"][0]["id"], b["code"]);
    // Another province's staff see none of it in their summary and exports, and cannot ask for it.
    let r = app
        .get("/api/v1/clusters/summary", "cv.so.79@demo.test")
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"]["clusters"], 0);
    let r = app
        .get("/api/v1/clusters/export.geojson", "ttkc.79@demo.test")
        .await;
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["features"], json!([]));
    for path in ["summary", "export.xlsx", "export.csv", "export.geojson"] {
        let r = app
            .get(
                &format!("/api/v1/clusters/{path}?province_code=01"),
                "so.79@demo.test",
            )
            .await;
        app.expect(r, StatusCode::FORBIDDEN).await;
    }
    // An enterprise gets no summary or export.
    let r = app
        .get("/api/v1/clusters/export.xlsx", "dn1.01@demo.test")
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
}
