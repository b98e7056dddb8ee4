//! The ministry changes the rules the law may change, through the portal in a real browser: a new
//! version of a support cap from next year (a day in the past is refused beside it, words where a
//! share belongs too, what was typed kept) ends the version in force the day before; a reporting
//! duty's reminder days and escalation change from tomorrow; a holiday is added to next year's
//! calendar and removed again. A province's administrator sets its own reminder days; a centre
//! officer reads the rules without a form to change them.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::System;
use kc_e2e::browser::{
    Locator, after_click, browser, check_screen, choose, click_through, click_through_at,
    confirm_through, fill, h1, lands_under, sign_in, sign_out, text_of, value_of,
};

#[tokio::test]
async fn the_ministry_issues_new_versions_of_a_cap_a_duty_and_the_calendar() {
    let system = System::start().await;
    let portal = system.service("portal").url("");
    let today = kc_kernel::today_vn();
    let next_year = chrono::Datelike::year(&today) + 1;
    let tomorrow = kc_kernel::format_date_vn(today.succ_opt().unwrap());
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    // 1. A support cap: a new version from next year.
    sign_in(c, &portal, "bo@demo.test", "/quy-dinh").await;
    assert_eq!(h1(c).await, "Quy định áp dụng");
    problems.extend(check_screen(&b, "rules").await);
    click_through_at(
        c,
        Locator::XPath(
            "//tr[contains(., 'Ứng dụng máy móc thiết bị tiên tiến · KCQG · Toàn quốc')]//a",
        ),
    )
    .await;
    let first = lands_under(c, "/quy-dinh/khuyen-cong/").await;
    assert_eq!(h1(c).await, "Mức hỗ trợ tối đa");
    assert_eq!(value_of(c, "body.max_share_percent").await, "50");
    assert_eq!(value_of(c, "body.max_amount").await, "300.000.000");
    fill(c, "valid_from", "01/01/2020").await;
    fill(c, "body.max_share_percent", "bốn mươi lăm").await;
    click_through(c, "#form-next button.primary").await;
    after_click(c, Locator::Id("body.max_share_percent-error")).await;
    assert_eq!(value_of(c, "body.max_share_percent").await, "bốn mươi lăm");
    fill(c, "body.max_share_percent", "45").await;
    click_through(c, "#form-next button.primary").await;
    let refused = after_click(c, Locator::Id("valid_from-error"))
        .await
        .text()
        .await
        .unwrap();
    assert!(refused.contains("hồi tố"), "{refused}");
    problems.extend(check_screen(&b, "rule-refused").await);
    fill(c, "valid_from", &format!("01/01/{next_year}")).await;
    fill(c, "body.max_amount", "350.000.000").await;
    click_through(c, "#form-next button.primary").await;
    let second = lands_under(c, "/quy-dinh/khuyen-cong/").await;
    assert_ne!(first.split('?').next(), second.split('?').next());
    assert!(second.ends_with("?xong=1"), "{second}");
    let page = text_of(c, "main").await;
    assert!(page.contains("Sắp áp dụng"), "{page}");
    assert!(page.contains("350.000.000 đồng"), "{page}");
    c.goto(&format!("{portal}/quy-dinh?tat_ca=1"))
        .await
        .unwrap();
    let old = text_of(
        c,
        &format!("a[href='{}']", first.split('?').next().unwrap()),
    )
    .await;
    assert_eq!(old, "Mức hỗ trợ tối đa");
    let all = text_of(c, "#extension ~ div table").await;
    assert!(
        all.contains(&format!("01/01/2019 – 31/12/{}", next_year - 1)),
        "the version in force ends the day before"
    );

    // 2. A duty's reminder days and escalation, from tomorrow.
    click_through(c, "a[href='/quy-dinh/nghia-vu']").await;
    click_through_at(
        c,
        Locator::XPath("//tr[contains(., 'Báo cáo tình hình cụm công nghiệp cả năm')]//a"),
    )
    .await;
    lands_under(c, "/quy-dinh/nghia-vu/").await;
    assert_eq!(value_of(c, "offsets").await, "-14, -7, -1, 0, +1, +7");
    problems.extend(check_screen(&b, "rule-duty").await);
    fill(c, "valid_from", &tomorrow).await;
    fill(c, "offsets", "-10, -3, 0, một tuần").await;
    click_through(c, "#form-next button.primary").await;
    after_click(c, Locator::Id("offsets-error")).await;
    fill(c, "offsets", "-10, -3, 0, +3").await;
    fill(c, "esc2.after_days", "5").await;
    choose(c, "esc2.to", "department").await;
    click_through(c, "#form-next button.primary").await;
    lands_under(c, "/quy-dinh/nghia-vu/").await;
    let facts = text_of(c, "dl.facts").await;
    assert!(facts.contains("-10, -3, 0, +3"), "{facts}");
    assert!(facts.contains("5 ngày quá hạn → Sở Công Thương"), "{facts}");
    assert!(facts.contains(&format!("Từ {tomorrow}")), "{facts}");

    // 3. Next year's calendar: a holiday added, then removed.
    c.goto(&format!("{portal}/quy-dinh/ngay-nghi?nam={next_year}"))
        .await
        .unwrap();
    fill(c, "day", &format!("02/09/{next_year}")).await;
    fill(c, "name", "Quốc khánh").await;
    click_through(c, "#form-day button.primary").await;
    lands_under(c, &format!("/quy-dinh/ngay-nghi?nam={next_year}&xong=")).await;
    assert!(text_of(c, "#days").await.contains("Quốc khánh"));
    problems.extend(check_screen(&b, "rule-calendar").await);
    confirm_through(
        c,
        &format!("#days button[aria-label='Bỏ ngày này 02/09/{next_year}']"),
    )
    .await;
    lands_under(c, &format!("/quy-dinh/ngay-nghi?nam={next_year}&xong=")).await;
    assert!(!text_of(c, "main").await.contains("Quốc khánh"));
    sign_out(c).await;

    // 4. A province's administrator sets its own reminder days.
    sign_in(c, &portal, "so.01@demo.test", "/quy-dinh/nghia-vu").await;
    click_through_at(
        c,
        Locator::XPath("//tr[contains(., 'Báo cáo tình hình cụm công nghiệp 6 tháng đầu năm')]//a"),
    )
    .await;
    lands_under(c, "/quy-dinh/nghia-vu/").await;
    assert!(
        c.find(Locator::Id("esc1.after_days")).await.is_err(),
        "a province sets only its reminder days"
    );
    fill(c, "valid_from", &tomorrow).await;
    fill(c, "offsets", "-5, 0").await;
    click_through(c, "#form-next button.primary").await;
    lands_under(c, "/quy-dinh/nghia-vu/").await;
    let facts = text_of(c, "dl.facts").await;
    assert!(facts.contains("Tỉnh 01"), "{facts}");
    assert!(facts.contains("-5, 0"), "{facts}");
    sign_out(c).await;

    // 5. A centre officer reads the rules; there is no form to change them.
    sign_in(c, &portal, "ttkc.01@demo.test", "/quy-dinh").await;
    click_through(c, "#clusters ~ div table a").await;
    lands_under(c, "/quy-dinh/ccn/").await;
    assert!(c.find(Locator::Id("form-next")).await.is_err());
    assert!(problems.is_empty(), "{problems:#?}");
}
