//! The province appraises and the ministry approves a scheme through the portal, and the ministry's
//! dashboard shows the money move: the department's appraiser declares no conflict of interest and
//! scores against the rubric in force (a missing declaration is refused beside its box, with the
//! scores kept), the appraisal is concluded, the department sends the scheme to the ministry, the
//! ministry selects and approves it; the dashboard's approved figure for the province grows by the
//! amount approved. The dashboard sorts by a column and exports the table through workflow.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::System;
use kc_e2e::browser::{
    Client, Locator, after_click, browser, check_screen, click, click_through, fill, h1, notice,
    sign_in, sign_out, text_of,
};

/// A figure of the table as it is written (`2.070,00`), in millions, as a number of hundredths.
fn hundredths(text: &str) -> i64 {
    text.trim().replace(['.', ','], "").parse().unwrap()
}

/// The approved figure (millions) of the dashboard's row that names `province`.
async fn approved_of(c: &Client, province: &str) -> i64 {
    let rows = c
        .find_all(Locator::Css("#figures-table tbody tr"))
        .await
        .unwrap();
    for row in rows {
        let head = row
            .find(Locator::Css("th"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if head.contains(province) {
            let cells = row.find_all(Locator::Css("td")).await.unwrap();
            // plan, approved, ...
            return hundredths(&cells[1].text().await.unwrap());
        }
    }
    0
}

/// Take the scheme's next step from its page (the visitor must be the one who takes it).
async fn advance(c: &Client) {
    click_through(c, "#advance-form button").await;
    let said = notice(c).await;
    assert_eq!(said, "Đã chuyển đề án sang bước tiếp theo.");
}

#[tokio::test]
async fn the_province_appraises_the_ministry_approves_and_the_dashboard_shows_it() {
    let system = System::start().await;
    system.seed_all();
    let portal = system.service("portal").url("");
    let http = reqwest::Client::new();
    let (token, _) = kc_e2e::login(
        &http,
        &system.service("identity").url(""),
        "so.01@demo.test",
        kc_e2e::DEMO_PASSWORD,
    )
    .await;
    let registered = kc_e2e::get_json(
        &http,
        &system
            .service("workflow")
            .url("/api/v1/schemes?status=registered&fund=kcqg"),
        Some(&token),
    )
    .await;
    let scheme = &registered["items"][0];
    let id = scheme["id"].as_str().unwrap().to_owned();
    let year = scheme["plan_year"].as_i64().unwrap();
    let requested: i64 = scheme["support_requested"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    // The ministry's dashboard of the plan year, before.
    let dashboard = format!("/tong-hop?year={year}");
    sign_in(c, &portal, "bo@demo.test", &dashboard).await;
    assert!(h1(c).await.contains(&year.to_string()));
    let before = approved_of(c, "Hà Nội").await;
    problems.extend(check_screen(&b, "dashboard").await);
    sign_out(c).await;

    // The appraiser scores; without the declaration the scores are refused and kept.
    sign_in(c, &portal, "cv.so.01@demo.test", &format!("/de-an/{id}")).await;
    kc_e2e::browser::score_at_max(c).await;
    fill(c, "recommended_amount", &requested.to_string()).await;
    click_through(c, "#score-form button").await;
    after_click(c, Locator::Id("no_conflict-error")).await;
    let kept = c
        .find(Locator::Id("recommended_amount"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept, requested.to_string());
    problems.extend(check_screen(&b, "scheme-refused").await);
    click(c, "#no_conflict").await;
    click_through(c, "#score-form button").await;
    let said = notice(c).await;
    assert_eq!(said, "Đã ghi nhận phiếu chấm điểm của anh/chị.");
    assert!(
        text_of(c, "section[aria-labelledby=appraisal]")
            .await
            .contains("Đạt")
    );
    problems.extend(check_screen(&b, "scheme").await);
    advance(c).await;
    sign_out(c).await;

    // The department sends it to the ministry; the ministry selects and approves it.
    sign_in(c, &portal, "so.01@demo.test", &format!("/de-an/{id}")).await;
    advance(c).await;
    sign_out(c).await;
    sign_in(c, &portal, "bo@demo.test", &format!("/de-an/{id}")).await;
    advance(c).await;
    advance(c).await;
    assert!(
        text_of(c, "section[aria-labelledby=where]")
            .await
            .contains("Đã phê duyệt")
    );

    // The dashboard: the province's approved figure grew by the support approved.
    c.goto(&format!("{portal}{dashboard}")).await.unwrap();
    let after = approved_of(c, "Hà Nội").await;
    assert_eq!(after - before, requested / 10_000, "{before} → {after}");
    // Sorted by what was approved, largest first: the heading says so.
    click_through(c, "#figures-table thead th:nth-child(3) a").await;
    let sorted = after_click(c, Locator::Css("#figures-table th[aria-sort]"))
        .await
        .attr("aria-sort")
        .await
        .unwrap();
    assert_eq!(sorted.as_deref(), Some("descending"));
    // The table as CSV, made by workflow, with the columns ticked.
    let export = format!(
        "{portal}/xuat/tong-hop?year={year}&group_by=province&columns=label&columns=approved&format=csv"
    );
    let jar = kc_e2e::browser::cookie_header(c).await;
    let csv = http
        .get(&export)
        .header("cookie", &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let head = text.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert_eq!(head.split(',').count(), 2, "{head}");
    assert!(text.contains("Hà Nội"), "{text}");
    sign_out(c).await;

    // Another province's staff do not find the scheme; an enterprise may open no staff screen.
    sign_in(c, &portal, "cv.so.79@demo.test", "/de-an").await;
    c.goto(&format!("{portal}/de-an/{id}")).await.unwrap();
    assert_eq!(h1(c).await, "Không tìm thấy");
    sign_out(c).await;
    sign_in(c, &portal, "dn1.01@demo.test", "/ho-so").await;
    for path in [
        format!("/de-an/{id}"),
        dashboard.clone(),
        "/de-an".to_owned(),
    ] {
        c.goto(&format!("{portal}{path}")).await.unwrap();
        assert_eq!(h1(c).await, "Không có quyền", "{path}");
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn the_province_sees_its_clusters_on_a_map_of_viet_nam_with_hoang_sa_and_truong_sa() {
    let system = System::start().await;
    system.seed_all();
    let portal = system.service("portal").url("");
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();
    sign_in(c, &portal, "cv.so.01@demo.test", "/ccn").await;
    assert_eq!(h1(c).await, "Cụm công nghiệp");
    // The map names both archipelagos as Việt Nam's, and places the province's clusters on it.
    let map = text_of(c, "svg.map").await;
    assert!(
        map.contains("Quần đảo Hoàng Sa") && map.contains("Quần đảo Trường Sa"),
        "{map}"
    );
    let points = c
        .find_all(Locator::Css("svg.map circle[class^='pt-']"))
        .await
        .unwrap();
    let rows = c
        .find_all(Locator::Css(".with-map table tbody tr"))
        .await
        .unwrap();
    assert!(!rows.is_empty(), "the demo province has clusters");
    assert!(
        points.len() >= rows.len(),
        "{} points, {} rows",
        points.len(),
        rows.len()
    );
    problems.extend(check_screen(&b, "clusters").await);
    click_through(c, "main table tbody tr a").await;
    assert!(text_of(c, "main").await.contains("Kiểm tra theo quy định"));
    let theirs = c.current_url().await.unwrap().path().to_owned();
    problems.extend(check_screen(&b, "cluster").await);
    sign_out(c).await;
    // Another province's staff: the cluster is not found.
    sign_in(c, &portal, "cv.so.79@demo.test", "/ccn").await;
    c.goto(&format!("{portal}{theirs}")).await.unwrap();
    assert_eq!(h1(c).await, "Không tìm thấy");
    assert!(problems.is_empty(), "{problems:#?}");
}
