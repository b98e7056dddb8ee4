//! The run command's demo clusters (`kc-registry seed-demo`): seven clusters in each of provinces 01,
//! 37 and 79, one in each status (an operating one without a wastewater plant in 01, one whose plant
//! does not operate in 37), each with the history a real one has (proposed, established, built,
//! operating, reported on twice a year), the versions before 1 July 2025 recorded in the former
//! provinces that merged into today's; the first cluster's investor and tenant enterprise with last
//! year's annual reports accepted and consolidated, and this year's half-year reports due (the
//! investor's submitted, the tenant's not). Written as each province's officer (logged in through identity),
//! through the same store the routes use, with the versions dated in the past. Loading it again
//! adds nothing.

use crate::clusters::data::{ClusterData, Decision, DecisionKind};
use crate::clusters::store::{self, VersionMeta};
use crate::communes::store as communes;
use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kc_auth::{Caller, EnterpriseMember, Lock, Policy, ProvinceOfficer, Tenant, Verifier};
use kc_db::{Db, Tx, count, stmt};
use kc_kernel::{ClusterChange, ClusterStatus, InvestorKind, Money, TaxCode};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The demo accounts' password (identity's demo).
const PASSWORD: &str = "KhuyenCong@2025";

/// The demo user `email`, logged in through identity, as the routes would see it.
async fn login<P: Policy>(
    http: &reqwest::Client,
    identity: &str,
    db: &Db,
    verifier: &Verifier,
    email: &str,
) -> anyhow::Result<Tenant<P>> {
    let r: serde_json::Value = http
        .post(format!("{identity}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = r["access_token"]
        .as_str()
        .with_context(|| format!("login {email} (run kc-identity seed-demo first): {r}"))?;
    Ok(Tenant::for_token(db.clone(), verifier, token).await?)
}

/// 09:00 in Vietnam on `day`.
fn at(day: &str) -> DateTime<Utc> {
    let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap_or_default();
    kc_kernel::vietnam()
        .from_local_datetime(&d.and_hms_opt(9, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

/// One demo cluster: (code suffix, name, commune index, former province, latitude, longitude,
/// planned ha, industrial ha, leased ha today, final status, wastewater plant m³/day and whether it
/// operates, investor).
type Spec = (
    &'static str,
    &'static str,
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    ClusterStatus,
    Option<(i32, bool)>,
    &'static str,
);

#[rustfmt::skip]
fn province_demo(code: &str) -> (&'static [&'static str], Vec<Spec>) {
    use ClusterStatus::*;
    match code {
        "01" => (
            &["Xã Phú Nghĩa", "Xã Quang Minh", "Xã Bát Tràng", "Xã Thanh Oai"],
            vec![
                ("001", "Cụm công nghiệp Phú Nghĩa mở rộng", 0, "01", "20.9321", "105.6512", "65", "48", "41.5", Expanded, Some((2500, true)), "Công ty CP Đầu tư Phú Nghĩa"),
                ("002", "Cụm công nghiệp Quang Minh II", 1, "01", "21.1954", "105.7701", "42", "30.2", "24.8", Operating, None, "Công ty TNHH Hạ tầng Quang Minh"),
                ("003", "Cụm công nghiệp làng nghề Bát Tràng", 2, "01", "20.9750", "105.9120", "18.5", "13", "0", Revoked, None, "Ban Quản lý dự án huyện Gia Lâm"),
                ("004", "Cụm công nghiệp Thanh Oai", 3, "01", "20.8610", "105.7690", "50", "36", "0", UnderConstruction, None, "Công ty CP Phát triển Thanh Oai"),
                ("005", "Cụm công nghiệp Bích Hòa", 3, "01", "20.8950", "105.7900", "30", "22", "0", Established, None, "Công ty TNHH Bích Hòa"),
                ("006", "Cụm công nghiệp Đông Mỹ", 3, "01", "20.9130", "105.8640", "25", "18", "0", InPlan, None, ""),
                ("007", "Cụm công nghiệp Kim Chung", 1, "01", "21.1400", "105.7800", "20", "14", "0", RemovedFromPlan, None, ""),
            ],
        ),
        "37" => (
            &["Xã Kim Bảng", "Xã Ý Yên", "Xã Gia Viễn", "Phường Tam Điệp"],
            vec![
                ("001", "Cụm công nghiệp Kim Bảng", 0, "35", "20.5700", "105.8500", "45", "33", "29.1", Operating, Some((1000, false)), "Công ty CP Hạ tầng Hà Nam"),
                ("002", "Cụm công nghiệp Ý Yên mở rộng", 1, "36", "20.3000", "106.0300", "60", "45", "40", Expanded, Some((1800, true)), "Công ty TNHH Đầu tư Ý Yên"),
                ("003", "Cụm công nghiệp Gia Viễn", 2, "37", "20.3300", "105.8700", "38", "27", "0", RemovedFromPlan, None, ""),
                ("004", "Cụm công nghiệp Tam Điệp", 3, "37", "20.1500", "105.9100", "30", "21", "0", UnderConstruction, None, "Công ty CP Xây dựng Tam Điệp"),
                ("005", "Cụm công nghiệp Thanh Liêm", 0, "35", "20.4500", "105.9200", "28", "20", "0", Revoked, None, "Công ty TNHH Thanh Liêm"),
                ("006", "Cụm công nghiệp Nghĩa Hưng", 1, "36", "20.1000", "106.1600", "35", "25", "0", Established, None, "Công ty CP Nghĩa Hưng"),
                ("007", "Cụm công nghiệp Yên Mô", 2, "37", "20.1200", "106.0000", "22", "16", "0", InPlan, None, ""),
            ],
        ),
        _ => (
            &["Phường Tân Uyên", "Xã Châu Đức", "Xã Bình Chánh", "Phường Thủ Đức"],
            vec![
                ("001", "Cụm công nghiệp Tân Uyên", 0, "74", "11.0500", "106.7500", "70", "52", "49", Operating, Some((3000, true)), "Công ty CP Đầu tư Bình Dương"),
                ("002", "Cụm công nghiệp Châu Đức", 1, "77", "10.6500", "107.2400", "55", "40", "0", Revoked, None, "Công ty TNHH Hạ tầng Châu Đức"),
                ("003", "Cụm công nghiệp Bình Chánh", 2, "79", "10.6900", "106.5700", "48", "35", "33", Expanded, Some((2000, true)), "Công ty CP Phát triển Bình Chánh"),
                ("004", "Cụm công nghiệp Long Phước", 3, "79", "10.8200", "106.8500", "40", "29", "0", UnderConstruction, None, "Công ty TNHH Long Phước"),
                ("005", "Cụm công nghiệp Phú Giáo", 0, "74", "11.2900", "106.8000", "33", "24", "0", Established, None, "Công ty CP Phú Giáo"),
                ("006", "Cụm công nghiệp Xuyên Mộc", 1, "77", "10.5600", "107.4000", "26", "19", "0", InPlan, None, ""),
                ("007", "Cụm công nghiệp Cần Giờ", 2, "79", "10.4100", "106.9500", "15", "10", "0", RemovedFromPlan, None, ""),
            ],
        ),
    }
}

/// The unit (former, before the merger) with this code.
async fn former(tx: &Tx, code: &str) -> anyhow::Result<Uuid> {
    let row = tx
        .query_one_raw(stmt(
            "SELECT id FROM identity.admin_units WHERE code = $1 AND valid_to IS NOT NULL",
            [code.into()],
        ))
        .await?
        .with_context(|| format!("former province {code}"))?;
    Ok(row.try_get::<Uuid>("", "id")?)
}

/// Load the demo clusters through the database as each province's officer.
pub async fn seed(db: &Db, identity_url: &str, production: bool) -> anyhow::Result<()> {
    if production {
        bail!("demo data is never loaded in production mode (KC_MODE=production)");
    }
    let identity = identity_url.trim_end_matches('/');
    let http = reqwest::Client::new();
    let verifier = Verifier::from_identity_url(identity);
    for code in ["01", "37", "79"] {
        let officer: Tenant<ProvinceOfficer> = login(
            &http,
            identity,
            db,
            &verifier,
            &format!("cv.so.{code}@demo.test"),
        )
        .await?;
        let investor: Tenant<EnterpriseMember> = login(
            &http,
            identity,
            db,
            &verifier,
            &format!("dn1.{code}@demo.test"),
        )
        .await?;
        let tenant: Tenant<EnterpriseMember> = login(
            &http,
            identity,
            db,
            &verifier,
            &format!("dn2.{code}@demo.test"),
        )
        .await?;
        let province = crate::own_province(&officer)?;
        let tx = officer.begin().await?;
        if count(&tx, "SELECT count(*) AS n FROM registry.clusters", []).await? > 0 {
            tx.commit().await?;
            continue;
        }
        let (names, specs) = province_demo(code);
        let since = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
        let mut commune_ids = Vec::new();
        for name in names {
            commune_ids.push(
                communes::insert(&tx, province, name, since, officer.user_id())
                    .await?
                    .id,
            );
        }
        for (i, spec) in specs.into_iter().enumerate() {
            let id = cluster(&tx, province, code, &commune_ids, &spec, officer.user_id()).await?;
            // The first operating or expanded cluster: the investor enterprise's own, with the second
            // demo enterprise as a tenant.
            if i == 0 {
                let current = store::current(&tx, id, Lock::ForUpdate)
                    .await?
                    .context("the demo cluster")?;
                let mut data = current.data();
                data.investor_org_id = Some(investor.org_id());
                let m = VersionMeta {
                    at: Utc::now(),
                    by: officer.user_id(),
                    action: ClusterChange::Edited,
                    reason: "Chủ đầu tư hạ tầng đăng ký tài khoản doanh nghiệp".into(),
                    verdict: None,
                    justification: None,
                    province_at: province,
                };
                store::update(&tx, &current, &data, &m).await?;
                store::link_tenant(&tx, province, id, tenant.org_id(), officer.user_id()).await?;
                reports(&tx, province, id, &officer, &investor, &tenant).await?;
            }
        }
        tx.commit().await?;
        tracing::info!(province = code, "demo clusters");
    }
    Ok(())
}

/// One cluster and its history; its id.
async fn cluster(
    tx: &Tx,
    province: Uuid,
    code: &str,
    commune_ids: &[Uuid],
    spec: &Spec,
    by: Uuid,
) -> anyhow::Result<Uuid> {
    use ClusterStatus::*;
    let &(
        suffix,
        name,
        commune,
        former_code,
        lat,
        lon,
        planned,
        industrial,
        leased,
        last,
        plant,
        investor,
    ) = spec;
    let then = former(tx, former_code).await?;
    let leased_final = dec(leased);
    let share = |p: i64| (leased_final * Decimal::from(p) / Decimal::from(100)).round_dp(2);
    let tax =
        TaxCode::with_check_digit(&format!("{code}{:07}", 1000 + commune * 10 + suffix.len()))
            .map(|t| t.as_str().to_owned());
    let mut data = ClusterData {
        name: name.into(),
        status: InPlan,
        commune_ids: vec![commune_ids[commune]],
        latitude: dec(lat),
        longitude: dec(lon),
        boundary: None,
        planned_area_ha: dec(planned),
        industrial_area_ha: dec(industrial),
        leased_area_ha: Decimal::ZERO,
        investor_name: None,
        investor_tax_code: None,
        investor_kind: None,
        investor_org_id: None,
        registered_capital: Money::ZERO,
        realised_capital: Money::ZERO,
        wastewater_exists: false,
        wastewater_capacity_m3: None,
        wastewater_operating: false,
        sectors: vec![
            "Cơ khí".into(),
            "Chế biến nông sản".into(),
            "Thủ công mỹ nghệ".into(),
        ],
        secondary_projects: 0,
        secondary_capital: Money::ZERO,
        workers: 0,
        decisions: Vec::new(),
    };
    if last == Expanded {
        // Before its expansion it was 10 ha smaller.
        data.planned_area_ha -= Decimal::from(10);
        data.industrial_area_ha -= Decimal::from(8);
    }
    let meta = |day: &str, action: ClusterChange, reason: &str, at_former: bool| VersionMeta {
        at: at(day),
        by,
        action,
        reason: reason.into(),
        verdict: None,
        justification: None,
        province_at: if at_former { then } else { province },
    };
    let decision = |kind: DecisionKind, number: &str, day: &str| Decision {
        kind,
        number: number.into(),
        date: NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap_or_default(),
        issuer: "Ủy ban nhân dân tỉnh".into(),
    };
    let full_code = format!("CCN-{code}-{suffix}");
    if last == InPlan {
        let m = meta(
            "2025-09-10",
            ClusterChange::Proposed,
            "Đề xuất bổ sung vào phương án phát triển cụm công nghiệp",
            false,
        );
        return Ok(store::insert(tx, province, &full_code, &data, &m).await?);
    }
    let m = meta(
        "2019-04-15",
        ClusterChange::Proposed,
        "Phương án phát triển cụm công nghiệp giai đoạn 2021–2030",
        true,
    );
    let id = store::insert(tx, province, &full_code, &data, &m).await?;
    if last == RemovedFromPlan {
        data.status = RemovedFromPlan;
        data.decisions.push(decision(
            DecisionKind::PlanChange,
            "215/QĐ-UBND",
            "2021-02-01",
        ));
        next(
            tx,
            id,
            &data,
            meta(
                "2021-02-01",
                ClusterChange::Transition,
                "Không còn phù hợp quy hoạch sử dụng đất",
                true,
            ),
        )
        .await?;
        return Ok(id);
    }
    data.status = Established;
    data.decisions.push(decision(
        DecisionKind::Establishment,
        "1520/QĐ-UBND",
        "2020-06-10",
    ));
    if !investor.is_empty() {
        data.investor_name = Some(investor.into());
        data.investor_kind = Some(if investor.starts_with("Công ty") {
            InvestorKind::Enterprise
        } else {
            InvestorKind::StateUnit
        });
        data.investor_tax_code = tax;
        data.registered_capital =
            Money::from_dong(dec(planned).round().try_into().unwrap_or(0u64) * 6_000_000_000);
    }
    next(
        tx,
        id,
        &data,
        meta(
            "2020-06-10",
            ClusterChange::Transition,
            "Quyết định thành lập cụm công nghiệp",
            true,
        ),
    )
    .await?;
    if last == Established {
        return Ok(id);
    }
    if last == Revoked {
        data.status = Revoked;
        data.decisions.push(decision(
            DecisionKind::Revocation,
            "388/QĐ-UBND",
            "2022-03-01",
        ));
        next(
            tx,
            id,
            &data,
            meta(
                "2022-03-01",
                ClusterChange::Transition,
                "Chủ đầu tư không triển khai đúng tiến độ",
                true,
            ),
        )
        .await?;
        return Ok(id);
    }
    data.status = UnderConstruction;
    data.realised_capital = Money::from_dong(data.registered_capital_dong() / 3);
    next(
        tx,
        id,
        &data,
        meta(
            "2021-05-20",
            ClusterChange::Transition,
            "Khởi công xây dựng hạ tầng",
            true,
        ),
    )
    .await?;
    if last == UnderConstruction {
        return Ok(id);
    }
    data.status = Operating;
    data.leased_area_ha = share(30);
    data.secondary_projects = 4;
    data.workers = 650;
    data.realised_capital = Money::from_dong(data.registered_capital_dong() * 2 / 3);
    if let Some((capacity, operating)) = plant {
        data.wastewater_exists = true;
        data.wastewater_capacity_m3 = Some(capacity);
        data.wastewater_operating = operating;
    }
    next(
        tx,
        id,
        &data,
        meta(
            "2022-09-01",
            ClusterChange::Transition,
            "Hoàn thành hạ tầng, đón nhà đầu tư thứ cấp",
            true,
        ),
    )
    .await?;
    for (day, pct, projects, workers, reason, at_former) in [
        ("2023-12-20", 60, 9, 1400, "Báo cáo năm 2023", true),
        (
            "2024-06-20",
            80,
            12,
            2100,
            "Báo cáo 6 tháng đầu năm 2024",
            true,
        ),
        (
            "2025-12-20",
            100,
            15,
            2800,
            "Báo cáo năm 2025 (sau sắp xếp đơn vị hành chính)",
            false,
        ),
    ] {
        data.leased_area_ha = share(pct).min(data.industrial_area_ha);
        data.secondary_projects = projects;
        data.workers = workers;
        data.secondary_capital = Money::from_dong(projects as u64 * 45_000_000_000);
        next(
            tx,
            id,
            &data,
            meta(day, ClusterChange::Edited, reason, at_former),
        )
        .await?;
    }
    if last == Expanded {
        data.status = Expanded;
        data.planned_area_ha += Decimal::from(10);
        data.industrial_area_ha += Decimal::from(8);
        data.decisions.push(decision(
            DecisionKind::Expansion,
            "642/QĐ-UBND",
            "2026-03-15",
        ));
        next(
            tx,
            id,
            &data,
            meta(
                "2026-03-15",
                ClusterChange::Transition,
                "Mở rộng cụm công nghiệp theo quyết định của UBND tỉnh",
                false,
            ),
        )
        .await?;
    }
    Ok(id)
}

/// The reports of the investor's cluster: last year's annual reports of both parties, accepted and
/// consolidated; this year's half-year period opened, the investor's report waiting for review, the
/// tenant's missing (overdue once 20 June has passed); this year's annual period opened.
async fn reports(
    tx: &Tx,
    province: Uuid,
    cluster: Uuid,
    officer: &Caller,
    investor: &Caller,
    tenant: &Caller,
) -> anyhow::Result<()> {
    use crate::reports::{period, store as reports};
    use kc_kernel::{ReportKind, ReportParty, ReportStatus};
    let today = kc_kernel::today_vn();
    let year = chrono::Datelike::year(&today);
    let figures = |party: ReportParty, workers: i32| match party {
        ReportParty::Investor => {
            serde_json::json!({"workers": workers, "leased_area_ha": "30", "secondary_projects": 12,
            "capital_realised": "250000000000", "wastewater_operating": true})
        }
        ReportParty::Tenant => serde_json::json!({"workers": workers, "revenue": "48000000000",
            "capital_realised": "35000000000"}),
    };
    let annual = period(tx, ReportKind::Annual, year - 1, Some(province), today)
        .await?
        .context("the annual report rule")?;
    // Each period opened as the province would open it: each party's obligation announced.
    let parties = reports::parties(tx, province).await?;
    crate::reports::announce(tx, province, &annual, &parties).await?;
    for (party, who, workers) in [
        (ReportParty::Investor, investor, 45),
        (ReportParty::Tenant, tenant, 310),
    ] {
        let id = reports::insert(
            tx,
            &reports::NewReport {
                province_id: province,
                cluster_id: cluster,
                organisation_id: who.org_id(),
                party,
                period: &annual,
                figures: figures(party, workers),
                by: who.user_id(),
            },
        )
        .await?;
        reports::review(tx, id, ReportStatus::Accepted, None, officer.user_id()).await?;
        submitted(tx, id).await?;
    }
    let totals = reports::totals(tx, province, ReportKind::Annual, year - 1).await?;
    reports::consolidate(
        tx,
        province,
        ReportKind::Annual,
        year - 1,
        &totals,
        officer.user_id(),
    )
    .await?;
    let half = period(tx, ReportKind::HalfYear, year, Some(province), today)
        .await?
        .context("the half-year report rule")?;
    crate::reports::announce(tx, province, &half, &parties).await?;
    let id = reports::insert(
        tx,
        &reports::NewReport {
            province_id: province,
            cluster_id: cluster,
            organisation_id: investor.org_id(),
            party: ReportParty::Investor,
            period: &half,
            figures: figures(ReportParty::Investor, 52),
            by: investor.user_id(),
        },
    )
    .await?;
    submitted(tx, id).await?;
    // This year's annual period, due in December, opened too.
    let annual = period(tx, ReportKind::Annual, year, Some(province), today)
        .await?
        .context("the annual report rule")?;
    crate::reports::announce(tx, province, &annual, &parties).await?;
    Ok(())
}

/// Announce a demo report as submitted, as the route does.
async fn submitted(tx: &Tx, id: Uuid) -> anyhow::Result<()> {
    let row = <crate::reports::store::ReportRow as kc_auth::Resource>::load(tx, id, Lock::None)
        .await?
        .context("the demo report")?;
    crate::reports::announce_submitted(tx, &row).await?;
    Ok(())
}

/// The next version of the demo cluster `id`.
async fn next(tx: &Tx, id: Uuid, data: &ClusterData, m: VersionMeta) -> anyhow::Result<()> {
    let current = store::current(tx, id, Lock::ForUpdate)
        .await?
        .context("the demo cluster")?;
    let (action, by) = (m.action, m.by);
    store::update(tx, &current, data, &m).await?;
    if action == ClusterChange::Transition {
        // Announced as the route announces it (the notifications service opens the investor's reports).
        let after = store::current(tx, id, Lock::None)
            .await?
            .context("the demo cluster")?;
        crate::clusters::announce_transition(tx, &current, &after, by).await?;
    }
    Ok(())
}

impl ClusterData {
    fn registered_capital_dong(&self) -> u64 {
        Decimal::from(self.registered_capital)
            .try_into()
            .unwrap_or(0)
    }
}
