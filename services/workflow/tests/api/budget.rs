//! Budget envelopes: the ministry's national envelope and allocations, a province's local envelope,
//! the summary, and commitments that never exceed their envelope, even when they race.

use crate::helpers::{TestApp, fields, next_year};
use kc_kernel::{Money, Scope};
use kc_workflow::budget::store::{self, Commit};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn the_ministry_allocates_and_a_province_sets_its_local_envelope() {
    let app = TestApp::spawn().await;
    let year = next_year();
    let r = app
        .post(
            "/api/v1/budget/national-envelopes",
            "bo@demo.test",
            &json!({"year": year, "amount": "120000000000"}),
        )
        .await;
    let national = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(national["province_id"], serde_json::Value::Null);
    for (code, amount) in [("01", "70000000000"), ("79", "40000000000")] {
        let r = app
            .post(
                "/api/v1/budget/national-envelopes",
                "bo@demo.test",
                &json!({"year": year, "province_code": code, "amount": amount}),
            )
            .await;
        app.expect(r, StatusCode::CREATED).await;
    }
    // 10 000 million are left: an allocation of more is refused, and nothing is written.
    let r = app
        .post(
            "/api/v1/budget/national-envelopes",
            "bo@demo.test",
            &json!({"year": year, "province_code": "37", "amount": "10000000001"}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::CONFLICT).await),
        ["amount"]
    );
    assert_eq!(app.count("SELECT 1 FROM workflow.envelopes").await, 3);
    // Nor can the national envelope drop below what it allocated.
    let nid = national["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/budget/national-envelopes/{nid}"),
            "bo@demo.test",
            &json!({"amount": "109999999999"}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;

    let r = app
        .post(
            "/api/v1/budget/local-envelopes",
            "so.01@demo.test",
            &json!({"year": year, "amount": "20000000000", "note": "Nghị quyết HĐND"}),
        )
        .await;
    let local = app.expect(r, StatusCode::CREATED).await;
    let r = app
        .post(
            "/api/v1/budget/local-envelopes",
            "so.01@demo.test",
            &json!({"year": year, "amount": "1"}),
        )
        .await;
    assert_eq!(fields(&app.expect(r, StatusCode::CONFLICT).await), ["year"]);
    // Each holder keeps to its own fund; another province does not see the local envelope.
    let r = app
        .post(
            "/api/v1/budget/national-envelopes",
            "so.01@demo.test",
            &json!({"year": year, "amount": "1"}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app
        .post(
            "/api/v1/budget/local-envelopes",
            "bo@demo.test",
            &json!({"year": year, "amount": "1"}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let lid = local["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/budget/local-envelopes/{lid}"),
            "so.79@demo.test",
            &json!({"amount": "5"}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;

    // Bad amounts name the field.
    for amount in ["-1", "12.5"] {
        let r = app
            .post(
                "/api/v1/budget/local-envelopes",
                "so.79@demo.test",
                &json!({"year": year, "amount": amount}),
            )
            .await;
        assert_eq!(
            fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["amount"],
            "{amount}"
        );
    }

    // The summary: the ministry sees every province and the national line; 01 only its own.
    let r = app
        .get(
            &format!("/api/v1/budget/summary?year={year}"),
            "bo@demo.test",
        )
        .await;
    let all = app.expect(r, StatusCode::OK).await;
    assert_eq!(all["lines"].as_array().unwrap().len(), 3, "{all}");
    assert_eq!(all["total"]["envelope"], "130000000000");
    assert_eq!(all["national"]["allocated"], "110000000000");
    assert_eq!(all["national"]["unallocated"], "10000000000");
    let r = app
        .get(
            &format!("/api/v1/budget/summary?year={year}&region=south"),
            "bo@demo.test",
        )
        .await;
    let south = app.expect(r, StatusCode::OK).await;
    assert_eq!(south["lines"].as_array().unwrap().len(), 1, "{south}");
    assert_eq!(south["lines"][0]["province_code"], "79");
    let r = app
        .get(
            &format!("/api/v1/budget/summary?year={year}"),
            "ttkc.01@demo.test",
        )
        .await;
    let own = app.expect(r, StatusCode::OK).await;
    let codes: Vec<_> = own["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["province_code"].clone())
        .collect();
    assert_eq!(codes, [json!("01"), json!("01")], "{own}");
    assert_eq!(own["total"]["envelope"], "90000000000");
    let r = app
        .get(
            &format!("/api/v1/budget/summary?year={year}"),
            "dn1.01@demo.test",
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
}

/// The id and session generation of a demo user, to open its tenant transactions directly.
async fn user(app: &TestApp, email: &str) -> (Uuid, i32, Option<Uuid>) {
    let row = &app
        .query(&format!(
            "SELECT id, session_version, province_id FROM identity.users WHERE email = '{email}'"
        ))
        .await[0];
    (
        row["id"].as_str().unwrap().parse().unwrap(),
        row["session_version"].as_i64().unwrap() as i32,
        row["province_id"].as_str().map(|p| p.parse().unwrap()),
    )
}

#[tokio::test]
async fn two_approvals_racing_for_the_last_money_never_overcommit() {
    let app = TestApp::spawn().await;
    let year = next_year();
    let r = app
        .post(
            "/api/v1/budget/local-envelopes",
            "so.01@demo.test",
            &json!({"year": year, "amount": "1000"}),
        )
        .await;
    let envelope: Uuid = app.expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (uid, sv, province) = user(&app, "so.01@demo.test").await;
    let scope = Scope::Province(province.unwrap());
    let db = kc_db::Db::connect(&app.db.url_as("kc_workflow"), 4)
        .await
        .unwrap();
    let mut committed = 0;
    for round in 0..25 {
        // Two approvals, each wanting 600 of what is left; both transactions are open at once.
        let (a, b) = (
            db.begin_for_caller(&scope, uid, sv).await.unwrap(),
            db.begin_for_caller(&scope, uid, sv).await.unwrap(),
        );
        let (ra, rb) = tokio::join!(
            async {
                let r = store::commit(&a, envelope, Money::from_dong(600))
                    .await
                    .unwrap();
                a.commit().await.unwrap();
                r
            },
            async {
                let r = store::commit(&b, envelope, Money::from_dong(600))
                    .await
                    .unwrap();
                b.commit().await.unwrap();
                r
            }
        );
        let wins = [ra, rb].iter().filter(|r| **r == Commit::Done).count();
        assert_eq!(wins, 1, "round {round}: exactly one wins");
        committed += 600;
        let left = &app
            .query(&format!(
                "SELECT amount - committed AS left FROM workflow.envelopes WHERE id = '{envelope}'"
            ))
            .await[0];
        assert_eq!(
            left["left"].as_f64().unwrap() as i64,
            1000 - 600,
            "round {round}"
        );
        // Give it back for the next round.
        let tx = db.begin_for_caller(&scope, uid, sv).await.unwrap();
        store::release(&tx, envelope, Money::from_dong(600))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(committed, 25 * 600);
}

#[tokio::test]
async fn another_province_and_lesser_roles_neither_see_nor_change_envelopes() {
    let app = TestApp::spawn().await;
    let year = next_year();
    let r = app
        .post(
            "/api/v1/budget/national-envelopes",
            "bo@demo.test",
            &json!({"year": year, "amount": "1000"}),
        )
        .await;
    let national = app.expect(r, StatusCode::CREATED).await;
    let r = app
        .post(
            "/api/v1/budget/local-envelopes",
            "so.01@demo.test",
            &json!({"year": year, "amount": "500"}),
        )
        .await;
    let local = app.expect(r, StatusCode::CREATED).await;
    // 79 lists the national envelope (what it draws on) but not 01's local one.
    let r = app
        .get(
            &format!("/api/v1/budget/envelopes?year={year}"),
            "so.79@demo.test",
        )
        .await;
    let ids: Vec<_> = app.expect(r, StatusCode::OK).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(ids, [national["id"].clone()]);
    // A province asking for another's summary is refused; so is a province changing the national one.
    let r = app
        .get(
            &format!("/api/v1/budget/summary?year={year}&province_code=01"),
            "ttkc.79@demo.test",
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let nid = national["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/budget/national-envelopes/{nid}"),
            "so.01@demo.test",
            &json!({"amount": "1"}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // A centre officer and an enterprise hold no budget.
    let lid = local["id"].as_str().unwrap();
    for who in ["ttkc.01@demo.test", "dn1.01@demo.test"] {
        let r = app
            .patch(
                &format!("/api/v1/budget/local-envelopes/{lid}"),
                who,
                &json!({"amount": "1"}),
            )
            .await;
        app.expect(r, StatusCode::FORBIDDEN).await;
    }
    let r = app
        .get("/api/v1/budget/envelopes", "dn1.01@demo.test")
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    assert_eq!(
        app.count("SELECT 1 FROM workflow.envelopes WHERE amount IN (1000, 500)")
            .await,
        2
    );
}
