//! Demo data for the run command (never in production mode): the ministry user, and for Hà Nội (01),
//! Ninh Bình (37) and TP Hồ Chí Minh (79) a department approver-admin, a centre officer and two
//! enterprises. Safe to run again: existing accounts are left alone.

use crate::config::Mode;
use crate::routes::users::insert_user;
use crate::{AppState, store};
use kc_db::{begin, stmt};
use kc_kernel::{Email, Role, Scope, ids};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The one password of every demo account (also in the README).
pub const DEMO_PASSWORD: &str = "KhuyenCong@2025";

/// The demo provinces.
pub const DEMO_PROVINCES: [&str; 3] = ["01", "37", "79"];

/// Demo enterprises in each demo province: name, legal form, owned by a woman, by an ethnic minority.
const ENTERPRISES: [(&str, &str, bool, bool); 2] = [
    ("Cơ sở Mây tre đan", "household_business", true, false),
    ("Hợp tác xã Chế biến nông sản", "cooperative", false, true),
];

pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if state.config.mode == Mode::Production {
        anyhow::bail!("demo data is never loaded in production mode (KC_MODE=production)");
    }
    let hash = state.passwords.hash(DEMO_PASSWORD.into()).await?;
    let tx = begin(&state.db, &Scope::System).await?;
    let mut created = 0;
    let mut add = |email: &str| {
        let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{email}: {e}"));
        created += 1;
        email
    };
    let ministry_org = ids::ministry_org_id();
    let email = add("bo@demo.test")?;
    if store::user_by_email(&tx, email.as_str()).await?.is_none() {
        insert_user(
            &tx,
            None,
            ministry_org,
            Role::Ministry,
            &email,
            "Nguyễn Văn Bộ",
            Some("024 2220 2222".into()),
            vec!["admin".into(), "approver".into(), "officer".into()],
            hash.clone(),
            "active",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    for code in DEMO_PROVINCES {
        let unit = store::current_unit_by_code(&tx, code)
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
                vec!["admin", "approver"],
            ),
            (
                format!("ttkc.{code}@demo.test"),
                centre,
                Role::Centre,
                "Lê Văn Trung",
                vec!["officer"],
            ),
        ];
        for (email, org, role, name, perms) in people {
            let email = add(&email)?;
            if store::user_by_email(&tx, email.as_str()).await?.is_none() {
                insert_user(
                    &tx,
                    Some(p),
                    org,
                    role,
                    &email,
                    name,
                    None,
                    perms.into_iter().map(String::from).collect(),
                    hash.clone(),
                    "active",
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            }
        }
        for (n, (name, kind, woman, ethnic)) in ENTERPRISES.iter().enumerate() {
            let n = n + 1;
            let email = add(&format!("dn{n}.{code}@demo.test"))?;
            if store::user_by_email(&tx, email.as_str()).await?.is_some() {
                continue;
            }
            let org = Uuid::new_v4();
            let tax_code = format!("{code}{:08}", n);
            tx.execute_raw(stmt(
                "INSERT INTO identity.organisations (id, province_id, kind, name, tax_code, enterprise_kind,
                     commune, woman_owned, ethnic_minority_owned, status)
                 VALUES ($1, $2, 'enterprise', $3, $4, $5, $6, $7, $8, 'active')",
                [
                    org.into(),
                    p.into(),
                    format!("{name} {}", unit.name.trim_start_matches("Thành phố ")).into(),
                    tax_code.into(),
                    (*kind).into(),
                    "Xã Demo".into(),
                    (*woman).into(),
                    (*ethnic).into(),
                ],
            ))
            .await?;
            insert_user(
                &tx,
                Some(p),
                org,
                Role::Enterprise,
                &email,
                if n == 1 {
                    "Phạm Thị Mai"
                } else {
                    "Hoàng Văn Nam"
                },
                None,
                vec!["admin".into(), "officer".into()],
                hash.clone(),
                "active",
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
    }
    tx.commit().await?;
    tracing::info!(accounts = created, "demo data ready");
    Ok(())
}
