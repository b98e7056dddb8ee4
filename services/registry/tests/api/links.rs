//! The links between the registry and the workflow: the cap on state support for a cluster's
//! infrastructure (a dated rule the workflow asks about), and the schemes that support a cluster, read
//! through the workflow's view.

use crate::helpers::{MINISTRY, OFFICER, TestApp};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn support_for_a_clusters_infrastructure_is_capped_at_the_rules_share() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    let c = app.proposed(&commune, "A", ("50", "36", "0")).await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/clusters/{id}/support-check");
    let r = app
        .post(
            &path,
            "ttkc.01@demo.test",
            &json!({"investment": "100000000000", "support": "30000000000"}),
        )
        .await;
    let ok = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (
            ok["passed"].as_bool(),
            ok["figures"]["max_support"].as_str()
        ),
        (Some(true), Some("30000000000"))
    );
    let r = app
        .post(
            &path,
            MINISTRY,
            &json!({"investment": "100000000000", "support": "30000000001"}),
        )
        .await;
    let over = app.expect(r, StatusCode::OK).await;
    assert_eq!(over["passed"], false);
    assert!(over["message"].as_str().unwrap().contains("vượt"));
    let r = app
        .post(
            &path,
            "cv.so.79@demo.test",
            &json!({"investment": "1", "support": "1"}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post(
            &path,
            "dn1.01@demo.test",
            &json!({"investment": "1", "support": "1"}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .post(
            &path,
            OFFICER,
            &json!({"investment": "1.5", "support": "1"}),
        )
        .await;
    app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn the_schemes_supporting_a_cluster_are_read_through_the_workflows_view() {
    let app = TestApp::spawn().await;
    let commune = app.commune("01", "Xã Phú Nghĩa").await;
    let c = app.proposed(&commune, "A", ("50", "36", "0")).await;
    let id = c["id"].as_str().unwrap();
    // A scheme of the workflow (written here as the workflow would) supporting the cluster.
    app.execute(&format!(
        "INSERT INTO workflow.schemes (id, province_id, implementing_org_id, kind, fund, plan_year, activity_code,
             title, commune, total_cost, support_requested, counterpart, prepared_by, cluster_id)
         SELECT gen_random_uuid(), c.province_id, o.id, 'point', 'kcdp', 2027, 'ccn_infrastructure',
                'Hỗ trợ hạ tầng cụm công nghiệp A', 'Xã Phú Nghĩa', 100000000000, 30000000000, 70000000000,
                gen_random_uuid(), c.id
           FROM registry.clusters c JOIN identity.organisations o ON o.province_id = c.province_id AND o.kind = 'centre'
          WHERE c.id = '{id}'"
    ))
    .await;
    for who in [OFFICER, MINISTRY, "ttkc.01@demo.test"] {
        let r = app
            .get(&format!("/api/v1/clusters/{id}/schemes"), who)
            .await;
        let list = app.expect(r, StatusCode::OK).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{who}");
        assert_eq!(list["items"][0]["support_requested"], "30000000000");
    }
    let r = app
        .get(
            &format!("/api/v1/clusters/{id}/schemes"),
            "cv.so.79@demo.test",
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    // The registry's role reads the view, not the workflow's tables.
    let denied = app
        .query("SELECT has_table_privilege('kc_registry', 'workflow.schemes', 'SELECT') AS granted")
        .await;
    assert_eq!(denied[0]["granted"], false);
}
