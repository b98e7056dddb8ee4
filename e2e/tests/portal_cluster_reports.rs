//! A CCN half-year report from the duty to the ministry, through the portal in a real browser: the
//! tenant enterprise of Hà Nội's first cluster follows its overdue duty to the report's form (workers
//! in words are refused beside their field, what was typed kept) and submits it; the department's
//! officer sees who has reported, returns the report saying why (a return without a reason is
//! refused beside the reason); the enterprise finds its figures in the form again, corrects them and
//! submits again; the department accepts both reports and consolidates the province's report; the
//! ministry sees Hà Nội's compliance and consolidated figures, and the register summed by province
//! with its workbook. Another province's staff do not find
//! the report.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::browser::{
    Locator, after_click, browser, check_screen, click_through, click_through_at, fill, h1,
    lands_under, sign_in, sign_out, text_of, value_of,
};
use kc_e2e::{DEMO_PASSWORD, System, get_json, login};

/// What the portal answers at `url` to the session of the cookies `jar` (a download), as text.
async fn text_at(http: &reqwest::Client, url: &str, jar: &str) -> String {
    let r = http.get(url).header("cookie", jar).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn a_tenant_reports_the_department_returns_and_accepts_and_the_ministry_sees_it() {
    let system = System::start().await;
    system.seed_all();
    let portal = system.service("portal").url("");
    let identity = system.service("identity").url("");
    let notifications = system.service("notifications").url("");
    let http = reqwest::Client::new();
    let year = kc_kernel::today_vn().format("%Y").to_string();

    // The tenant's half-year duty on the cluster (the demo leaves its report missing).
    let (tenant_token, _) = login(&http, &identity, "dn2.01@demo.test", DEMO_PASSWORD).await;
    let duties = get_json(
        &http,
        &format!("{notifications}/api/v1/obligations?per_page=200"),
        Some(&tenant_token),
    )
    .await;
    let duty = duties["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["duty_code"] == "ccn_half_year_report" && o["period"] == format!("{year}-H1"))
        .expect("the demo's tenant owes this year's half-year report")
        .clone();
    let cluster = duty["subject_id"].as_str().unwrap().to_owned();

    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    // 1. The enterprise follows its duty to the form and submits the report.
    sign_in(
        c,
        &portal,
        "dn2.01@demo.test",
        &format!("/nghia-vu/{}", duty["id"].as_str().unwrap()),
    )
    .await;
    click_through(c, "a[href^='/ccn/bao-cao?ky=half_year']").await;
    assert_eq!(h1(c).await, "Báo cáo định kỳ về cụm công nghiệp");
    assert_eq!(value_of(c, "ky").await, "half_year");
    let card = text_of(c, &format!("section[aria-labelledby='k-{cluster}']")).await;
    assert!(card.contains("Chưa nộp báo cáo kỳ này"), "{card}");
    problems.extend(check_screen(&b, "ccn-report-form").await);
    fill(c, "workers", "bốn mươi").await;
    fill(c, "revenue", "3.500.000.000").await;
    click_through(c, "#report-form button.primary").await;
    after_click(c, Locator::Id("workers-error")).await;
    assert_eq!(value_of(c, "workers").await, "bốn mươi");
    assert_eq!(value_of(c, "revenue").await, "3.500.000.000");
    fill(c, "workers", "42").await;
    fill(c, "capital_realised", "1.200.000.000").await;
    click_through(c, "#report-form button.primary").await;
    lands_under(c, "/ccn/bao-cao?").await;
    assert!(text_of(c, "p.notice").await.starts_with("Đã nộp báo cáo"));
    let card = text_of(c, &format!("section[aria-labelledby='k-{cluster}']")).await;
    assert!(card.contains("Đã nộp, chờ Sở xem xét"), "{card}");
    // Late when submitted after its due date (20 June, moved to a working day).
    let due: chrono::NaiveDate = duty["due_date"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        card.contains("trễ hạn"),
        kc_kernel::today_vn() > due,
        "{card}"
    );
    sign_out(c).await;

    // 2. The department sees who has reported and returns the report saying why.
    let page = format!("/ccn/bao-cao?ky=half_year&nam={year}");
    sign_in(c, &portal, "cv.so.01@demo.test", "/ccn").await;
    click_through(c, "a[href='/ccn/bao-cao']").await;
    c.goto(&format!("{portal}{page}")).await.unwrap();
    let compliance = text_of(c, "#compliance ~ div table tbody").await;
    assert!(
        compliance.contains("Thành phố Hà Nội 2 2 100,00 %"),
        "{compliance}"
    );
    problems.extend(check_screen(&b, "ccn-reports-department").await);
    click_through_at(
        c,
        Locator::XPath("//tr[contains(., 'Doanh nghiệp hoạt động trong cụm')]//a"),
    )
    .await;
    let report = lands_under(c, "/ccn/bao-cao/").await;
    assert!(
        text_of(c, "#figures ~ dl")
            .await
            .contains("3.500.000.000 đồng")
    );
    click_through(c, "#form-review button[value='return']").await;
    after_click(c, Locator::Id("note-error")).await;
    fill(
        c,
        "note",
        "Doanh thu chưa khớp với báo cáo tài chính 6 tháng.",
    )
    .await;
    click_through(c, "#form-review button[value='return']").await;
    lands_under(c, &format!("{report}?xong=1")).await;
    assert!(text_of(c, "main").await.contains("Sở yêu cầu chỉnh sửa"));
    sign_out(c).await;

    // 3. The enterprise finds its figures again, corrects the revenue and submits again.
    sign_in(c, &portal, "dn2.01@demo.test", &report).await;
    click_through(c, "a[href*='cum=']").await;
    assert_eq!(value_of(c, "workers").await, "42");
    assert_eq!(value_of(c, "revenue").await, "3.500.000.000");
    assert!(
        text_of(c, &format!("section[aria-labelledby='k-{cluster}']"))
            .await
            .contains("Doanh thu chưa khớp")
    );
    fill(c, "revenue", "3.450.000.000").await;
    click_through(c, "#report-form button.primary").await;
    lands_under(c, "/ccn/bao-cao?").await;
    sign_out(c).await;

    // 4. The department accepts both reports and consolidates the province's.
    sign_in(c, &portal, "cv.so.01@demo.test", &page).await;
    for n in 1..=2 {
        c.goto(&format!("{portal}{page}")).await.unwrap();
        click_through(c, &format!("#received ~ table tbody tr:nth-child({n}) a")).await;
        let here = lands_under(c, "/ccn/bao-cao/").await;
        click_through(c, "#form-review button[value='accept']").await;
        lands_under(c, &format!("{here}?xong=1")).await;
        assert!(text_of(c, "main").await.contains("Sở đã tiếp nhận"));
    }
    c.goto(&format!("{portal}{page}")).await.unwrap();
    click_through(c, "#form-consolidate button").await;
    lands_under(c, &format!("{page}&xong=tong-hop")).await;
    let figures = text_of(c, "#consolidated ~ dl").await;
    assert!(figures.contains("3.450.000.000"), "{figures}");
    sign_out(c).await;

    // 5. The ministry sees Hà Nội's compliance and its consolidated report.
    sign_in(c, &portal, "bo@demo.test", &page).await;
    let compliance = text_of(c, "#compliance ~ div table tbody").await;
    let hanoi = compliance
        .lines()
        .find(|l| l.starts_with("Thành phố Hà Nội"))
        .unwrap()
        .to_owned();
    assert!(hanoi.contains("2 2 100,00 % 2 0"), "{hanoi}");
    assert!(hanoi.ends_with("(lần 1)"), "{hanoi}");
    click_through(c, "a[href$='&tinh=01']").await;
    assert!(
        text_of(c, "#consolidated ~ dl")
            .await
            .contains("3.450.000.000")
    );
    problems.extend(check_screen(&b, "ccn-reports-ministry").await);
    // The national view: the register summed by province, with the nation's line, and the list as
    // the registry's workbook.
    c.goto(&format!("{portal}/ccn")).await.unwrap();
    let summary = text_of(c, "#summary ~ div table").await;
    assert!(summary.contains("Thành phố Hà Nội"), "{summary}");
    assert!(summary.contains("Cả nước"), "{summary}");
    assert!(
        c.find(Locator::Css("form[action='/xuat/ccn'] button[value=csv]"))
            .await
            .is_ok()
    );
    let jar = kc_e2e::browser::cookie_header(c).await;
    let fetch = |query: &'static str| {
        http.get(format!("{portal}/xuat/ccn?{query}"))
            .header("cookie", &jar)
            .send()
    };
    let xlsx = fetch("columns=code&columns=name&format=xlsx")
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "an XLSX workbook is a zip"
    );
    let csv = fetch("columns=code&columns=occupancy_percent&format=csv")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("Mã,Tỷ lệ lấp đầy (%)"),
        "{csv}"
    );
    assert!(csv.contains("CCN-01-001,"), "{csv}");
    // Reporting compliance per province for the half-year duty, and its spreadsheet.
    c.goto(&format!(
        "{portal}/nghia-vu/tuan-thu?ky={year}-H1&nghia_vu=ccn_half_year_report"
    ))
    .await
    .unwrap();
    let table = text_of(c, "#compliance").await;
    assert!(table.contains("Thành phố Hà Nội"), "{table}");
    problems.extend(check_screen(&b, "compliance").await);
    let csv = text_at(
        &http,
        &format!(
            "{portal}/xuat/tuan-thu?period={year}-H1&duty=ccn_half_year_report&columns=province_name&columns=total&format=csv"
        ),
        &jar,
    )
    .await;
    assert!(csv.contains("Thành phố Hà Nội,"), "{csv}");
    // The duties list as the notifications service's spreadsheet, with the columns ticked.
    c.goto(&format!("{portal}/nghia-vu")).await.unwrap();
    assert!(
        c.find(Locator::Css("form[action='/xuat/nghia-vu']"))
            .await
            .is_ok()
    );
    let csv = text_at(
        &http,
        &format!("{portal}/xuat/nghia-vu?columns=duty&columns=state&format=csv"),
        &jar,
    )
    .await;
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("Nghĩa vụ,Trạng thái"),
        "{csv}"
    );
    assert!(
        csv.contains("Báo cáo tình hình cụm công nghiệp 6 tháng đầu năm"),
        "{csv}"
    );
    sign_out(c).await;

    // Another province's officer does not find the report.
    sign_in(c, &portal, "cv.so.79@demo.test", "/").await;
    c.goto(&format!("{portal}{report}")).await.unwrap();
    assert_eq!(h1(c).await, "Không tìm thấy");
    assert!(problems.is_empty(), "{problems:#?}");
}
