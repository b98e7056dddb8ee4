//! Accounts through the portal, in a real browser against every service: an establishment registers
//! (a wrong tax code is named beside its field, what was typed is kept), cannot sign in before it is
//! verified, is refused once without a reason and then verified by its province's centre; it
//! changes its phone and its password on its account page, forgets the password and sets a new one
//! from the e-mailed link. A department administrator adds a user to its centre and locks it; another
//! province's administrator cannot see that centre.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::System;
use kc_e2e::browser::{
    Locator, after_click, at, browser, check_screen, choose, click, click_through,
    click_through_at, fill, h1, h1_becomes, lands, sign_in, sign_in_with, sign_out, text_of,
    value_of,
};
use kc_kernel::TaxCode;
use std::time::Duration;

#[tokio::test]
async fn an_establishment_registers_is_verified_and_keeps_its_account() {
    let system = System::start().await;
    let portal = system.service("portal").url("");
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();
    let email = "co-so-may-tre@demo.test";
    let good_tax = (0..10)
        .find_map(|d| TaxCode::with_check_digit(&format!("01987654{d}")))
        .unwrap();
    let bad_tax = {
        let s = good_tax.as_str();
        let last = s.as_bytes()[9] - b'0';
        format!("{}{}", &s[..9], (last + 1) % 10)
    };

    // 1. The establishment registers from the login page. A tax code whose check digit is wrong is
    //    refused beside its field (identity's message); the rest of what was typed stays.
    c.goto(&format!("{portal}/dang-nhap")).await.unwrap();
    click_through(c, "a[href='/dang-ky']").await;
    h1_becomes(c, "Đăng ký tài khoản cơ sở").await;
    problems.extend(check_screen(&b, "register").await);
    fill(c, "tax_code", &bad_tax).await;
    fill(c, "name", "Cơ sở mây tre đan Phú Vinh").await;
    choose(c, "enterprise_kind", "household_business").await;
    choose(c, "province_code", "01").await;
    fill(c, "commune", "Xã Phú Nghĩa").await;
    click(c, "#woman_owned").await;
    fill(c, "full_name", "Nguyễn Thị Lan").await;
    fill(c, "email", email).await;
    fill(c, "password", "Mây-tre-2026!").await;
    fill(c, "password_again", "Mây-tre-2026!").await;
    click_through(c, "form.stack button[type=submit]").await;
    let error = after_click(c, Locator::Id("tax_code-error"))
        .await
        .text()
        .await
        .unwrap();
    assert!(error.contains("Mã số thuế"), "{error}");
    assert_eq!(value_of(c, "name").await, "Cơ sở mây tre đan Phú Vinh");
    assert_eq!(value_of(c, "province_code").await, "01");
    assert_eq!(
        value_of(c, "password").await,
        "",
        "a password is never sent back"
    );
    problems.extend(check_screen(&b, "register-refused").await);
    fill(c, "tax_code", good_tax.as_str()).await;
    fill(c, "password", "Mây-tre-2026!").await;
    fill(c, "password_again", "Mây-tre-2026!").await;
    click_through(c, "form.stack button[type=submit]").await;
    h1_becomes(c, "Đã nhận đăng ký").await;

    // 2. Not verified yet: signing in is refused with identity's reason.
    let here = sign_in_with(c, &portal, email, "Mây-tre-2026!").await;
    assert_eq!(here, "/dang-nhap");
    let why = text_of(c, "#login-error").await;
    assert!(!why.is_empty());

    // 3. Hà Nội's centre finds it among the registrations. A rejection without a reason is
    //    refused on its card; then the centre verifies it.
    sign_in(c, &portal, "ttkc.01@demo.test", "/xac-minh").await;
    h1_becomes(c, "Xác minh tài khoản cơ sở").await;
    problems.extend(check_screen(&b, "verify").await);
    let card = "//article[h2[normalize-space()='Cơ sở mây tre đan Phú Vinh']]";
    c.find(Locator::XPath(card)).await.unwrap();
    let held = c
        .find(Locator::XPath(&format!(
            "{card}//dd[normalize-space()='{}']",
            good_tax.as_str()
        )))
        .await;
    assert!(held.is_ok(), "the tax code is on the card");
    click_through_at(
        c,
        Locator::XPath(&format!("{card}//form[input[@value='reject']]//button")),
    )
    .await;
    let refused = c
        .find(Locator::XPath(&format!("{card}//p[@class='error']")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!refused.is_empty());
    click_through_at(
        c,
        Locator::XPath(&format!("{card}//form[input[@value='verify']]//button")),
    )
    .await;
    after_click(c, Locator::Css("p.notice")).await;
    assert!(text_of(c, "p.notice").await.contains("Đã xác minh"));
    // Another province's centre does not see it.
    sign_out(c).await;
    sign_in(c, &portal, "ttkc.79@demo.test", "/xac-minh?status=active").await;
    assert!(c.find(Locator::XPath(card)).await.is_err());
    sign_out(c).await;

    // 4. Verified: the establishment signs in and keeps its account.
    let here = sign_in_with(c, &portal, email, "Mây-tre-2026!").await;
    assert_eq!(here, "/");
    click_through(c, "a[href='/tai-khoan']").await;
    h1_becomes(c, "Tài khoản của tôi").await;
    assert!(text_of(c, "main").await.contains(good_tax.as_str()));
    problems.extend(check_screen(&b, "account").await);
    fill(c, "phone", "0912 345 678").await;
    click_through(c, "form[action='/tai-khoan'] button").await;
    lands(c, "/tai-khoan?done=da-luu").await;
    assert_eq!(value_of(c, "phone").await, "0912 345 678");
    // A wrong current password is named beside its field; the right one changes it, and the
    // portal signs this session in again.
    fill(c, "current_password", "not-my-password").await;
    fill(c, "new_password", "Mây-tre-2027!").await;
    fill(c, "new_password_again", "Mây-tre-2027!").await;
    click_through(c, "form[action='/tai-khoan/mat-khau'] button").await;
    after_click(c, Locator::Id("current_password-error")).await;
    fill(c, "current_password", "Mây-tre-2026!").await;
    fill(c, "new_password", "Mây-tre-2027!").await;
    fill(c, "new_password_again", "Mây-tre-2027!").await;
    click_through(c, "form[action='/tai-khoan/mat-khau'] button").await;
    lands(c, "/tai-khoan?done=mat-khau").await;
    sign_out(c).await;

    // 5. Forgotten: the link the e-mail carries sets a new password.
    c.goto(&format!("{portal}/dang-nhap")).await.unwrap();
    click_through(c, "a[href='/quen-mat-khau']").await;
    problems.extend(check_screen(&b, "forgot").await);
    fill(c, "email", email).await;
    click_through(c, "form.stack button[type=submit]").await;
    after_click(c, Locator::Css("p.notice")).await;
    let link = kc_testing::wait_for("the reset link", Duration::from_secs(10), || async {
        system
            .db
            .query(
                "SELECT secret::text AS s FROM outbox.events WHERE secret::text LIKE '%dat-lai-mat-khau%'",
            )
            .await
            .first()
            .and_then(|r| r["s"].as_str().map(str::to_owned))
    })
    .await;
    let token = link
        .split("token=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    c.goto(&format!("{portal}/dat-lai-mat-khau?token={token}"))
        .await
        .unwrap();
    fill(c, "new_password", "Mây-tre-2028!").await;
    fill(c, "new_password_again", "Mây-tre-2029!").await;
    click_through(c, "form.stack button[type=submit]").await;
    after_click(c, Locator::Id("new_password_again-error")).await;
    fill(c, "new_password", "Mây-tre-2028!").await;
    fill(c, "new_password_again", "Mây-tre-2028!").await;
    click_through(c, "form.stack button[type=submit]").await;
    after_click(c, Locator::Css("p.notice")).await;
    assert_eq!(h1(c).await, "Đặt lại mật khẩu");
    let here = sign_in_with(c, &portal, email, "Mây-tre-2027!").await;
    assert_eq!(here, "/dang-nhap", "the old password no longer works");
    let here = sign_in_with(c, &portal, email, "Mây-tre-2028!").await;
    assert_eq!(here, "/");
    sign_out(c).await;

    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn a_department_admin_adds_and_locks_a_user_of_its_centre() {
    let system = System::start().await;
    let portal = system.service("portal").url("");
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    sign_in(c, &portal, "so.01@demo.test", "/").await;
    click_through(c, "a[href='/quan-tri']").await;
    click_through(c, "a[href='/nguoi-dung']").await;
    h1_becomes(c, "Tổ chức và người dùng").await;
    choose(c, "kind", "centre").await;
    click_through(c, "form.filters button").await;
    click_through(c, "table tbody tr a").await;
    let centre_page = at(c).await;
    let centre = centre_page.split("org=").nth(1).unwrap().to_owned();
    problems.extend(check_screen(&b, "users").await);

    // A bad address is named beside its field; the rest stays.
    fill(c, "full_name", "Trần Văn Minh").await;
    fill(c, "email", "not-an-address").await;
    fill(c, "password", "Tạm-thời-2026").await;
    click_through(c, "form[action='/nguoi-dung/them'] button.primary").await;
    after_click(c, Locator::Id("email-error")).await;
    assert_eq!(value_of(c, "full_name").await, "Trần Văn Minh");
    fill(c, "email", "minh.ttkc01@demo.test").await;
    fill(c, "password", "Tạm-thời-2026").await;
    click_through(c, "form[action='/nguoi-dung/them'] button.primary").await;
    after_click(c, Locator::Css("p.notice")).await;
    let row = "//form[p[contains(., 'minh.ttkc01@demo.test')]]";
    c.find(Locator::XPath(row)).await.unwrap();

    // The new officer signs in, then is locked out by the admin.
    sign_out(c).await;
    let here = sign_in_with(c, &portal, "minh.ttkc01@demo.test", "Tạm-thời-2026").await;
    assert_eq!(here, "/");
    sign_out(c).await;
    sign_in(
        c,
        &portal,
        "so.01@demo.test",
        &format!("/nguoi-dung?org={centre}"),
    )
    .await;
    c.find(Locator::XPath(&format!("{row}//select")))
        .await
        .unwrap()
        .select_by_value("disabled")
        .await
        .unwrap();
    click_through_at(c, Locator::XPath(&format!("{row}//button"))).await;
    let line = c
        .find(Locator::XPath(&format!("{row}/p")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(line.ends_with("Đã khoá"), "{line}");
    sign_out(c).await;
    let here = sign_in_with(c, &portal, "minh.ttkc01@demo.test", "Tạm-thời-2026").await;
    assert_eq!(here, "/dang-nhap", "a locked account cannot sign in");

    // Another province's administrator does not find Hà Nội's centre; a centre officer may not
    // administer at all.
    sign_in(c, &portal, "so.79@demo.test", "/").await;
    c.goto(&format!("{portal}/nguoi-dung?org={centre}"))
        .await
        .unwrap();
    assert_eq!(h1(c).await, "Không tìm thấy");
    sign_out(c).await;
    sign_in(c, &portal, "ttkc.01@demo.test", "/").await;
    assert!(c.find(Locator::Css("a[href='/nguoi-dung']")).await.is_err());
    c.goto(&format!("{portal}/nguoi-dung")).await.unwrap();
    assert_ne!(h1(c).await, "Tổ chức và người dùng");
    // An address the portal does not have is its "not found" page, not an API's answer.
    for path in ["/khong-co-trang-nay", "/de-an/", "/ho-so/moi/thua"] {
        c.goto(&format!("{portal}{path}")).await.unwrap();
        assert_eq!(h1(c).await, "Không tìm thấy", "{path}");
    }

    assert!(problems.is_empty(), "{problems:#?}");
}
