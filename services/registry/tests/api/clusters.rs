//! A cluster through its life cycle, its record checked, its expansion checked against the rules.

use crate::helpers::{OFFICER, TestApp, fields, record};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_cluster_goes_from_the_plan_to_operating_and_no_step_is_skipped() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    let c = app
        .proposed(&commune, "CCN-01-001", ("50", "36.5", "0"))
        .await;
    assert_eq!(c["status"], "in_plan");
    assert_eq!(c["version"], 1);
    assert_eq!(c["communes"], json!(["Xã Phú Nghĩa"]));
    assert_eq!(c["occupancy_percent"], "0.00");
    assert_eq!(c["verdict"]["passed"], true, "{c}");
    assert_eq!(
        c["next_statuses"],
        json!(["established", "removed_from_plan"])
    );

    // Skipping establishment and construction is refused, naming the current status.
    let r = app.step(&c, "operating", json!({})).await;
    let body = app.expect(r, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "invalid_transition");
    // Establishing needs its decision, not dated in the future.
    let id = c["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/clusters/{id}/transition"),
            OFFICER,
            &json!({"version": 1, "to": "established", "reason": "Thành lập"}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["decision"]
    );
    let tomorrow = (kc_kernel::today_vn() + chrono::Duration::days(1)).to_string();
    let r = app
        .step(&c, "established", json!({"decision": {"kind": "establishment", "number": "9/QĐ-UBND", "date": tomorrow, "issuer": "UBND"}}))
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["decision"]
    );
    // A stale version is 412.
    let r = app
        .post(
            &format!("/api/v1/clusters/{id}/transition"),
            OFFICER,
            &json!({"version": 7, "to": "established", "reason": "x"}),
        )
        .await;
    app.expect(r, StatusCode::PRECONDITION_FAILED).await;

    let c = app.stepped(&c, "established", json!({})).await;
    assert_eq!(c["decisions"][0]["kind"], "establishment");
    let c = app.stepped(&c, "under_construction", json!({})).await;
    let c = app.stepped(&c, "operating", json!({})).await;
    assert_eq!(c["version"], 4);
    let c = app.stepped(&c, "revoked", json!({})).await;
    assert_eq!(c["next_statuses"], json!([]));
    let r = app.step(&c, "operating", json!({})).await;
    app.expect(r, StatusCode::CONFLICT).await;
    // Every step is a version, an audit row and an outbox event.
    assert_eq!(
        app.count(&format!(
            "SELECT 1 FROM registry.cluster_versions WHERE cluster_id = '{id}'"
        ))
        .await,
        5
    );
    assert_eq!(app.count(&format!("SELECT 1 FROM outbox.events WHERE topic = 'registry.cluster_transitioned' AND payload->>'cluster_id' = '{id}'")).await, 4);
    assert_eq!(
        app.count(&format!(
            "SELECT 1 FROM audit.events WHERE entity_id = '{id}'"
        ))
        .await,
        5
    );
}

#[tokio::test]
async fn a_bad_record_is_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    let other = app.commune("79", "Phường Thủ Đức").await;
    let cases: Vec<(Value, &str)> = vec![
        (record(&commune, ("50", "36", "40")), "leased_area_ha"),
        (record(&commune, ("80", "36", "0")), "planned_area_ha"),
        (record(&commune, ("50", "-1", "0")), "industrial_area_ha"),
        (record(&commune, ("50", "60", "0")), "industrial_area_ha"),
        (record(&commune, ("50", "36", "1.23456")), "leased_area_ha"),
        (record(&other, ("50", "36", "0")), "commune_ids"),
        (
            record(&uuid::Uuid::new_v4().to_string(), ("50", "36", "0")),
            "commune_ids",
        ),
        (
            {
                let mut r = record(&commune, ("50", "36", "0"));
                r["decisions"] = json!([{"kind": "establishment", "number": "1/QĐ", "date": "2099-01-01", "issuer": "UBND"}]);
                r
            },
            "decisions",
        ),
        (
            {
                let mut r = record(&commune, ("50", "36", "0"));
                r["investor_tax_code"] = json!("0100109107");
                r
            },
            "investor_tax_code",
        ),
        (
            {
                let mut r = record(&commune, ("50", "36", "0"));
                r["latitude"] = json!("48.85");
                r
            },
            "latitude",
        ),
        (
            {
                let mut r = record(&commune, ("50", "36", "0"));
                r["wastewater_operating"] = json!(true);
                r
            },
            "wastewater_exists",
        ),
        (
            {
                let mut r = record(&commune, ("50", "36", "0"));
                r["boundary"] = json!({"type": "Polygon", "coordinates": [[[105.6, 20.9], [105.7, 20.9], [105.7, 21.0]]]});
                r
            },
            "boundary",
        ),
    ];
    for (record, field) in cases {
        let r = app
            .post(
                "/api/v1/clusters",
                OFFICER,
                &json!({"code": "CCN-X", "record": record}),
            )
            .await;
        let body = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), [field], "{body}");
    }
    // Unknown fields, a malformed code: refused too.
    let r = app
        .post(
            "/api/v1/clusters",
            OFFICER,
            &json!({"code": "Cụm 1", "record": record(&commune, ("50", "36", "0"))}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["code"]
    );
    assert_eq!(app.count("SELECT 1 FROM registry.clusters").await, 0);
    assert_eq!(
        app.count("SELECT 1 FROM registry.cluster_versions").await,
        0
    );
    // A code is unique in the province.
    app.proposed(&commune, "CCN-01-001", ("50", "36", "0"))
        .await;
    let r = app.propose(&commune, "CCN-01-001", ("40", "30", "0")).await;
    assert_eq!(fields(&app.expect(r, StatusCode::CONFLICT).await), ["code"]);
}

#[tokio::test]
async fn an_edit_is_a_new_version_and_a_larger_area_must_be_an_expansion() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    let c = app
        .operating(&commune, "CCN-01-001", ("50", "36", "10"))
        .await;
    let id = c["id"].as_str().unwrap();
    let r = app
        .put(&format!("/api/v1/clusters/{id}"), OFFICER, &json!({
            "version": c["version"], "reason": "Báo cáo 6 tháng", "record": record(&commune, ("50", "36", "27"))
        }))
        .await;
    let after = app.expect(r, StatusCode::OK).await;
    assert_eq!(after["occupancy_percent"], "75.00");
    assert_eq!(after["version"], 5);
    assert_eq!(after["reason"], "Báo cáo 6 tháng");
    assert_eq!(after["status"], "operating", "an edit keeps the status");
    let r = app
        .put(&format!("/api/v1/clusters/{id}"), OFFICER, &json!({
            "version": after["version"], "reason": "Tăng", "record": record(&commune, ("60", "36", "27"))
        }))
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["planned_area_ha"]
    );
    let r = app
        .put(&format!("/api/v1/clusters/{id}"), OFFICER, &json!({
            "version": after["version"], "reason": "Không đổi", "record": record(&commune, ("50", "36", "27"))
        }))
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["record"]
    );
    let r = app
        .put(
            &format!("/api/v1/clusters/{id}"),
            OFFICER,
            &json!({
                "version": 1, "reason": "Cũ", "record": record(&commune, ("50", "36", "20"))
            }),
        )
        .await;
    app.expect(r, StatusCode::PRECONDITION_FAILED).await;
}

#[tokio::test]
async fn an_expansion_is_checked_at_its_thresholds_and_a_failed_check_needs_a_justification() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    // 59.99 % occupied (leased 29.995 of 50), no wastewater plant: two reasons to refuse.
    let c = app
        .operating(&commune, "CCN-01-001", ("60", "50", "29.995"))
        .await;
    assert_eq!(c["occupancy_percent"], "59.99");
    let r = app
        .step(&c, "expanded", json!({"planned_area_ha": "70"}))
        .await;
    let body = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["error"]["code"], "rule_check_failed");
    let why = body["error"]["fields"]["justification"].as_str().unwrap();
    assert!(why.contains("59.99") && why.contains("60"), "{why}");
    assert!(why.contains("xử lý nước thải"), "{why}");

    // The check asked in advance gives the same verdict with its figures.
    let r = app
        .post(
            "/api/v1/cluster-checks",
            OFFICER,
            &json!({"cluster_id": c["id"], "planned_area_ha": "70"}),
        )
        .await;
    let verdict = app.expect(r, StatusCode::OK).await;
    assert_eq!(verdict["passed"], false);
    assert_eq!(
        verdict["checks"][1]["figures"]["occupancy_percent"],
        "59.99"
    );

    // At exactly 60 % with a working plant it passes.
    let id = c["id"].as_str().unwrap();
    let mut rec = record(&commune, ("60", "50", "30"));
    rec["wastewater_exists"] = json!(true);
    rec["wastewater_operating"] = json!(true);
    rec["wastewater_capacity_m3"] = json!(1500);
    let r = app
        .put(
            &format!("/api/v1/clusters/{id}"),
            OFFICER,
            &json!({"version": c["version"], "reason": "Cập nhật", "record": rec}),
        )
        .await;
    let c = app.expect(r, StatusCode::OK).await;
    let r = app
        .post(
            "/api/v1/cluster-checks",
            OFFICER,
            &json!({"cluster_id": id, "planned_area_ha": "75"}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["passed"], true);
    // 75 ha is the most in all; a province's own stricter rule (70 ha) makes 72 fail.
    let r = app
        .post("/api/v1/cluster-rules", "so.01@demo.test", &json!({
            "key": "expansion", "valid_from": kc_kernel::today_vn(), "legal_basis": "Quyết định của UBND tỉnh",
            "body": {"min_occupancy_percent": "60", "max_total_ha": "70", "needs_wastewater": true}
        }))
        .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = app
        .step(&c, "expanded", json!({"planned_area_ha": "72"}))
        .await;
    let body = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["error"]["fields"]["justification"]
            .as_str()
            .unwrap()
            .contains("70"),
        "{body}"
    );
    // With a written justification it is recorded, and the justification is kept and shown.
    let c = app
        .stepped(&c, "expanded", json!({"planned_area_ha": "72", "justification": "Dự án trọng điểm của tỉnh, đã có ý kiến của Bộ"}))
        .await;
    assert_eq!(c["status"], "expanded");
    assert_eq!(c["planned_area_ha"], "72");
    assert_eq!(c["verdict"]["passed"], false);
    assert_eq!(
        c["justification"],
        "Dự án trọng điểm của tỉnh, đã có ý kiến của Bộ"
    );
    let r = app
        .get(&format!("/api/v1/clusters/{id}"), "bo@demo.test")
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["justification"],
        c["justification"]
    );
    // 70 exactly passes the province's rule.
    let r = app
        .post(
            "/api/v1/cluster-checks",
            OFFICER,
            &json!({"cluster_id": id, "planned_area_ha": "70"}),
        )
        .await;
    let v = app.expect(r, StatusCode::OK).await;
    assert_eq!(v["checks"][1]["passed"], true, "{v}");
}

#[tokio::test]
async fn a_new_cluster_needs_the_provinces_clusters_above_half_occupied_on_average() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    // No cluster yet: the new-cluster check passes, saying so; the size check is 10–75 ha.
    let r = app
        .post(
            "/api/v1/cluster-checks",
            OFFICER,
            &json!({"planned_area_ha": "9.9999"}),
        )
        .await;
    let v = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (
            v["checks"][0]["passed"].clone(),
            v["checks"][1]["passed"].clone()
        ),
        (json!(false), json!(true))
    );
    let r = app
        .post(
            "/api/v1/cluster-checks",
            OFFICER,
            &json!({"planned_area_ha": "10"}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["passed"], true);
    // Two established clusters at 40 % and 60 %: an average of exactly 50 % is not above 50 %.
    let a = app.proposed(&commune, "A", ("50", "50", "20")).await;
    let b = app.proposed(&commune, "B", ("50", "50", "30")).await;
    app.stepped(&a, "established", json!({})).await;
    let b = app.stepped(&b, "established", json!({})).await;
    let r = app.propose(&commune, "C", ("30", "20", "0")).await;
    let body = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["error"]["code"], "rule_check_failed");
    assert!(
        body["error"]["fields"]["justification"]
            .as_str()
            .unwrap()
            .contains("50.00%"),
        "{body}"
    );
    // 30.005 of 50 leased in the second: 60.01 %, an average of 50.01 %: it passes.
    let id = b["id"].as_str().unwrap();
    let r = app
        .put(&format!("/api/v1/clusters/{id}"), OFFICER, &json!({"version": b["version"], "reason": "Cập nhật", "record": record(&commune, ("50", "50", "30.005"))}))
        .await;
    app.expect(r, StatusCode::OK).await;
    let c = app.proposed(&commune, "C", ("30", "20", "0")).await;
    assert_eq!(
        c["verdict"]["checks"][1]["figures"]["average_occupancy_percent"],
        "50.01"
    );
    assert_eq!(c["justification"], Value::Null);
}

#[tokio::test]
async fn two_edits_racing_from_one_version_leave_one_new_version() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    let c = app.proposed(&commune, "A", ("50", "36", "0")).await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/clusters/{id}");
    for round in 0..5 {
        let r = app.get(&path, OFFICER).await;
        let version = app.expect(r, StatusCode::OK).await["version"].clone();
        let edit = |leased: &str| {
            json!({"version": version, "reason": format!("Vòng {round}"),
                   "record": record(&commune, ("50", "36", leased))})
        };
        let (one, two) = (edit(&format!("{round}.1")), edit(&format!("{round}.2")));
        let (a, b) = tokio::join!(app.put(&path, OFFICER, &one), app.put(&path, OFFICER, &two));
        let mut got = [a.status().as_u16(), b.status().as_u16()];
        got.sort_unstable();
        assert_eq!(got, [200, 412], "round {round}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT 1 FROM registry.cluster_versions WHERE cluster_id = '{id}'"
        ))
        .await,
        6
    );
}
