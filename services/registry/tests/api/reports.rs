//! Periodic CCN reports: the periods as dated rules, the province opening one (each party's obligation
//! announced once), investors and tenants submitting, the province returning and accepting, who has
//! and has not reported, the province's consolidated report, and the tenant boundary.

use crate::helpers::{MINISTRY, OFFICER, TestApp, fields, record};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An operating cluster of province 01, its investor dn1.01, dn2.01 a tenant; its id.
async fn cluster_with_parties(app: &TestApp, code: &str) -> String {
    let commune = app.commune("01", &format!("Xã {code}")).await;
    let mut rec = record(&commune, ("50", "36", "20"));
    rec["investor_org_id"] = json!(app.org_of("dn1.01@demo.test").await);
    let r = app
        .post(
            "/api/v1/clusters",
            OFFICER,
            &json!({"code": code, "record": rec}),
        )
        .await;
    let c = app.expect(r, StatusCode::CREATED).await;
    let c = app.stepped(&c, "established", json!({})).await;
    let c = app.stepped(&c, "under_construction", json!({})).await;
    let c = app.stepped(&c, "operating", json!({})).await;
    let id = c["id"].as_str().unwrap().to_owned();
    let tenant = app.org_of("dn2.01@demo.test").await;
    let r = app
        .post(
            &format!("/api/v1/clusters/{id}/tenants"),
            OFFICER,
            &json!({"organisation_id": tenant}),
        )
        .await;
    app.expect(r, StatusCode::CREATED).await;
    id
}

async fn submit(
    app: &TestApp,
    who: &str,
    cluster: &str,
    kind: &str,
    year: i32,
    figures: Value,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/clusters/{cluster}/reports"),
        who,
        &json!({"kind": kind, "year": year, "figures": figures}),
    )
    .await
}

#[tokio::test]
async fn investors_and_tenants_report_and_the_province_reviews_and_consolidates() {
    let app = TestApp::spawn().await;
    let id = cluster_with_parties(&app, "A").await;
    let year = chrono::Datelike::year(&kc_kernel::today_vn()) - 1;

    // The periods of a year, from the rules: 15 Dec–14 Jun due 20 June; 15 Dec–14 Dec due 20 December.
    let r = app
        .get(
            &format!("/api/v1/cluster-report-periods?year={year}"),
            "dn2.01@demo.test",
        )
        .await;
    let periods = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        periods["items"][0],
        json!({"kind": "half_year", "year": year,
        "window_from": format!("{}-12-15", year - 1), "window_to": format!("{year}-06-14"), "due_date": format!("{year}-06-20")})
    );
    assert_eq!(periods["items"][1]["due_date"], format!("{year}-12-20"));

    // Opening the period announces each party once.
    let open = json!({"kind": "half_year", "year": year});
    let r = app
        .post("/api/v1/cluster-report-periods", OFFICER, &open)
        .await;
    let opened = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(
        (opened["parties"].as_i64(), opened["announced"].as_i64()),
        (Some(2), Some(2))
    );
    let r = app
        .post("/api/v1/cluster-report-periods", OFFICER, &open)
        .await;
    assert_eq!(app.expect(r, StatusCode::CREATED).await["announced"], 0);
    assert_eq!(
        app.count("SELECT 1 FROM outbox.events WHERE topic = 'registry.cluster_report_due'")
            .await,
        2
    );

    // Each party's own figures.
    let r = submit(
        &app,
        "dn2.01@demo.test",
        &id,
        "half_year",
        year,
        json!({"workers": 120, "leased_area_ha": "3"}),
    )
    .await;
    let body = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["leased_area_ha", "revenue"]);
    let r = submit(
        &app,
        "dn2.01@demo.test",
        &id,
        "half_year",
        year,
        json!({"workers": 120, "revenue": "15000000000"}),
    )
    .await;
    let tenant_report = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(
        (
            tenant_report["party"].as_str(),
            tenant_report["late"].as_bool()
        ),
        (Some("tenant"), Some(true))
    );
    let r = submit(
        &app,
        "dn1.01@demo.test",
        &id,
        "half_year",
        year,
        json!({"workers": 40, "leased_area_ha": "37", "secondary_projects": 6}),
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["leased_area_ha"]
    );
    let r = submit(&app, "dn1.01@demo.test", &id, "half_year", year, json!({"workers": 40, "leased_area_ha": "24.5", "secondary_projects": 6, "capital_realised": "90000000000", "wastewater_operating": false})).await;
    let investor_report = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(investor_report["party"], "investor");
    // Once submitted, not again until returned.
    let r = submit(
        &app,
        "dn1.01@demo.test",
        &id,
        "half_year",
        year,
        json!({"workers": 41, "leased_area_ha": "24.5", "secondary_projects": 6}),
    )
    .await;
    assert_eq!(
        app.expect(r, StatusCode::CONFLICT).await["error"]["code"],
        "invalid_transition"
    );

    // The province returns the tenant's, saying why; the tenant corrects it.
    let tid = tenant_report["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/cluster-reports/{tid}/return"),
            OFFICER,
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["note"]
    );
    let r = app
        .post(
            &format!("/api/v1/cluster-reports/{tid}/return"),
            OFFICER,
            &json!({"version": 1, "note": "Doanh thu chưa gồm quý II"}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["status"], "returned");
    let r = submit(
        &app,
        "dn2.01@demo.test",
        &id,
        "half_year",
        year,
        json!({"workers": 125, "revenue": "21000000000"}),
    )
    .await;
    let again = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(
        (again["version"].as_i64(), again["status"].as_str()),
        (Some(3), Some("submitted"))
    );
    assert_eq!(
        again["first_submitted_at"],
        tenant_report["first_submitted_at"]
    );
    for (rid, version) in [(tid, 3), (investor_report["id"].as_str().unwrap(), 1)] {
        let r = app
            .post(
                &format!("/api/v1/cluster-reports/{rid}/accept"),
                OFFICER,
                &json!({"version": version}),
            )
            .await;
        assert_eq!(app.expect(r, StatusCode::OK).await["status"], "accepted");
    }
    let r = app
        .post(
            &format!("/api/v1/cluster-reports/{tid}/accept"),
            OFFICER,
            &json!({"version": 4}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    assert_eq!(
        app.count("SELECT 1 FROM outbox.events WHERE topic = 'registry.cluster_report_submitted'")
            .await,
        3
    );

    // Who reported: both, late; nobody missing. The province's consolidated report sums them.
    let r = app
        .get(
            &format!("/api/v1/cluster-reports/compliance?kind=half_year&year={year}"),
            MINISTRY,
        )
        .await;
    let c = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        c["lines"],
        json!([{"province_code": "01", "province_name": "Thành phố Hà Nội", "expected": 2,
        "reported": 2, "accepted": 2, "returned": 0, "late": 2, "missing": 0}])
    );
    let r = app.post("/api/v1/province-reports", OFFICER, &open).await;
    let p = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(
        p["totals"],
        json!({"expected": 2, "reported": 2, "accepted": 2, "workers": 165,
        "revenue": "21000000000", "capital_realised": "90000000000", "leased_area_ha": "24.5", "secondary_projects": 6})
    );
    let r = app.post("/api/v1/province-reports", OFFICER, &open).await;
    assert_eq!(app.expect(r, StatusCode::CREATED).await["version"], 2);
    let r = app
        .get(&format!("/api/v1/province-reports?year={year}"), MINISTRY)
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Each enterprise sees its own report only; another province sees none.
    let r = app.get("/api/v1/cluster-reports", "dn2.01@demo.test").await;
    let mine = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (mine["total"].as_i64(), mine["items"][0]["id"].as_str()),
        (Some(1), Some(tid))
    );
    let iid = investor_report["id"].as_str().unwrap();
    for who in ["dn2.01@demo.test", "cv.so.79@demo.test", "dn1.79@demo.test"] {
        let r = app
            .get(&format!("/api/v1/cluster-reports/{iid}"), who)
            .await;
        app.expect(r, StatusCode::NOT_FOUND).await;
    }
    let r = app.get("/api/v1/cluster-reports", "so.79@demo.test").await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"], 0);
    let r = app
        .post(
            &format!("/api/v1/cluster-reports/{iid}/return"),
            "cv.so.79@demo.test",
            &json!({"version": 2, "note": "x"}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = submit(
        &app,
        "dn1.79@demo.test",
        &id,
        "half_year",
        year,
        json!({"workers": 1, "revenue": "1"}),
    )
    .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .get(
            &format!("/api/v1/cluster-reports/compliance?kind=half_year&year={year}"),
            "so.79@demo.test",
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["lines"], json!([]));
    let r = app
        .get(
            &format!("/api/v1/cluster-reports/compliance?kind=half_year&year={year}"),
            "dn1.01@demo.test",
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn the_windows_are_data_and_a_missing_report_is_listed() {
    let app = TestApp::spawn().await;
    let id = cluster_with_parties(&app, "B").await;
    let year = chrono::Datelike::year(&kc_kernel::today_vn());
    // The half-year window moved (by the rule, as data) to start on 30 December of the report's year:
    // next year's has not begun.
    app.execute(
        "UPDATE registry.rules SET body = '{\"from_month\": 12, \"from_day\": 30, \"from_previous_year\": false,
           \"to_month\": 12, \"to_day\": 30, \"due_month\": 12, \"due_day\": 31}' WHERE key = 'half_year_report'",
    )
    .await;
    let r = submit(
        &app,
        "dn1.01@demo.test",
        &id,
        "half_year",
        year + 1,
        json!({"workers": 1, "leased_area_ha": "1", "secondary_projects": 1}),
    )
    .await;
    app.expect(r, StatusCode::CONFLICT).await;
    let r = submit(
        &app,
        "dn1.01@demo.test",
        &id,
        "half_year",
        year + 2,
        json!({"workers": 1, "leased_area_ha": "1", "secondary_projects": 1}),
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["year"]
    );
    // A period rule with an impossible day is refused.
    let r = app
        .post("/api/v1/cluster-rules", "so.01@demo.test", &json!({
            "key": "annual_report", "valid_from": kc_kernel::today_vn(), "legal_basis": "x",
            "body": {"from_month": 2, "from_day": 30, "from_previous_year": false, "to_month": 12, "to_day": 14, "due_month": 12, "due_day": 20}
        }))
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["body"]
    );
    // Nobody reported last year's annual report: both parties are missing.
    let r = app
        .get(
            &format!(
                "/api/v1/cluster-reports/compliance?kind=annual&year={}",
                year - 1
            ),
            OFFICER,
        )
        .await;
    let c = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (
            c["lines"][0]["expected"].as_i64(),
            c["lines"][0]["missing"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let missing: Vec<&str> = c["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["party"].as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 2);
    assert!(missing.contains(&"investor") && missing.contains(&"tenant"));
}
