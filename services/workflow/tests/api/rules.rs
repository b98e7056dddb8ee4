//! Dated reference rules: seeded from the law, new versions from a day not in the past, local rules
//! of a province seen only there.

use crate::helpers::{TestApp, day, fields};
use reqwest::StatusCode;
use serde_json::json;

fn cap(
    valid_from: &str,
    province: Option<&str>,
    fund: &str,
    share: &str,
    ceiling: &str,
) -> serde_json::Value {
    json!({
        "kind": "support_cap", "key": "demonstration_model", "fund": fund, "province_code": province,
        "valid_from": valid_from, "legal_basis": "Quyết định thử nghiệm",
        "body": {"max_share_percent": share, "max_amount": ceiling, "per": "model"}
    })
}

#[tokio::test]
async fn the_seeded_rules_are_in_force_for_everyone() {
    let app = TestApp::spawn().await;
    let r = app
        .get(
            "/api/v1/rules?kind=support_cap&key=demonstration_model&fund=kcqg",
            "dn1.01@demo.test",
        )
        .await;
    let body = app.expect(r, StatusCode::OK).await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["body"]["max_share_percent"], "30");
    assert_eq!(items[0]["body"]["max_amount"], "1000000000");
    assert_eq!(items[0]["valid_from"], "2019-01-01");
    let r = app
        .get(
            &format!("/api/v1/rules?kind=activity_type&as_of={}", day(0)),
            "ttkc.79@demo.test",
        )
        .await;
    let body = app.expect(r, StatusCode::OK).await;
    assert!(body["items"].as_array().unwrap().len() >= 10, "{body}");
    // A malformed day names the parameter.
    let r = app
        .get("/api/v1/rules?as_of=2025-13-01", "bo@demo.test")
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["as_of"]
    );
}

#[tokio::test]
async fn a_new_version_starts_today_or_later_and_ends_the_one_before() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/rules",
            "bo@demo.test",
            &cap(&day(10), None, "kcqg", "40", "1200000000"),
        )
        .await;
    let new = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(new["valid_from"], day(10));
    // The seeded version now ends the day before, and is still the one in force today.
    let r = app
        .get(
            &format!(
                "/api/v1/rules?kind=support_cap&key=demonstration_model&fund=kcqg&as_of={}",
                day(0)
            ),
            "bo@demo.test",
        )
        .await;
    let today = app.expect(r, StatusCode::OK).await;
    assert_eq!(today["items"][0]["valid_to"], day(9), "{today}");
    assert_eq!(today["items"][0]["body"]["max_share_percent"], "30");
    let r = app
        .get(
            &format!(
                "/api/v1/rules?kind=support_cap&key=demonstration_model&fund=kcqg&as_of={}",
                day(10)
            ),
            "bo@demo.test",
        )
        .await;
    let later = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        later["items"][0]["body"]["max_share_percent"], "40",
        "{later}"
    );
    // Both changes are audited.
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action IN ('rule.created', 'rule.ended')")
            .await,
        2
    );

    // Never retroactive; a second version from the same day is a conflict; nothing is written.
    let r = app
        .post(
            "/api/v1/rules",
            "bo@demo.test",
            &cap(&day(-1), None, "kcqg", "40", "1"),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["valid_from"]
    );
    let r = app
        .post(
            "/api/v1/rules",
            "bo@demo.test",
            &cap(&day(5), None, "kcqg", "40", "1"),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::CONFLICT).await),
        ["valid_from"]
    );
    assert_eq!(app.count("SELECT 1 FROM workflow.rules WHERE kind = 'support_cap' AND key = 'demonstration_model' AND fund = 'kcqg'").await, 2);

    // The content of a version in force is never rewritten; one not yet in force may be corrected.
    let seeded = today["items"][0]["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/rules/{seeded}"),
            "bo@demo.test",
            &json!({"legal_basis": "khác"}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    let pending = new["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/rules/{pending}"),
            "bo@demo.test",
            &json!({"body": {"max_share_percent": "35", "max_amount": null, "per": "model"}}),
        )
        .await;
    let fixed = app.expect(r, StatusCode::OK).await;
    assert_eq!(fixed["body"]["max_share_percent"], "35");
}

#[tokio::test]
async fn bad_rules_name_their_fields() {
    let app = TestApp::spawn().await;
    for (body, expected) in [
        (
            json!({"kind": "support_cap", "key": "no_such_activity", "fund": "kcqg", "valid_from": day(1),
                "legal_basis": "x", "body": {"max_share_percent": "30", "max_amount": null, "per": "model"}}),
            vec!["key"],
        ),
        (
            json!({"kind": "support_cap", "key": "machinery", "valid_from": day(1), "legal_basis": "x",
                "body": {"max_share_percent": "130", "max_amount": "-5", "per": "model"}}),
            vec!["body.max_amount", "fund"],
        ),
        (
            json!({"kind": "support_cap", "key": "machinery", "valid_from": day(1), "legal_basis": "x",
                "body": {"max_share_percent": "130", "max_amount": "5", "per": "model"}}),
            vec!["body.max_share_percent", "fund"],
        ),
        (
            json!({"kind": "deadline", "key": "plan_registration", "fund": "kcdp", "valid_from": day(1),
                "legal_basis": "x", "body": {"month": 2, "day": 30}}),
            vec!["body.day"],
        ),
        (
            json!({"kind": "priority", "key": "tall_owner", "valid_from": day(1), "legal_basis": " ",
                "body": {"points": 5}}),
            vec!["key", "legal_basis"],
        ),
    ] {
        let r = app.post("/api/v1/rules", "bo@demo.test", &body).await;
        let answer = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&answer), expected, "{body} → {answer}");
    }
}

#[tokio::test]
async fn a_province_sets_its_own_local_rules_and_no_one_else_sees_them() {
    let app = TestApp::spawn().await;
    // The department of 01 lowers the demonstration-model ceiling of its local fund.
    let r = app
        .post(
            "/api/v1/rules",
            "so.01@demo.test",
            &cap(&day(0), None, "kcdp", "30", "800000000"),
        )
        .await;
    let local = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(local["province_code"], "01");
    let id = local["id"].as_str().unwrap();
    // It is in force in 01 (ahead of the national rule), unknown in 79.
    let r = app
        .get(
            &format!(
                "/api/v1/rules?kind=support_cap&key=demonstration_model&fund=kcdp&as_of={}",
                day(0)
            ),
            "ttkc.01@demo.test",
        )
        .await;
    let in01 = app.expect(r, StatusCode::OK).await;
    assert_eq!(in01["items"].as_array().unwrap().len(), 2, "{in01}");
    let r = app
        .get(&format!("/api/v1/rules/{id}"), "so.79@demo.test")
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .get(
            &format!(
                "/api/v1/rules?kind=support_cap&key=demonstration_model&fund=kcdp&as_of={}",
                day(0)
            ),
            "so.79@demo.test",
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // 79 cannot end it; a province cannot set national-fund rules or another province's.
    let r = app
        .patch(
            &format!("/api/v1/rules/{id}"),
            "so.79@demo.test",
            &json!({"valid_to": day(3)}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post(
            "/api/v1/rules",
            "so.01@demo.test",
            &cap(&day(1), None, "kcqg", "30", "800000000"),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .post(
            "/api/v1/rules",
            "so.01@demo.test",
            &cap(&day(1), Some("79"), "kcdp", "30", "800000000"),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // Officers and enterprises do not edit rules.
    let r = app
        .post(
            "/api/v1/rules",
            "ttkc.01@demo.test",
            &cap(&day(1), None, "kcdp", "30", "1"),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // 01 ends its rule from the day after tomorrow.
    let r = app
        .patch(
            &format!("/api/v1/rules/{id}"),
            "so.01@demo.test",
            &json!({"valid_to": day(2)}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["valid_to"], day(2));
}
