//! Reference data from `data/*.csv`: the administrative units (dated versions with successor links) and
//! the state organisations (the ministry's agency; one department and one centre per province).

use chrono::NaiveDate;
use kc_kernel::ids::{self, centre_org_id, department_org_id, ministry_org_id};
use uuid::Uuid;

const UNITS_2004: &str = include_str!("../data/provinces-2004.csv");
const UNITS_2025: &str = include_str!("../data/provinces-2025.csv");

/// The first day of the 63-unit map (Hà Tây merged into Hà Nội on 2008-08-01).
const FORMER_FROM: (i32, u32, u32) = (2008, 8, 1);
/// The 2025 merger (Resolution 202/2025/QH15).
const MERGER: (i32, u32, u32) = (2025, 7, 1);

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn unit_id(valid_from: NaiveDate, code: &str) -> Uuid {
    ids::unit_id(&valid_from.to_string(), code)
}

#[derive(Debug, Clone)]
pub struct AdminUnit {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<Uuid>,
}

fn rows(csv: &str) -> impl Iterator<Item = Vec<&str>> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::trim).collect())
}

/// Every administrative unit in the reference files: 34 current, 63 former.
pub fn admin_units() -> Vec<AdminUnit> {
    let merger = date(MERGER);
    let former_from = date(FORMER_FROM);
    let mut units: Vec<AdminUnit> = rows(UNITS_2025)
        .map(|r| AdminUnit {
            id: unit_id(merger, r[0]),
            code: r[0].to_owned(),
            name: r[1].to_owned(),
            kind: r[2].to_owned(),
            region: r[3].to_owned(),
            valid_from: merger,
            valid_to: None,
            successor_id: None,
        })
        .collect();
    units.extend(rows(UNITS_2004).map(|r| AdminUnit {
        id: unit_id(former_from, r[0]),
        code: r[0].to_owned(),
        name: r[1].to_owned(),
        kind: r[2].to_owned(),
        region: r[3].to_owned(),
        valid_from: former_from,
        valid_to: Some(merger),
        successor_id: Some(unit_id(merger, r[4])),
    }));
    units
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(crate) fn admin_units_sql() -> String {
    let values: Vec<String> = admin_units()
        .iter()
        .map(|u| {
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {})",
                q(&u.id.to_string()),
                q(&u.code),
                q(&u.name),
                q(&u.kind),
                q(&u.region),
                q(&u.valid_from.to_string()),
                u.valid_to
                    .map(|d| q(&d.to_string()))
                    .unwrap_or_else(|| "NULL".into()),
                u.successor_id
                    .map(|d| q(&d.to_string()))
                    .unwrap_or_else(|| "NULL".into()),
            )
        })
        .collect();
    format!(
        "INSERT INTO identity.admin_units (id, code, name, kind, region, valid_from, valid_to, successor_id) VALUES\n{};",
        values.join(",\n")
    )
}

/// The short name used in organisation names: "Thành phố Hà Nội" → "thành phố Hà Nội", "Ninh Bình" → "tỉnh Ninh Bình".
fn place(unit: &AdminUnit) -> String {
    match unit.name.strip_prefix("Thành phố ") {
        Some(rest) => format!("thành phố {rest}"),
        None => format!("tỉnh {}", unit.name),
    }
}

pub(crate) fn state_organisations_sql() -> String {
    let mut values = vec![format!(
        "({}, NULL, 'ministry', {})",
        q(&ministry_org_id().to_string()),
        q("Cục Đổi mới sáng tạo, Chuyển đổi xanh và Khuyến công - Bộ Công Thương")
    )];
    for u in admin_units().iter().filter(|u| u.valid_to.is_none()) {
        let p = q(&u.id.to_string());
        values.push(format!(
            "({}, {p}, 'department', {})",
            q(&department_org_id(u.id).to_string()),
            q(&format!("Sở Công Thương {}", place(u)))
        ));
        values.push(format!(
            "({}, {p}, 'centre', {})",
            q(&centre_org_id(u.id).to_string()),
            q(&format!("Trung tâm Khuyến công {}", place(u)))
        ));
    }
    // The owner is subject to row-level security too (FORCE): act in the system scope for this
    // transaction only. One simple-protocol message runs as one transaction.
    format!(
        "SELECT set_config('app.scope', 'system', true);\nINSERT INTO identity.organisations (id, province_id, kind, name) VALUES\n{};",
        values.join(",\n")
    )
}

pub(crate) const STATE_ORGANISATIONS_DOWN: &str = "SELECT set_config('app.scope', 'system', true);
DELETE FROM identity.organisations WHERE kind IN ('ministry', 'department', 'centre');";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_lists_are_complete_and_linked() {
        let units = admin_units();
        let current: Vec<_> = units.iter().filter(|u| u.valid_to.is_none()).collect();
        let former: Vec<_> = units.iter().filter(|u| u.valid_to.is_some()).collect();
        assert_eq!(current.len(), 34);
        assert_eq!(former.len(), 63);
        for f in &former {
            let succ = f.successor_id.expect("former unit has a successor");
            assert!(
                current.iter().any(|c| c.id == succ),
                "{} has no successor",
                f.code
            );
        }
        // Code 24 was Bắc Giang and is now Bắc Ninh: two identities, one code.
        let c24: Vec<_> = units.iter().filter(|u| u.code == "24").collect();
        assert_eq!(c24.len(), 2);
        assert_ne!(c24[0].id, c24[1].id);
    }
}
