//! The portal in a real browser: Debian's Chromium, headless, driven through chromedriver (WebDriver,
//! fantoccini), against every service as a real process on one PostgreSQL with the demo data. The
//! test command installs Chromium, chromedriver and axe-core (npm) when they are missing.
//!
//! Each main screen is checked with axe-core (no serious or critical violation), weighed (under
//! 200 KB before images), and saved as a screenshot under `target/screenshots/`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use fantoccini::{Client, ClientBuilder, Locator};
use kc_e2e::{DEMO_PASSWORD, System};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Chromium under chromedriver, stopped when dropped.
struct Browser {
    client: Client,
    driver: Child,
    profile: std::path::PathBuf,
    /// axe-core's script, injected into each screen checked.
    axe: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn tool(var: &str, default: &str) -> String {
    let path = std::env::var(var).unwrap_or_else(|_| default.to_owned());
    assert!(
        std::path::Path::new(&path).exists(),
        "{path} is missing: run the tests with ./deploy/test.sh, which installs Chromium, chromedriver and axe-core"
    );
    path
}

async fn browser() -> Browser {
    let driver_path = tool("KC_CHROMEDRIVER", "/usr/bin/chromedriver");
    let chromium = tool("KC_CHROMIUM", "/usr/bin/chromium");
    let port = kc_testing::free_port();
    let driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let profile =
        std::env::temp_dir().join(format!("kc-chromium-{}", uuid::Uuid::new_v4().simple()));
    kc_testing::wait_for(
        "chromedriver listening",
        Duration::from_secs(20),
        || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ())
        },
    )
    .await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            // ARCHITECTURE.md §8: without the networking flags Chromium floods the closed network.
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    let axe = std::fs::read_to_string(tool(
        "KC_AXE_JS",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../.data/npm-test/node_modules/axe-core/axe.min.js"
        ),
    ))
    .unwrap();
    Browser {
        client,
        driver,
        profile,
        axe,
    }
}

/// An element of the page a click leads to (waits for it, 10 s at most).
async fn after_click(c: &Client, search: Locator<'_>) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(search)
        .await
        .unwrap()
}

/// Wait until the page's `h1` says `text` (after a click that leads to another page).
async fn h1_becomes(c: &Client, text: &str) {
    kc_testing::wait_for(
        &format!("the page says {text}"),
        Duration::from_secs(10),
        || async {
            match c.find(Locator::Css("h1")).await {
                Ok(e) => (e.text().await.ok()? == text).then_some(()),
                Err(_) => None,
            }
        },
    )
    .await;
}

/// The text of the page's first `h1`.
async fn h1(c: &Client) -> String {
    c.find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The path (and query) the browser is at.
async fn at(c: &Client) -> String {
    let u = c.current_url().await.unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

/// Click the element `css` names.
async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Fill in the login form on the current page and send it.
async fn fill_login(c: &Client, email: &str, password: &str) {
    for (id, text) in [("email", email), ("password", password)] {
        let field = c.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }
    click(c, "form.stack button").await;
}

/// axe-core's serious and critical violations on the current page, with the screen's name; a
/// screenshot of it; its weight before images (the document and its stylesheet).
async fn check_screen(b: &Browser, name: &str) -> Vec<String> {
    let c = &b.client;
    c.execute(&b.axe, vec![]).await.unwrap();
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then(r => done(
               r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ')')));",
            vec![],
        )
        .await
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.png")),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    let weight = c
        .execute(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
               .filter(e => e.initiatorType !== 'img').reduce((n, e) => n + (e.decodedBodySize || 0), 0);",
            vec![],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    eprintln!("screen {name}: {weight} bytes before images");
    let mut problems: Vec<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("{name}: {}", v.as_str().unwrap()))
        .collect();
    if weight > 200 * 1024 {
        problems.push(format!("{name}: {weight} bytes (more than 200 KB)"));
    }
    problems
}

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
    ];
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
