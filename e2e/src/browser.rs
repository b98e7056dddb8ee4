//! Headless Chromium for the browser tests: Debian's Chromium under chromedriver (WebDriver, through
//! fantoccini), with axe-core to check a screen's accessibility, its weight before images, and a
//! screenshot of it under `target/screenshots/`. The test command installs Chromium, chromedriver and
//! axe-core (npm) when they are missing.

#![allow(clippy::unwrap_used)] // test support: a failed unwrap is a failed test

use fantoccini::ClientBuilder;
pub use fantoccini::{Client, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Chromium under chromedriver, stopped when dropped.
pub struct Browser {
    pub client: Client,
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

pub async fn browser() -> Browser {
    browser_with(true).await
}

/// Chromium with JavaScript allowed or not (a page must work without it).
pub async fn browser_with(javascript: bool) -> Browser {
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
    kc_testing::wait_listening("chromedriver listening", port, Duration::from_secs(20)).await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            // ARCHITECTURE.md §8: without the networking flags Chromium floods the closed network.
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.display())],
            "prefs": {"profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }}
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
pub async fn after_click(c: &Client, search: Locator<'_>) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(search)
        .await
        .unwrap()
}

/// Wait until the page's `h1` says `text` (after a click that leads to another page).
pub async fn h1_becomes(c: &Client, text: &str) {
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
pub async fn h1(c: &Client) -> String {
    c.find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The path (and query) the browser is at.
pub async fn at(c: &Client) -> String {
    let u = c.current_url().await.unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

/// Wait until the browser is at `path` (and query), after a form's redirect.
pub async fn lands(c: &Client, path: &str) {
    kc_testing::wait_for(
        &format!("the browser at {path}"),
        Duration::from_secs(10),
        || async { (at(c).await == path).then_some(()) },
    )
    .await;
}

/// Click the element `css` names.
pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Fill in the login form on the current page and send it.
pub async fn fill_login(c: &Client, email: &str, password: &str) {
    for (id, text) in [("email", email), ("password", password)] {
        let field = c.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }
    click(c, "form.stack button").await;
}

/// axe-core's serious and critical violations on the current page, with the screen's name; a
/// screenshot of it; its weight before images (the document and its stylesheet).
pub async fn check_screen(b: &Browser, name: &str) -> Vec<String> {
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

/// Type `text` into the field with id `id` (what was there is cleared).
pub async fn fill(c: &Client, id: &str, text: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Choose the option of value `value` in the select with id `id`.
pub async fn choose(c: &Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// The value of the field with id `id`.
pub async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The text of the first element `css` names.
pub async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Sign in at the portal (whose base URL is `portal`) and land on `then`.
pub async fn sign_in(c: &Client, portal: &str, email: &str, then: &str) {
    let next: String = url_encode(then);
    c.goto(&format!("{portal}/dang-nhap?next={next}"))
        .await
        .unwrap();
    fill_login(c, email, crate::DEMO_PASSWORD).await;
    kc_testing::wait_for(
        &format!("{email} signed in at {then}"),
        Duration::from_secs(10),
        || async { (at(c).await == then).then_some(()) },
    )
    .await;
}

/// Sign out (the session is revoked).
pub async fn sign_out(c: &Client) {
    click(c, "form[action='/dang-xuat'] button").await;
    after_click(c, Locator::Css("a[href='/dang-nhap']")).await;
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Click the element `css` names and wait for the page it leads to (the old page's document gone).
pub async fn click_through(c: &Client, css: &str) {
    click_through_at(c, Locator::Css(css)).await;
}

/// Click the element `at` finds and wait for the page it leads to (the old page's document gone).
pub async fn click_through_at(c: &Client, at: Locator<'_>) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    c.find(at).await.unwrap().click().await.unwrap();
    kc_testing::wait_for(
        &format!("the page after {at:?}"),
        Duration::from_secs(10),
        || async { old.tag_name().await.is_err().then_some(()) },
    )
    .await;
}

/// Click the element `css` names, accept the confirmation it asks for (the portal's script asks
/// before what cannot be undone), and wait for the page it leads to; the question asked.
pub async fn confirm_through(c: &Client, css: &str) -> String {
    let old = c.find(Locator::Css("html")).await.unwrap();
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let question = kc_testing::wait_for(
        &format!("the confirmation after {css}"),
        Duration::from_secs(10),
        || async { c.get_alert_text().await.ok() },
    )
    .await;
    c.accept_alert().await.unwrap();
    kc_testing::wait_for(
        &format!("the page after {css}"),
        Duration::from_secs(10),
        || async { old.tag_name().await.is_err().then_some(()) },
    )
    .await;
    question
}

/// The browser's cookies as a `cookie` header (to fetch what the page links to, a download, with
/// the visitor's session).
pub async fn cookie_header(c: &Client) -> String {
    c.get_all_cookies()
        .await
        .unwrap()
        .iter()
        .map(|k| format!("{}={}", k.name(), k.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Wait until the browser's path (and query) starts with `prefix`; where it is.
pub async fn lands_under(c: &Client, prefix: &str) -> String {
    kc_testing::wait_for(
        &format!("the browser at {prefix}…"),
        Duration::from_secs(10),
        || async {
            let here = at(c).await;
            here.starts_with(prefix).then_some(here)
        },
    )
    .await
}

/// Sign in with a password of one's own at the portal (base URL `portal`); where the browser
/// lands (the login page again when refused).
pub async fn sign_in_with(c: &Client, portal: &str, email: &str, password: &str) -> String {
    c.goto(&format!("{portal}/dang-nhap")).await.unwrap();
    fill_login(c, email, password).await;
    kc_testing::wait_for(
        &format!("the answer to signing in as {email}"),
        Duration::from_secs(10),
        || async {
            let here = at(c).await;
            let refused = c.find(Locator::Id("login-error")).await.is_ok();
            (here != "/dang-nhap" || refused).then_some(here)
        },
    )
    .await
}

/// A small PDF in the temporary folder, named after `name`, for a file input.
pub fn pdf(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("{name}-{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &path,
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    )
    .unwrap();
    path
}

/// Choose the file at `path` in the file input with id `id`.
pub async fn attach(c: &Client, id: &str, path: &std::path::Path) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
}

/// The notice the page shows after an act (`p.notice`), once it is there.
pub async fn notice(c: &Client) -> String {
    after_click(c, Locator::Css("p.notice"))
        .await
        .text()
        .await
        .unwrap()
}

/// Give every criterion of the scheme page's appraisal form its maximum, read from its label
/// ("… (tối đa 20)").
pub async fn score_at_max(c: &Client) {
    let inputs = c
        .find_all(Locator::Css("#score-form input[name^='score.']"))
        .await
        .unwrap();
    assert!(!inputs.is_empty(), "the rubric's criteria");
    for input in &inputs {
        let id = input.attr("id").await.unwrap().unwrap();
        let label = text_of(c, &format!("label[for='{id}']")).await;
        let max: String = label
            .rsplit(' ')
            .next()
            .unwrap()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        input.send_keys(&max).await.unwrap();
    }
}
