//! The life cycle of a cluster (DOMAIN.md §6): in the plan → established → infrastructure under
//! construction → operating, expanded (again and again); removed from the plan before it is
//! established; its establishment revoked after.

use super::data::DecisionKind;
use kc_kernel::ClusterStatus::{
    self, Established, Expanded, InPlan, Operating, RemovedFromPlan, Revoked, UnderConstruction,
};

/// The statuses a cluster may go to from `from`.
pub fn next(from: ClusterStatus) -> &'static [ClusterStatus] {
    match from {
        InPlan => &[Established, RemovedFromPlan],
        Established => &[UnderConstruction, Revoked],
        UnderConstruction => &[Operating, Revoked],
        Operating | Expanded => &[Expanded, Revoked],
        RemovedFromPlan | Revoked => &[],
    }
}

pub fn allowed(from: ClusterStatus, to: ClusterStatus) -> bool {
    next(from).contains(&to)
}

/// The decision a transition to `to` must record (none: a reason is enough).
pub fn decision_needed(to: ClusterStatus) -> Option<DecisionKind> {
    match to {
        Established => Some(DecisionKind::Establishment),
        Expanded => Some(DecisionKind::Expansion),
        Revoked => Some(DecisionKind::Revocation),
        InPlan | UnderConstruction | Operating | RemovedFromPlan => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_step_is_skipped_and_ends_are_final() {
        assert!(allowed(InPlan, Established));
        assert!(
            !allowed(InPlan, Operating),
            "skips establishment and construction"
        );
        assert!(!allowed(Established, Operating), "skips construction");
        assert!(!allowed(InPlan, Expanded));
        assert!(allowed(Operating, Expanded) && allowed(Expanded, Expanded));
        assert!(
            !allowed(Established, RemovedFromPlan),
            "established: revoke instead"
        );
        for end in [RemovedFromPlan, Revoked] {
            assert!(ClusterStatus::ALL.iter().all(|to| !allowed(end, *to)));
        }
    }

    #[test]
    fn establishment_expansion_and_revocation_need_their_decision() {
        assert_eq!(
            decision_needed(Established),
            Some(DecisionKind::Establishment)
        );
        assert_eq!(decision_needed(Expanded), Some(DecisionKind::Expansion));
        assert_eq!(decision_needed(Revoked), Some(DecisionKind::Revocation));
        assert_eq!(decision_needed(Operating), None);
    }
}
