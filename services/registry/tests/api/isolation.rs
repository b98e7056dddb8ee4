//! Province A cannot read or change province B's clusters, in either direction; an investor sees only
//! its own clusters, a tenant enterprise the one it operates in; the ministry sees all and writes none.

use crate::helpers::{MINISTRY, OFFICER, TestApp, record};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn each_province_keeps_its_own_clusters_and_enterprises_see_only_theirs() {
    let app = TestApp::spawn().await;
    let c01 = app.commune("01", "Xã Phú Nghĩa").await;
    let c79 = app.commune("79", "Phường Thủ Đức").await;
    let investor = app.org_of("dn1.01@demo.test").await;
    let mut rec = record(&c01, ("50", "36", "10"));
    rec["investor_org_id"] = json!(investor);
    let r = app
        .post(
            "/api/v1/clusters",
            OFFICER,
            &json!({"code": "A", "record": rec}),
        )
        .await;
    let a = app.expect(r, StatusCode::CREATED).await;
    let r = app
        .post(
            "/api/v1/clusters",
            "cv.so.79@demo.test",
            &json!({"code": "B", "record": record(&c79, ("40", "30", "5"))}),
        )
        .await;
    let b = app.expect(r, StatusCode::CREATED).await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    // Each province sees its own, in the list and by id; the other's is 404 by id and 403 by filter.
    for (who, own, other) in [
        (OFFICER, a_id, b_id),
        ("cv.so.79@demo.test", b_id, a_id),
        ("ttkc.79@demo.test", b_id, a_id),
    ] {
        let r = app.get("/api/v1/clusters", who).await;
        let list = app.expect(r, StatusCode::OK).await;
        assert_eq!(list["total"], 1, "{who}");
        assert_eq!(list["items"][0]["id"], own);
        for path in ["", "/history", "/tenants"] {
            let r = app
                .get(&format!("/api/v1/clusters/{other}{path}"), who)
                .await;
            app.expect(r, StatusCode::NOT_FOUND).await;
        }
    }
    let r = app.get("/api/v1/clusters?province_code=79", OFFICER).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .put(
            &format!("/api/v1/clusters/{b_id}"),
            OFFICER,
            &json!({"version": 1, "reason": "x", "record": record(&c01, ("40", "30", "5"))}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post(
            &format!("/api/v1/clusters/{b_id}/transition"),
            OFFICER,
            &json!({"version": 1, "to": "removed_from_plan", "reason": "x"}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post(
            "/api/v1/cluster-checks",
            OFFICER,
            &json!({"cluster_id": b_id, "planned_area_ha": "50"}),
        )
        .await;
    app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    // The ministry sees both and changes neither; a centre reads only.
    let r = app.get("/api/v1/clusters", MINISTRY).await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"], 2);
    for who in [MINISTRY, "ttkc.01@demo.test"] {
        let r = app
            .post(
                &format!("/api/v1/clusters/{a_id}/transition"),
                who,
                &json!({"version": 1, "to": "removed_from_plan", "reason": "x"}),
            )
            .await;
        app.expect(r, StatusCode::FORBIDDEN).await;
    }

    // The investor sees its own cluster only; another enterprise sees none until it is linked as a tenant.
    let r = app.get("/api/v1/clusters", "dn1.01@demo.test").await;
    let list = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (list["total"].as_i64(), list["items"][0]["id"].as_str()),
        (Some(1), Some(a_id))
    );
    let r = app
        .get(&format!("/api/v1/clusters/{a_id}"), "dn2.01@demo.test")
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let tenant = app.org_of("dn2.01@demo.test").await;
    let r = app
        .post(
            &format!("/api/v1/clusters/{a_id}/tenants"),
            OFFICER,
            &json!({"organisation_id": tenant}),
        )
        .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = app
        .get(&format!("/api/v1/clusters/{a_id}"), "dn2.01@demo.test")
        .await;
    app.expect(r, StatusCode::OK).await;
    let r = app
        .get(
            &format!("/api/v1/clusters/{a_id}/tenants"),
            "dn2.01@demo.test",
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = app
        .post(
            &format!("/api/v1/clusters/{a_id}/tenants"),
            OFFICER,
            &json!({"organisation_id": tenant}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    // An enterprise of another province cannot be linked; an enterprise user writes nothing.
    let far = app.org_of("dn1.79@demo.test").await;
    let r = app
        .post(
            &format!("/api/v1/clusters/{a_id}/tenants"),
            OFFICER,
            &json!({"organisation_id": far}),
        )
        .await;
    app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = app
        .post(
            "/api/v1/clusters",
            "dn1.01@demo.test",
            &json!({"code": "Z", "record": record(&c01, ("50", "36", "10"))}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .get(&format!("/api/v1/clusters/{b_id}"), "dn1.79@demo.test")
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
}
