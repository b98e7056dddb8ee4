//! The approval chain of a fund, as the data in force says it.

use chrono::NaiveDate;
use kc_auth::Claims;
use kc_db::stmt;
use kc_kernel::{Deadline, Fund, Permission, Role, SchemeStatus};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use utoipa::ToSchema;

/// One step of a fund's chain.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct Step {
    pub fund: Fund,
    pub step: i32,
    pub from_status: SchemeStatus,
    pub to_status: SchemeStatus,
    pub actor_role: Role,
    pub actor_permission: Permission,
    /// The step must be taken by this deadline of the year before the plan year.
    pub deadline_key: Option<Deadline>,
    /// The step concludes the provincial appraisal (appraisers must have scored).
    pub needs_appraisal: bool,
    /// The step approves the scheme and commits its support against the budget.
    pub commits_budget: bool,
    pub label_vi: String,
}

impl Step {
    /// Whether this caller is who takes the step (role and permission; the province is the
    /// scheme's, checked when it was loaded).
    pub fn taken_by(&self, claims: &Claims) -> bool {
        claims.role == self.actor_role && claims.has(self.actor_permission)
    }
}

const SELECT: &str = "SELECT fund, step, from_status, to_status, actor_role, actor_permission,
        deadline_key, needs_appraisal, commits_budget, label_vi
   FROM workflow.approval_steps";

/// The step that leads on from `status` for `fund`, in force on `day` (none: the end of the chain).
pub async fn next<C: ConnectionTrait>(
    c: &C,
    fund: Fund,
    status: SchemeStatus,
    day: NaiveDate,
) -> Result<Option<Step>, DbErr> {
    Step::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE fund = $1 AND from_status = $2 AND valid_from <= $3
               AND (valid_to IS NULL OR valid_to >= $3)"
        ),
        [fund.into(), status.into(), day.into()],
    ))
    .one(c)
    .await
}

/// The whole chain of a fund (or of both) in force on `day`, in order.
pub async fn all<C: ConnectionTrait>(
    c: &C,
    fund: Option<Fund>,
    day: NaiveDate,
) -> Result<Vec<Step>, DbErr> {
    Step::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE ($1::text IS NULL OR fund = $1) AND valid_from <= $2
               AND (valid_to IS NULL OR valid_to >= $2) ORDER BY fund, step"
        ),
        [fund.into(), day.into()],
    ))
    .all(c)
    .await
}

/// Whether a scheme of `status` is with `role` in this chain: the role takes the step that leads on
/// from it, or took the step that led to it (and so may add that step's record or decision).
pub fn is_with(steps: &[Step], status: SchemeStatus, role: Role) -> bool {
    steps
        .iter()
        .any(|s| s.actor_role == role && (s.from_status == status || s.to_status == status))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(from: SchemeStatus, to: SchemeStatus, role: Role) -> Step {
        Step {
            fund: Fund::Kcdp,
            step: 1,
            from_status: from,
            to_status: to,
            actor_role: role,
            actor_permission: Permission::Officer,
            deadline_key: None,
            needs_appraisal: false,
            commits_budget: false,
            label_vi: "Bước".into(),
        }
    }

    #[test]
    fn a_scheme_is_with_whoever_takes_its_next_step_or_took_its_last() {
        use SchemeStatus::*;
        let chain = [
            step(Draft, Registered, Role::Centre),
            step(Registered, Appraised, Role::Province),
            step(Appraised, Approved, Role::Province),
        ];
        assert!(is_with(&chain, Draft, Role::Centre));
        assert!(is_with(&chain, Registered, Role::Centre));
        assert!(is_with(&chain, Registered, Role::Province));
        assert!(!is_with(&chain, Appraised, Role::Centre));
        assert!(is_with(&chain, Approved, Role::Province));
        assert!(!is_with(&chain, Approved, Role::Ministry));
        assert!(!is_with(&chain, Rejected, Role::Province));
        assert!(!is_with(&chain, Draft, Role::Enterprise));
    }
}
