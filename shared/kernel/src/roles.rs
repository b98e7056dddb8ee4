//! Roles (one per kind of organisation), finer permissions inside a role, and the tenant scope a caller
//! acts in.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The JWT role: which kind of organisation the user acts for (DOMAIN.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Bộ Công Thương and its extension agency: national scope.
    Ministry,
    /// Sở Công Thương: one province.
    Province,
    /// Trung tâm Khuyến công: one province.
    Centre,
    /// A rural industrial establishment: its own organisation only.
    Enterprise,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Ministry => "ministry",
            Role::Province => "province",
            Role::Centre => "centre",
            Role::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "ministry" => Some(Role::Ministry),
            "province" => Some(Role::Province),
            "centre" => Some(Role::Centre),
            "enterprise" => Some(Role::Enterprise),
            _ => None,
        }
    }

    /// The role that users of an organisation of this kind get.
    pub fn for_org_kind(kind: OrgKind) -> Role {
        match kind {
            OrgKind::Ministry => Role::Ministry,
            OrgKind::Department => Role::Province,
            OrgKind::Centre => Role::Centre,
            OrgKind::Enterprise => Role::Enterprise,
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            Role::Ministry => "Bộ Công Thương",
            Role::Province => "Sở Công Thương",
            Role::Centre => "Trung tâm Khuyến công",
            Role::Enterprise => "Cơ sở công nghiệp nông thôn",
        }
    }
}

/// Finer permissions within a role.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// Prepares and processes records (chuyên viên).
    Officer,
    /// Signs and approves (lãnh đạo phê duyệt).
    Approver,
    /// Reads only (lãnh đạo theo dõi).
    Viewer,
    /// Manages users and organisations within scope (quản trị).
    Admin,
}

impl Permission {
    pub const ALL: [Permission; 4] = [
        Permission::Officer,
        Permission::Approver,
        Permission::Viewer,
        Permission::Admin,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Permission::Officer => "officer",
            Permission::Approver => "approver",
            Permission::Viewer => "viewer",
            Permission::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The kind of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrgKind {
    Ministry,
    Department,
    Centre,
    Enterprise,
}

impl OrgKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            OrgKind::Ministry => "ministry",
            OrgKind::Department => "department",
            OrgKind::Centre => "centre",
            OrgKind::Enterprise => "enterprise",
        }
    }
    pub fn parse(s: &str) -> Option<OrgKind> {
        match s {
            "ministry" => Some(OrgKind::Ministry),
            "department" => Some(OrgKind::Department),
            "centre" => Some(OrgKind::Centre),
            "enterprise" => Some(OrgKind::Enterprise),
            _ => None,
        }
    }
}

/// The legal form of an enterprise (cơ sở công nghiệp nông thôn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseKind {
    /// Doanh nghiệp
    Company,
    /// Hợp tác xã
    Cooperative,
    /// Hộ kinh doanh
    HouseholdBusiness,
    /// Tổ hợp tác
    CooperativeGroup,
}

impl EnterpriseKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EnterpriseKind::Company => "company",
            EnterpriseKind::Cooperative => "cooperative",
            EnterpriseKind::HouseholdBusiness => "household_business",
            EnterpriseKind::CooperativeGroup => "cooperative_group",
        }
    }
    pub fn parse(s: &str) -> Option<EnterpriseKind> {
        match s {
            "company" => Some(EnterpriseKind::Company),
            "cooperative" => Some(EnterpriseKind::Cooperative),
            "household_business" => Some(EnterpriseKind::HouseholdBusiness),
            "cooperative_group" => Some(EnterpriseKind::CooperativeGroup),
            _ => None,
        }
    }
}

/// The tenant scope a request runs in. It becomes `app.scope` / `app.province` in the database
/// transaction, where row-level security enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The ministry: every province.
    National,
    /// A province department or centre: one province.
    Province(Uuid),
    /// An enterprise user: one organisation in one province.
    Enterprise { province: Uuid, org: Uuid },
    /// Pre-authentication flows of the identity service (login, refresh, registration, password reset),
    /// which must find a user before any tenant is known. Never derived from a token.
    System,
}

impl Scope {
    pub fn name(&self) -> &'static str {
        match self {
            Scope::National => "national",
            Scope::Province(_) => "province",
            Scope::Enterprise { .. } => "enterprise",
            Scope::System => "system",
        }
    }

    pub fn province(&self) -> Option<Uuid> {
        match self {
            Scope::Province(p) => Some(*p),
            Scope::Enterprise { province, .. } => Some(*province),
            Scope::National | Scope::System => None,
        }
    }

    /// May this scope see a record of the given province (`None` = national record)?
    pub fn can_see_province(&self, province: Option<Uuid>) -> bool {
        match self {
            Scope::National | Scope::System => true,
            Scope::Province(p) | Scope::Enterprise { province: p, .. } => province == Some(*p),
        }
    }
}
