//! The 2018 plan as the published figures give it (DOMAIN.md §9), spread over the 63 provinces of
//! that time and their schemes, settled: demo data for the run command and the reports' tests, the
//! same every time.
//!
//! - National fund (KCQG): plan 120.000 triệu đồng, all approved, 262 schemes (11 of them CCN
//!   infrastructure with 19.398 triệu), settled 118.579,29 triệu (98,82 %).
//! - Local funds (KCĐP): plan 178.300,98 triệu, all approved, 8 schemes per province (504), settled
//!   172.187,94 triệu (96,57 %).
//!
//! Each scheme belongs to today's province (its tenant) and remembers the province of 2018
//! (`origin_unit_id`); its implementing unit is today's provincial centre. The envelopes are 2018's:
//! the national one, its allocations and the local ones, per today's province, each the sum of its
//! schemes. The archive holds the decisions' figures only (approved, settled, paid as settled), not the
//! contracts and vouchers, which stay on paper.

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database};

/// The published figures, in whole đồng.
pub const NATIONAL_PLAN: i64 = 120_000_000_000;
pub const NATIONAL_SETTLED: i64 = 118_579_290_000;
pub const NATIONAL_SCHEMES: i64 = 262;
pub const CCN_SCHEMES: i64 = 11;
pub const CCN_SUPPORT: i64 = 19_398_000_000;
pub const LOCAL_PLAN: i64 = 178_300_980_000;
pub const LOCAL_SETTLED: i64 = 172_187_940_000;
/// Local schemes per province of the time.
pub const LOCAL_PER_PROVINCE: i64 = 8;
/// The provinces of 2018.
const PROVINCES: i64 = 63;

const ACTIVITIES: [&str; 8] = [
    "training",
    "demonstration_model",
    "machinery",
    "technology_line",
    "cleaner_production",
    "product_development",
    "consulting",
    "linkage",
];

/// One scheme of the archive.
#[derive(Debug, Clone, PartialEq)]
pub struct Archived {
    pub n: i64,
    pub fund: &'static str,
    /// Index of its 2018 province among the 63, in code order.
    pub province: i64,
    pub activity: &'static str,
    pub approved: i64,
    pub settled: i64,
}

/// Split `total` over `weights`: each share rounded down to `unit`, the rest to the last.
fn split(total: i64, weights: &[i64], unit: i64) -> Vec<i64> {
    let sum: i64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| (total as i128 * *w as i128 / sum as i128) as i64 / unit * unit)
        .collect();
    let given: i64 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += total - given;
    }
    parts
}

/// What was not settled, spread over the schemes in proportion to their approval (rounded down to
/// the đồng, the rest on the largest), never more than a scheme's approval.
fn settle(approved: &[i64], settled_total: i64) -> Vec<i64> {
    let total: i64 = approved.iter().sum();
    let short = total - settled_total;
    let mut shortfalls: Vec<i64> = approved
        .iter()
        .map(|a| (short as i128 * *a as i128 / total as i128) as i64)
        .collect();
    let given: i64 = shortfalls.iter().sum();
    if let Some((i, _)) = approved.iter().enumerate().max_by_key(|(_, a)| **a) {
        shortfalls[i] += short - given;
    }
    approved
        .iter()
        .zip(shortfalls)
        .map(|(a, s)| a - s)
        .collect()
}

/// The schemes of the 2018 archive.
pub fn schemes() -> Vec<Archived> {
    let mut out = Vec::new();
    // National fund: 11 CCN infrastructure schemes, then the others, round the provinces.
    let ccn = split(CCN_SUPPORT, &[1, 2, 3, 2, 1, 3, 2, 1, 2, 3, 2], 1_000_000);
    let others_n = (NATIONAL_SCHEMES - CCN_SCHEMES) as usize;
    let weights: Vec<i64> = (0..others_n as i64).map(|i| 3 + (i * 7) % 5).collect();
    let others = split(NATIONAL_PLAN - CCN_SUPPORT, &weights, 1_000_000);
    let national: Vec<i64> = ccn.iter().chain(others.iter()).copied().collect();
    let national_settled = settle(&national, NATIONAL_SETTLED);
    for (i, (a, s)) in national.iter().zip(national_settled).enumerate() {
        let i = i as i64;
        out.push(Archived {
            n: i,
            fund: "kcqg",
            province: (i * 5) % PROVINCES,
            activity: if i < CCN_SCHEMES {
                "ccn_infrastructure"
            } else {
                ACTIVITIES[(i % ACTIVITIES.len() as i64) as usize]
            },
            approved: *a,
            settled: s,
        });
    }
    // Local funds: each province's share by its index, its schemes by theirs.
    let local_n = PROVINCES * LOCAL_PER_PROVINCE;
    let weights: Vec<i64> = (0..local_n)
        .map(|i| 2 + (i / LOCAL_PER_PROVINCE) % 7 + (i * 3) % 4)
        .collect();
    let local = split(LOCAL_PLAN, &weights, 10_000);
    let local_settled = settle(&local, LOCAL_SETTLED);
    for (i, (a, s)) in local.iter().zip(local_settled).enumerate() {
        let i = i as i64;
        out.push(Archived {
            n: NATIONAL_SCHEMES + i,
            fund: "kcdp",
            province: i / LOCAL_PER_PROVINCE,
            activity: ACTIVITIES[((i + 3) % ACTIVITIES.len() as i64) as usize],
            approved: *a,
            settled: s,
        });
    }
    out
}

/// Write the 2018 archive into the database at `url` (a superuser's, on a migrated database); nothing
/// when it is there already.
pub async fn seed_2018(url: &str) -> anyhow::Result<usize> {
    let db = Database::connect(url).await?;
    let there = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT 1 FROM workflow.envelopes WHERE year = 2018 LIMIT 1",
        ))
        .await?;
    if there.is_some() {
        return Ok(0);
    }
    let rows = schemes();
    let values: Vec<String> = rows
        .iter()
        .map(|s| {
            format!(
                "({}, '{}', {}, '{}', {}, {})",
                s.n, s.fund, s.province, s.activity, s.approved, s.settled
            )
        })
        .collect();
    let sql = format!(
        "BEGIN;
CREATE TEMP TABLE archive (n bigint, fund text, province int, activity text, approved numeric, settled numeric) ON COMMIT DROP;
INSERT INTO archive VALUES {values};
CREATE TEMP TABLE archive_units ON COMMIT DROP AS
  SELECT (row_number() OVER (ORDER BY code) - 1)::int AS idx, id AS then_id, successor_id AS now_id
    FROM identity.admin_units WHERE valid_to IS NOT NULL;
CREATE TEMP TABLE archived ON COMMIT DROP AS
  SELECT a.*, u.then_id, u.now_id, c.id AS centre_id,
         md5('kc-archive-2018-scheme-' || a.n)::uuid AS id
    FROM archive a JOIN archive_units u ON u.idx = a.province
    JOIN identity.organisations c ON c.province_id = u.now_id AND c.kind = 'centre';
INSERT INTO workflow.envelopes (id, year, fund, amount, allocated, note)
  VALUES (md5('kc-archive-2018-national')::uuid, 2018, 'kcqg', {NATIONAL_PLAN}, {NATIONAL_PLAN},
          'Kế hoạch khuyến công quốc gia năm 2018 (số liệu lưu trữ)');
INSERT INTO workflow.envelopes (id, year, fund, province_id, parent_id, amount, committed, note)
  SELECT md5('kc-archive-2018-' || fund || '-' || now_id)::uuid, 2018, fund, now_id,
         CASE WHEN fund = 'kcqg' THEN md5('kc-archive-2018-national')::uuid END,
         sum(approved), sum(approved), 'Năm 2018 (số liệu lưu trữ)'
    FROM archived GROUP BY fund, now_id;
INSERT INTO workflow.schemes (id, province_id, implementing_org_id, status, kind, fund, plan_year,
    activity_code, title, commune, total_cost, support_requested, counterpart, support_recommended,
    support_approved, envelope_id, stage_since, prepared_by, created_at, updated_at, origin_unit_id,
    paid, settled, progress_percent)
  SELECT id, now_id, centre_id, 'settled', 'grouped', fund, 2018, activity,
         'Đề án khuyến công năm 2018 số ' || (n + 1) || ' (số liệu lưu trữ)', 'Theo hồ sơ lưu trữ',
         approved * 2, approved, approved, approved, approved,
         md5('kc-archive-2018-' || fund || '-' || now_id)::uuid,
         TIMESTAMPTZ '2019-01-15 09:00+07', md5('kc-archive-2018')::uuid,
         TIMESTAMPTZ '2017-06-01 09:00+07', TIMESTAMPTZ '2019-01-15 09:00+07', then_id,
         settled, settled, 100
    FROM archived;
COMMIT;",
        values = values.join(",\n")
    );
    db.execute_unprepared(&sql)
        .await
        .context("the 2018 archive")?;
    db.close().await?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_adds_up_to_the_published_figures() {
        let rows = schemes();
        let sum = |fund: &str, f: fn(&Archived) -> i64| -> i64 {
            rows.iter().filter(|s| s.fund == fund).map(f).sum()
        };
        assert_eq!(sum("kcqg", |s| s.approved), NATIONAL_PLAN);
        assert_eq!(sum("kcqg", |s| s.settled), NATIONAL_SETTLED);
        assert_eq!(sum("kcdp", |s| s.approved), LOCAL_PLAN);
        assert_eq!(sum("kcdp", |s| s.settled), LOCAL_SETTLED);
        assert_eq!(
            rows.iter().filter(|s| s.fund == "kcqg").count() as i64,
            NATIONAL_SCHEMES
        );
        let ccn: Vec<_> = rows
            .iter()
            .filter(|s| s.activity == "ccn_infrastructure")
            .collect();
        assert_eq!(ccn.len() as i64, CCN_SCHEMES);
        assert_eq!(ccn.iter().map(|s| s.approved).sum::<i64>(), CCN_SUPPORT);
        for s in &rows {
            assert!(
                s.settled > 0 && s.settled <= s.approved,
                "scheme {} settles {} of {}",
                s.n,
                s.settled,
                s.approved
            );
        }
        // Every province of the time has schemes of both funds.
        for p in 0..PROVINCES {
            for fund in ["kcqg", "kcdp"] {
                assert!(rows.iter().any(|s| s.province == p && s.fund == fund));
            }
        }
    }
}
