//! Deterministic ids of reference data (UUIDv5), the same in every environment: administrative units
//! and the state organisations (the ministry's agency, each province's department and centre).

use uuid::Uuid;

/// Namespace of the deterministic ids.
pub const REFERENCE_NAMESPACE: Uuid = Uuid::from_u128(0x6b63_2d6b_6875_7965_6e63_6f6e_672d_7669);

/// The administrative unit with this code that came into force on `valid_from` (`YYYY-MM-DD`).
pub fn unit_id(valid_from: &str, code: &str) -> Uuid {
    Uuid::new_v5(
        &REFERENCE_NAMESPACE,
        format!("unit/{valid_from}/{code}").as_bytes(),
    )
}

pub fn ministry_org_id() -> Uuid {
    Uuid::new_v5(&REFERENCE_NAMESPACE, b"org/ministry")
}

pub fn department_org_id(province: Uuid) -> Uuid {
    Uuid::new_v5(
        &REFERENCE_NAMESPACE,
        format!("org/department/{province}").as_bytes(),
    )
}

pub fn centre_org_id(province: Uuid) -> Uuid {
    Uuid::new_v5(
        &REFERENCE_NAMESPACE,
        format!("org/centre/{province}").as_bytes(),
    )
}
