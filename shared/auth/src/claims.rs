use kc_kernel::{Permission, Role, Scope};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The claims of an access token (ARCHITECTURE.md §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The user's organisation.
    pub org: Uuid,
    pub role: Role,
    pub perms: Vec<Permission>,
    /// The tenant: `null` for the ministry.
    pub province: Option<ProvinceClaim>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// The account's session generation when the token was issued: a password change, "log out
    /// everywhere" or a disabling starts a new one, and every service refuses the older tokens.
    #[serde(default)]
    pub sv: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProvinceClaim {
    /// The province's identity (stable across code reuse).
    pub id: Uuid,
    /// Its 2-digit code, for display.
    pub code: String,
}

impl Claims {
    pub fn has(&self, perm: Permission) -> bool {
        self.perms.contains(&perm)
    }

    /// The tenant scope this caller acts in. A token that claims a provincial role without a
    /// province yields `None` and is refused.
    pub fn scope(&self) -> Option<Scope> {
        Scope::of(self.role, self.province.as_ref().map(|p| p.id), self.org)
    }
}
