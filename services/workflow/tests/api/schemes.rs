//! Schemes through their fund's approval chain: the national and the local fund end to end, the
//! appraisal, separation of duties, deadlines, the last money raced for, and the tenant boundary.

use crate::helpers::{TestApp, fields, open_plan_year};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CENTRE: &str = "ttkc.01@demo.test";
const OFFICER: &str = "cv.so.01@demo.test";
const DEPT: &str = "so.01@demo.test";
const MINISTRY: &str = "bo@demo.test";

/// An application of `who` for `fund`, submitted and accepted by the centre; its id.
pub(crate) async fn accepted_application(
    app: &TestApp,
    who: &str,
    fund: &str,
    year: i32,
) -> String {
    let r = app.post("/api/v1/applications", who, &json!({
        "fund": fund, "activity_code": "demonstration_model", "plan_year": year,
        "title": "Mô hình lò sấy", "commune": "Xã Phù Đổng", "total_cost": "1000000000",
        "support_requested": "300000000", "counterpart": "700000000", "expected_results": "Tiết kiệm 30% điện",
        "start_date": format!("{year}-03-01"), "end_date": format!("{year}-10-31")
    })).await;
    let a = app.expect(r, StatusCode::CREATED).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/submit"),
            who,
            &json!({"version": a["version"]}),
        )
        .await;
    let a = app.expect(r, StatusCode::OK).await;
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/accept"),
            CENTRE,
            &json!({"version": a["version"]}),
        )
        .await;
    app.expect(r, StatusCode::OK).await;
    id
}

pub(crate) async fn new_scheme(
    app: &TestApp,
    fund: &str,
    year: i32,
    applications: &[String],
) -> Value {
    let r = app.post("/api/v1/schemes", CENTRE, &json!({
        "kind": "point", "fund": fund, "plan_year": year, "activity_code": "demonstration_model",
        "title": "Đề án mô hình trình diễn lò sấy tiết kiệm năng lượng", "commune": "Xã Phù Đổng",
        "total_cost": "1000000000", "support_requested": "300000000", "counterpart": "700000000",
        "application_ids": applications
    })).await;
    app.expect(r, StatusCode::CREATED).await
}

async fn advance(app: &TestApp, scheme: &Value, who: &str) -> reqwest::Response {
    let id = scheme["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/schemes/{id}/advance"),
        who,
        &json!({"version": scheme["version"]}),
    )
    .await
}

pub(crate) async fn step(app: &TestApp, scheme: &Value, who: &str) -> Value {
    let r = advance(app, scheme, who).await;
    app.expect(r, StatusCode::OK).await
}

fn full_scores() -> Value {
    json!({"necessity": 18, "feasibility": 20, "effectiveness": 20, "counterpart": 12, "priority": 10})
}

pub(crate) async fn appraise(app: &TestApp, scheme: &Value, who: &str, amount: &str) -> Value {
    let id = scheme["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/schemes/{id}/appraisal"),
            who,
            &json!({"no_conflict": true, "scores": full_scores(), "recommended_amount": amount}),
        )
        .await;
    app.expect(r, StatusCode::CREATED).await
}

#[tokio::test]
async fn a_national_fund_scheme_goes_from_the_centre_to_the_ministrys_approval() {
    let app = TestApp::spawn().await;
    let year = open_plan_year();
    let application = accepted_application(&app, "dn1.01@demo.test", "kcqg", year).await;
    let s = new_scheme(&app, "kcqg", year, std::slice::from_ref(&application)).await;
    assert_eq!(s["status"], "draft");
    assert_eq!(s["beneficiary_count"], 1);
    assert_eq!(s["beneficiaries"][0]["woman_owned"], true);
    assert_eq!(s["priority"], true, "dn1 is woman-owned: {s}");
    assert_eq!(s["next"]["actor_role"], "centre");
    assert_eq!(s["caller_acts"], true);
    let s = step(&app, &s, CENTRE).await;
    assert_eq!(s["status"], "registered");
    // The chain names the province's officer for the appraisal step: the department's approver is
    // refused, naming the step.
    let r = advance(&app, &s, DEPT).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // Not before anyone has scored.
    let r = advance(&app, &s, OFFICER).await;
    assert_eq!(
        app.expect(r, StatusCode::CONFLICT).await["error"]["code"],
        "invalid_transition"
    );
    appraise(&app, &s, OFFICER, "280000000").await;
    let appraised = appraise(&app, &s, DEPT, "260000000").await;
    assert_eq!(appraised["conclusion"]["recommended"], "270000000");
    let s = step(&app, &appraised, OFFICER).await;
    assert_eq!(
        (s["status"].clone(), s["support_recommended"].clone()),
        (json!("appraised"), json!("270000000"))
    );
    let s = step(&app, &s, DEPT).await;
    assert_eq!(s["status"], "sent_to_ministry");
    let s = step(&app, &s, MINISTRY).await;
    assert_eq!(s["status"], "selected");
    // Approval commits against the province's allocation: none yet is a conflict.
    let r = advance(&app, &s, MINISTRY).await;
    app.expect(r, StatusCode::CONFLICT).await;
    let r = app
        .post(
            "/api/v1/budget/national-envelopes",
            MINISTRY,
            &json!({"year": year, "amount": "1000000000"}),
        )
        .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = app
        .post(
            "/api/v1/budget/national-envelopes",
            MINISTRY,
            &json!({"year": year, "province_code": "01", "amount": "500000000"}),
        )
        .await;
    app.expect(r, StatusCode::CREATED).await;
    let s = step(&app, &s, MINISTRY).await;
    assert_eq!(s["status"], "approved");
    assert_eq!(s["support_approved"], "270000000");
    assert_eq!(s["next"], Value::Null);

    let r = app
        .get(
            &format!("/api/v1/budget/summary?year={year}&province_code=01"),
            MINISTRY,
        )
        .await;
    let summary = app.expect(r, StatusCode::OK).await;
    assert_eq!(summary["lines"][0]["committed"], "270000000", "{summary}");
    assert_eq!(summary["lines"][0]["remaining"], "230000000");
    // Each step is in the history, the audit trail and the outbox.
    assert_eq!(s["steps"].as_array().unwrap().len(), 5);
    let id = s["id"].as_str().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT 1 FROM audit.events WHERE entity_id = '{id}' AND action = 'scheme.step'"
        ))
        .await,
        5
    );
    assert_eq!(app.count(&format!("SELECT 1 FROM outbox.events WHERE topic = 'workflow.scheme_transitioned' AND payload->>'scheme_id' = '{id}'")).await, 5);
    // The enterprise follows its case to the scheme's approval.
    let r = app
        .get(
            &format!("/api/v1/applications/{application}"),
            "dn1.01@demo.test",
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["scheme_status"],
        "approved"
    );
}

#[tokio::test]
async fn a_local_fund_scheme_is_approved_by_the_province_and_never_by_its_appraiser() {
    let app = TestApp::spawn().await;
    let year = open_plan_year();
    let r = app
        .post(
            "/api/v1/budget/local-envelopes",
            DEPT,
            &json!({"year": year, "amount": "2000000000"}),
        )
        .await;
    app.expect(r, StatusCode::CREATED).await;
    // The department's approver scored this one: it may not approve it.
    let a = accepted_application(&app, "dn1.01@demo.test", "kcdp", year).await;
    let s = step(&app, &new_scheme(&app, "kcdp", year, &[a]).await, CENTRE).await;
    appraise(&app, &s, OFFICER, "300000000").await;
    let s = appraise(&app, &s, DEPT, "300000000").await;
    let s = step(&app, &s, OFFICER).await;
    let r = advance(&app, &s, DEPT).await;
    let refused = app.expect(r, StatusCode::FORBIDDEN).await;
    assert_eq!(refused["error"]["code"], "separation_of_duties");
    assert_eq!(
        app.count("SELECT 1 FROM workflow.envelopes WHERE committed > 0")
            .await,
        0
    );
    // Appraised by the officer alone, the department approves it against its local envelope.
    let a = accepted_application(&app, "dn2.01@demo.test", "kcdp", year).await;
    let s = step(&app, &new_scheme(&app, "kcdp", year, &[a]).await, CENTRE).await;
    let s = appraise(&app, &s, OFFICER, "250000000").await;
    let s = step(&app, &s, OFFICER).await;
    let s = step(&app, &s, DEPT).await;
    assert_eq!(
        (s["status"].clone(), s["support_approved"].clone()),
        (json!("approved"), json!("250000000"))
    );
    assert_eq!(
        app.count("SELECT 1 FROM workflow.envelopes WHERE committed = 250000000")
            .await,
        1
    );
}

#[tokio::test]
async fn two_approvals_racing_for_the_last_money_leave_exactly_one_approved() {
    let app = TestApp::spawn().await;
    let year = open_plan_year();
    let r = app
        .post(
            "/api/v1/budget/local-envelopes",
            DEPT,
            &json!({"year": year, "amount": "1000000000"}),
        )
        .await;
    let envelope = app.expect(r, StatusCode::CREATED).await;
    for round in 0..4 {
        // Room for one approval of 300 million, not two.
        let left = 1_000_000_000 - 300_000_000 * round;
        let r = app
            .patch(
                &format!(
                    "/api/v1/budget/local-envelopes/{}",
                    envelope["id"].as_str().unwrap()
                ),
                DEPT,
                &json!({"amount": (300_000_000 * round + 450_000_000).to_string()}),
            )
            .await;
        app.expect(r, StatusCode::OK).await;
        assert!(left > 0);
        let mut ready = Vec::new();
        for who in ["dn1.01@demo.test", "dn2.01@demo.test"] {
            let a = accepted_application(&app, who, "kcdp", year).await;
            let s = step(&app, &new_scheme(&app, "kcdp", year, &[a]).await, CENTRE).await;
            let s = appraise(&app, &s, OFFICER, "300000000").await;
            ready.push(step(&app, &s, OFFICER).await);
        }
        let (r1, r2) = tokio::join!(
            advance(&app, &ready[0], DEPT),
            advance(&app, &ready[1], DEPT)
        );
        let mut statuses = [r1.status().as_u16(), r2.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {round}");
        let e = &app
            .query(&format!(
                "SELECT amount, committed FROM workflow.envelopes WHERE id = '{}'",
                envelope["id"].as_str().unwrap()
            ))
            .await[0];
        assert_eq!(
            e["committed"].as_i64().unwrap(),
            300_000_000 * (round + 1),
            "round {round}"
        );
        assert!(e["committed"].as_i64() <= e["amount"].as_i64());
    }
    assert_eq!(
        app.count("SELECT 1 FROM workflow.schemes WHERE status = 'approved'")
            .await,
        4
    );
}

#[tokio::test]
async fn steps_keep_to_their_actor_version_deadline_and_province() {
    let app = TestApp::spawn().await;
    let year = open_plan_year();
    let a = accepted_application(&app, "dn1.01@demo.test", "kcqg", year).await;
    let s = new_scheme(&app, "kcqg", year, &[a]).await;
    // Stale version: 412, nothing changes.
    let stale = json!({"id": s["id"], "version": 99});
    let r = advance(&app, &stale, CENTRE).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::PRECONDITION_FAILED).await),
        ["version"]
    );
    // Another province sees nothing; enterprises have no scheme routes.
    let id = s["id"].as_str().unwrap();
    for who in ["ttkc.79@demo.test", "so.79@demo.test"] {
        let r = app.get(&format!("/api/v1/schemes/{id}"), who).await;
        app.expect(r, StatusCode::NOT_FOUND).await;
        let r = advance(&app, &s, who).await;
        assert!(matches!(r.status().as_u16(), 403 | 404), "{who}");
    }
    let r = app.get("/api/v1/schemes", "dn1.01@demo.test").await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // Appraisal only of a registered scheme, only with the declaration, only full scores.
    let r = app
        .post(
            &format!("/api/v1/schemes/{id}/appraisal"),
            OFFICER,
            &json!({"no_conflict": true, "scores": full_scores(), "recommended_amount": "1"}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    let s = step(&app, &s, CENTRE).await;
    let r = app.post(&format!("/api/v1/schemes/{id}/appraisal"), OFFICER,
        &json!({"no_conflict": false, "scores": {"necessity": 99}, "recommended_amount": "400000000"})).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["no_conflict", "recommended_amount", "scores"]
    );
    let r = app
        .post(
            &format!("/api/v1/schemes/{id}/appraisal"),
            CENTRE,
            &json!({"no_conflict": true, "scores": full_scores(), "recommended_amount": "1"}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    // A reason is required to reject, by the step's actor.
    let r = app
        .post(
            &format!("/api/v1/schemes/{id}/reject"),
            OFFICER,
            &json!({"version": s["version"], "reason": " "}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["reason"]
    );
    let r = app
        .post(
            &format!("/api/v1/schemes/{id}/reject"),
            OFFICER,
            &json!({"version": s["version"], "reason": "Không phù hợp quy hoạch"}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["status"], "rejected");

    // This year's plan: its registration closed on 20 May last year.
    let this_year = chrono::Datelike::year(&kc_kernel::today_vn());
    let a = accepted_application(&app, "dn2.01@demo.test", "kcqg", open_plan_year()).await;
    let late = new_scheme(&app, "kcqg", this_year, std::slice::from_ref(&a)).await;
    let r = advance(&app, &late, CENTRE).await;
    let refused = app.expect(r, StatusCode::CONFLICT).await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("20/05"),
        "{refused}"
    );
    // An accepted application goes into one scheme only: nothing is written for a second.
    let r = app
        .post(
            "/api/v1/schemes",
            CENTRE,
            &json!({
                "kind": "point", "fund": "kcqg", "plan_year": open_plan_year(), "activity_code": "machinery",
                "title": "Đề án thứ hai", "commune": "Xã Phù Đổng", "total_cost": "100",
                "support_requested": "50", "counterpart": "50", "application_ids": [a]
            }),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::CONFLICT).await),
        ["application_ids"]
    );
    assert_eq!(app.count("SELECT 1 FROM workflow.schemes").await, 2);
}

#[tokio::test]
async fn a_grouped_scheme_adds_beneficiaries_later_and_a_batch_answers_each_scheme() {
    let app = TestApp::spawn().await;
    let year = open_plan_year();
    let r = app.post("/api/v1/schemes", CENTRE, &json!({
        "kind": "grouped", "fund": "kcdp", "plan_year": year, "activity_code": "training",
        "title": "Đào tạo nghề mây tre đan", "commune": "Xã Phú Vinh", "total_cost": "200000000",
        "support_requested": "150000000", "counterpart": "50000000"
    })).await;
    let grouped = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(grouped["beneficiary_count"], 0);
    let a = accepted_application(&app, "dn1.01@demo.test", "kcdp", year).await;
    let gid = grouped["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/schemes/{gid}/beneficiaries"),
            CENTRE,
            &json!({"application_ids": [a]}),
        )
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["beneficiary_count"], 1);
    let r = app
        .post(
            &format!("/api/v1/schemes/{gid}/beneficiaries"),
            CENTRE,
            &json!({"application_ids": [a]}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::CONFLICT).await),
        ["application_ids"]
    );
    // A point scheme names its beneficiaries when it is made.
    let b = accepted_application(&app, "dn2.01@demo.test", "kcdp", year).await;
    let point = new_scheme(&app, "kcdp", year, &[b]).await;
    let c = accepted_application(&app, "dn2.01@demo.test", "kcdp", year).await;
    let pid = point["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/schemes/{pid}/beneficiaries"),
            CENTRE,
            &json!({"application_ids": [c]}),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;

    // Registering both at once, one with a stale version: each answered on its own.
    let r = app.post("/api/v1/schemes/batch", CENTRE, &json!({"items": [
        {"id": grouped["id"], "version": grouped["version"]}, {"id": point["id"], "version": 7}
    ]})).await;
    let out = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (out["done"].clone(), out["failed"].clone()),
        (json!(1), json!(1)),
        "{out}"
    );
    assert_eq!(out["results"][0]["record"]["status"], "registered");
    assert_eq!(out["results"][1]["status"], 412);
}

#[tokio::test]
async fn another_province_cannot_score_reject_extend_or_batch_a_scheme() {
    let app = TestApp::spawn().await;
    let year = open_plan_year();
    let a = accepted_application(&app, "dn1.01@demo.test", "kcdp", year).await;
    let s = step(&app, &new_scheme(&app, "kcdp", year, &[a]).await, CENTRE).await;
    let id = s["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/schemes/{id}/appraisal"),
            "so.79@demo.test",
            &json!({"no_conflict": true, "scores": full_scores(), "recommended_amount": "1"}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post(
            &format!("/api/v1/schemes/{id}/reject"),
            "so.79@demo.test",
            &json!({"version": s["version"], "reason": "x"}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let b = accepted_application(&app, "dn2.01@demo.test", "kcdp", year).await;
    let r = app
        .post(
            &format!("/api/v1/schemes/{id}/beneficiaries"),
            "ttkc.79@demo.test",
            &json!({"application_ids": [b]}),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post(
            "/api/v1/schemes/batch",
            "so.79@demo.test",
            &json!({"items": [{"id": id, "version": s["version"]}]}),
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["results"][0]["status"],
        404
    );
    // Enterprises and the centre do not score; enterprises run no scheme batch.
    for who in ["dn1.01@demo.test", CENTRE] {
        let r = app
            .post(
                &format!("/api/v1/schemes/{id}/appraisal"),
                who,
                &json!({"no_conflict": true, "scores": full_scores(), "recommended_amount": "1"}),
            )
            .await;
        app.expect(r, StatusCode::FORBIDDEN).await;
    }
    let r = app
        .post(
            "/api/v1/schemes/batch",
            "dn1.01@demo.test",
            &json!({"items": [{"id": id, "version": 1}]}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app.get(&format!("/api/v1/schemes/{id}"), CENTRE).await;
    let now = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (
            now["status"].clone(),
            now["appraisal"].as_array().unwrap().len()
        ),
        (json!("registered"), 0)
    );
}

#[tokio::test]
async fn a_scheme_may_support_a_cluster_of_its_own_province_only() {
    let app = TestApp::spawn().await;
    let year = open_plan_year();
    // Two clusters in the registry (written here as the registry would): one of Hà Nội, one of HCMC.
    app.execute(
        "INSERT INTO registry.communes (id, province_id, name, valid_from)
         SELECT gen_random_uuid(), id, 'Xã Một', DATE '2020-01-01' FROM identity.admin_units
          WHERE code IN ('01', '79') AND valid_to IS NULL;
         INSERT INTO registry.clusters (id, province_id, code)
         SELECT md5(code)::uuid, id, 'CCN-' || code FROM identity.admin_units
          WHERE code IN ('01', '79') AND valid_to IS NULL",
    )
    .await;
    let own = app.query("SELECT md5('01')::uuid::text AS id").await[0]["id"].clone();
    let other = app.query("SELECT md5('79')::uuid::text AS id").await[0]["id"].clone();
    let application = accepted_application(&app, "dn1.01@demo.test", "kcdp", year).await;
    let body = |cluster: &serde_json::Value| {
        json!({
            "kind": "point", "fund": "kcdp", "plan_year": year, "activity_code": "demonstration_model",
            "title": "Hỗ trợ hạ tầng cụm công nghiệp", "commune": "Xã Một", "total_cost": "1000000000",
            "support_requested": "300000000", "counterpart": "700000000",
            "application_ids": [application], "cluster_id": cluster
        })
    };
    let r = app.post("/api/v1/schemes", CENTRE, &body(&other)).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["cluster_id"]
    );
    let r = app.post("/api/v1/schemes", CENTRE, &body(&own)).await;
    let s = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(s["cluster_id"], own);
    // The registry's view shows it, to a tenant that may see it (the view's owner is held to
    // row-level security: without a tenant, nothing).
    let through_view = |scope: &str| {
        format!(
            "SELECT 1 FROM (SELECT set_config('app.scope', '{scope}', false)) s, workflow.cluster_schemes
              WHERE cluster_id = '{}'",
            own.as_str().unwrap()
        )
    };
    assert_eq!(app.count(&through_view("national")).await, 1);
    assert_eq!(app.count(&through_view("")).await, 0);
}
