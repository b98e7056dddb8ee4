//! The application journey through the portal, in a real browser against every service: an enterprise
//! fills in the form step by step (a wrong amount is named next to its field and what was typed is
//! kept), uploads its request letter and submits; the centre finds it in its queue, takes it up and
//! returns it with a reason; the enterprise reads the reason, corrects the cost and submits again;
//! the centre compares the two submissions and accepts the case from its queue, in a batch. Another
//! province's centre gets the "not found" page for the case and its document. The form is also filled
//! in with JavaScript switched off.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Datelike;
use kc_e2e::System;
use kc_e2e::browser::{
    Client, Locator, after_click, at, browser, browser_with, check_screen, choose, click,
    click_through, fill, h1, h1_becomes, lands, notice, sign_in, sign_out, text_of, value_of,
};
use std::time::Duration;

/// The plan year the demo applies for (next year), and a date of it as the form takes it.
fn plan_year() -> i32 {
    kc_kernel::today_vn().year() + 1
}

/// Fill in the three steps of the form (the page must be step 1), with a first wrong amount on step
/// 2; the case's id.
async fn fill_the_form(
    c: &Client,
    title: &str,
    cost: &str,
    screens: Option<&kc_e2e::browser::Browser>,
) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    let year = plan_year();
    fill(c, "title", title).await;
    choose(c, "fund", "kcdp").await;
    choose(c, "activity_code", "machinery").await;
    fill(c, "plan_year", &year.to_string()).await;
    fill(c, "commune", "Xã Sơn Đồng").await;
    if let Some(b) = screens {
        problems.extend(check_screen(b, "application-form").await);
    }
    click_through(c, "button[value=next]").await;
    let here = kc_testing::wait_for(
        "the form's second step",
        Duration::from_secs(10),
        || async {
            let here = at(c).await;
            here.ends_with("/sua/2").then_some(here)
        },
    )
    .await;
    let id = here
        .trim_start_matches("/ho-so/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(here, format!("/ho-so/{id}/sua/2"));

    // Step 2: an amount in words is refused beside its field; everything typed stays.
    fill(c, "total_cost", "năm trăm triệu").await;
    fill(c, "support_requested", "150.000.000").await;
    fill(c, "counterpart", "350.000.000").await;
    fill(c, "start_date", &format!("01/03/{year}")).await;
    fill(c, "end_date", &format!("30/11/{year}")).await;
    click_through(c, "button[value=next]").await;
    let error = after_click(c, Locator::Id("total_cost-error"))
        .await
        .text()
        .await
        .unwrap();
    assert!(error.contains("chữ số"), "{error}");
    assert_eq!(value_of(c, "total_cost").await, "năm trăm triệu");
    assert_eq!(value_of(c, "start_date").await, format!("01/03/{year}"));
    if let Some(b) = screens {
        problems.extend(check_screen(b, "application-form-error").await);
    }
    fill(c, "total_cost", cost).await;
    click_through(c, "button[value=next]").await;
    lands(c, &format!("/ho-so/{id}/sua/3")).await;
    fill(
        c,
        "expected_results",
        "Tăng năng suất sấy gấp đôi, tạo việc làm cho 6 lao động",
    )
    .await;
    click_through(c, "button[value=next]").await;
    lands(c, &format!("/ho-so/{id}")).await;
    (id, problems)
}

/// Take step `act` from the case page (with a reason when given).
async fn act(c: &Client, act: &str, reason: Option<&str>) {
    if let Some(r) = reason {
        fill(c, &format!("reason-{act}"), r).await;
    }
    click_through(c, &format!("form.act:has(input[value='{act}']) button")).await;
}

#[tokio::test]
async fn an_application_goes_from_the_enterprise_to_the_centre_and_back_in_the_browser() {
    let system = System::start().await;
    system.seed_all();
    let portal = system.service("portal").url("");
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    // The enterprise starts an application from its list.
    sign_in(c, &portal, "dn1.01@demo.test", "/ho-so").await;
    assert_eq!(h1(c).await, "Hồ sơ đề nghị hỗ trợ");
    problems.extend(check_screen(&b, "applications-enterprise").await);
    click_through(c, "a.button[href='/ho-so/moi']").await;
    h1_becomes(c, "Lập hồ sơ đề nghị hỗ trợ").await;
    let (id, found) = fill_the_form(
        c,
        "Máy sấy chè công suất 500 kg/mẻ",
        "500.000.000",
        Some(&b),
    )
    .await;
    problems.extend(found);
    assert_eq!(h1(c).await, "Máy sấy chè công suất 500 kg/mẻ");
    let facts = text_of(c, "dl.facts").await;
    assert!(facts.contains("500.000.000 đồng"), "{facts}");
    assert!(facts.contains(&format!("01/03/{}", plan_year())), "{facts}");

    // A scan too large is refused beside the file, not taken for an expired session.
    let big = std::env::temp_dir().join(format!("ban-quet-{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(&big, vec![b'%'; 13 * 1024 * 1024]).unwrap();
    choose(c, "kind", "request_letter").await;
    kc_e2e::browser::attach(c, "file", &big).await;
    click_through(c, "form[enctype='multipart/form-data'] button").await;
    let refused = text_of(c, "#case-errors").await;
    assert!(refused.contains("Tệp lớn hơn 10 MB"), "{refused}");
    let _ = std::fs::remove_file(&big);

    // The request letter, uploaded from a file.
    let pdf = kc_e2e::browser::pdf("don-de-nghi");
    choose(c, "kind", "request_letter").await;
    kc_e2e::browser::attach(c, "file", &pdf).await;
    click_through(c, "form[enctype='multipart/form-data'] button").await;
    let said = notice(c).await;
    assert_eq!(said, "Đã tải tài liệu lên.");
    let doc_link = c.find(Locator::Css("a[href^='/tai-lieu/']")).await.unwrap();
    assert!(doc_link.text().await.unwrap().starts_with("don-de-nghi-"));
    let doc = doc_link.attr("href").await.unwrap().unwrap();
    let _ = std::fs::remove_file(&pdf);

    // Submitted: the case is with the centre, until a date.
    act(c, "submit", None).await;
    let said = notice(c).await;
    assert!(said.starts_with("Đã nộp hồ sơ"), "{said}");
    let stands = text_of(c, "section[aria-labelledby=where]").await;
    assert!(
        stands.contains("Đã nộp") && stands.contains("Trung tâm Khuyến công"),
        "{stands}"
    );
    assert!(stands.contains("Hạn xử lý"), "{stands}");
    problems.extend(check_screen(&b, "application").await);
    sign_out(c).await;

    // The centre finds it in its queue, takes it up and returns it with a reason.
    sign_in(c, &portal, "ttkc.01@demo.test", "/ho-so?status=submitted").await;
    after_click(c, Locator::Css(&format!("a[href='/ho-so/{id}']"))).await;
    problems.extend(check_screen(&b, "queue").await);
    // The queue as a spreadsheet, made by workflow with the page's filter and the columns ticked.
    let kept = c
        .find(Locator::Css(
            "form[action='/xuat/ho-so'] input[name=status]",
        ))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("submitted"));
    let jar = kc_e2e::browser::cookie_header(c).await;
    let csv = reqwest::Client::new()
        .get(format!(
            "{portal}/xuat/ho-so?status=submitted&columns=organisation_name&columns=title&format=csv"
        ))
        .header("cookie", &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("Máy sấy chè công suất 500 kg/mẻ"), "{csv}");
    assert_eq!(csv.lines().next().unwrap().split(',').count(), 2, "{csv}");
    c.goto(&format!("{portal}/ho-so/{id}")).await.unwrap();
    act(c, "review", None).await;
    after_click(c, Locator::Css("p.notice")).await;
    let reason = "Bổ sung báo giá của hai nhà cung cấp và chi phí lắp đặt";
    act(c, "return", Some(reason)).await;
    let said = notice(c).await;
    assert_eq!(said, "Đã trả hồ sơ cho doanh nghiệp bổ sung.");
    sign_out(c).await;

    // The enterprise reads why, corrects the cost, and submits again.
    sign_in(c, &portal, "dn1.01@demo.test", &format!("/ho-so/{id}")).await;
    let why = text_of(c, ".reason").await;
    assert!(why.contains(reason), "{why}");
    click_through(c, &format!("a[href='/ho-so/{id}/sua/2']")).await;
    lands(c, &format!("/ho-so/{id}/sua/2")).await;
    assert_eq!(value_of(c, "total_cost").await, "500.000.000");
    fill(c, "total_cost", "560000000").await;
    fill(c, "counterpart", "410.000.000").await;
    click_through(c, "button[value=stay]").await;
    let said = notice(c).await;
    assert_eq!(said, "Đã lưu bản nháp.");
    assert_eq!(value_of(c, "total_cost").await, "560.000.000");
    c.goto(&format!("{portal}/ho-so/{id}")).await.unwrap();
    act(c, "submit", None).await;
    after_click(c, Locator::Css("p.notice")).await;
    sign_out(c).await;

    // The centre sees what changed, then takes it up and accepts it from the queue, in batches.
    sign_in(
        c,
        &portal,
        "ttkc.01@demo.test",
        &format!("/ho-so/{id}/so-sanh/1/2"),
    )
    .await;
    let changes = text_of(c, "table").await;
    assert!(
        changes.contains("Tổng kinh phí (đồng)")
            && changes.contains("500.000.000 đồng")
            && changes.contains("560.000.000 đồng"),
        "{changes}"
    );
    problems.extend(check_screen(&b, "application-diff").await);
    for (status, step) in [("submitted", "review"), ("under_review", "accept")] {
        c.goto(&format!("{portal}/ho-so?status={status}"))
            .await
            .unwrap();
        click(c, &format!("#pick-{id}")).await;
        choose(c, "b-act", step).await;
        click_through(c, "fieldset.batch button").await;
        let said = after_click(c, Locator::Css("div[role=status]"))
            .await
            .text()
            .await
            .unwrap();
        assert!(said.contains("Số hồ sơ đã xử lý: 1"), "{step}: {said}");
    }
    c.goto(&format!("{portal}/ho-so/{id}")).await.unwrap();
    assert!(
        text_of(c, "section[aria-labelledby=where]")
            .await
            .contains("Đã tiếp nhận vào đề án")
    );
    let history = c
        .find_all(Locator::Css("section[aria-labelledby=history] tbody tr"))
        .await
        .unwrap();
    assert_eq!(
        history.len(),
        6,
        "submit, review, return, submit, review, accept"
    );
    sign_out(c).await;

    // Another province's centre: the case and its document are not found.
    sign_in(c, &portal, "ttkc.79@demo.test", "/ho-so").await;
    for path in [
        format!("/ho-so/{id}"),
        doc.clone(),
        format!("/ho-so/{id}/sua/1"),
    ] {
        c.goto(&format!("{portal}{path}")).await.unwrap();
        assert_eq!(h1(c).await, "Không tìm thấy", "{path}");
    }
    // Search words the service refuses (a control character) are said to be refused, and kept in
    // the box; the list shows every case instead.
    c.goto(&format!("{portal}/ho-so?q=m%C3%A1y%07"))
        .await
        .unwrap();
    let alert = text_of(c, "main p.error").await;
    assert!(alert.starts_with("Bộ lọc không hợp lệ"), "{alert}");
    assert!(value_of(c, "f-q").await.starts_with("máy"));
    assert!(c.find(Locator::Css("main table")).await.is_ok());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn the_application_form_works_with_javascript_switched_off() {
    let system = System::start().await;
    system.seed_all();
    let portal = system.service("portal").url("");
    let b = browser_with(false).await;
    let c = &b.client;
    sign_in(c, &portal, "dn1.37@demo.test", "/ho-so/moi").await;
    assert_eq!(h1(c).await, "Lập hồ sơ đề nghị hỗ trợ");
    // Every step is a plain form: the page's only script is the portal's optional one (which asks
    // before what cannot be undone), switched off here with the rest.
    for script in c.find_all(Locator::Css("script")).await.unwrap() {
        let src = script.attr("src").await.unwrap();
        assert_eq!(src.as_deref(), Some("/static/portal.js"));
    }
    assert!(
        c.find_all(Locator::Css("[data-confirm]"))
            .await
            .unwrap()
            .is_empty()
    );
    let (id, _) = fill_the_form(c, "Lò sấy gỗ tiết kiệm năng lượng", "500.000.000", None).await;
    act(c, "submit", None).await;
    let said = notice(c).await;
    assert!(said.starts_with("Đã nộp hồ sơ"), "{said}");
    assert!(at(c).await.starts_with(&format!("/ho-so/{id}")));
    // The submission reached workflow.
    let http = reqwest::Client::new();
    let (token, _) = kc_e2e::login(
        &http,
        &system.service("identity").url(""),
        "dn1.37@demo.test",
        kc_e2e::DEMO_PASSWORD,
    )
    .await;
    let a = kc_e2e::get_json(
        &http,
        &system
            .service("workflow")
            .url(&format!("/api/v1/applications/{id}")),
        Some(&token),
    )
    .await;
    assert_eq!(a["status"], "submitted", "{a}");
    assert_eq!(a["total_cost"], "500000000", "{a}");
}
