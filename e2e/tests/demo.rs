//! The run command's demo data (workflow, registry, notifications), loaded by the real binaries
//! against the running services, as `deploy/run.sh` does: every screen has something to show, and
//! loading it twice adds nothing twice that must be unique.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::System;

#[tokio::test]
async fn the_demo_clusters_are_in_every_status_with_history_across_the_merger() {
    let system = System::start().await;
    let out = system.seed("registry");
    assert!(
        out.status.success(),
        "seed-demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = &system.db;
    for province in ["01", "37", "79"] {
        let statuses = db
            .count(&format!(
                "SELECT DISTINCT v.status FROM registry.cluster_versions v
                   JOIN identity.admin_units p ON p.id = v.province_id
                  WHERE p.code = '{province}' AND v.superseded_at IS NULL"
            ))
            .await;
        assert_eq!(statuses, 7, "{province}");
    }
    // Versions before 1 July 2025 belong to the former provinces (Hà Nam, Nam Định, Bình Dương, ...).
    assert_eq!(
        db.count(
            "SELECT 1 FROM registry.cluster_versions v JOIN identity.admin_units a ON a.id = v.province_at_id
              WHERE v.recorded_at < '2025-07-01' AND a.valid_to IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        db.count(
            "SELECT DISTINCT a.code FROM registry.cluster_versions v
               JOIN identity.admin_units a ON a.id = v.province_at_id WHERE a.valid_to IS NOT NULL"
        )
        .await,
        7,
        "01, 35, 36, 37, 74, 77, 79 as they were"
    );
    // The demo enterprise of each province invests in one cluster; the other is a tenant there.
    assert_eq!(
        db.count("SELECT 1 FROM registry.clusters WHERE investor_org_id IS NOT NULL")
            .await,
        3
    );
    assert_eq!(db.count("SELECT 1 FROM registry.cluster_tenants").await, 3);
    // Reports both submitted and due: last year's annual accepted and consolidated, this year's
    // half-year period opened with the investors' reports in and the tenants' missing, this year's
    // annual period opened: each period announced to both parties of each province's cluster.
    assert_eq!(
        db.count(
            "SELECT 1 FROM registry.cluster_reports WHERE kind = 'annual' AND status = 'accepted'"
        )
        .await,
        6
    );
    assert_eq!(db.count("SELECT 1 FROM registry.province_reports").await, 3);
    assert_eq!(
        db.count("SELECT 1 FROM registry.cluster_reports WHERE kind = 'half_year' AND status = 'submitted'")
            .await,
        3
    );
    assert_eq!(
        db.count("SELECT 1 FROM outbox.events WHERE topic = 'registry.cluster_report_due'")
            .await,
        18
    );
    let before = db.count("SELECT 1 FROM registry.cluster_versions").await;
    assert!(before > 80, "{before} versions");
    let out = system.seed("registry");
    assert!(out.status.success());
    assert_eq!(
        db.count("SELECT 1 FROM registry.cluster_versions").await,
        before
    );
}

#[tokio::test]
async fn the_demo_shows_every_state_of_applications_and_schemes_with_their_documents() {
    let system = System::start().await;
    let out = system.seed("workflow");
    assert!(
        out.status.success(),
        "seed-demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = &system.db;
    for province in ["01", "37", "79"] {
        let statuses = db
            .query(&format!(
                "SELECT DISTINCT s.status FROM workflow.schemes s
                   JOIN identity.admin_units p ON p.id = s.province_id WHERE p.code = '{province}'"
            ))
            .await;
        // Every status of SchemeStatus: the approval chain's and the implementation's.
        assert_eq!(statuses.len(), 12, "{province}: {statuses:?}");
    }
    // Past approval, each has the records of its path: a contract and payments for all but the
    // terminated, each payment its voucher, the acceptance and settlement where reached; the
    // figures of every scheme add up (paid = the payments' sum, never past the approval).
    assert_eq!(
        db.count(
            "SELECT 1 FROM workflow.schemes s
              WHERE s.status IN ('implementing', 'accepted', 'settlement_submitted', 'settled')
                AND (NOT EXISTS (SELECT 1 FROM workflow.contracts c WHERE c.scheme_id = s.id)
                     OR s.paid <> (SELECT coalesce(sum(amount), 0) FROM workflow.payments p
                                    WHERE p.scheme_id = s.id))"
        )
        .await,
        0
    );
    assert_eq!(
        db.count(
            "SELECT 1 FROM workflow.schemes WHERE status = 'settled' AND paid = settled AND settled > 0"
        )
        .await,
        3
    );
    assert_eq!(
        db.count("SELECT 1 FROM workflow.schemes WHERE status = 'terminated' AND released > 0")
            .await,
        3
    );
    assert_eq!(
        db.count(
            "SELECT 1 FROM workflow.payments p WHERE NOT EXISTS (
               SELECT 1 FROM workflow.documents d WHERE d.id = p.document_id AND d.kind = 'payment_voucher')"
        )
        .await,
        0
    );
    let application_states = db
        .count("SELECT DISTINCT status FROM workflow.applications")
        .await;
    assert!(application_states >= 6, "{application_states}");
    // Each scheme has its scheme document; the appraised ones their appraisal record; the approved
    // ones their decision, filed by whoever approved them.
    assert_eq!(
        db.count(
            "SELECT 1 FROM workflow.schemes s WHERE NOT EXISTS (
               SELECT 1 FROM workflow.documents d WHERE d.scheme_id = s.id AND d.kind = 'scheme_document')"
        )
        .await,
        0
    );
    assert_eq!(
        db.count(
            "SELECT 1 FROM workflow.schemes s WHERE s.status = 'approved' AND NOT EXISTS (
               SELECT 1 FROM workflow.documents d WHERE d.scheme_id = s.id AND d.kind = 'decision')"
        )
        .await,
        0
    );
    assert!(
        db.count("SELECT 1 FROM workflow.documents WHERE kind = 'appraisal_record'")
            .await
            >= 15
    );

    // The run command loads it at every start: a second load succeeds and adds nothing.
    let before = db.count("SELECT 1 FROM workflow.documents").await;
    let out = system.seed("workflow");
    assert!(
        out.status.success(),
        "second seed-demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(db.count("SELECT 1 FROM workflow.documents").await, before);
}

#[tokio::test]
async fn every_demo_login_has_duties_and_the_staff_see_them_open_overdue_and_met() {
    let system = System::start().await;
    system.seed_all();
    let http = reqwest::Client::new();
    let identity = system.service("identity").url("");
    let notifications = system.service("notifications").url("");
    let states = |list: &serde_json::Value| -> std::collections::BTreeSet<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["state"].as_str().unwrap().to_owned())
            .collect()
    };
    for (email, must) in [
        (
            "bo@demo.test",
            &["open", "overdue", "fulfilled", "waived"][..],
        ),
        ("so.01@demo.test", &["open", "overdue", "fulfilled"][..]),
        ("cv.so.01@demo.test", &["open", "overdue", "fulfilled"][..]),
        ("ttkc.01@demo.test", &["open", "overdue", "fulfilled"][..]),
        ("dn1.01@demo.test", &["open", "fulfilled"][..]),
        ("dn2.01@demo.test", &["open", "overdue", "fulfilled"][..]),
    ] {
        let (token, _) = kc_e2e::login(&http, &identity, email, kc_e2e::DEMO_PASSWORD).await;
        let list = kc_e2e::get_json(
            &http,
            &format!("{notifications}/api/v1/obligations?per_page=200"),
            Some(&token),
        )
        .await;
        let got = states(&list);
        for state in must {
            assert!(got.contains(*state), "{email}: {got:?}");
        }
    }
    // Those with overdue duties of their own or below them have been told, in the portal.
    for email in [
        "bo@demo.test",
        "so.01@demo.test",
        "ttkc.01@demo.test",
        "dn2.01@demo.test",
    ] {
        let (token, _) = kc_e2e::login(&http, &identity, email, kc_e2e::DEMO_PASSWORD).await;
        let n = kc_e2e::get_json(
            &http,
            &format!("{notifications}/api/v1/notifications/unread-count"),
            Some(&token),
        )
        .await;
        assert!(n["unread"].as_i64().unwrap() > 0, "{email}: {n}");
    }
    // Loading it again adds nothing.
    let before = system
        .db
        .count("SELECT 1 FROM notifications.obligations")
        .await;
    assert!(system.seed("notifications").status.success());
    assert_eq!(
        system
            .db
            .count("SELECT 1 FROM notifications.obligations")
            .await,
        before
    );
}
