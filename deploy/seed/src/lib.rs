//! `kc-seed` (deploy/seed): fills a migrated database with national-scale data in minutes, the same
//! every time (ids and values derive from row numbers; the few random flags come from PostgreSQL's
//! `random()` after a fixed `setseed`).
//!
//! At scale 1: 100 000 enterprises in the 34 provinces, 150 000 users (password `KhuyenCong@2025`),
//! 50 000 applications over 8 plan years in every state (each submitted one with its first version),
//! a scheme for each accepted application across the approval chains (most approved, committed against
//! envelopes that add up), the budget envelopes of each year, 2 000 industrial clusters with ten
//! years of history across the 2025 merger, 1 000 000 open reporting obligations, and 27 500 schemes of
//! past plans (2019 to 2025) carried out with 200 000 payments, most of them settled. The URL must be
//! a superuser's (row-level security does not apply to it) on a database `kc-migrate setup` has
//! prepared. Every step runs in SQL inside PostgreSQL (`generate_series`), with a line of progress and
//! its time; the scale issue adds its steps here. [`history`] writes the 2018 plan as published (the
//! run command's demo and the reports' tests).

pub mod history;

use anyhow::Context;
use argon2::password_hash::PasswordHasher;
use sea_orm::{ConnectionTrait, Database};
use std::time::Instant;

/// What scale 1 means.
const ENTERPRISES: f64 = 100_000.0;
const USERS: f64 = 150_000.0;
const APPLICATIONS: f64 = 50_000.0;
const CLUSTERS: f64 = 2_000.0;
const OBLIGATIONS: f64 = 1_000_000.0;
/// Schemes of past plans carried out (with the ~22 500 built from applications, about 50 000 in all).
const PAST_SCHEMES: f64 = 27_500.0;
const PAYMENTS: f64 = 200_000.0;

/// How much was made, and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct Made {
    pub enterprises: i64,
    pub users: i64,
    pub applications: i64,
    pub clusters: i64,
    pub obligations: i64,
    pub seconds: f64,
}

/// Fill the database at `url` (a superuser's) at `scale` (1: national), printing each step.
pub async fn run(url: &str, scale: f64) -> anyhow::Result<Made> {
    let n = |x: f64| ((x * scale).round() as i64).max(1);
    let (orgs, users, apps, clusters) = (n(ENTERPRISES), n(USERS), n(APPLICATIONS), n(CLUSTERS));
    let obligations = n(OBLIGATIONS);
    // One Argon2id hash of the demo password for every generated user.
    let hash = argon2::Argon2::default()
        .hash_password(b"KhuyenCong@2025")
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string();
    // One connection: the steps share temporary tables.
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let db = Database::connect(options).await?;
    let started = Instant::now();
    let mut steps = steps(orgs, users, apps, &hash);
    steps.insert(steps.len() - 1, clusters_step(clusters));
    steps.insert(steps.len() - 1, obligations_step(obligations));
    steps.insert(
        steps.len() - 1,
        execution_step(n(PAST_SCHEMES), n(PAYMENTS)),
    );
    let total = steps.len();
    for (i, (label, sql)) in steps.into_iter().enumerate() {
        let t = Instant::now();
        eprint!("[{}/{total}] {label} ...", i + 1);
        db.execute_unprepared(&sql)
            .await
            .with_context(|| format!("step {label}"))?;
        eprintln!(" {:.1} s", t.elapsed().as_secs_f64());
    }
    db.close().await?;
    Ok(Made {
        enterprises: orgs,
        users,
        applications: apps,
        clusters,
        obligations,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The steps, in order: what each makes and its SQL.
fn steps(orgs: i64, users: i64, apps: i64, hash: &str) -> Vec<(String, String)> {
    vec![
        (
            "the provinces in force and a fixed random seed".into(),
            "SELECT setseed(0.2025);
             DROP TABLE IF EXISTS seed_province;
             CREATE TEMP TABLE seed_province AS
               SELECT (row_number() OVER (ORDER BY code) - 1)::int AS i, id, code FROM identity.admin_units
                WHERE valid_to IS NULL;"
                .into(),
        ),
        (
            format!("{orgs} enterprises (valid tax codes 9xxxxxxxx + check digit)"),
            format!(
                "INSERT INTO identity.organisations (id, province_id, kind, name, tax_code, enterprise_kind,
                     commune, woman_owned, ethnic_minority_owned, status)
                 SELECT md5('org' || y.g)::uuid, p.id, 'enterprise',
                        (ARRAY['Cơ sở','HTX','Hộ kinh doanh','Công ty TNHH'])[1 + y.g % 4] || ' ' ||
                        (ARRAY['mây tre đan','gốm sứ','chế biến chè','dệt thổ cẩm','cơ khí','chế biến gỗ',
                               'sấy nông sản','nước mắm','bún khô','mộc mỹ nghệ'])[1 + (y.g / 4) % 10] || ' số ' || y.g,
                        y.b || y.c::text,
                        (ARRAY['company','cooperative','household_business','cooperative_group'])[1 + y.g % 4],
                        'Xã ' || (1 + y.g % 97), random() < 0.3, random() < 0.1, 'active'
                   FROM (SELECT x.g, x.b,
                                10 - ((substr(x.b,1,1)::int*31 + substr(x.b,2,1)::int*29 + substr(x.b,3,1)::int*23
                                     + substr(x.b,4,1)::int*19 + substr(x.b,5,1)::int*17 + substr(x.b,6,1)::int*13
                                     + substr(x.b,7,1)::int*7 + substr(x.b,8,1)::int*5 + substr(x.b,9,1)::int*3) % 11) AS c
                           FROM (SELECT g, '9' || lpad(g::text, 8, '0') AS b
                                   FROM generate_series(1, {orgs} * 12 / 10 + 10) g) x) y
                   JOIN seed_province p ON p.i = y.g % 34
                  WHERE y.c <= 9
                  ORDER BY y.g LIMIT {orgs};
                 DROP TABLE IF EXISTS seed_org;
                 CREATE TEMP TABLE seed_org AS
                   SELECT row_number() OVER (ORDER BY tax_code)::int AS n, id, province_id, woman_owned,
                          ethnic_minority_owned
                     FROM identity.organisations WHERE tax_code LIKE '9%' AND kind = 'enterprise';
                 CREATE INDEX ON seed_org (n);"
            ),
        ),
        (
            format!("{users} users"),
            format!(
                "INSERT INTO identity.users (id, province_id, organisation_id, email, full_name, role, permissions,
                     password_hash, status)
                 SELECT md5('user' || u)::uuid, o.province_id, o.id, 'nd' || u || '@seed.test',
                        'Người dùng ' || u, 'enterprise', ARRAY['admin','officer'], '{hash}', 'active'
                   FROM generate_series(1, {users}) u
                   JOIN seed_org o ON o.n = 1 + (u - 1) % (SELECT count(*) FROM seed_org);"
            ),
        ),
        (
            format!("{apps} applications over 8 plan years, in every state"),
            format!(
                "INSERT INTO workflow.applications (id, province_id, organisation_id, status, version, submissions,
                     fund, activity_code, plan_year, title, commune, total_cost, support_requested, counterpart,
                     expected_results, start_date, end_date, woman_owned, ethnic_minority_owned, difficult_area,
                     status_reason, stage_since, created_by, created_at, updated_at)
                 SELECT md5('app' || a)::uuid, o.province_id, o.id, s.status, s.version, s.subs,
                        CASE WHEN h.fund < 2 THEN 'kcqg' ELSE 'kcdp' END,
                        (ARRAY['machinery','demonstration_model','training','cleaner_production',
                               'product_development','technology_line','consulting','digital_transformation'])[1 + h.activity],
                        2019 + h.year, 'Hồ sơ đề nghị hỗ trợ số ' || a, 'Xã ' || (1 + a % 97),
                        c.cost, floor(c.cost * 0.3), c.cost - floor(c.cost * 0.3), 'Nâng cao năng suất, tạo việc làm',
                        make_date(2019 + h.year, 3, 1), make_date(2019 + h.year, 11, 30),
                        o.woman_owned, o.ethnic_minority_owned, a % 7 = 0,
                        CASE WHEN s.status IN ('returned', 'rejected') THEN 'Bổ sung hồ sơ theo quy định' END,
                        now() - make_interval(days => (a % 60)), md5('user' || o.n)::uuid,
                        now() - make_interval(days => 60 + a % 300), now() - make_interval(days => (a % 60))
                   FROM generate_series(1, {apps}) a
                   JOIN seed_org o ON o.n = 1 + (a * 7919) % (SELECT count(*) FROM seed_org)
                   -- Independent draws per attribute (from md5 of the row number: the same every run).
                   CROSS JOIN LATERAL (SELECT
                       ('x' || substr(md5('fund' || a), 1, 7))::bit(28)::int % 5 AS fund,
                       ('x' || substr(md5('activity' || a), 1, 7))::bit(28)::int % 8 AS activity,
                       ('x' || substr(md5('year' || a), 1, 7))::bit(28)::int % 8 AS year,
                       ('x' || substr(md5('status' || a), 1, 7))::bit(28)::int % 20 AS status) h
                   CROSS JOIN LATERAL (SELECT ((100 + (a * 37) % 1900) * 1000000)::numeric AS cost) c
                   CROSS JOIN LATERAL (SELECT * FROM (VALUES
                       (0, 'draft', 1, 0), (1, 'draft', 1, 0), (2, 'submitted', 2, 1), (3, 'submitted', 2, 1),
                       (4, 'submitted', 2, 1), (5, 'under_review', 3, 1), (6, 'under_review', 3, 1),
                       (7, 'returned', 4, 1), (8, 'accepted', 4, 1), (9, 'accepted', 4, 1), (10, 'accepted', 4, 1),
                       (11, 'accepted', 4, 1), (12, 'accepted', 4, 1), (13, 'accepted', 4, 1), (14, 'accepted', 4, 1),
                       (15, 'accepted', 4, 1), (16, 'accepted', 4, 1), (17, 'rejected', 4, 1), (18, 'rejected', 4, 1),
                       (19, 'withdrawn', 3, 1)) v(k, status, version, subs) WHERE v.k = h.status) s;
                 INSERT INTO workflow.application_versions (province_id, application_id, number, content, submitted_by, submitted_at)
                 SELECT province_id, id, 1,
                        jsonb_build_object('fund', fund, 'activity_code', activity_code, 'plan_year', plan_year,
                          'title', title, 'commune', commune, 'total_cost', total_cost::text,
                          'support_requested', support_requested::text, 'counterpart', counterpart::text,
                          'expected_results', expected_results, 'start_date', start_date, 'end_date', end_date,
                          'difficult_area', difficult_area, 'woman_owned', woman_owned,
                          'ethnic_minority_owned', ethnic_minority_owned),
                        created_by, created_at
                   FROM workflow.applications WHERE submissions >= 1 AND title LIKE 'Hồ sơ đề nghị hỗ trợ số %';"
            ),
        ),
        (
            "a scheme for each accepted application, across the approval chains".into(),
            "DROP TABLE IF EXISTS seed_scheme;
             CREATE TEMP TABLE seed_scheme AS
               SELECT md5('scheme' || a.id)::uuid AS id, a.id AS application_id, a.province_id, a.organisation_id,
                      a.fund, a.plan_year, a.activity_code, a.title, a.commune, a.total_cost,
                      a.support_requested, a.counterpart, a.created_by,
                      CASE WHEN a.plan_year < 2026 OR k < 6 THEN 'approved'
                           WHEN k = 6 THEN 'rejected' WHEN k = 7 THEN 'draft' WHEN k = 8 THEN 'registered'
                           WHEN k = 9 THEN 'appraised'
                           WHEN a.fund = 'kcqg' AND k = 10 THEN 'sent_to_ministry'
                           WHEN a.fund = 'kcqg' THEN 'selected' ELSE 'appraised' END AS status
                 FROM workflow.applications a
                 CROSS JOIN LATERAL (SELECT (('x' || substr(md5(a.id::text), 1, 4))::bit(16)::int % 12) AS k) h
                WHERE a.status = 'accepted' AND a.title LIKE 'Hồ sơ đề nghị hỗ trợ số %';
             -- Envelopes that hold what the approved schemes commit, with room to spare.
             INSERT INTO workflow.envelopes (id, year, fund, province_id, parent_id, amount, allocated, committed, note)
             SELECT md5('national' || y)::uuid, y, 'kcqg', NULL, NULL, 0, 0, 0, 'Dữ liệu quy mô quốc gia'
               FROM generate_series(2019, 2026) y
             ON CONFLICT DO NOTHING;
             INSERT INTO workflow.envelopes (id, year, fund, province_id, parent_id, amount, committed, note)
             SELECT md5('env' || y || f || p.id)::uuid, y, f, p.id,
                    CASE WHEN f = 'kcqg' THEN (SELECT id FROM workflow.envelopes
                                                WHERE year = y AND fund = 'kcqg' AND province_id IS NULL) END,
                    coalesce(c.committed, 0) + 2000000000, coalesce(c.committed, 0), 'Dữ liệu quy mô quốc gia'
               FROM generate_series(2019, 2026) y
               CROSS JOIN (VALUES ('kcqg'), ('kcdp')) fund(f)
               CROSS JOIN seed_province p
               LEFT JOIN (SELECT plan_year, fund, province_id, sum(support_requested) AS committed
                            FROM seed_scheme WHERE status = 'approved' GROUP BY 1, 2, 3) c
                 ON c.plan_year = y AND c.fund = f AND c.province_id = p.id
             ON CONFLICT DO NOTHING;
             UPDATE workflow.envelopes n SET allocated = s.total, amount = s.total + 20000000000
               FROM (SELECT parent_id, sum(amount) AS total FROM workflow.envelopes
                      WHERE parent_id IS NOT NULL GROUP BY parent_id) s
              WHERE n.id = s.parent_id;
             INSERT INTO workflow.schemes (id, province_id, implementing_org_id, status, version, kind, fund,
                 plan_year, activity_code, title, commune, total_cost, support_requested, counterpart,
                 support_recommended, support_approved, envelope_id, prepared_by, stage_since)
             SELECT s.id, s.province_id, c.id, s.status, 1, 'point', s.fund, s.plan_year, s.activity_code,
                    'Đề án ' || s.title, s.commune, s.total_cost, s.support_requested, s.counterpart,
                    CASE WHEN s.status IN ('appraised', 'sent_to_ministry', 'selected', 'approved') THEN s.support_requested END,
                    CASE WHEN s.status = 'approved' THEN s.support_requested END,
                    CASE WHEN s.status = 'approved' THEN e.id END,
                    s.created_by, now() - make_interval(days => 30)
               FROM seed_scheme s
               JOIN identity.organisations c ON c.province_id = s.province_id AND c.kind = 'centre'
               LEFT JOIN workflow.envelopes e ON e.year = s.plan_year AND e.fund = s.fund AND e.province_id = s.province_id;
             INSERT INTO workflow.scheme_beneficiaries (province_id, scheme_id, organisation_id, application_id)
             SELECT province_id, id, organisation_id, application_id FROM seed_scheme;"
                .into(),
        ),
        (
            "statistics for the planner".into(),
            "ANALYZE identity.organisations; ANALYZE identity.users; ANALYZE workflow.applications;
             ANALYZE workflow.application_versions; ANALYZE workflow.schemes;
             ANALYZE workflow.scheme_beneficiaries; ANALYZE workflow.envelopes;
             ANALYZE registry.communes; ANALYZE registry.clusters; ANALYZE registry.cluster_versions;
             ANALYZE notifications.obligations;"
                .into(),
        ),
    ]
}

/// `n` open obligations of the enterprises (their half-year and annual CCN reports, ten each at scale
/// 1), due from 1 December 2026 over the following 240 days (a weekend date moved to the Monday), each
/// waiting for its first reminder 14 days before.
fn obligations_step(n: i64) -> (String, String) {
    (
        format!("{n} open reporting obligations"),
        format!(
            "INSERT INTO notifications.obligations (id, duty_id, duty_code, province_id, organisation_id,
                 period, base_due, due_date, state, next_step_on, dedup_key)
             SELECT md5('obligation' || g)::uuid, d.id, d.code, o.province_id, o.id, 'S' || g, b.base, w.due,
                    'open', w.due - 14, 'seed:' || g
               FROM generate_series(1, {n}) g
               JOIN seed_org o ON o.n = 1 + (g - 1) % (SELECT count(*) FROM seed_org)
               CROSS JOIN LATERAL (SELECT DATE '2026-12-01' + (g % 240)::int AS base) b
               CROSS JOIN LATERAL (SELECT b.base + CASE extract(isodow FROM b.base) WHEN 6 THEN 2 WHEN 7 THEN 1
                                                   ELSE 0 END AS due) w
               JOIN notifications.duties d ON d.province_id IS NULL
                AND d.code = CASE WHEN g % 2 = 0 THEN 'ccn_half_year_report' ELSE 'ccn_annual_report' END;"
        ),
    )
}

/// `clusters` industrial clusters over the 34 provinces, each with ten yearly versions from 2016 (one
/// every year, each superseding the last): proposed, established, built, operating with its leased land
/// growing, some expanded, some removed from the plan or revoked; the versions before 1 July 2025
/// recorded in a former province that merged into today's. Twenty communes per province.
/// Past plans carried out: `schemes` schemes of 2019 to 2025 approved against their province's
/// envelopes, each with its implementation contract and voucher (document rows; the files themselves
/// are not generated), `payments` payments spread over them (at most 90 % of each scheme's support),
/// six in seven settled at what was paid, the others still being implemented.
fn execution_step(schemes: i64, payments: i64) -> (String, String) {
    (
        format!("{schemes} schemes of past plans with {payments} payments, contracts and settlements"),
        format!(
            "DROP TABLE IF EXISTS seed_exec;
             CREATE TEMP TABLE seed_exec AS
               SELECT md5('exec' || n)::uuid AS id, n, p.id AS province_id, c.id AS centre_id,
                      CASE WHEN n % 5 < 2 THEN 'kcqg' ELSE 'kcdp' END AS fund, 2019 + n % 7 AS plan_year,
                      (ARRAY['training', 'demonstration_model', 'machinery', 'technology_line',
                             'cleaner_production', 'product_development', 'consulting', 'linkage'])[1 + n % 8] AS activity,
                      ((100 + (n * 37) % 400) * 1000000)::numeric AS approved,
                      ({payments} / {schemes}) + CASE WHEN n <= {payments} % {schemes} THEN 1 ELSE 0 END AS payments,
                      n % 7 <> 0 AS settled
                 FROM generate_series(1, {schemes}) n
                 JOIN seed_province p ON p.i = n % 34
                 JOIN identity.organisations c ON c.province_id = p.id AND c.kind = 'centre';
             UPDATE workflow.envelopes e SET committed = e.committed + s.total, amount = e.amount + s.total
               FROM (SELECT plan_year, fund, province_id, sum(approved) AS total FROM seed_exec GROUP BY 1, 2, 3) s
              WHERE e.year = s.plan_year AND e.fund = s.fund AND e.province_id = s.province_id;
             UPDATE workflow.envelopes n SET allocated = t.total, amount = t.total + 20000000000
               FROM (SELECT parent_id, sum(amount) AS total FROM workflow.envelopes
                      WHERE parent_id IS NOT NULL GROUP BY parent_id) t
              WHERE n.id = t.parent_id;
             INSERT INTO workflow.schemes (id, province_id, implementing_org_id, status, version, kind, fund,
                 plan_year, activity_code, title, commune, total_cost, support_requested, counterpart,
                 support_recommended, support_approved, envelope_id, prepared_by, stage_since,
                 paid, advanced, settled, progress_percent)
             SELECT s.id, s.province_id, s.centre_id, CASE WHEN s.settled THEN 'settled' ELSE 'implementing' END,
                    3, 'grouped', s.fund, s.plan_year, s.activity, 'Đề án đã thực hiện số ' || s.n, 'Xã số ' || (1 + s.n % 20),
                    s.approved * 2, s.approved, s.approved, s.approved, s.approved, e.id, s.centre_id,
                    make_date(s.plan_year + 1, 1, 10)::timestamptz,
                    floor(s.approved * 0.9 / s.payments) * s.payments, floor(s.approved * 0.9 / s.payments),
                    CASE WHEN s.settled THEN floor(s.approved * 0.9 / s.payments) * s.payments END,
                    CASE WHEN s.settled THEN 100 ELSE 60 END
               FROM seed_exec s
               JOIN workflow.envelopes e ON e.year = s.plan_year AND e.fund = s.fund AND e.province_id = s.province_id;
             INSERT INTO workflow.documents (id, province_id, organisation_id, scheme_id, kind, document_key,
                 version, filename, content_type, size_bytes, sha256, storage_key, uploaded_by)
             SELECT md5('exec-doc' || k || s.n)::uuid, s.province_id, s.centre_id, s.id, k,
                    md5('exec-doc-key' || k || s.n)::uuid, 1, k || '.pdf', 'application/pdf', 1000,
                    md5('exec-doc' || k || s.n) || md5('exec-doc' || k || s.n),
                    'seed/' || s.id || '/' || k, s.centre_id
               FROM seed_exec s CROSS JOIN (VALUES ('contract'), ('payment_voucher')) v(k);
             INSERT INTO workflow.contracts (id, province_id, scheme_id, kind, number, signed_on, ends_on, amount,
                 party_org_id, document_id, recorded_by)
             SELECT md5('exec-contract' || s.n)::uuid, s.province_id, s.id, 'implementation', s.n || '/HĐ-KC',
                    make_date(s.plan_year, 3, 1), make_date(s.plan_year, 12, 15), s.approved, s.centre_id,
                    md5('exec-doc' || 'contract' || s.n)::uuid, s.centre_id
               FROM seed_exec s;
             INSERT INTO workflow.payments (id, province_id, scheme_id, contract_id, kind, amount, paid_on,
                 document_id, recorded_by)
             SELECT md5('exec-payment' || s.n || '-' || k)::uuid, s.province_id, s.id,
                    md5('exec-contract' || s.n)::uuid, CASE WHEN k = 1 THEN 'advance' ELSE 'payment' END,
                    floor(s.approved * 0.9 / s.payments),
                    make_date(s.plan_year, 3, 15) + (k * 5 % 260),
                    md5('exec-doc' || 'payment_voucher' || s.n)::uuid, s.centre_id
               FROM seed_exec s CROSS JOIN LATERAL generate_series(1, s.payments) k;
             ANALYZE workflow.schemes; ANALYZE workflow.payments; ANALYZE workflow.contracts;
             ANALYZE workflow.documents;"
        ),
    )
}

fn clusters_step(clusters: i64) -> (String, String) {
    (
        format!("{clusters} industrial clusters with 10 years of history"),
        format!(
            "INSERT INTO registry.communes (id, province_id, name, valid_from)
             SELECT md5('commune' || p.id || k)::uuid, p.id, 'Xã số ' || k, DATE '2015-01-01'
               FROM seed_province p CROSS JOIN generate_series(1, 20) k
             ON CONFLICT DO NOTHING;
             DROP TABLE IF EXISTS seed_cluster;
             CREATE TEMP TABLE seed_cluster AS
               SELECT md5('ccn' || c)::uuid AS id, c, p.id AS province_id,
                      (SELECT min(f.id::text)::uuid FROM identity.admin_units f WHERE f.successor_id = p.id) AS former_id,
                      ('x' || substr(md5('fate' || c), 1, 7))::bit(28)::int % 10 AS fate,
                      (10 + (c * 7) % 65)::numeric AS planned
                 FROM generate_series(1, {clusters}) c JOIN seed_province p ON p.i = c % 34;
             INSERT INTO registry.clusters (id, province_id, code, created_at)
             SELECT id, province_id, 'CCN-S-' || lpad(c::text, 5, '0'), TIMESTAMPTZ '2016-01-15 09:00+07'
               FROM seed_cluster;
             INSERT INTO registry.cluster_versions (cluster_id, version, province_id, province_at_id, recorded_at,
                 superseded_at, recorded_by, action, reason, name, status, commune_ids, latitude, longitude,
                 planned_area_ha, industrial_area_ha, leased_area_ha, investor_name, investor_kind,
                 registered_capital, realised_capital, wastewater_exists, wastewater_capacity_m3,
                 wastewater_operating, sectors, secondary_projects, secondary_capital, workers, decisions)
             SELECT s.id, v, s.province_id,
                    CASE WHEN t.at < TIMESTAMPTZ '2025-07-01 00:00+07' THEN coalesce(s.former_id, s.province_id)
                         ELSE s.province_id END,
                    t.at, CASE WHEN v < 10 THEN t.next END,
                    md5('user1')::uuid, CASE WHEN v = 1 THEN 'proposed' WHEN st.status <> lag_status THEN 'transition' ELSE 'edited' END,
                    'Báo cáo năm ' || extract(year FROM t.at), 'Cụm công nghiệp số ' || s.c, st.status,
                    ARRAY[md5('commune' || s.province_id || (1 + s.c % 20))::uuid],
                    10 + (s.c % 130) / 10.0, 104 + (s.c % 80) / 10.0,
                    s.planned, round(s.planned * 0.7, 2), l.leased,
                    CASE WHEN v > 1 THEN 'Công ty CP Hạ tầng số ' || s.c END,
                    CASE WHEN v > 1 THEN 'enterprise' END,
                    CASE WHEN v > 1 THEN s.planned * 5000000000 ELSE 0 END,
                    CASE WHEN v > 2 THEN s.planned * 500000000 * least(v, 10) ELSE 0 END,
                    w.plant, CASE WHEN w.plant THEN 500 + (s.c % 20) * 100 END, w.plant AND s.c % 5 <> 0,
                    ARRAY['Cơ khí', 'Chế biến nông sản'], (l.leased / 3)::int, floor(l.leased * 20000000000),
                    (l.leased * 60)::int, '[]'::jsonb
               FROM seed_cluster s
               CROSS JOIN generate_series(1, 10) v
               -- Each version lasts until the next one's moment, computed alike (leap years make adding a year differ).
               CROSS JOIN LATERAL (SELECT TIMESTAMPTZ '2016-01-15 09:00+07' + make_interval(years => v - 1, days => s.c % 200) AS at,
                                          TIMESTAMPTZ '2016-01-15 09:00+07' + make_interval(years => v, days => s.c % 200) AS next) t
               CROSS JOIN LATERAL (SELECT
                   CASE WHEN s.fate = 0 OR v = 1 THEN 'in_plan'
                        WHEN s.fate = 1 THEN CASE WHEN v >= 3 THEN 'removed_from_plan' ELSE 'in_plan' END
                        WHEN v = 2 OR s.fate = 2 THEN 'established'
                        WHEN s.fate = 4 AND v >= 5 THEN 'revoked'
                        WHEN v = 3 OR s.fate = 3 OR s.fate = 4 THEN 'under_construction'
                        WHEN s.fate = 9 AND v >= 9 THEN 'expanded'
                        ELSE 'operating' END AS status,
                   CASE WHEN s.fate = 0 OR v <= 2 THEN 'in_plan'
                        WHEN s.fate = 1 THEN CASE WHEN v - 1 >= 3 THEN 'removed_from_plan' ELSE 'in_plan' END
                        WHEN v - 1 = 2 OR s.fate = 2 THEN 'established'
                        WHEN s.fate = 4 AND v - 1 >= 5 THEN 'revoked'
                        WHEN v - 1 = 3 OR s.fate = 3 OR s.fate = 4 THEN 'under_construction'
                        WHEN s.fate = 9 AND v - 1 >= 9 THEN 'expanded'
                        ELSE 'operating' END AS lag_status) st
               CROSS JOIN LATERAL (SELECT CASE WHEN st.status IN ('operating', 'expanded')
                   THEN round(round(s.planned * 0.7, 2) * least(1.0, (v - 3) * 0.14) * (0.45 + (s.c % 50) / 100.0), 4)
                   ELSE 0 END AS leased) l
               CROSS JOIN LATERAL (SELECT st.status IN ('operating', 'expanded') AND s.c % 3 <> 0 AS plant) w;"
        ),
    )
}
