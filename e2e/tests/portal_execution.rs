//! A scheme from its building to its acceptance, through the portal in a real browser: Hà Nội's
//! centre builds a scheme from an accepted case (the form starts with the case's content; an amount
//! in words is refused beside its field, with what was typed kept); the department's officer, who
//! funds a local scheme, records its implementation contract with the signed file and an advance (one
//! above the ceiling is refused beside its amount, the voucher already uploaded is offered again);
//! the centre reports progress and records the acceptance with its board and record, and the scheme
//! is accepted. Before any scheme, the money: the ministry sets a year's national envelope and
//! allocates it to a province (more than it holds is refused), the province's department sets its
//! local fund, and another province does not see it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::browser::{
    Client, Locator, after_click, attach, browser, check_screen, click_through, confirm_through,
    fill, h1, lands, lands_under, notice, pdf, sign_in, sign_out, text_of, value_of,
};
use kc_e2e::{DEMO_PASSWORD, System, get_json, login};

/// Send the form of an act and wait for the page that answers.
async fn send(c: &Client, act: &str) {
    click_through(c, &format!("#form-{act} button.primary")).await;
}

#[tokio::test]
async fn a_centre_builds_a_scheme_and_the_province_and_centre_carry_one_out() {
    let system = System::start().await;
    system.seed_all();
    let portal = system.service("portal").url("");
    let identity = system.service("identity").url("");
    let workflow = system.service("workflow").url("");
    let http = reqwest::Client::new();
    let today = kc_kernel::format_date_vn(kc_kernel::today_vn());

    // An accepted case of Hà Nội in no scheme yet, and an approved local scheme of Hà Nội.
    let (centre_token, _) = login(&http, &identity, "ttkc.01@demo.test", DEMO_PASSWORD).await;
    let accepted = get_json(
        &http,
        &format!("{workflow}/api/v1/applications?status=accepted&per_page=200"),
        Some(&centre_token),
    )
    .await;
    let case = accepted["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["scheme_id"].is_null())
        .expect("the demo has an accepted case outside any scheme")
        .clone();
    let approved = get_json(
        &http,
        &format!("{workflow}/api/v1/schemes?status=approved&fund=kcdp&per_page=50"),
        Some(&centre_token),
    )
    .await;
    let scheme = approved["items"][0]["id"]
        .as_str()
        .expect("the demo has an approved local scheme in Hà Nội")
        .to_owned();

    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    // 1. The centre builds a scheme from the case.
    sign_in(
        c,
        &portal,
        "ttkc.01@demo.test",
        &format!("/ho-so/{}", case["id"].as_str().unwrap()),
    )
    .await;
    click_through(c, "a[href^='/de-an/moi?ho-so=']").await;
    assert_eq!(h1(c).await, "Lập đề án khuyến công");
    assert_eq!(value_of(c, "title").await, case["title"].as_str().unwrap());
    let ticked = c
        .find(Locator::Id(&format!(
            "app.{}",
            case["id"].as_str().unwrap()
        )))
        .await
        .unwrap()
        .prop("checked")
        .await
        .unwrap();
    assert_eq!(ticked.as_deref(), Some("true"));
    problems.extend(check_screen(&b, "scheme-new").await);
    fill(c, "support_requested", "ba trăm triệu").await;
    click_through(c, "form.stack button.primary").await;
    after_click(c, Locator::Id("support_requested-error")).await;
    assert_eq!(value_of(c, "support_requested").await, "ba trăm triệu");
    assert_eq!(value_of(c, "title").await, case["title"].as_str().unwrap());
    let support = case["support_requested"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_owned();
    fill(c, "support_requested", &support).await;
    click_through(c, "form.stack button.primary").await;
    let here = lands_under(c, "/de-an/").await;
    assert!(here.ends_with("?xong=moi"), "{here}");
    let said = notice(c).await;
    assert!(said.starts_with("Đã lập đề án"), "{said}");
    sign_out(c).await;

    // 2. The department, which funds a local scheme, records the contract and an advance.
    sign_in(
        c,
        &portal,
        "cv.so.01@demo.test",
        &format!("/de-an/{scheme}"),
    )
    .await;
    click_through(c, &format!("a[href='/de-an/{scheme}/thuc-hien']")).await;
    assert!(h1(c).await.starts_with("Thực hiện đề án"));
    problems.extend(check_screen(&b, "scheme-execution").await);
    let approved_amount = get_json(
        &http,
        &format!("{workflow}/api/v1/schemes/{scheme}/execution"),
        Some(&centre_token),
    )
    .await["figures"]["approved"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_owned();
    let too_much = (approved_amount.parse::<u64>().unwrap() + 1).to_string();
    fill(c, "sign_contract.number", "15/2026/HĐ-KC").await;
    fill(c, "sign_contract.signed_on", &today).await;
    fill(c, "sign_contract.ends_on", "31/12/2099").await;
    fill(c, "sign_contract.amount", &approved_amount).await;
    attach(c, "sign_contract-file", &pdf("hop-dong")).await;
    send(c, "sign_contract").await;
    lands_under(c, &format!("/de-an/{scheme}/thuc-hien?xong=")).await;
    assert!(text_of(c, "main").await.contains("15/2026/HĐ-KC"));

    fill(c, "advance.amount", &too_much).await;
    fill(c, "advance.paid_on", &today).await;
    attach(c, "advance-file", &pdf("chung-tu")).await;
    send(c, "advance").await;
    let refused = after_click(c, Locator::Id("advance.amount-error"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!refused.is_empty());
    // The voucher uploaded stays the scheme's and is chosen again; what was typed is kept.
    let chosen = value_of(c, "advance-document").await;
    assert!(!chosen.is_empty(), "the uploaded voucher is offered again");
    assert_eq!(value_of(c, "advance.paid_on").await, today);
    problems.extend(check_screen(&b, "scheme-execution-refused").await);
    fill(c, "advance.amount", "1.000.000").await;
    send(c, "advance").await;
    lands_under(c, &format!("/de-an/{scheme}/thuc-hien?xong=")).await;
    assert!(
        text_of(c, "#payments ~ div table")
            .await
            .contains("1.000.000")
    );
    sign_out(c).await;

    // The beneficiary reports its own progress from its case: a share in words is refused beside
    // its field, with what was typed kept.
    let detail = get_json(
        &http,
        &format!("{workflow}/api/v1/schemes/{scheme}"),
        Some(&centre_token),
    )
    .await;
    let own_case = detail["beneficiaries"][0]["application_id"]
        .as_str()
        .expect("the demo's scheme was built from a case")
        .to_owned();
    let mut beneficiary = None;
    for who in ["dn1.01@demo.test", "dn2.01@demo.test"] {
        let (token, _) = login(&http, &identity, who, DEMO_PASSWORD).await;
        let r = http
            .get(format!("{workflow}/api/v1/applications/{own_case}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if r.status().is_success() {
            beneficiary = Some(who);
        }
    }
    let beneficiary = beneficiary.expect("a demo enterprise owns the scheme's case");
    sign_in(c, &portal, beneficiary, &format!("/ho-so/{own_case}")).await;
    click_through(c, &format!("a[href='/ho-so/{own_case}/tien-do']")).await;
    assert_eq!(h1(c).await, "Tiến độ thực hiện đề án");
    fill(c, "percent_done", "một nửa").await;
    fill(c, "body", "Đã nhận máy, đang lắp đặt.").await;
    click_through(c, "#form-progress button.primary").await;
    after_click(c, Locator::Id("percent_done-error")).await;
    assert_eq!(value_of(c, "body").await, "Đã nhận máy, đang lắp đặt.");
    problems.extend(check_screen(&b, "case-progress").await);
    fill(c, "percent_done", "50").await;
    click_through(c, "#form-progress button.primary").await;
    lands(c, &format!("/ho-so/{own_case}/tien-do?xong=1")).await;
    assert!(
        text_of(c, "#sent ~ table")
            .await
            .contains("50 % Đã nhận máy, đang lắp đặt.")
    );
    sign_out(c).await;

    // 3. The centre reports progress and records the acceptance: the scheme is accepted.
    sign_in(
        c,
        &portal,
        "ttkc.01@demo.test",
        &format!("/de-an/{scheme}/thuc-hien"),
    )
    .await;
    fill(c, "report_progress.reported_on", &today).await;
    fill(c, "report_progress.percent_done", "100").await;
    fill(c, "report_progress.body", "Đã lắp đặt và chạy thử máy.").await;
    send(c, "report_progress").await;
    lands_under(c, &format!("/de-an/{scheme}/thuc-hien?xong=")).await;
    fill(c, "accept.accepted_on", &today).await;
    fill(
        c,
        "accept.members",
        "Lê Văn Trung, Phó Giám đốc Trung tâm\nPhạm Thị Mai, Chủ cơ sở",
    )
    .await;
    attach(c, "accept-file", &pdf("bien-ban")).await;
    send(c, "accept").await;
    lands_under(c, &format!("/de-an/{scheme}/thuc-hien?xong=")).await;
    assert!(text_of(c, "main").await.contains("Đã nghiệm thu"));
    assert!(
        text_of(c, "#acceptance ~ ul")
            .await
            .contains("Phạm Thị Mai (Chủ cơ sở)")
    );

    // Another province's officer does not find the scheme's implementation.
    sign_out(c).await;
    sign_in(c, &portal, "cv.so.79@demo.test", "/").await;
    c.goto(&format!("{portal}/de-an/{scheme}/thuc-hien"))
        .await
        .unwrap();
    assert_eq!(h1(c).await, "Không tìm thấy");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn the_ministry_allocates_the_national_fund_and_a_department_sets_its_local_one() {
    let system = System::start().await;
    let portal = system.service("portal").url("");
    let year = kc_kernel::today_vn()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        + 1;
    let page = format!("/ngan-sach?nam={year}");
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    // The ministry sets the year's national envelope, then allocates it: more than it holds is
    // refused beside the amount, with the province still chosen.
    sign_in(c, &portal, "bo@demo.test", &page).await;
    fill(c, "national.amount", "100.000.000.000").await;
    click_through(c, "#set-national button").await;
    lands_under(c, &format!("{page}&xong=1")).await;
    assert!(
        text_of(c, "#kcqg ~ dl")
            .await
            .contains("100.000.000.000 đồng")
    );
    kc_e2e::browser::choose(c, "allocation.province", "01").await;
    fill(c, "allocation.amount", "200.000.000.000").await;
    click_through(c, "#set-allocation button").await;
    after_click(c, Locator::Id("allocation.amount-error")).await;
    assert_eq!(value_of(c, "allocation.province").await, "01");
    problems.extend(check_screen(&b, "budget-refused").await);
    fill(c, "allocation.amount", "30.000.000.000").await;
    click_through(c, "#set-allocation button").await;
    lands_under(c, &format!("{page}&xong=1")).await;
    let allocations = text_of(c, "section[aria-labelledby=kcqg] table").await;
    assert!(allocations.contains("Hà Nội"), "{allocations}");
    assert!(allocations.contains("30.000.000.000 đồng"), "{allocations}");
    problems.extend(check_screen(&b, "budget").await);
    sign_out(c).await;

    // Hà Nội's department sees its allocation and sets its local fund; it cannot allocate.
    sign_in(c, &portal, "so.01@demo.test", &page).await;
    assert!(c.find(Locator::Id("set-allocation")).await.is_err());
    fill(c, "local.amount", "5.000.000.000").await;
    click_through(c, "#set-local button").await;
    lands_under(c, &format!("{page}&xong=1")).await;
    assert!(
        text_of(c, "section[aria-labelledby=kcdp] table")
            .await
            .contains("5.000.000.000 đồng")
    );
    sign_out(c).await;

    // Another province's department does not see Hà Nội's local fund; a centre sets nothing.
    sign_in(c, &portal, "so.79@demo.test", &page).await;
    assert!(
        !text_of(c, "section[aria-labelledby=kcdp]")
            .await
            .contains("Hà Nội")
    );
    sign_out(c).await;
    sign_in(c, &portal, "ttkc.01@demo.test", &page).await;
    assert!(
        c.find(Locator::Css("form[action='/ngan-sach'][method=post]"))
            .await
            .is_err()
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn a_centre_asks_for_an_adjustment_the_department_approves_it_and_stops_the_scheme() {
    let system = System::start().await;
    system.seed_all();
    let portal = system.service("portal").url("");
    let identity = system.service("identity").url("");
    let workflow = system.service("workflow").url("");
    let http = reqwest::Client::new();
    let today = kc_kernel::format_date_vn(kc_kernel::today_vn());
    let (centre_token, _) = login(&http, &identity, "ttkc.01@demo.test", DEMO_PASSWORD).await;
    let approved = get_json(
        &http,
        &format!("{workflow}/api/v1/schemes?status=approved&fund=kcdp&per_page=50"),
        Some(&centre_token),
    )
    .await;
    let scheme = approved["items"][0]["id"]
        .as_str()
        .expect("the demo has an approved local scheme in Hà Nội")
        .to_owned();
    let page = format!("/de-an/{scheme}/thuc-hien");
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    // 1. The centre asks for a new title; a change of timing without its day is refused beside it.
    sign_in(c, &portal, "ttkc.01@demo.test", &page).await;
    kc_e2e::browser::choose(c, "request_adjustment.kind", "change_timing").await;
    fill(c, "request_adjustment.reason", "Thiết bị về chậm.").await;
    attach(c, "request_adjustment-file", &pdf("de-nghi-dieu-chinh")).await;
    send(c, "request_adjustment").await;
    after_click(c, Locator::Id("request_adjustment.ends_on-error")).await;
    assert_eq!(
        value_of(c, "request_adjustment.reason").await,
        "Thiết bị về chậm."
    );
    let chosen = value_of(c, "request_adjustment-document").await;
    assert!(!chosen.is_empty(), "the request uploaded is offered again");
    problems.extend(check_screen(&b, "scheme-adjustment-refused").await);
    kc_e2e::browser::choose(c, "request_adjustment.kind", "change_content").await;
    fill(
        c,
        "request_adjustment.title",
        "Mô hình trình diễn máy sấy nông sản (điều chỉnh)",
    )
    .await;
    send(c, "request_adjustment").await;
    lands_under(c, &format!("{page}?xong=")).await;
    let listed = text_of(c, "#adjustments ~ ul").await;
    assert!(listed.contains("Thay đổi nội dung"), "{listed}");
    assert!(listed.contains("Chờ phê duyệt"), "{listed}");
    assert!(
        c.find(Locator::Id("form-decide_adjustment")).await.is_err(),
        "the centre does not decide its own request"
    );
    sign_out(c).await;

    // 2. The department's approver approves it, then stops the scheme: what was not paid goes back.
    sign_in(c, &portal, "so.01@demo.test", &page).await;
    kc_e2e::browser::choose(c, "decide_adjustment.verdict", "approve").await;
    send(c, "decide_adjustment").await;
    lands_under(c, &format!("{page}?xong=")).await;
    assert!(
        text_of(c, "#adjustments ~ ul")
            .await
            .contains("Đã phê duyệt")
    );
    assert!(h1(c).await.ends_with("(điều chỉnh)"));
    fill(c, "terminate.requested_on", &today).await;
    fill(c, "terminate.reason", "Cơ sở không còn nhu cầu.").await;
    attach(c, "terminate-file", &pdf("de-nghi-ngung")).await;
    let asked = confirm_through(c, "#form-terminate button.primary").await;
    assert!(asked.starts_with("Ngừng thực hiện đề án?"), "{asked}");
    lands_under(c, &format!("{page}?xong=")).await;
    let stopped = text_of(c, "#termination ~ dl").await;
    assert!(stopped.contains("Cơ sở không còn nhu cầu."), "{stopped}");
    problems.extend(check_screen(&b, "scheme-terminated").await);
    assert!(problems.is_empty(), "{problems:#?}");
}
