//! The life cycle of an application: which transitions exist, from which states, who makes each.

use kc_kernel::ApplicationStatus::{
    self, Accepted, Draft, Rejected, Returned, Submitted, UnderReview, Withdrawn,
};
use kc_kernel::DutyLevel;

/// Who acts on an application at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The applicant enterprise.
    Applicant,
    /// The province's extension centre.
    Centre,
}

impl Party {
    /// The level of the reporting chain the party stands at (how obligations name it).
    pub fn level(self) -> DutyLevel {
        match self {
            Party::Applicant => DutyLevel::Enterprise,
            Party::Centre => DutyLevel::Centre,
        }
    }
}

/// A step of the life cycle.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The applicant sends a draft or a returned application (a new version is kept).
    Submit,
    /// The centre takes a submitted application up.
    Review,
    /// The centre sends it back for more information (reason required).
    Return,
    /// The centre accepts it, to be built into a scheme.
    Accept,
    /// The centre refuses it (reason required).
    Reject,
    /// The applicant withdraws it before a decision.
    Withdraw,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Submit,
        Action::Review,
        Action::Return,
        Action::Accept,
        Action::Reject,
        Action::Withdraw,
    ];

    /// Who makes this step.
    pub fn party(self) -> Party {
        match self {
            Action::Submit | Action::Withdraw => Party::Applicant,
            Action::Review | Action::Return | Action::Accept | Action::Reject => Party::Centre,
        }
    }

    /// The states this step may start from.
    pub fn from(self) -> &'static [ApplicationStatus] {
        match self {
            Action::Submit => &[Draft, Returned],
            Action::Review => &[Submitted],
            Action::Return | Action::Accept | Action::Reject => &[Submitted, UnderReview],
            Action::Withdraw => &[Draft, Submitted, UnderReview, Returned],
        }
    }

    /// The state it leads to.
    pub fn to(self) -> ApplicationStatus {
        match self {
            Action::Submit => Submitted,
            Action::Review => UnderReview,
            Action::Return => Returned,
            Action::Accept => Accepted,
            Action::Reject => Rejected,
            Action::Withdraw => Withdrawn,
        }
    }

    /// Whether the step needs a written reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Return | Action::Reject)
    }

    /// The audit action.
    pub fn audit_action(self) -> &'static str {
        match self {
            Action::Submit => "application.submitted",
            Action::Review => "application.under_review",
            Action::Return => "application.returned",
            Action::Accept => "application.accepted",
            Action::Reject => "application.rejected",
            Action::Withdraw => "application.withdrawn",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Review => "review",
            Action::Return => "return",
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Withdraw => "withdraw",
        }
    }

    /// Whether this step may start from `status`.
    pub fn allowed_from(self, status: ApplicationStatus) -> bool {
        self.from().contains(&status)
    }
}

/// Who holds an application in a state (whose move it is), if anyone.
pub fn holder(status: ApplicationStatus) -> Option<Party> {
    match status {
        Draft | Returned => Some(Party::Applicant),
        Submitted | UnderReview => Some(Party::Centre),
        Accepted | Rejected | Withdrawn => None,
    }
}

/// The key of the stage-limit rule of a state (the administration's or the applicant's time limit).
pub fn stage_key(status: ApplicationStatus) -> Option<&'static str> {
    match status {
        Submitted => Some("application_submitted"),
        UnderReview => Some("application_under_review"),
        Returned => Some("application_returned"),
        Draft | Accepted | Rejected | Withdrawn => None,
    }
}

/// Whether the applicant may change the content in this state.
pub fn editable(status: ApplicationStatus) -> bool {
    matches!(status, Draft | Returned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_but_the_ends_can_move_and_the_ends_cannot() {
        for status in ApplicationStatus::ALL {
            let moves: Vec<_> = Action::ALL
                .iter()
                .filter(|a| a.allowed_from(status))
                .collect();
            let end = matches!(status, Accepted | Rejected | Withdrawn);
            assert_eq!(moves.is_empty(), end, "{status:?}: {moves:?}");
            assert_eq!(holder(status).is_none(), end);
        }
    }

    #[test]
    fn each_step_is_made_by_one_party_and_leads_where_it_says() {
        assert_eq!(Action::Submit.party(), Party::Applicant);
        assert_eq!(Action::Withdraw.party(), Party::Applicant);
        assert_eq!(Action::Return.party(), Party::Centre);
        assert!(Action::Submit.allowed_from(Returned));
        assert!(!Action::Submit.allowed_from(Submitted));
        assert!(!Action::Accept.allowed_from(Draft));
        assert!(Action::Return.needs_reason() && Action::Reject.needs_reason());
        assert!(!Action::Accept.needs_reason());
        for a in Action::ALL {
            assert!(!a.allowed_from(a.to()), "{a:?} loops");
        }
    }
}
