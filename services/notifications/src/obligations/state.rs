//! An obligation's life cycle: open → overdue (the scheduler, the day after its due date) → fulfilled
//! or waived (from open or overdue). Fulfilled and waived are final. Who records a fulfilment or a
//! waiver is the duty's recipient: the level the report goes to, or the ministry above every level.

use kc_auth::Caller;
use kc_kernel::{DutyLevel, ObligationState, Permission, Role};

/// The closing actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// The report arrived (outside the system, or before a service announced it).
    Fulfil,
    /// The duty does not apply this time, with a reason.
    Waive,
}

impl Close {
    pub fn target(self) -> ObligationState {
        match self {
            Close::Fulfil => ObligationState::Fulfilled,
            Close::Waive => ObligationState::Waived,
        }
    }
}

/// May an obligation in `state` be closed?
pub fn can_close(state: ObligationState) -> bool {
    matches!(state, ObligationState::Open | ObligationState::Overdue)
}

/// May an obligation about this subject be recorded as fulfilled by hand? Not an application's stage
/// time limit: the application's next step in workflow fulfils it (it may still be waived).
pub fn fulfilled_by_hand(subject_kind: Option<&str>) -> bool {
    subject_kind != Some("application")
}

/// Does `caller` speak for the recipient `to` of a duty (or the ministry, above every level)? A waiver
/// needs an admin; recording a report, an officer, approver or admin.
pub fn speaks_for_recipient(caller: &Caller, to: DutyLevel, action: Close) -> bool {
    let level_role = Role::for_org_kind(to.org_kind());
    let role_ok = caller.role() == level_role || caller.role() == Role::Ministry;
    let perm_ok = match action {
        Close::Waive => caller.has(Permission::Admin),
        Close::Fulfil => [Permission::Officer, Permission::Approver, Permission::Admin]
            .iter()
            .any(|p| caller.has(*p)),
    };
    role_ok && perm_ok && caller.role() != Role::Enterprise
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_open_or_overdue_close() {
        assert!(can_close(ObligationState::Open));
        assert!(can_close(ObligationState::Overdue));
        assert!(!can_close(ObligationState::Fulfilled));
        assert!(!can_close(ObligationState::Waived));
        assert_eq!(Close::Waive.target(), ObligationState::Waived);
        assert!(fulfilled_by_hand(Some("cluster")) && fulfilled_by_hand(None));
        assert!(!fulfilled_by_hand(Some("application")));
    }
}
