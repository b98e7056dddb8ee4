//! An approved scheme's life cycle, to its settlement (DOMAIN.md §5 steps 5-8):
//!
//! ```text
//! approved ──contract──▶ implementing ──acceptance (passed)──▶ accepted ──dossier──▶ settlement_submitted
//!    │                       │                                    ▲                        │
//!    └──────terminate────────┴──▶ terminated                      └───────returned─────────┤
//!                                                                                          └──settle──▶ settled
//! ```
//!
//! Each act names the statuses it may start from and who takes it: the funding level (the ministry
//! for the national fund, the province's department for a local one) signs the implementation
//! contract, pays, decides the settlement and terminates; the implementing unit (the centre) contracts
//! the beneficiaries, reports progress, records the acceptance and submits the settlement dossier;
//! any officer of the centre, the department or the ministry may record an inspection.

use kc_auth::Claims;
use kc_kernel::{Fund, Permission, Role, SchemeStatus};

/// What is done to an approved scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// The implementation contract (approved → implementing).
    SignContract,
    /// A contract of the implementing unit with a beneficiary.
    ContractBeneficiary,
    /// An advance (only while implementing).
    Advance,
    /// A payment against the contract.
    Pay,
    /// A progress report of the implementing unit.
    ReportProgress,
    /// An inspection or monitoring visit.
    Inspect,
    /// The acceptance record (implementing → accepted when it passed).
    Accept,
    /// The settlement dossier (accepted → settlement_submitted).
    SubmitSettlement,
    /// The decision on the dossier (settlement_submitted → settled, or back to accepted).
    DecideSettlement,
    /// Stop the scheme (approved or implementing → terminated).
    Terminate,
    /// Ask for an adjustment (its decision is routed by a rule: `crate::adjustments`).
    RequestAdjustment,
}

/// Who takes an act on a scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The ministry (national fund) or the province's department (local fund), with the permission.
    FundingLevel(Permission),
    /// The implementing unit (the centre), an officer.
    ImplementingUnit,
    /// An officer of the centre, the department or the ministry.
    AnyStaffOfficer,
}

impl Act {
    /// The statuses the act may start from.
    pub fn from(self) -> &'static [SchemeStatus] {
        use SchemeStatus::*;
        match self {
            Act::SignContract => &[Approved],
            Act::ContractBeneficiary | Act::Advance | Act::ReportProgress | Act::Accept => {
                &[Implementing]
            }
            Act::Pay => &[Implementing, Accepted, SettlementSubmitted, Settled],
            Act::Inspect => &[Implementing, Accepted, SettlementSubmitted],
            Act::SubmitSettlement => &[Accepted],
            Act::DecideSettlement => &[SettlementSubmitted],
            Act::Terminate | Act::RequestAdjustment => &[Approved, Implementing],
        }
    }

    /// Who takes it.
    pub fn actor(self) -> Actor {
        match self {
            Act::SignContract | Act::Advance | Act::Pay | Act::DecideSettlement => {
                Actor::FundingLevel(Permission::Officer)
            }
            Act::Terminate => Actor::FundingLevel(Permission::Approver),
            Act::ContractBeneficiary
            | Act::ReportProgress
            | Act::Accept
            | Act::SubmitSettlement
            | Act::RequestAdjustment => Actor::ImplementingUnit,
            Act::Inspect => Actor::AnyStaffOfficer,
        }
    }

    /// Whether the act may be taken from `status`.
    pub fn allowed_from(self, status: SchemeStatus) -> bool {
        self.from().contains(&status)
    }

    /// Whether this caller takes the act on a scheme of `fund` whose implementing unit is
    /// `implementer` (the province is the scheme's, checked when it was loaded).
    pub fn taken_by(self, claims: &Claims, fund: Fund, implementer: uuid::Uuid) -> bool {
        match self.actor() {
            Actor::FundingLevel(p) => claims.role == funding_level(fund) && claims.has(p),
            Actor::ImplementingUnit => {
                claims.role == Role::Centre
                    && claims.org == implementer
                    && claims.has(Permission::Officer)
            }
            Actor::AnyStaffOfficer => {
                matches!(claims.role, Role::Ministry | Role::Province | Role::Centre)
                    && claims.has(Permission::Officer)
            }
        }
    }

    /// Who takes it, in words (for a 403).
    pub fn actor_label(self, fund: Fund) -> String {
        match self.actor() {
            Actor::FundingLevel(p) => {
                format!("{} ({})", funding_level(fund).label_vi(), p.label_vi())
            }
            Actor::ImplementingUnit => "Đơn vị thực hiện đề án (Trung tâm Khuyến công)".into(),
            Actor::AnyStaffOfficer => "Cán bộ Trung tâm, Sở Công Thương hoặc Bộ Công Thương".into(),
        }
    }
}

/// Who funds a scheme of this fund, and so contracts, pays, settles and terminates it.
pub fn funding_level(fund: Fund) -> Role {
    match fund {
        Fund::Kcqg => Role::Ministry,
        Fund::Kcdp => Role::Province,
    }
}

/// The acts this caller may take on a scheme now (for the screens).
pub fn open_acts(
    claims: &Claims,
    fund: Fund,
    status: SchemeStatus,
    implementer: uuid::Uuid,
) -> Vec<&'static str> {
    const ALL: [(Act, &str); 11] = [
        (Act::SignContract, "sign_contract"),
        (Act::ContractBeneficiary, "contract_beneficiary"),
        (Act::Advance, "advance"),
        (Act::Pay, "pay"),
        (Act::ReportProgress, "report_progress"),
        (Act::Inspect, "inspect"),
        (Act::Accept, "accept"),
        (Act::SubmitSettlement, "submit_settlement"),
        (Act::DecideSettlement, "decide_settlement"),
        (Act::Terminate, "terminate"),
        (Act::RequestAdjustment, "request_adjustment"),
    ];
    ALL.iter()
        .filter(|(a, _)| a.allowed_from(status) && a.taken_by(claims, fund, implementer))
        .map(|(_, name)| *name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_after_approval_leads_somewhere_but_the_ends() {
        use SchemeStatus::*;
        let acts = [
            Act::SignContract,
            Act::ContractBeneficiary,
            Act::Advance,
            Act::Pay,
            Act::ReportProgress,
            Act::Inspect,
            Act::Accept,
            Act::SubmitSettlement,
            Act::DecideSettlement,
            Act::Terminate,
            Act::RequestAdjustment,
        ];
        for s in [Approved, Implementing, Accepted, SettlementSubmitted] {
            assert!(acts.iter().any(|a| a.allowed_from(s)), "{s:?}");
        }
        // Nothing but a late payment (up to the settled amount) after settlement; nothing after a
        // termination; no acceptance before implementation; no termination after acceptance.
        assert_eq!(acts.iter().filter(|a| a.allowed_from(Settled)).count(), 1);
        assert!(!acts.iter().any(|a| a.allowed_from(Terminated)));
        assert!(!Act::Accept.allowed_from(Approved));
        assert!(!Act::Terminate.allowed_from(Accepted));
    }

    #[test]
    fn the_fund_names_the_funding_level() {
        assert_eq!(funding_level(Fund::Kcqg), Role::Ministry);
        assert_eq!(funding_level(Fund::Kcdp), Role::Province);
    }
}
