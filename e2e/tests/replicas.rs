//! Two replicas of every service behind nginx on one PostgreSQL (`kc_e2e::replicas`, the
//! configuration of the run command's replica mode):
//!
//! - a session works across replicas: a token from one identity replica is accepted by every replica
//!   of every service, a refresh token rotated on one is spent on the other, and a portal session
//!   signed in on one portal replica is signed in on the other;
//! - stopping one replica of each service with SIGTERM under load loses no request nginx had
//!   accepted: every request before, during and after the stop is answered 200, and after it only
//!   the other replica answers;
//! - two notifications replicas, both scheduling and both mailing, never send one reminder twice:
//!   after a week of reminders by the moved clock, every e-mail the mail server received has its own
//!   Message-ID, each sent delivery was sent once, and the server holds exactly the deliveries sent.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::api::Apis;
use kc_e2e::load::Load;
use kc_e2e::replicas::Replicated;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(60);

/// The replica that answered (nginx's `X-Upstream`: `127.0.0.1:port`).
fn upstream(r: &reqwest::Response) -> String {
    r.headers()
        .get("x-upstream")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Keep the cookies an answer sets (name and value).
fn keep_cookies(jar: &mut BTreeMap<String, String>, r: &reqwest::Response) {
    for v in r.headers().get_all("set-cookie") {
        let pair = v.to_str().unwrap().split(';').next().unwrap();
        if let Some((name, value)) = pair.split_once('=') {
            jar.insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
}

fn cookie_header(jar: &BTreeMap<String, String>) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn replica_addresses(system: &mut Replicated, name: &str) -> Vec<String> {
    system
        .replicas_of(name)
        .iter()
        .map(|p| format!("127.0.0.1:{}", p.port))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_work_across_replicas_and_stopping_one_loses_no_request() {
    let mut system = Replicated::start(2).await;
    let http = reqwest::Client::new();
    let identity = system.url("identity", "");

    // 1. One login; its token works on every replica of every service.
    let pair =
        kc_e2e::token_pair(&http, &identity, "ttkc.79@demo.test", kc_e2e::DEMO_PASSWORD).await;
    let token = pair["access_token"].as_str().unwrap().to_owned();
    let names: Vec<&'static str> = system.fronts.iter().map(|(n, _)| *n).collect();
    for name in &names {
        let path = if *name == "identity" {
            "/api/v1/me"
        } else {
            "/api/v1/whoami"
        };
        let mut seen = BTreeSet::new();
        for _ in 0..6 {
            let r = http
                .get(system.url(name, path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{name}");
            seen.insert(upstream(&r));
        }
        let all: BTreeSet<String> = replica_addresses(&mut system, name).into_iter().collect();
        assert_eq!(seen, all, "{name}: every replica answered the one token");
    }

    // 2. A refresh token rotated on one identity replica is spent on the other; a spent one is
    //    refused wherever it lands.
    let refresh = |token: String| {
        let http = http.clone();
        let url = format!("{identity}/api/v1/auth/refresh");
        async move {
            let r = http
                .post(url)
                .json(&json!({"refresh_token": token}))
                .send()
                .await
                .unwrap();
            let from = upstream(&r);
            (r.status(), from, r.json::<Value>().await.unwrap())
        }
    };
    // (Another account's session: reusing a spent token ends its whole family.)
    let other =
        kc_e2e::token_pair(&http, &identity, "ttkc.37@demo.test", kc_e2e::DEMO_PASSWORD).await;
    let first = other["refresh_token"].as_str().unwrap().to_owned();
    let (mut current, mut last_from, mut crossed) = (first.clone(), None, 0);
    for _ in 0..6 {
        let (status, from, rotated) = refresh(current).await;
        assert_eq!(status, StatusCode::OK, "{rotated}");
        if last_from.as_ref().is_some_and(|l| *l != from) {
            crossed += 1;
        }
        last_from = Some(from);
        current = rotated["refresh_token"].as_str().unwrap().to_owned();
    }
    assert!(
        crossed > 0,
        "no token rotated on one replica was spent on the other"
    );
    let (status, _, _) = refresh(first).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a spent refresh token");

    // 3. A portal session signed in on one replica is signed in on the other.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let portal = system.url("portal", "");
    let mut jar = BTreeMap::new();
    let r = browser
        .get(format!("{portal}/dang-nhap"))
        .send()
        .await
        .unwrap();
    keep_cookies(&mut jar, &r);
    let page = r.text().await.unwrap();
    let csrf = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = browser
        .post(format!("{portal}/dang-nhap"))
        .header("cookie", cookie_header(&jar))
        .form(&[
            ("email", "so.79@demo.test"),
            ("password", kc_e2e::DEMO_PASSWORD),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    keep_cookies(&mut jar, &r);
    let mut seen = BTreeSet::new();
    for _ in 0..6 {
        let r = browser
            .get(format!("{portal}/ho-so"))
            .header("cookie", cookie_header(&jar))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        seen.insert(upstream(&r));
        let body = r.text().await.unwrap();
        assert!(body.contains("action=\"/dang-xuat\""), "signed in");
    }
    assert_eq!(seen.len(), 2, "both portal replicas served the session");

    // 4. Under sixteen clients' load through nginx, one replica of each service is stopped with
    //    SIGTERM: every request is answered 200, and afterwards only the other replica answers.
    for name in names.iter().rev() {
        let url = match *name {
            "identity" => system.url(name, "/api/v1/me"),
            "portal" => system.url(name, "/dang-nhap"),
            _ => system.url(name, "/api/v1/whoami"),
        };
        let load = Load::start(&url, &token, 16);
        load.reach(200).await;
        let replicas = system.replicas_of(name);
        let stopped = format!("127.0.0.1:{}", replicas[0].port);
        let status = tokio::task::block_in_place(|| replicas[0].terminate())
            .unwrap_or_else(|| panic!("{name} ignored SIGTERM"));
        assert!(status.success(), "{name} exited with {status}");
        let after_stop = load.answered();
        load.reach(after_stop + 200).await;
        let outcomes = load.outcomes().await;
        let total = outcomes.len();
        let mut by_stopped_after = 0;
        for (before, outcome) in outcomes {
            match outcome {
                // Sent after the stopped replica had exited: answered by the other.
                Ok((200, from)) => {
                    if before > after_stop && from == stopped {
                        by_stopped_after += 1;
                    }
                }
                other => panic!("{name}: a request through nginx came to {other:?}"),
            }
        }
        assert_eq!(by_stopped_after, 0, "{name}: the stopped replica answered");
        println!("{name}: {total} requests through nginx, each answered 200; one replica stopped");
    }
}

#[tokio::test]
async fn two_notifications_replicas_never_send_one_reminder_twice() {
    let system = Replicated::start(2).await;
    // The demo's duties, notices and e-mails, as the run command loads them (through nginx).
    for name in ["workflow", "registry", "notifications"] {
        let out = system.seed(name);
        assert!(
            out.status.success(),
            "{name} seed-demo: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let apis = Apis::at(|name| system.url(name, ""));

    // A week by the clock, a day at a time, each day's passes awaited: both replicas schedule the
    // reminders, both mail them.
    let today = kc_kernel::today_vn();
    let mut last = Value::Null;
    for d in 1..=7 {
        last = apis
            .move_clock(today + chrono::Duration::days(d), PATIENCE)
            .await;
    }
    let sent = "SELECT count(*)::bigint AS n FROM notifications.deliveries WHERE status = 'sent'";
    let pending =
        "SELECT count(*)::bigint AS n FROM notifications.deliveries WHERE status = 'pending'";
    kc_testing::wait_for("the e-mails sent", PATIENCE, || async {
        let rows = system.db.query(pending).await;
        (rows[0]["n"] == 0).then_some(())
    })
    .await;
    let sent = system.db.query(sent).await[0]["n"].as_i64().unwrap();
    let resent = system
        .db
        .query("SELECT count(*)::bigint AS n FROM notifications.deliveries WHERE attempts <> 1 AND status = 'sent'")
        .await[0]["n"]
        .as_i64()
        .unwrap();
    assert_eq!(resent, 0, "a delivery was sent more than once");

    // What the mail server received: one message per Message-ID, as many as the deliveries sent.
    let mails = kc_testing::wait_for("every message received", PATIENCE, || async {
        let mails = system.mail.mails();
        (mails.len() as i64 >= sent).then_some(mails)
    })
    .await;
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    for m in &mails {
        assert!(
            !m.message_id.is_empty(),
            "a message without Message-ID: {m:?}"
        );
        *ids.entry(m.message_id.clone()).or_default() += 1;
    }
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert_eq!(
        mails.len() as i64,
        sent,
        "the server holds the deliveries sent"
    );
    assert!(
        sent >= 10,
        "a week of reminders sent {sent} e-mails: {last}"
    );
    println!("two notifications replicas: {sent} e-mails over a week by the clock, each sent once");
}
