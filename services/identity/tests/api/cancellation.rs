//! Requests cut off by the client at random points of a write: afterwards no connection is left idle
//! in a transaction, and no write is partial (every enterprise created has its audit row).

use crate::helpers::TestApp;
use serde_json::json;
use std::time::Duration;

/// A valid tax code from nine digits (check digit: weights 31 29 23 19 17 13 7 5 3; 10 − sum mod 11).
fn tax_code(nine: u64) -> Option<String> {
    let digits = format!("{nine:09}");
    let weights = [31, 29, 23, 19, 17, 13, 7, 5, 3];
    let sum: u32 = digits
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = 10 - sum % 11;
    (check < 10).then(|| format!("{digits}{check}"))
}

#[tokio::test]
async fn writes_cut_off_at_random_points_leave_no_open_transaction_and_no_partial_write() {
    let app = TestApp::spawn().await;
    let token = app.token("so.01@demo.test").await;
    let url = app.url("/api/v1/organisations");
    // A small deterministic generator: the points of cancellation differ from request to request.
    let mut seed: u64 = 0x5eed;
    let mut codes = (10_000_000u64..).filter_map(tax_code);
    for i in 0..60 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_micros((seed >> 33) % 25_000);
        let body = json!({
            "tax_code": codes.next().unwrap(), "name": format!("Cơ sở Huỷ {i}"),
            "enterprise_kind": "company", "commune": "Xã Thử"
        });
        // Dropping the request future closes the client's connection at that instant.
        let _ = tokio::time::timeout(
            delay,
            reqwest::Client::new()
                .post(&url)
                .bearer_auth(&token)
                .json(&body)
                .send(),
        )
        .await;
    }

    // Wait for the service to finish what it received: no identity connection running a statement
    // or sitting inside a transaction.
    let busy = "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                 AND usename = 'kc_identity' AND state IN ('active', 'idle in transaction',
                 'idle in transaction (aborted)')";
    let mut settled = false;
    for _ in 0..300 {
        if app.count(busy).await == 0 {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        settled,
        "connections left inside a transaction: {:?}",
        app.query(
            "SELECT state, query FROM pg_stat_activity WHERE datname = current_database()
               AND usename = 'kc_identity'"
        )
        .await
    );

    let created = app
        .count("SELECT 1 FROM identity.organisations WHERE name LIKE 'Cơ sở Huỷ %'")
        .await;
    let audited = app
        .count(
            "SELECT 1 FROM audit.events WHERE action = 'organisation.created'
               AND after->>'name' LIKE 'Cơ sở Huỷ %'",
        )
        .await;
    assert_eq!(
        created, audited,
        "a write without its audit row, or the reverse"
    );
    // The service still answers normally afterwards.
    let r = app.get("/api/v1/organisations?per_page=1", &token).await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    eprintln!("{created} of 60 cut-off writes had committed");
}
