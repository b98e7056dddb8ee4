//! Applications: drafts, submission with the cap rules, the centre's decisions, versions and their
//! difference, optimistic concurrency, the tenant boundary both ways, audit and outbox rows.

use crate::helpers::{TestApp, fields, next_year};
use reqwest::StatusCode;
use serde_json::{Value, json};

const DN: &str = "dn1.01@demo.test";
const CENTRE: &str = "ttkc.01@demo.test";

/// A complete application for a demonstration model of `cost` asking `support`.
fn content(cost: u64, support: u64) -> Value {
    let y = next_year();
    json!({
        "fund": "kcqg", "activity_code": "demonstration_model", "plan_year": y,
        "title": "Mô hình trình diễn máy sấy nông sản", "commune": "Xã Phù Đổng",
        "total_cost": cost.to_string(), "support_requested": support.to_string(),
        "counterpart": cost.saturating_sub(support).to_string(),
        "expected_results": "Giảm 30% thời gian sấy", "start_date": format!("{y}-03-01"),
        "end_date": format!("{y}-10-31")
    })
}

fn with_version(mut body: Value, version: &Value) -> Value {
    body["version"] = version.clone();
    body
}

/// A new draft of DN's (cost 1 billion đồng, 200 million asked); its JSON.
async fn new_draft(app: &TestApp) -> Value {
    let r = app
        .post(
            "/api/v1/applications",
            DN,
            &content(1_000_000_000, 200_000_000),
        )
        .await;
    app.expect(r, StatusCode::CREATED).await
}

async fn step(
    app: &TestApp,
    id: &str,
    action: &str,
    who: &str,
    version: &Value,
    reason: Option<&str>,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/applications/{id}/{action}"),
        who,
        &json!({"version": version, "reason": reason}),
    )
    .await
}

#[tokio::test]
async fn an_application_goes_from_draft_through_return_and_resubmission_to_acceptance() {
    let app = TestApp::spawn().await;
    // A partial draft is saved; the priority flags come from the enterprise's profile.
    let r = app
        .post("/api/v1/applications", DN, &json!({"title": "Máy sấy"}))
        .await;
    let draft = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["holder"], "applicant");
    assert_eq!(
        draft["woman_owned"], true,
        "dn1 is woman-owned in the demo data: {draft}"
    );
    let id = draft["id"].as_str().unwrap().to_owned();

    // Submitting an incomplete draft names every missing field and changes nothing.
    let r = step(&app, &id, "submit", DN, &draft["version"], None).await;
    let missing = fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    assert!(
        missing.contains(&"total_cost".to_owned()) && missing.contains(&"fund".to_owned()),
        "{missing:?}"
    );

    // Over the cap: 35% of the cost. The message names the rule and the figures.
    let r = app
        .put(
            &format!("/api/v1/applications/{id}"),
            DN,
            &with_version(content(1_000_000_000, 350_000_000), &draft["version"]),
        )
        .await;
    let saved = app.expect(r, StatusCode::OK).await;
    let r = step(&app, &id, "submit", DN, &saved["version"], None).await;
    let over = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let msg = over["error"]["fields"]["support_requested"]
        .as_str()
        .unwrap();
    assert!(
        msg.starts_with("Mức hỗ trợ 350.000.000 đồng vượt 30% chi phí (tối đa 300.000.000 đồng) theo quy định áp dụng từ 01/01/2019"),
        "{msg}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT 1 FROM workflow.application_versions WHERE application_id = '{id}'"
        ))
        .await,
        0
    );

    // At the threshold exactly, it goes.
    let r = app
        .put(
            &format!("/api/v1/applications/{id}"),
            DN,
            &with_version(content(1_000_000_000, 300_000_000), &saved["version"]),
        )
        .await;
    let saved = app.expect(r, StatusCode::OK).await;
    let r = step(&app, &id, "submit", DN, &saved["version"], None).await;
    let submitted = app.expect(r, StatusCode::OK).await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["holder"], "centre");
    assert!(
        submitted["due_at"].is_string(),
        "the centre's time limit: {submitted}"
    );

    // The centre sees it in its queue and takes it up; returning needs a reason.
    let r = app
        .get("/api/v1/applications?status=submitted", CENTRE)
        .await;
    let queue = app.expect(r, StatusCode::OK).await;
    assert_eq!(queue["total"], 1);
    assert_eq!(
        queue["items"][0]["actions"],
        json!(["review", "return", "accept", "reject"])
    );
    let r = step(&app, &id, "review", CENTRE, &submitted["version"], None).await;
    let reviewing = app.expect(r, StatusCode::OK).await;
    let r = step(&app, &id, "return", CENTRE, &reviewing["version"], None).await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["reason"]
    );
    let r = step(
        &app,
        &id,
        "return",
        CENTRE,
        &reviewing["version"],
        Some("Bổ sung báo giá thiết bị"),
    )
    .await;
    let returned = app.expect(r, StatusCode::OK).await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["status_reason"], "Bổ sung báo giá thiết bị");

    // The applicant corrects and resubmits: a second version, and the difference between them.
    let mut fixed = content(1_100_000_000, 300_000_000);
    fixed["commune"] = json!("Xã Đa Tốn");
    let r = app
        .put(
            &format!("/api/v1/applications/{id}"),
            DN,
            &with_version(fixed, &returned["version"]),
        )
        .await;
    let saved = app.expect(r, StatusCode::OK).await;
    let r = step(&app, &id, "submit", DN, &saved["version"], None).await;
    let resubmitted = app.expect(r, StatusCode::OK).await;
    assert_eq!(resubmitted["submissions"], 2);
    let r = app
        .get(&format!("/api/v1/applications/{id}/versions"), CENTRE)
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = app
        .get(
            &format!("/api/v1/applications/{id}/versions/1/diff/2"),
            CENTRE,
        )
        .await;
    let diff = app.expect(r, StatusCode::OK).await;
    let changed: Vec<_> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["commune", "counterpart", "total_cost"], "{diff}");
    assert_eq!(diff["changes"][2]["old"], "1000000000");
    assert_eq!(diff["changes"][2]["new"], "1100000000");
    let r = app
        .get(&format!("/api/v1/applications/{id}/versions/3"), CENTRE)
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;

    let r = step(&app, &id, "accept", CENTRE, &resubmitted["version"], None).await;
    let accepted = app.expect(r, StatusCode::OK).await;
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["holder"], Value::Null);

    // The history the applicant follows: each step, who took it, and the return's reason.
    let r = app
        .get(&format!("/api/v1/applications/{id}/history"), DN)
        .await;
    let history = app.expect(r, StatusCode::OK).await;
    let steps: Vec<_> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}>{} {}",
                s["from_status"].as_str().unwrap(),
                s["to_status"].as_str().unwrap(),
                s["by_role"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "draft>submitted enterprise",
            "submitted>under_review centre",
            "under_review>returned centre",
            "returned>submitted enterprise",
            "submitted>accepted centre",
        ],
        "{history}"
    );
    assert!(
        history["items"][2]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );

    // Every transition wrote its audit row and its outbox event, in order.
    let audit = app.query(&format!(
        "SELECT action FROM audit.events WHERE entity_id = '{id}' AND action NOT IN ('application.created', 'application.saved') ORDER BY id")).await;
    let actions: Vec<_> = audit
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "application.submitted",
            "application.under_review",
            "application.returned",
            "application.submitted",
            "application.accepted"
        ]
    );
    let events = app
        .query(&format!(
        "SELECT payload->>'to' AS to, payload->>'holder' AS holder, payload->>'due_on' AS due_on
           FROM outbox.events WHERE topic = 'workflow.application_transitioned'
           AND payload->>'application_id' = '{id}' ORDER BY id"))
        .await;
    // Each announces who holds the application now and the last day of the stage's time limit
    // (the seeded rules: 5 days submitted, 20 under review, 30 returned; none once accepted).
    let holders: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e["holder"].as_str(),
                e["due_on"].as_str().map(|d| d.to_owned()),
            )
        })
        .collect();
    let in_days = |n: u64| {
        Some(
            (kc_kernel::today_vn() + chrono::Days::new(n))
                .format("%Y-%m-%d")
                .to_string(),
        )
    };
    assert_eq!(
        holders,
        [
            (Some("centre"), in_days(5)),
            (Some("centre"), in_days(20)),
            (Some("enterprise"), in_days(30)),
            (Some("centre"), in_days(5)),
            (None, None)
        ]
    );
    let tos: Vec<_> = events
        .iter()
        .map(|e| e["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        tos,
        [
            "submitted",
            "under_review",
            "returned",
            "submitted",
            "accepted"
        ]
    );
}

#[tokio::test]
async fn a_stale_version_or_a_wrong_state_changes_nothing() {
    let app = TestApp::spawn().await;
    let draft = new_draft(&app).await;
    let id = draft["id"].as_str().unwrap();
    let r = step(&app, id, "submit", DN, &draft["version"], None).await;
    let submitted = app.expect(r, StatusCode::OK).await;
    // The version the client saw is old: 412 naming the version; the state is unchanged.
    let r = step(&app, id, "review", CENTRE, &draft["version"], None).await;
    let stale = app.expect(r, StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(fields(&stale), ["version"]);
    let r = app
        .put(
            &format!("/api/v1/applications/{id}"),
            DN,
            &with_version(content(1, 1), &draft["version"]),
        )
        .await;
    app.expect(r, StatusCode::PRECONDITION_FAILED).await;
    // A step from the wrong state: 409 with the current state.
    let r = step(&app, id, "submit", DN, &submitted["version"], None).await;
    let wrong = app.expect(r, StatusCode::CONFLICT).await;
    assert_eq!(wrong["error"]["code"], "invalid_transition");
    assert!(
        wrong["error"]["fields"]["status"]
            .as_str()
            .unwrap()
            .contains("submitted"),
        "{wrong}"
    );
    let r = app
        .put(
            &format!("/api/v1/applications/{id}"),
            DN,
            &with_version(content(1, 1), &submitted["version"]),
        )
        .await;
    app.expect(r, StatusCode::CONFLICT).await;
    let r = app.get(&format!("/api/v1/applications/{id}"), DN).await;
    let now = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (now["status"].clone(), now["version"].clone()),
        (json!("submitted"), submitted["version"].clone())
    );
    assert_eq!(now["total_cost"], "1000000000");
}

#[tokio::test]
async fn bad_amounts_and_dates_are_named() {
    let app = TestApp::spawn().await;
    let y = next_year();
    let r = app
        .post(
            "/api/v1/applications",
            DN,
            &json!({"total_cost": "-5", "support_requested": "10.5"}),
        )
        .await;
    let body = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(!fields(&body).is_empty(), "{body}");
    let r = app
        .post(
            "/api/v1/applications",
            DN,
            &json!({"support_requested": "10.5"}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["support_requested"]
    );
    let r = app
        .post(
            "/api/v1/applications",
            DN,
            &json!({"start_date": format!("{y}-05-01"), "end_date": format!("{y}-04-01")}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["end_date"]
    );

    // At submission: support above the cost, a counterpart short of the rest, dates outside the plan
    // year, an unknown activity.
    let mut bad = content(100_000_000, 20_000_000);
    bad["counterpart"] = json!("1");
    bad["end_date"] = json!(format!("{}-01-15", y + 1));
    let r = app.post("/api/v1/applications", DN, &bad).await;
    let draft = app.expect(r, StatusCode::CREATED).await;
    let r = step(
        &app,
        draft["id"].as_str().unwrap(),
        "submit",
        DN,
        &draft["version"],
        None,
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["counterpart", "end_date"]
    );
    let mut bad = content(100_000_000, 200_000_000);
    bad["counterpart"] = json!("0");
    bad["activity_code"] = json!("space_travel");
    let r = app.post("/api/v1/applications", DN, &bad).await;
    let draft = app.expect(r, StatusCode::CREATED).await;
    let r = step(
        &app,
        draft["id"].as_str().unwrap(),
        "submit",
        DN,
        &draft["version"],
        None,
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["activity_code", "support_requested"]
    );
}

#[tokio::test]
async fn another_province_and_another_enterprise_see_nothing_and_roles_keep_to_their_steps() {
    let app = TestApp::spawn().await;
    let draft = new_draft(&app).await;
    let id = draft["id"].as_str().unwrap();
    let r = step(&app, id, "submit", DN, &draft["version"], None).await;
    let submitted = app.expect(r, StatusCode::OK).await;
    for who in [
        "ttkc.79@demo.test",
        "so.79@demo.test",
        "dn2.01@demo.test",
        "dn1.79@demo.test",
    ] {
        let r = app.get(&format!("/api/v1/applications/{id}"), who).await;
        app.expect(r, StatusCode::NOT_FOUND).await;
        for path in ["versions/1", "history"] {
            let r = app
                .get(&format!("/api/v1/applications/{id}/{path}"), who)
                .await;
            app.expect(r, StatusCode::NOT_FOUND).await;
        }
        let r = app.get("/api/v1/applications", who).await;
        assert_eq!(app.expect(r, StatusCode::OK).await["total"], 0, "{who}");
    }
    let r = step(
        &app,
        id,
        "review",
        "ttkc.79@demo.test",
        &submitted["version"],
        None,
    )
    .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    // The applicant cannot decide; the department and the ministry read but do not process.
    let r = step(&app, id, "accept", DN, &submitted["version"], None).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    for who in ["so.01@demo.test", "bo@demo.test"] {
        let r = app.get(&format!("/api/v1/applications/{id}"), who).await;
        assert_eq!(app.expect(r, StatusCode::OK).await["actions"], json!([]));
    }
    let r = app
        .get("/api/v1/applications?province_code=01", "bo@demo.test")
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"], 1);
    let r = app
        .get("/api/v1/applications?region=south", "bo@demo.test")
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["total"], 0);
    // Nothing changed.
    assert_eq!(
        app.count(&format!(
            "SELECT 1 FROM workflow.applications WHERE id = '{id}' AND status = 'submitted'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn overdue_cases_are_flagged_and_filtered() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let d = new_draft(&app).await;
        let r = step(
            &app,
            d["id"].as_str().unwrap(),
            "submit",
            DN,
            &d["version"],
            None,
        )
        .await;
        ids.push(
            app.expect(r, StatusCode::OK).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // The first has waited 6 days: past the 5 days the centre has to take it up.
    app.execute(&format!(
        "UPDATE workflow.applications SET stage_since = now() - interval '6 days' WHERE id = '{}'",
        ids[0]
    ))
    .await;
    let r = app.get("/api/v1/applications?overdue=true", CENTRE).await;
    let overdue = app.expect(r, StatusCode::OK).await;
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["items"][0]["id"], ids[0].as_str());
    assert_eq!(overdue["items"][0]["overdue"], true);
    let r = app.get("/api/v1/applications?overdue=false", CENTRE).await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"][0]["id"],
        ids[1].as_str()
    );
    // The enterprise sees the same time limit on its own case.
    let r = app
        .get(&format!("/api/v1/applications/{}", ids[0]), DN)
        .await;
    assert_eq!(app.expect(r, StatusCode::OK).await["overdue"], true);
}

#[tokio::test]
async fn a_batch_answers_each_item_on_its_own() {
    let app = TestApp::spawn().await;
    let mut items = Vec::new();
    for _ in 0..3 {
        let d = new_draft(&app).await;
        let r = step(
            &app,
            d["id"].as_str().unwrap(),
            "submit",
            DN,
            &d["version"],
            None,
        )
        .await;
        let s = app.expect(r, StatusCode::OK).await;
        items.push(json!({"id": s["id"], "version": s["version"]}));
    }
    items[1]["version"] = json!(1); // stale
    let r = app
        .post(
            "/api/v1/applications/batch",
            CENTRE,
            &json!({"action": "accept", "items": items}),
        )
        .await;
    let out = app.expect(r, StatusCode::OK).await;
    assert_eq!(
        (out["done"].clone(), out["failed"].clone()),
        (json!(2), json!(1)),
        "{out}"
    );
    assert_eq!(out["results"][1]["status"], 412);
    assert_eq!(out["results"][1]["error"]["code"], "stale_version");
    assert_eq!(out["results"][0]["record"]["status"], "accepted");
    assert_eq!(
        app.count("SELECT 1 FROM workflow.applications WHERE status = 'accepted'")
            .await,
        2
    );
    let r = app
        .post(
            "/api/v1/applications/batch",
            CENTRE,
            &json!({"action": "submit", "items": items}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["action"]
    );
    // What the items share is checked once, before any of them.
    let r = app
        .post(
            "/api/v1/applications/batch",
            CENTRE,
            &json!({"action": "return", "reason": "\u{0084}", "items": items}),
        )
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["reason"]
    );
}

#[tokio::test]
async fn no_step_or_read_of_an_application_works_from_outside_its_case() {
    let app = TestApp::spawn().await;
    let draft = new_draft(&app).await;
    let id = draft["id"].as_str().unwrap();
    let r = step(&app, id, "submit", DN, &draft["version"], None).await;
    let submitted = app.expect(r, StatusCode::OK).await;
    // Another enterprise of the same province: no save, no withdrawal, no diff.
    let other = "dn2.01@demo.test";
    let r = app
        .put(
            &format!("/api/v1/applications/{id}"),
            other,
            &with_version(content(1, 1), &submitted["version"]),
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = step(
        &app,
        id,
        "withdraw",
        other,
        &submitted["version"],
        Some("x"),
    )
    .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .get(
            &format!("/api/v1/applications/{id}/versions/1/diff/1"),
            other,
        )
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    // Another province's centre: no decision, alone or in a batch.
    let r = step(
        &app,
        id,
        "reject",
        "ttkc.79@demo.test",
        &submitted["version"],
        Some("x"),
    )
    .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post(
            "/api/v1/applications/batch",
            "ttkc.79@demo.test",
            &json!({"action": "accept", "items": [{"id": id, "version": submitted["version"]}]}),
        )
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["results"][0]["status"],
        404
    );
    // Lesser roles: the department and the ministry read but do not decide; an enterprise runs no batch.
    for who in ["so.01@demo.test", "bo@demo.test"] {
        let r = step(&app, id, "accept", who, &submitted["version"], None).await;
        app.expect(r, StatusCode::FORBIDDEN).await;
    }
    let r = app
        .post(
            "/api/v1/applications/batch",
            DN,
            &json!({"action": "accept", "items": [{"id": id, "version": 1}]}),
        )
        .await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = app.get(&format!("/api/v1/applications/{id}"), DN).await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["version"],
        submitted["version"]
    );
}

#[tokio::test]
async fn the_queue_exports_with_its_filters_and_the_columns_chosen_and_nothing_of_another_province()
{
    let app = TestApp::spawn().await;
    let draft = new_draft(&app).await;
    let id = draft["id"].as_str().unwrap();
    let r = step(&app, id, "submit", DN, &draft["version"], None).await;
    app.expect(r, StatusCode::OK).await;
    // The centre's queue of submitted cases, as CSV with three columns in the order asked.
    let r = app
        .get(
            "/api/v1/applications/export?status=submitted&format=csv&columns=organisation_name,support_requested,status",
            CENTRE,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    let head = lines.next().unwrap().trim_start_matches('\u{feff}');
    assert_eq!(
        head,
        "Cơ sở đề nghị,Kinh phí đề nghị hỗ trợ (đồng),Trạng thái"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(rows[0].ends_with(",200000000,Đã nộp"), "{csv}");
    // The whole list as a workbook; the enterprise exports its own.
    let r = app.get("/api/v1/applications/export", CENTRE).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    let r = app.get("/api/v1/applications/export?format=csv", DN).await;
    assert_eq!(r.text().await.unwrap().lines().count(), 2);
    // Another province's centre exports none of it; a column it does not know is named.
    let r = app
        .get(
            "/api/v1/applications/export?format=csv",
            "ttkc.79@demo.test",
        )
        .await;
    assert_eq!(
        r.text().await.unwrap().lines().count(),
        1,
        "the headings only"
    );
    let r = app
        .get("/api/v1/applications/export?columns=title,salary", CENTRE)
        .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["columns"]
    );
}
