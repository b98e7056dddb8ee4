//! Demo data for the run command (never in production mode): the ministry user, and for Hà Nội (01),
//! Ninh Bình (37) and TP Hồ Chí Minh (79) a department approver-admin, a centre officer, two
//! enterprises and a registration waiting for the centre's verification (`dk.NN@demo.test`). Safe to
//! run again: existing accounts are left alone.

use crate::AppState;
use crate::config::Mode;
use crate::store::organisations::{self, NewEnterprise};
use crate::store::units;
use crate::store::users::{self, NewUser};
use kc_db::PreAuth;
use kc_kernel::{AccountStatus, Email, EnterpriseKind, Permission, Role, TaxCode, ids};

/// The one password of every demo account (also in the README).
pub const DEMO_PASSWORD: &str = "KhuyenCong@2025";

/// The demo provinces.
pub const DEMO_PROVINCES: [&str; 3] = ["01", "37", "79"];

/// Demo enterprises in each demo province: name, legal form, owned by a woman, by an ethnic minority.
const ENTERPRISES: [(&str, EnterpriseKind, bool, bool); 2] = [
    (
        "Cơ sở Mây tre đan",
        EnterpriseKind::HouseholdBusiness,
        true,
        false,
    ),
    (
        "Hợp tác xã Chế biến nông sản",
        EnterpriseKind::Cooperative,
        false,
        true,
    ),
];

/// The tax code of demo enterprise `n` (from 1) of a demo province: the province code, `n` in six
/// digits, one more digit and the check digit. The extra digit is the first of 0, 1, ... whose
/// nine digits have a check digit (two consecutive ones never both lack one), so the codes are
/// valid, stable and distinct: `tax_code("01", 1)` is `0100000109`.
pub fn tax_code(province_code: &str, n: usize) -> TaxCode {
    (0..10)
        .find_map(|d| TaxCode::with_check_digit(&format!("{province_code}{n:06}{d}")))
        .unwrap_or_else(|| panic!("no demo tax code for {province_code}/{n}"))
}

pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if state.config.mode == Mode::Production {
        anyhow::bail!("demo data is never loaded in production mode (KC_MODE=production)");
    }
    let hash = state.passwords.hash(DEMO_PASSWORD.into()).await?;
    let tx = state.db.begin_preauth(PreAuth::DemoSeed).await?;
    let mut created = 0;
    let mut add = |email: &str| {
        let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{email}: {e}"));
        created += 1;
        email
    };
    let ministry_org = ids::ministry_org_id();
    let email = add("bo@demo.test")?;
    if users::by_email(&tx, email.as_str()).await?.is_none() {
        users::insert(
            &tx,
            NewUser {
                province_id: None,
                organisation_id: ministry_org,
                role: Role::Ministry,
                email: &email,
                full_name: "Nguyễn Văn Bộ",
                phone: Some("024 2220 2222".into()),
                permissions: vec![Permission::Admin, Permission::Approver, Permission::Officer],
                password_hash: hash.clone(),
                status: AccountStatus::Active,
            },
        )
        .await?;
    }
    for code in DEMO_PROVINCES {
        let unit = units::current_by_code(&tx, code)
            .await?
            .ok_or_else(|| anyhow::anyhow!("province {code} missing: run the migrations first"))?;
        let p = unit.id;
        let dept = ids::department_org_id(p);
        let centre = ids::centre_org_id(p);
        let people = [
            (
                format!("so.{code}@demo.test"),
                dept,
                Role::Province,
                "Trần Thị Sở",
                vec![Permission::Admin, Permission::Approver],
            ),
            (
                format!("cv.so.{code}@demo.test"),
                dept,
                Role::Province,
                "Đỗ Minh Chuyên",
                vec![Permission::Officer],
            ),
            (
                format!("ttkc.{code}@demo.test"),
                centre,
                Role::Centre,
                "Lê Văn Trung",
                vec![Permission::Officer],
            ),
        ];
        for (email, org, role, name, perms) in people {
            let email = add(&email)?;
            if users::by_email(&tx, email.as_str()).await?.is_none() {
                users::insert(
                    &tx,
                    NewUser {
                        province_id: Some(p),
                        organisation_id: org,
                        role,
                        email: &email,
                        full_name: name,
                        phone: None,
                        permissions: perms,
                        password_hash: hash.clone(),
                        status: AccountStatus::Active,
                    },
                )
                .await?;
            }
        }
        for (n, (name, kind, woman, ethnic)) in ENTERPRISES.iter().enumerate() {
            let n = n + 1;
            let email = add(&format!("dn{n}.{code}@demo.test"))?;
            if users::by_email(&tx, email.as_str()).await?.is_some() {
                continue;
            }
            let enterprise = NewEnterprise {
                tax_code: tax_code(code, n).as_str().to_owned(),
                name: format!("{name} {}", unit.name.trim_start_matches("Thành phố ")),
                enterprise_kind: *kind,
                commune: "Xã Demo".into(),
                address: None,
                woman_owned: *woman,
                ethnic_minority_owned: *ethnic,
            };
            let org = organisations::insert_enterprise(&tx, p, &enterprise, AccountStatus::Active)
                .await?;
            users::insert(
                &tx,
                NewUser {
                    province_id: Some(p),
                    organisation_id: org,
                    role: Role::Enterprise,
                    email: &email,
                    full_name: if n == 1 {
                        "Phạm Thị Mai"
                    } else {
                        "Hoàng Văn Nam"
                    },
                    phone: None,
                    permissions: vec![Permission::Admin, Permission::Officer],
                    password_hash: hash.clone(),
                    status: AccountStatus::Active,
                },
            )
            .await?;
        }
        // A registration waiting for the centre (its verification screen has one to show).
        let email = add(&format!("dk.{code}@demo.test"))?;
        if users::by_email(&tx, email.as_str()).await?.is_none() {
            let n = ENTERPRISES.len() + 1;
            let enterprise = NewEnterprise {
                tax_code: tax_code(code, n).as_str().to_owned(),
                name: format!(
                    "Hộ kinh doanh Gốm thủ công {}",
                    unit.name.trim_start_matches("Thành phố ")
                ),
                enterprise_kind: EnterpriseKind::HouseholdBusiness,
                commune: "Xã Demo".into(),
                address: Some("Thôn Đông, Xã Demo".into()),
                woman_owned: false,
                ethnic_minority_owned: true,
            };
            let org = organisations::insert_enterprise(&tx, p, &enterprise, AccountStatus::Pending)
                .await?;
            users::insert(
                &tx,
                NewUser {
                    province_id: Some(p),
                    organisation_id: org,
                    role: Role::Enterprise,
                    email: &email,
                    full_name: "Lò Văn Khánh",
                    phone: Some("0987 654 321".into()),
                    permissions: vec![Permission::Admin, Permission::Officer],
                    password_hash: hash.clone(),
                    status: AccountStatus::Pending,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    tracing::info!(accounts = created, "demo data ready");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tax_codes_are_valid_and_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for code in DEMO_PROVINCES {
            for n in 1..=ENTERPRISES.len() + 50 {
                let tax = tax_code(code, n);
                assert_eq!(TaxCode::parse(tax.as_str()).as_ref(), Ok(&tax));
                assert!(tax.as_str().starts_with(code));
                assert!(seen.insert(tax.as_str().to_owned()), "{tax:?}");
            }
        }
        assert_eq!(tax_code("01", 1).as_str(), "0100000109");
        // 010000030 has no check digit: the next nine digits are taken.
        assert_eq!(tax_code("01", 3).as_str(), "0100000317");
    }
}
