//! The life cycle of a periodic report: submitted → returned for corrections → submitted again, or
//! submitted → accepted (final).

use kc_kernel::ReportStatus::{self, Accepted, Returned, Submitted};

/// What happens to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Its party submits it (again, after a return).
    Submit,
    /// The province asks for corrections (a reason is needed).
    Return,
    /// The province accepts it.
    Accept,
}

impl Step {
    /// The statuses this step may start from (`None`: a report not yet submitted).
    pub fn allowed_from(self, status: Option<ReportStatus>) -> bool {
        match self {
            Step::Submit => matches!(status, None | Some(Returned)),
            Step::Return | Step::Accept => status == Some(Submitted),
        }
    }

    pub fn to(self) -> ReportStatus {
        match self {
            Step::Submit => Submitted,
            Step::Return => Returned,
            Step::Accept => Accepted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_reviewed_once_submitted_and_resubmitted_only_when_returned() {
        assert!(Step::Submit.allowed_from(None) && Step::Submit.allowed_from(Some(Returned)));
        assert!(
            !Step::Submit.allowed_from(Some(Submitted))
                && !Step::Submit.allowed_from(Some(Accepted))
        );
        assert!(
            Step::Accept.allowed_from(Some(Submitted))
                && !Step::Accept.allowed_from(Some(Returned))
        );
        assert!(!Step::Return.allowed_from(Some(Accepted)) && !Step::Return.allowed_from(None));
    }
}
