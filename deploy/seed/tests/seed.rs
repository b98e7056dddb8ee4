//! The generator at a small scale on a real PostgreSQL: what it makes is valid and adds up.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_testing::TestDb;

#[tokio::test]
async fn the_generated_data_is_valid_and_its_money_adds_up() {
    let db = TestDb::new().await;
    let made = kc_seed::run(&db.superuser_url(), 0.02).await.unwrap();
    assert_eq!(
        (
            made.enterprises,
            made.users,
            made.applications,
            made.clusters
        ),
        (2000, 3000, 1000, 40)
    );
    // Obligations: open, each due on a working day, its first reminder 14 days before; the
    // scheduler's first pass finds them where it looks.
    assert_eq!(made.obligations, 20000);
    assert_eq!(
        db.count(
            "SELECT 1 FROM notifications.obligations WHERE state = 'open'
                   AND extract(isodow FROM due_date) < 6 AND next_step_on = due_date - 14"
        )
        .await,
        20000
    );
    // Clusters: ten versions each, one current, every status today, and the versions before the
    // merger in former provinces.
    assert_eq!(
        db.count("SELECT 1 FROM registry.cluster_versions").await,
        400
    );
    assert_eq!(
        db.count("SELECT 1 FROM registry.cluster_versions WHERE superseded_at IS NULL")
            .await,
        40
    );
    assert_eq!(
        db.count(
            "SELECT DISTINCT status FROM registry.cluster_versions WHERE superseded_at IS NULL"
        )
        .await,
        7
    );
    // One version of each in force on any day (leap days included).
    for day in ["2020-02-29", "2020-06-30", "2024-04-24"] {
        assert_eq!(
            db.count(&format!(
                "SELECT 1 FROM registry.cluster_versions
                  WHERE tstzrange(recorded_at, superseded_at) @> TIMESTAMPTZ '{day} 23:59:59+07'"
            ))
            .await,
            40,
            "{day}"
        );
    }
    assert_eq!(
        db.count("SELECT 1 FROM registry.cluster_versions v JOIN identity.admin_units a ON a.id = v.province_at_id
                   WHERE (v.recorded_at < '2025-07-01') <> (a.valid_to IS NOT NULL)").await,
        0
    );
    assert_eq!(
        db.count("SELECT 1 FROM identity.organisations WHERE tax_code LIKE '9%'")
            .await,
        2000
    );
    assert_eq!(
        db.count("SELECT 1 FROM identity.users WHERE email LIKE '%@seed.test'")
            .await,
        3000
    );
    // Every tax code carries its check digit.
    for row in db
        .query("SELECT tax_code FROM identity.organisations WHERE tax_code LIKE '9%'")
        .await
    {
        let code = row["tax_code"].as_str().unwrap();
        assert!(kc_kernel::TaxCode::parse(code).is_ok(), "{code}");
    }
    // Every state, every plan year 2019-2026, both funds.
    assert_eq!(
        db.count("SELECT DISTINCT status FROM workflow.applications")
            .await,
        7
    );
    assert_eq!(
        db.count("SELECT DISTINCT plan_year FROM workflow.applications")
            .await,
        8
    );
    assert_eq!(
        db.count("SELECT DISTINCT fund FROM workflow.schemes").await,
        2
    );
    // Attributes are drawn independently: every (state, fund) and (plan year, activity) pair occurs.
    assert_eq!(
        db.count("SELECT DISTINCT status, fund FROM workflow.applications")
            .await,
        14
    );
    assert_eq!(
        db.count("SELECT DISTINCT plan_year, activity_code FROM workflow.applications")
            .await,
        64
    );
    // Each submitted application has its version; each accepted one is in one scheme.
    assert_eq!(
        db.count("SELECT 1 FROM workflow.applications a WHERE submissions >= 1
                   AND NOT EXISTS (SELECT 1 FROM workflow.application_versions v WHERE v.application_id = a.id)").await,
        0
    );
    assert_eq!(
        db.count("SELECT 1 FROM workflow.applications WHERE status = 'accepted'")
            .await,
        db.count("SELECT 1 FROM workflow.scheme_beneficiaries")
            .await
    );
    // The envelopes hold exactly what the approved schemes commit, and never less than that.
    assert_eq!(
        db.count("SELECT 1 FROM workflow.envelopes e WHERE e.committed <>
                   coalesce((SELECT sum(support_approved) FROM workflow.schemes s WHERE s.envelope_id = e.id), 0)
                   OR e.allocated + e.committed > e.amount").await,
        0
    );
    // Past plans carried out: 550 schemes, 4 000 payments, each scheme's totals the sum of its
    // payments and within its support, the settled ones settled at what was paid.
    assert_eq!(db.count("SELECT 1 FROM workflow.payments").await, 4000);
    assert_eq!(
        db.count("SELECT 1 FROM workflow.schemes WHERE status IN ('implementing', 'settled')")
            .await,
        550
    );
    assert_eq!(
        db.count(
            "SELECT 1 FROM workflow.schemes s WHERE s.paid <>
               coalesce((SELECT sum(amount) FROM workflow.payments p WHERE p.scheme_id = s.id), 0)
               OR s.paid > s.support_approved OR (s.status = 'settled' AND s.settled <> s.paid)"
        )
        .await,
        0
    );
    // The same data every time: the same ids.
    let first = db
        .query("SELECT id FROM workflow.applications ORDER BY id LIMIT 3")
        .await;
    let again = TestDb::new().await;
    kc_seed::run(&again.superuser_url(), 0.02).await.unwrap();
    assert_eq!(
        again
            .query("SELECT id FROM workflow.applications ORDER BY id LIMIT 3")
            .await,
        first
    );
}
