//! The portal in a real browser: Debian's Chromium, headless, driven through chromedriver (WebDriver,
//! fantoccini), against every service as a real process on one PostgreSQL with the demo data. The
//! test command installs Chromium, chromedriver and axe-core (npm) when they are missing.
//!
//! Each main screen is checked with axe-core (no serious or critical violation), weighed (under
//! 200 KB before images), and saved as a screenshot under `target/screenshots/`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::browser::{
    Locator, after_click, at, browser, check_screen, click, fill_login, h1, h1_becomes,
};
use kc_e2e::{DEMO_PASSWORD, System};

#[tokio::test]
async fn an_enterprise_signs_in_follows_its_duties_and_calendar_and_signs_out() {
    let system = System::start().await;
    system.seed_all();
    let portal = system.service("portal").url("");
    let b = browser().await;
    let c = &b.client;
    let mut problems = Vec::new();

    // Signed out: the home page says what the system is, in Vietnamese; a screen asks to sign in.
    c.goto(&portal).await.unwrap();
    assert_eq!(h1(c).await, "Hệ thống Khuyến công và Cụm công nghiệp");
    problems.extend(check_screen(&b, "home").await);
    c.goto(&format!("{portal}/nghia-vu")).await.unwrap();
    assert_eq!(at(c).await, "/dang-nhap?next=%2Fnghia-vu");
    problems.extend(check_screen(&b, "login").await);

    // A wrong password: the message, and the e-mail kept.
    fill_login(c, "dn1.01@demo.test", "sai-mat-khau").await;
    let alert = after_click(c, Locator::Css("[role=alert]")).await;
    assert!(!alert.text().await.unwrap().is_empty());
    let kept = c
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("dn1.01@demo.test"));

    // Signed in, back where it was going: the enterprise's duties, each with its state and date.
    fill_login(c, "dn1.01@demo.test", DEMO_PASSWORD).await;
    h1_becomes(c, "Nghĩa vụ và thời hạn").await;
    assert_eq!(at(c).await, "/nghia-vu");
    assert_eq!(h1(c).await, "Nghĩa vụ và thời hạn");
    let rows = c.find_all(Locator::Css("tbody tr")).await.unwrap();
    assert!(!rows.is_empty(), "the demo enterprise has duties");
    let date = c
        .find(Locator::Css("tbody time"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        date.len() == 10 && date.as_bytes()[2] == b'/' && date.as_bytes()[5] == b'/',
        "dd/mm/yyyy: {date}"
    );
    problems.extend(check_screen(&b, "duties").await);
    click(c, "tbody td a").await;
    let facts = after_click(c, Locator::Css("dl.facts"))
        .await
        .text()
        .await
        .unwrap();
    assert!(at(c).await.starts_with("/nghia-vu/"));
    assert!(facts.contains("Căn cứ"), "{facts}");
    problems.extend(check_screen(&b, "duty").await);

    // Another province's duty: the not-found page.
    let http = reqwest::Client::new();
    let identity = system.service("identity").url("");
    let (far, _) = kc_e2e::login(&http, &identity, "dn1.37@demo.test", DEMO_PASSWORD).await;
    let theirs = kc_e2e::get_json(
        &http,
        &system.service("notifications").url("/api/v1/obligations"),
        Some(&far),
    )
    .await;
    let theirs = theirs["items"][0]["id"].as_str().unwrap();
    c.goto(&format!("{portal}/nghia-vu/{theirs}"))
        .await
        .unwrap();
    assert_eq!(h1(c).await, "Không tìm thấy");

    // Notifications, and the calendar address (made, shown once, readable by a calendar).
    c.goto(&format!("{portal}/thong-bao")).await.unwrap();
    assert_eq!(h1(c).await, "Thông báo");
    problems.extend(check_screen(&b, "notices").await);
    c.goto(&format!("{portal}/lich")).await.unwrap();
    click(c, "main form button").await;
    let url = after_click(c, Locator::Id("feed-url"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        url.starts_with(&format!("{portal}/lich/")) && url.ends_with(".ics"),
        "{url}"
    );
    let ics = http.get(&url).send().await.unwrap();
    assert_eq!(
        ics.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    assert!(ics.text().await.unwrap().contains("BEGIN:VEVENT"));
    problems.extend(check_screen(&b, "calendar").await);

    // English, then back.
    click(c, "form[action='/ngon-ngu'] button").await;
    h1_becomes(c, "My calendar").await;
    click(c, "form[action='/ngon-ngu'] button").await;
    h1_becomes(c, "Lịch của tôi").await;

    // Signing out revokes the login: the duties ask for a sign-in again.
    click(c, "form[action='/dang-xuat'] button").await;
    after_click(c, Locator::Css("a[href='/dang-nhap']")).await;
    c.goto(&format!("{portal}/nghia-vu")).await.unwrap();
    assert!(at(c).await.starts_with("/dang-nhap"));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn a_form_without_the_visitors_csrf_token_changes_nothing() {
    let system = System::start().await;
    let portal = system.service("portal").url("");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |path: &str, cookie: String, csrf: &'static str| {
        http.post(format!("{portal}{path}"))
            .header("cookie", cookie)
            .form(&[
                ("_csrf", csrf),
                ("email", "dn1.01@demo.test"),
                ("password", DEMO_PASSWORD),
            ])
            .send()
    };
    let paths = [
        "/dang-nhap",
        "/dang-xuat",
        "/ngon-ngu",
        "/lich",
        "/lich/thu-hoi",
        "/thong-bao/da-doc",
        "/ho-so/moi",
        "/ho-so/lo",
        "/ho-so/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10/buoc",
        "/ho-so/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10/sua/1",
        "/ho-so/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10/tai-lieu",
        "/de-an/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10/tham-dinh",
        "/de-an/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10/buoc",
        "/de-an/moi",
        "/ngan-sach",
        "/de-an/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10/thuc-hien",
        "/dang-ky",
        "/quen-mat-khau",
        "/dat-lai-mat-khau",
        "/tai-khoan",
        "/tai-khoan/mat-khau",
        "/xac-minh/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10",
        "/nguoi-dung/them",
        "/nguoi-dung/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10",
        "/nguoi-dung/to-chuc/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10",
        "/ho-so/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10/tien-do",
        "/quy-dinh/khuyen-cong/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10",
        "/quy-dinh/nghia-vu/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10",
        "/quy-dinh/ngay-nghi",
        "/ccn/bao-cao/nop",
        "/ccn/bao-cao/mo-ky",
        "/ccn/bao-cao/tong-hop",
        "/ccn/bao-cao/5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10",
    ];
    // Every form the portal takes is in the list (its routes, read from the source).
    let source = include_str!("../../services/portal/src/lib.rs");
    for piece in source.split(".route(").skip(1) {
        let piece = piece.split(".route(").next().unwrap_or(piece);
        let route = piece.split('"').nth(1).unwrap();
        if piece.contains("post(") {
            let sample = route
                .replace("{id}", "5b0f4d54-0c7e-4bde-9a59-3e6f3c1e2a10")
                .replace("{step}", "1")
                .replace("{source}", "khuyen-cong");
            assert!(paths.contains(&sample.as_str()), "{route} is not checked");
        }
    }
    // Signed out: each form is refused before anything else, and nobody is signed in.
    for path in paths {
        let r = post(path, "kc_csrf=one".into(), "another").await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN, "{path}");
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .all(|c| !c.to_str().unwrap().starts_with("kc_at="))
        );
    }
    // Signed in (the token matches its cookie), a form with another token still changes nothing:
    // no calendar address is made.
    let r = post("/dang-nhap", "kc_csrf=one".into(), "one")
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let access = cookies
        .iter()
        .find_map(|c| c.strip_prefix("kc_at="))
        .unwrap()
        .to_owned();
    let signed_in = format!("kc_csrf=one; {}", cookies.join("; "));
    for path in paths {
        let r = post(path, signed_in.clone(), "another").await.unwrap();
        assert_eq!(
            r.status(),
            reqwest::StatusCode::FORBIDDEN,
            "{path} signed in"
        );
    }
    let r = http
        .get(system.service("notifications").url("/api/v1/calendar-feed"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
}
