//! The tenant scope a caller acts in, and who owns a record.

use crate::Role;
use uuid::Uuid;

/// Who a record belongs to: its province (`None` for a national record) and, for records an
/// enterprise may see, the organisation that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub province: Option<Uuid>,
    pub organisation: Option<Uuid>,
}

/// The tenant scope a request runs in, always derived from a verified token. It becomes `app.scope`,
/// `app.province` and `app.org` in the database transaction, where row-level security enforces it.
/// (Identity's pre-authentication flows have a scope of their own that is not a `Scope`:
/// `kc_db::PreAuth`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The ministry: every province.
    National,
    /// A province department or centre: one province.
    Province(Uuid),
    /// An enterprise user: one organisation in one province.
    Enterprise { province: Uuid, org: Uuid },
}

impl Scope {
    /// The scope of a user of `role` in organisation `org` of `province` (none for the ministry); none
    /// when a provincial role has no province. The one rule from an account to its tenant.
    pub fn of(role: Role, province: Option<Uuid>, org: Uuid) -> Option<Scope> {
        match (role, province) {
            (Role::Ministry, _) => Some(Scope::National),
            (Role::Province | Role::Centre, Some(p)) => Some(Scope::Province(p)),
            (Role::Enterprise, Some(p)) => Some(Scope::Enterprise { province: p, org }),
            (_, None) => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Scope::National => "national",
            Scope::Province(_) => "province",
            Scope::Enterprise { .. } => "enterprise",
        }
    }

    pub fn province(&self) -> Option<Uuid> {
        match self {
            Scope::Province(p) => Some(*p),
            Scope::Enterprise { province, .. } => Some(*province),
            Scope::National => None,
        }
    }

    /// May this scope see a record owned by `owner`? The ministry sees every record; a province's
    /// staff see their province's; an enterprise sees only its own organisation's. The one place of
    /// this rule in the application layer (row-level security enforces the same in the database).
    pub fn can_see(&self, owner: Owner) -> bool {
        match self {
            Scope::National => true,
            Scope::Province(p) => owner.province == Some(*p),
            Scope::Enterprise { province, org } => {
                owner.province == Some(*province) && owner.organisation == Some(*org)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scope_sees_its_own() {
        let (p1, p2, o1, o2) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let own = Owner {
            province: Some(p1),
            organisation: Some(o1),
        };
        let national = Owner {
            province: None,
            organisation: Some(o2),
        };
        assert!(Scope::National.can_see(own) && Scope::National.can_see(national));
        assert!(Scope::Province(p1).can_see(own));
        assert!(!Scope::Province(p2).can_see(own));
        assert!(!Scope::Province(p1).can_see(national));
        assert!(
            Scope::Enterprise {
                province: p1,
                org: o1
            }
            .can_see(own)
        );
        assert!(
            !Scope::Enterprise {
                province: p1,
                org: o2
            }
            .can_see(own)
        );
        assert!(
            !Scope::Enterprise {
                province: p2,
                org: o1
            }
            .can_see(own)
        );
    }
}
