//! The national fund's journey once through the portal, in a real browser against every service, with
//! nothing done behind the browser's back: an establishment registers and Hà Nội's centre verifies it;
//! it applies for the national fund with its quote; the centre returns the application with a reason,
//! the establishment adds a new quote and submits again, and the centre accepts it. The ministry sets
//! the year's national envelope and allocates to Hà Nội; the centre builds a scheme from the case and
//! registers it; the department's officer appraises it, the department sends it to the ministry, and
//! the ministry approves it. The ministry signs the contract and advances the money; the centre reports
//! progress and records the acceptance; the settlement dossier appears among the centre's duties; the
//! centre submits it and the duty reads fulfilled; the ministry settles and pays the rest; the
//! ministry's dashboard shows the money settled and the execution rate. The same journey over HTTP,
//! with its reminder e-mails as the clock moves, is `journeys.rs`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::System;
use kc_e2e::browser::{
    Client, Locator, at, attach, browser, check_screen, choose, click, click_through,
    click_through_at, fill, h1, h1_becomes, lands, lands_under, notice, pdf, sign_in, sign_in_with,
    sign_out, text_of,
};
use kc_kernel::{TaxCode, format_date_vn, today_vn};
use std::path::PathBuf;
use std::time::Duration;

const EMAIL: &str = "gom-bat-trang-an@demo.test";
const PASSWORD: &str = "Gốm-Bát-Tràng-2026!";
const NAME: &str = "Cơ sở gốm Bát Tràng An";
const TITLE: &str = "Mô hình trình diễn lò nung gốm tiết kiệm năng lượng";
const DUTY: &str = "Nộp hồ sơ quyết toán đề án sau nghiệm thu";

/// The files the journey uploads, removed when it ends.
struct Files(Vec<PathBuf>);

impl Files {
    fn pdf(&mut self, name: &str) -> PathBuf {
        let p = pdf(name);
        self.0.push(p.clone());
        p
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Take step `act` from the case page, with a reason when given.
async fn case_step(c: &Client, act: &str, reason: Option<&str>) -> String {
    if let Some(r) = reason {
        fill(c, &format!("reason-{act}"), r).await;
    }
    click_through(c, &format!("form.act:has(input[value='{act}']) button")).await;
    notice(c).await
}

/// Upload a quote to the case page's documents.
async fn upload_quote(c: &Client, file: &std::path::Path) {
    choose(c, "kind", "quote").await;
    attach(c, "file", file).await;
    click_through(c, "form[enctype='multipart/form-data'] button").await;
    assert_eq!(notice(c).await, "Đã tải tài liệu lên.");
}

/// Take the scheme's next step from its page.
async fn scheme_step(c: &Client) {
    click_through(c, "#advance-form button").await;
    assert_eq!(notice(c).await, "Đã chuyển đề án sang bước tiếp theo.");
}

/// Send the implementation page's form for `act` and wait for the page that answers it.
async fn execution_step(c: &Client, scheme: &str, act: &str) {
    click_through(c, &format!("#form-{act} button.primary")).await;
    lands_under(c, &format!("/de-an/{scheme}/thuc-hien?xong=")).await;
}

/// The state of the settlement dossier's duty on the centre's duties page, once it is there: the
/// row names the duty and, under it, the scheme.
async fn duty_state(c: &Client, portal: &str) -> String {
    kc_testing::wait_for(
        "the scheme's settlement dossier among the centre's duties",
        Duration::from_secs(30),
        || async {
            c.goto(&format!("{portal}/nghia-vu")).await.unwrap();
            let badge = c
                .find(Locator::XPath(&format!(
                    "//tr[td[a[normalize-space()='{DUTY}'] and small[normalize-space()='{TITLE}']]]\
                     //span[contains(@class,'badge')]"
                )))
                .await
                .ok()?;
            badge.attr("class").await.unwrap()
        },
    )
    .await
}

/// The cells of the dashboard's row for Hà Nội: plan, approved, committed, paid, settled, rate,
/// schemes.
async fn ha_noi_row(c: &Client) -> Vec<String> {
    let row = c
        .find(Locator::XPath(
            "//table[@id='figures-table']/tbody/tr[th[contains(.,'Hà Nội')]]",
        ))
        .await
        .unwrap();
    let mut cells = Vec::new();
    for td in row.find_all(Locator::Css("td")).await.unwrap() {
        cells.push(td.text().await.unwrap());
    }
    cells
}

#[tokio::test]
async fn the_national_fund_journey_through_the_portal() {
    let system = System::start().await;
    let portal = system.service("portal").url("");
    let b = browser().await;
    let c = &b.client;
    let mut files = Files(Vec::new());
    let mut problems = Vec::new();
    let year = kc_e2e::open_plan_year();
    let today = format_date_vn(today_vn());
    let tax = (0..10)
        .find_map(|d| TaxCode::with_check_digit(&format!("01077788{d}")))
        .unwrap();

    // 1. The establishment registers; Hà Nội's centre verifies it.
    c.goto(&format!("{portal}/dang-ky")).await.unwrap();
    h1_becomes(c, "Đăng ký tài khoản cơ sở").await;
    fill(c, "tax_code", tax.as_str()).await;
    fill(c, "name", NAME).await;
    choose(c, "enterprise_kind", "household_business").await;
    choose(c, "province_code", "01").await;
    fill(c, "commune", "Xã Bát Tràng").await;
    fill(c, "full_name", "Trần Văn An").await;
    fill(c, "email", EMAIL).await;
    fill(c, "password", PASSWORD).await;
    fill(c, "password_again", PASSWORD).await;
    click_through(c, "form.stack button[type=submit]").await;
    h1_becomes(c, "Đã nhận đăng ký").await;
    sign_in(c, &portal, "ttkc.01@demo.test", "/xac-minh").await;
    let card = format!("//article[h2[normalize-space()='{NAME}']]");
    click_through_at(
        c,
        Locator::XPath(&format!("{card}//form[input[@value='verify']]//button")),
    )
    .await;
    assert!(notice(c).await.contains("Đã xác minh"));
    sign_out(c).await;

    // 2. It applies for the national fund with a quote, in the form's three steps.
    assert_eq!(sign_in_with(c, &portal, EMAIL, PASSWORD).await, "/");
    c.goto(&format!("{portal}/ho-so/moi")).await.unwrap();
    h1_becomes(c, "Lập hồ sơ đề nghị hỗ trợ").await;
    fill(c, "title", TITLE).await;
    choose(c, "fund", "kcqg").await;
    choose(c, "activity_code", "demonstration_model").await;
    fill(c, "plan_year", &year.to_string()).await;
    fill(c, "commune", "Xã Bát Tràng").await;
    click_through(c, "button[value=next]").await;
    let here = lands_under(c, "/ho-so/").await;
    let case = here
        .trim_start_matches("/ho-so/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    lands(c, &format!("/ho-so/{case}/sua/2")).await;
    fill(c, "total_cost", "1.000.000.000").await;
    fill(c, "support_requested", "300.000.000").await;
    fill(c, "counterpart", "700.000.000").await;
    fill(c, "start_date", &format!("01/03/{year}")).await;
    fill(c, "end_date", &format!("31/10/{year}")).await;
    click_through(c, "button[value=next]").await;
    lands(c, &format!("/ho-so/{case}/sua/3")).await;
    fill(c, "expected_results", "Giảm 30% khí đốt mỗi mẻ nung").await;
    click_through(c, "button[value=next]").await;
    lands(c, &format!("/ho-so/{case}")).await;
    upload_quote(c, &files.pdf("bao-gia")).await;
    assert!(
        case_step(c, "submit", None)
            .await
            .starts_with("Đã nộp hồ sơ")
    );
    sign_out(c).await;

    // The centre takes it up and returns it with a reason.
    let reason = "Bổ sung báo giá lò nung có đóng dấu của nhà cung cấp";
    sign_in(c, &portal, "ttkc.01@demo.test", &format!("/ho-so/{case}")).await;
    case_step(c, "review", None).await;
    assert_eq!(
        case_step(c, "return", Some(reason)).await,
        "Đã trả hồ sơ cho doanh nghiệp bổ sung."
    );
    sign_out(c).await;

    // The establishment reads why, adds the stamped quote and submits again.
    sign_in_with(c, &portal, EMAIL, PASSWORD).await;
    c.goto(&format!("{portal}/ho-so/{case}")).await.unwrap();
    assert!(text_of(c, ".reason").await.contains(reason));
    upload_quote(c, &files.pdf("bao-gia-co-dau")).await;
    case_step(c, "submit", None).await;
    sign_out(c).await;

    // The centre accepts it.
    sign_in(c, &portal, "ttkc.01@demo.test", &format!("/ho-so/{case}")).await;
    case_step(c, "review", None).await;
    case_step(c, "accept", None).await;
    assert!(
        text_of(c, "section[aria-labelledby=where]")
            .await
            .contains("Đã tiếp nhận vào đề án")
    );
    sign_out(c).await;

    // 3. The ministry sets the year's national envelope and allocates to Hà Nội.
    let budget = format!("/ngan-sach?nam={year}");
    sign_in(c, &portal, "bo@demo.test", &budget).await;
    fill(c, "national.amount", "1.000.000.000").await;
    click_through(c, "#set-national button").await;
    lands_under(c, &format!("{budget}&xong=1")).await;
    choose(c, "allocation.province", "01").await;
    fill(c, "allocation.amount", "500.000.000").await;
    click_through(c, "#set-allocation button").await;
    lands_under(c, &format!("{budget}&xong=1")).await;
    sign_out(c).await;

    // The centre builds the scheme from the case (the form starts with the case's content) and
    // registers it.
    sign_in(c, &portal, "ttkc.01@demo.test", &format!("/ho-so/{case}")).await;
    click_through(c, "a[href^='/de-an/moi?ho-so=']").await;
    assert_eq!(h1(c).await, "Lập đề án khuyến công");
    click_through(c, "form.stack button.primary").await;
    let here = lands_under(c, "/de-an/").await;
    let scheme = here
        .trim_start_matches("/de-an/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(h1(c).await, TITLE);
    scheme_step(c).await;
    assert!(
        text_of(c, "section[aria-labelledby=where]")
            .await
            .contains("Đã đăng ký kế hoạch")
    );
    sign_out(c).await;

    // The department's officer appraises it against the rubric in force and concludes.
    sign_in(
        c,
        &portal,
        "cv.so.01@demo.test",
        &format!("/de-an/{scheme}"),
    )
    .await;
    kc_e2e::browser::score_at_max(c).await;
    fill(c, "recommended_amount", "300000000").await;
    click(c, "#no_conflict").await;
    click_through(c, "#score-form button").await;
    assert_eq!(notice(c).await, "Đã ghi nhận phiếu chấm điểm của anh/chị.");
    scheme_step(c).await;
    sign_out(c).await;

    // The department sends it to the ministry, which selects and approves it.
    sign_in(c, &portal, "so.01@demo.test", &format!("/de-an/{scheme}")).await;
    scheme_step(c).await;
    sign_out(c).await;
    sign_in(c, &portal, "bo@demo.test", &format!("/de-an/{scheme}")).await;
    scheme_step(c).await;
    scheme_step(c).await;
    assert!(
        text_of(c, "section[aria-labelledby=where]")
            .await
            .contains("Đã phê duyệt")
    );

    // 4. The ministry, which funds a national scheme, signs the contract and advances the money.
    click_through(c, &format!("a[href='/de-an/{scheme}/thuc-hien']")).await;
    fill(c, "sign_contract.number", "21/2026/HĐ-KCQG").await;
    fill(c, "sign_contract.signed_on", &today).await;
    fill(c, "sign_contract.ends_on", &format!("31/12/{year}")).await;
    fill(c, "sign_contract.amount", "300.000.000").await;
    attach(c, "sign_contract-file", &files.pdf("hop-dong")).await;
    execution_step(c, &scheme, "sign_contract").await;
    assert!(text_of(c, "main").await.contains("21/2026/HĐ-KCQG"));
    fill(c, "advance.amount", "210.000.000").await;
    fill(c, "advance.paid_on", &today).await;
    attach(c, "advance-file", &files.pdf("chung-tu-tam-ung")).await;
    execution_step(c, &scheme, "advance").await;
    assert!(
        text_of(c, "#payments ~ div table")
            .await
            .contains("210.000.000")
    );
    sign_out(c).await;

    // The centre reports progress and records the acceptance.
    let execution = format!("/de-an/{scheme}/thuc-hien");
    sign_in(c, &portal, "ttkc.01@demo.test", &execution).await;
    fill(c, "report_progress.reported_on", &today).await;
    fill(c, "report_progress.percent_done", "100").await;
    fill(
        c,
        "report_progress.body",
        "Đã xây xong lò nung và nung thử ba mẻ.",
    )
    .await;
    execution_step(c, &scheme, "report_progress").await;
    fill(c, "accept.accepted_on", &today).await;
    fill(
        c,
        "accept.members",
        "Lê Văn Trung, Phó Giám đốc Trung tâm\nTrần Văn An, Chủ cơ sở",
    )
    .await;
    attach(c, "accept-file", &files.pdf("bien-ban-nghiem-thu")).await;
    execution_step(c, &scheme, "accept").await;
    assert_eq!(text_of(c, "main > p strong").await, "Đã nghiệm thu");

    // 5. The settlement dossier is among the centre's duties, open; the centre submits it from the
    // implementation page, and the duty reads fulfilled.
    assert!(
        duty_state(c, &portal).await.contains("state-open"),
        "the settlement dossier is open"
    );
    problems.extend(check_screen(&b, "journey-duties").await);
    c.goto(&format!("{portal}{execution}")).await.unwrap();
    fill(c, "submit_settlement.claimed", "280.000.000").await;
    attach(c, "submit_settlement-file", &files.pdf("ho-so-quyet-toan")).await;
    execution_step(c, &scheme, "submit_settlement").await;
    kc_testing::wait_for(
        "the settlement dossier fulfilled",
        Duration::from_secs(30),
        || async {
            duty_state(c, &portal)
                .await
                .contains("state-fulfilled")
                .then_some(())
        },
    )
    .await;
    sign_out(c).await;

    // 6. The ministry settles 280 million and pays the 70 million left.
    sign_in(c, &portal, "bo@demo.test", &execution).await;
    fill(c, "decide_settlement.settled", "280.000.000").await;
    fill(c, "decide_settlement.settled_on", &today).await;
    fill(c, "decide_settlement.liquidated_on", &today).await;
    attach(c, "decide_settlement-file", &files.pdf("bien-ban-thanh-ly")).await;
    execution_step(c, &scheme, "decide_settlement").await;
    assert_eq!(text_of(c, "main > p strong").await, "Đã quyết toán");
    fill(c, "pay.amount", "70.000.000").await;
    fill(c, "pay.paid_on", &today).await;
    attach(c, "pay-file", &files.pdf("chung-tu-thanh-toan")).await;
    execution_step(c, &scheme, "pay").await;
    problems.extend(check_screen(&b, "journey-settled").await);

    // 7. The ministry's dashboard for the national fund: Hà Nội's 300 million approved, 280 paid and
    // settled, 93,33 % executed.
    c.goto(&format!("{portal}/tong-hop?year={year}&fund=kcqg"))
        .await
        .unwrap();
    let row = ha_noi_row(c).await;
    assert_eq!(
        row[1..6],
        ["300,00", "300,00", "280,00", "280,00", "93,33 %"],
        "{row:?}"
    );
    assert_eq!(at(c).await, format!("/tong-hop?year={year}&fund=kcqg"));
    sign_out(c).await;
    assert!(problems.is_empty(), "{problems:#?}");
}
