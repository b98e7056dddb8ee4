//! The tenant scope a caller acts in.

use uuid::Uuid;

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
