//! Every role, status and kind the database stores, each declared once with `db_enum!`: the
//! variant, its database spelling and its Vietnamese label.
//!
//! Adding a value here without the CHECK constraint of its column (or the reverse) fails the test
//! `migrations/tests/enums.rs`, which also lists which enum each `table.column` holds.

use crate::db_enum::db_enum;

db_enum! {
    /// The JWT role: which kind of organisation the user acts for (DOMAIN.md §1). Stored in
    /// `identity.users.role`.
    pub enum Role {
        /// Bộ Công Thương and its extension agency: national scope.
        Ministry = "ministry" => "Bộ Công Thương",
        /// Sở Công Thương: one province.
        Province = "province" => "Sở Công Thương",
        /// Trung tâm Khuyến công: one province.
        Centre = "centre" => "Trung tâm Khuyến công",
        /// A rural industrial establishment: its own organisation only.
        Enterprise = "enterprise" => "Cơ sở công nghiệp nông thôn",
    }
}

impl Role {
    /// The role that users of an organisation of this kind get.
    pub fn for_org_kind(kind: OrgKind) -> Role {
        match kind {
            OrgKind::Ministry => Role::Ministry,
            OrgKind::Department => Role::Province,
            OrgKind::Centre => Role::Centre,
            OrgKind::Enterprise => Role::Enterprise,
        }
    }
}

db_enum! {
    /// Finer permissions within a role. Stored in `identity.users.permissions` (`text[]`).
    pub enum Permission {
        /// Prepares and processes records (chuyên viên).
        Officer = "officer" => "Chuyên viên",
        /// Signs and approves (lãnh đạo phê duyệt).
        Approver = "approver" => "Lãnh đạo phê duyệt",
        /// Reads only (lãnh đạo theo dõi).
        Viewer = "viewer" => "Lãnh đạo theo dõi",
        /// Manages users and organisations within scope (quản trị).
        Admin = "admin" => "Quản trị",
    }
}

db_enum! {
    /// The kind of an organisation. Stored in `identity.organisations.kind`.
    pub enum OrgKind {
        /// The ministry (Bộ Công Thương): the one national organisation.
        Ministry = "ministry" => "Bộ Công Thương",
        /// A provincial Department of Industry and Trade (Sở Công Thương).
        Department = "department" => "Sở Công Thương",
        /// A provincial industrial extension centre (Trung tâm Khuyến công).
        Centre = "centre" => "Trung tâm Khuyến công",
        /// A rural industrial establishment (cơ sở công nghiệp nông thôn).
        Enterprise = "enterprise" => "Cơ sở công nghiệp nông thôn",
    }
}

db_enum! {
    /// The legal form of an enterprise (cơ sở công nghiệp nông thôn). Stored in
    /// `identity.organisations.enterprise_kind`.
    pub enum EnterpriseKind {
        /// Doanh nghiệp
        Company = "company" => "Doanh nghiệp",
        /// Hợp tác xã
        Cooperative = "cooperative" => "Hợp tác xã",
        /// Hộ kinh doanh
        HouseholdBusiness = "household_business" => "Hộ kinh doanh",
        /// Tổ hợp tác
        CooperativeGroup = "cooperative_group" => "Tổ hợp tác",
    }
}

db_enum! {
    /// Where an organisation or a user account stands. Stored in `identity.organisations.status` and
    /// `identity.users.status`.
    pub enum AccountStatus {
        /// Registered, waiting for the centre to verify it.
        Pending = "pending" => "Chờ duyệt",
        /// In use.
        Active = "active" => "Đang hoạt động",
        /// A registration that was refused: it holds neither its tax code nor its e-mail.
        Rejected = "rejected" => "Bị từ chối",
        /// Switched off by an administrator.
        Disabled = "disabled" => "Đã khoá",
    }
}

db_enum! {
    /// The kind of a province-level administrative unit. Stored in `identity.admin_units.kind`.
    pub enum UnitKind {
        /// Tỉnh.
        Province = "province" => "Tỉnh",
        /// Thành phố trực thuộc trung ương (a centrally governed city, e.g. Hà Nội).
        City = "city" => "Thành phố trực thuộc trung ương",
    }
}

db_enum! {
    /// The region a province belongs to, for regional conferences and dashboards. Stored in
    /// `identity.admin_units.region`.
    pub enum Region {
        North = "north" => "Miền Bắc",
        Central = "central" => "Miền Trung",
        South = "south" => "Miền Nam",
    }
}

db_enum! {
    /// The fund a scheme draws on (DOMAIN.md §3). Stored in `workflow.*.fund`.
    pub enum Fund {
        /// Khuyến công quốc gia: the national budget, managed by the ministry.
        Kcqg = "kcqg" => "Khuyến công quốc gia",
        /// Khuyến công địa phương: a province's own budget.
        Kcdp = "kcdp" => "Khuyến công địa phương",
    }
}

db_enum! {
    /// What a dated reference rule is about. Stored in `workflow.rules.kind`.
    pub enum RuleKind {
        /// A content group that may be funded (DOMAIN.md §4).
        ActivityType = "activity_type" => "Nội dung hoạt động khuyến công",
        /// The support cap of an activity type: a share of the cost and a ceiling.
        SupportCap = "support_cap" => "Mức hỗ trợ tối đa",
        /// A yearly deadline (plan registration, province registration).
        Deadline = "deadline" => "Thời hạn",
        /// The administration's own time limit for a stage, in days.
        StageLimit = "stage_limit" => "Thời hạn xử lý",
        /// A priority given at selection (women-owned, ethnic-minority-owned, difficult areas).
        Priority = "priority" => "Ưu tiên",
        /// The scoring rubric of an appraisal (per activity type, or `default`).
        Rubric = "rubric" => "Tiêu chí chấm điểm thẩm định",
        /// How much of the approved support may be advanced, and after how much progress (per
        /// activity type, or `default`).
        AdvanceLimit = "advance_limit" => "Mức tạm ứng tối đa",
        /// Who approves a kind of adjustment (the funding level's permission, per adjustment kind).
        AdjustmentRoute = "adjustment_route" => "Thẩm quyền phê duyệt điều chỉnh",
    }
}

db_enum! {
    /// Where an enterprise's application stands. Stored in `workflow.applications.status`; the
    /// transitions are in `kc_workflow::applications::state`.
    pub enum ApplicationStatus {
        /// Being written by the applicant; saved as often as they like.
        Draft = "draft" => "Bản nháp",
        /// Sent to the province's extension centre.
        Submitted = "submitted" => "Đã nộp",
        /// Taken up by the centre.
        UnderReview = "under_review" => "Đang xem xét",
        /// Sent back to the applicant for more information (with a reason).
        Returned = "returned" => "Yêu cầu bổ sung",
        /// Accepted, to be built into a scheme.
        Accepted = "accepted" => "Đã tiếp nhận vào đề án",
        /// Refused, with a reason.
        Rejected = "rejected" => "Không được chấp nhận",
        /// Withdrawn by the applicant.
        Withdrawn = "withdrawn" => "Đã rút",
    }
}

db_enum! {
    /// What a document of a case is. Stored in `workflow.documents.kind`.
    pub enum DocumentKind {
        /// Đơn đề nghị hỗ trợ: the request letter.
        RequestLetter = "request_letter" => "Đơn đề nghị hỗ trợ",
        /// Đề án: the scheme document.
        SchemeDocument = "scheme_document" => "Đề án khuyến công",
        /// The beneficiary's request, where the implementer is not the beneficiary.
        BeneficiaryRequest = "beneficiary_request" => "Đề nghị của cơ sở thụ hưởng",
        /// Báo giá: a quote (machinery).
        Quote = "quote" => "Báo giá",
        /// Giấy tờ đất đai: land papers (CCN work).
        LandPapers = "land_papers" => "Giấy tờ về đất đai",
        /// Giấy chứng nhận đăng ký kinh doanh.
        BusinessRegistration = "business_registration" => "Giấy chứng nhận đăng ký kinh doanh",
        /// Biên bản thẩm định: the record of an appraisal (schemes).
        AppraisalRecord = "appraisal_record" => "Biên bản thẩm định",
        /// Quyết định: a decision on a scheme (approval, allocation).
        Decision = "decision" => "Quyết định",
        /// Hợp đồng: an implementation contract, or one with a beneficiary.
        Contract = "contract" => "Hợp đồng",
        /// Chứng từ: the voucher of an advance or a payment.
        PaymentVoucher = "payment_voucher" => "Chứng từ tạm ứng, thanh toán",
        /// Báo cáo tiến độ, or the record of an inspection.
        ProgressReport = "progress_report" => "Báo cáo tiến độ, kiểm tra",
        /// Biên bản nghiệm thu.
        AcceptanceRecord = "acceptance_record" => "Biên bản nghiệm thu",
        /// Hồ sơ quyết toán.
        SettlementDossier = "settlement_dossier" => "Hồ sơ quyết toán",
        /// Biên bản thanh lý hợp đồng.
        LiquidationRecord = "liquidation_record" => "Biên bản thanh lý hợp đồng",
        /// The written request to stop a scheme, with its reasons.
        TerminationRequest = "termination_request" => "Văn bản đề nghị ngừng thực hiện",
        /// The written request for an adjustment, with its reasons.
        AdjustmentRequest = "adjustment_request" => "Văn bản đề nghị điều chỉnh",
        /// Anything else the case needs.
        Other = "other" => "Tài liệu khác",
    }
}

db_enum! {
    /// Where a scheme stands. Stored in `workflow.schemes.status`; which statuses a fund's schemes pass
    /// through, and who moves them, is the approval chain (`workflow.approval_steps`, data).
    pub enum SchemeStatus {
        /// Being prepared by the implementing unit.
        Draft = "draft" => "Đang xây dựng",
        /// Registered in the plan with the province.
        Registered = "registered" => "Đã đăng ký kế hoạch",
        /// Appraised by the province (thẩm định cấp cơ sở).
        Appraised = "appraised" => "Đã thẩm định",
        /// Sent by the province to the ministry (national fund).
        SentToMinistry = "sent_to_ministry" => "Đã gửi Bộ Công Thương",
        /// Selected by the ministry's central appraisal (national fund).
        Selected = "selected" => "Đã xét chọn",
        /// Approved, its support committed against the budget.
        Approved = "approved" => "Đã phê duyệt",
        /// Its implementation contract signed: being carried out (advances, payments, progress).
        Implementing = "implementing" => "Đang thực hiện",
        /// Accepted at the facility (nghiệm thu): the settlement dossier is due.
        Accepted = "accepted" => "Đã nghiệm thu",
        /// The settlement dossier is with the funding level.
        SettlementSubmitted = "settlement_submitted" => "Đã nộp hồ sơ quyết toán",
        /// Settled (quyết toán) and its contract liquidated (thanh lý): the end.
        Settled = "settled" => "Đã quyết toán",
        /// Stopped on a written request (ngừng thực hiện); the money not paid went back to the envelope.
        Terminated = "terminated" => "Ngừng thực hiện",
        /// Refused at one of the steps, with a reason.
        Rejected = "rejected" => "Không được phê duyệt",
    }
}

db_enum! {
    /// What a contract of a scheme is. Stored in `workflow.contracts.kind`.
    pub enum ContractKind {
        /// Between the funding level and the implementing unit: one per scheme.
        Implementation = "implementation" => "Hợp đồng thực hiện đề án",
        /// Between the implementing unit and a beneficiary.
        Beneficiary = "beneficiary" => "Hợp đồng với cơ sở thụ hưởng",
    }
}

db_enum! {
    /// An advance (before the work is done) or a payment. Stored in `workflow.payments.kind`.
    pub enum PaymentKind {
        Advance = "advance" => "Tạm ứng",
        Payment = "payment" => "Thanh toán",
    }
}

db_enum! {
    /// A progress report of the implementing unit, or an inspection. Stored in
    /// `workflow.scheme_reports.kind`.
    pub enum SchemeReportKind {
        Progress = "progress" => "Báo cáo tiến độ",
        Inspection = "inspection" => "Kiểm tra, giám sát",
    }
}

db_enum! {
    /// What an adjustment (điều chỉnh) of an approved scheme changes. Stored in
    /// `workflow.adjustments.kind`; who approves each is the `adjustment_route` rule.
    pub enum AdjustmentKind {
        /// More support (committed against the envelope when approved).
        RaiseSupport = "raise_support" => "Tăng kinh phí hỗ trợ",
        /// Its content (the title and description of the work).
        ChangeContent = "change_content" => "Thay đổi nội dung",
        /// Its location (the commune).
        ChangeLocation = "change_location" => "Thay đổi địa điểm",
        /// One beneficiary for another.
        ChangeBeneficiary = "change_beneficiary" => "Thay đổi cơ sở thụ hưởng",
        /// The end of the implementation, within the plan year.
        ChangeTiming = "change_timing" => "Thay đổi thời gian thực hiện trong năm",
        /// Less support (released to the envelope when approved).
        LowerSupport = "lower_support" => "Giảm kinh phí hỗ trợ",
    }
}

db_enum! {
    /// Where an adjustment stands. Stored in `workflow.adjustments.status`.
    pub enum AdjustmentStatus {
        Pending = "pending" => "Chờ phê duyệt",
        Approved = "approved" => "Đã phê duyệt",
        Rejected = "rejected" => "Không phê duyệt",
    }
}

db_enum! {
    /// Where a province's periodic extension report to the ministry stands. Stored in
    /// `workflow.extension_reports.status`.
    pub enum ExtensionReportStatus {
        /// Being written by the department (its figures refreshed on demand).
        Draft = "draft" => "Đang soạn",
        /// Sent to the ministry.
        Submitted = "submitted" => "Đã gửi Bộ Công Thương",
        /// Sent back by the ministry for correction, with a reason.
        Returned = "returned" => "Bộ yêu cầu chỉnh sửa",
    }
}

db_enum! {
    /// The result of an acceptance at the facility. Stored in `workflow.acceptances.result`.
    pub enum AcceptanceResult {
        Passed = "passed" => "Đạt",
        Failed = "failed" => "Không đạt",
    }
}

db_enum! {
    /// A point scheme names its beneficiaries up front; a grouped one may add them later. Stored in
    /// `workflow.schemes.kind`.
    pub enum SchemeKind {
        Point = "point" => "Đề án điểm",
        Grouped = "grouped" => "Đề án nhóm",
    }
}

db_enum! {
    /// A yearly deadline of the plan. Stored in `workflow.approval_steps.deadline_key` (the date is a
    /// dated rule of kind `deadline` with this key).
    pub enum Deadline {
        /// Implementing units register schemes with the province (20 May).
        PlanRegistration = "plan_registration" => "Hạn đăng ký kế hoạch",
        /// The province sends its registration to the ministry (20 June).
        ProvinceRegistration = "province_registration" => "Hạn gửi đăng ký về Bộ",
    }
}

db_enum! {
    /// Where an industrial cluster (CCN) stands (DOMAIN.md §6). Stored in
    /// `registry.cluster_versions.status`; the allowed transitions are kc-registry's `clusters::state`.
    pub enum ClusterStatus {
        /// On the province's CCN list (danh mục), part of the provincial plan.
        InPlan = "in_plan" => "Trong danh mục phương án phát triển",
        /// Established by a decision of the provincial People's Committee.
        Established = "established" => "Đã thành lập",
        /// Its infrastructure is being built.
        UnderConstruction = "under_construction" => "Đang đầu tư xây dựng hạ tầng",
        /// Operating, with tenants.
        Operating = "operating" => "Đang hoạt động",
        /// Expanded by a decision (and operating).
        Expanded = "expanded" => "Đã mở rộng",
        /// Taken off the province's list before it was established.
        RemovedFromPlan = "removed_from_plan" => "Đưa ra khỏi phương án",
        /// Its establishment was revoked.
        Revoked = "revoked" => "Thu hồi quyết định thành lập",
    }
}

db_enum! {
    /// Who a cluster's infrastructure investor (chủ đầu tư hạ tầng) is. Stored in
    /// `registry.cluster_versions.investor_kind`.
    pub enum InvestorKind {
        StateUnit = "state_unit" => "Đơn vị sự nghiệp, cơ quan nhà nước",
        Enterprise = "enterprise" => "Doanh nghiệp",
    }
}

db_enum! {
    /// A rule check of the registry, as dated data (`registry.rules.key`).
    pub enum ClusterRule {
        /// A cluster's size: 10–75 ha.
        ClusterSize = "cluster_size" => "Quy mô diện tích cụm công nghiệp",
        /// A new cluster where the area has clusters: their average occupancy above 50 %.
        NewCluster = "new_cluster" => "Điều kiện bổ sung cụm công nghiệp mới",
        /// An expansion: occupancy at least 60 %, at most 75 ha in all, wastewater treatment.
        Expansion = "expansion" => "Điều kiện mở rộng cụm công nghiệp",
        /// State support for a cluster's infrastructure: at most 30 % of the investment.
        InfrastructureSupport = "infrastructure_support" => "Mức hỗ trợ đầu tư hạ tầng",
        /// The half-year report's data window and due date (15 Dec–14 Jun, 20 June).
        HalfYearReport = "half_year_report" => "Kỳ báo cáo 6 tháng",
        /// The annual report's data window and due date (15 Dec–14 Dec, 20 December).
        AnnualReport = "annual_report" => "Kỳ báo cáo năm",
    }
}

db_enum! {
    /// What wrote a version of a cluster (`registry.cluster_versions.action`).
    pub enum ClusterChange {
        Proposed = "proposed" => "Đề xuất",
        Edited = "edited" => "Cập nhật",
        Transition = "transition" => "Chuyển trạng thái",
        Imported = "imported" => "Nhập từ tệp",
    }
}

db_enum! {
    /// A periodic CCN report's period (`registry.cluster_reports.kind`).
    pub enum ReportKind {
        HalfYear = "half_year" => "Báo cáo 6 tháng",
        Annual = "annual" => "Báo cáo năm",
    }
}

db_enum! {
    /// Who reports for a cluster (`registry.cluster_reports.party`).
    pub enum ReportParty {
        /// The infrastructure investor.
        Investor = "investor" => "Chủ đầu tư hạ tầng",
        /// An enterprise operating in the cluster.
        Tenant = "tenant" => "Doanh nghiệp trong cụm",
    }
}

db_enum! {
    /// Where a periodic CCN report stands (`registry.cluster_reports.status`).
    pub enum ReportStatus {
        Submitted = "submitted" => "Đã nộp",
        /// Returned by the province for corrections.
        Returned = "returned" => "Yêu cầu bổ sung, chỉnh sửa",
        Accepted = "accepted" => "Đã tiếp nhận",
    }
}

db_enum! {
    /// A level of the administration, for a reporting duty: who reports, to whom, and whom an overdue
    /// duty escalates to (`notifications.duties.reporter` / `.recipient`).
    pub enum DutyLevel {
        /// An enterprise: a cluster's investor or tenant, a beneficiary.
        Enterprise = "enterprise" => "Doanh nghiệp, cơ sở",
        /// The province's extension centre.
        Centre = "centre" => "Trung tâm Khuyến công",
        /// The province's Department of Industry and Trade.
        Department = "department" => "Sở Công Thương",
        /// The ministry.
        Ministry = "ministry" => "Bộ Công Thương",
    }
}

db_enum! {
    /// How a duty's obligations open (`notifications.duties.opened_by`).
    pub enum DutyOpening {
        /// Every year, for every organisation of the reporting level, ahead of the due date.
        Calendar = "calendar" => "Theo lịch hằng năm",
        /// When an event of another service says so (a report period opened, a scheme approved).
        Event = "event" => "Khi phát sinh sự kiện",
    }
}

db_enum! {
    /// Where an obligation stands (`notifications.obligations.state`).
    pub enum ObligationState {
        Open = "open" => "Chưa đến hạn",
        /// Past its due date and not fulfilled.
        Overdue = "overdue" => "Quá hạn",
        Fulfilled = "fulfilled" => "Đã thực hiện",
        /// Waived, with a reason.
        Waived = "waived" => "Được miễn",
    }
}

db_enum! {
    /// What an in-app notice is about (`notifications.notices.kind`).
    pub enum NoticeKind {
        /// A duty falls due soon, or today.
        Reminder = "reminder" => "Nhắc hạn",
        /// The party's own duty is past its due date.
        Overdue = "overdue" => "Quá hạn",
        /// Another organisation's duty is overdue and escalated to this user's organisation.
        Escalation = "escalation" => "Báo cáo quá hạn của đơn vị cấp dưới",
        /// The ministry's daily digest of overdue duties per province.
        Digest = "digest" => "Tổng hợp quá hạn hằng ngày",
    }
}

impl DutyLevel {
    /// The kind of the organisations that stand at this level.
    pub fn org_kind(self) -> OrgKind {
        match self {
            DutyLevel::Enterprise => OrgKind::Enterprise,
            DutyLevel::Centre => OrgKind::Centre,
            DutyLevel::Department => OrgKind::Department,
            DutyLevel::Ministry => OrgKind::Ministry,
        }
    }
}

impl NoticeKind {
    /// About a legal deadline (the party's own reminder, or its overdue duty): never muted.
    pub fn is_legal_deadline(self) -> bool {
        matches!(self, NoticeKind::Reminder | NoticeKind::Overdue)
    }
}

db_enum! {
    /// A day of the official calendar that is not as its weekday says
    /// (`notifications.calendar_days.kind`).
    pub enum CalendarDayKind {
        /// A public holiday (or a day off in its place).
        Holiday = "holiday" => "Ngày nghỉ lễ, tết",
        /// A Saturday or Sunday worked in exchange for a day off (làm bù).
        WorkingDay = "working_day" => "Ngày làm bù",
    }
}

db_enum! {
    /// What an e-mail is (`notifications.deliveries.kind`): a notice's kind, or an account e-mail.
    pub enum DeliveryKind {
        Reminder = "reminder" => "Nhắc hạn",
        Overdue = "overdue" => "Quá hạn",
        Escalation = "escalation" => "Báo cáo quá hạn của đơn vị cấp dưới",
        Digest = "digest" => "Tổng hợp quá hạn hằng ngày",
        /// Registration, password reset: what identity asks to send.
        Account = "account" => "Tài khoản",
    }
}

impl From<NoticeKind> for DeliveryKind {
    /// The e-mail of a notice is of the notice's kind.
    fn from(k: NoticeKind) -> DeliveryKind {
        match k {
            NoticeKind::Reminder => DeliveryKind::Reminder,
            NoticeKind::Overdue => DeliveryKind::Overdue,
            NoticeKind::Escalation => DeliveryKind::Escalation,
            NoticeKind::Digest => DeliveryKind::Digest,
        }
    }
}

db_enum! {
    /// Where an e-mail stands (`notifications.deliveries.status`).
    pub enum DeliveryStatus {
        /// Recorded, not yet accepted by the mail server (perhaps retrying).
        Pending = "pending" => "Đang chờ gửi",
        /// Accepted by the mail server.
        Sent = "sent" => "Đã gửi",
        /// Refused for good, or out of attempts: an administrator may send it again.
        Dead = "dead" => "Gửi không thành công",
    }
}

db_enum! {
    /// How one attempt to send an e-mail ended (`notifications.delivery_attempts.outcome`).
    pub enum AttemptOutcome {
        Sent = "sent" => "Đã gửi",
        /// A temporary failure (server down, 4xx): tried again later.
        Retry = "retry" => "Lỗi tạm thời, sẽ thử lại",
        /// A permanent failure (5xx, a bad address), or the last attempt.
        Dead = "dead" => "Lỗi không khắc phục được",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::{DbEnum, UnknownValue};
    use sea_orm::Value;
    use sea_orm::sea_query::ValueType;
    use std::collections::HashSet;
    use std::str::FromStr;

    /// Everything that must hold for every enum, checked for each variant.
    fn check<E>()
    where
        E: DbEnum
            + FromStr<Err = UnknownValue>
            + serde::Serialize
            + serde::de::DeserializeOwned
            + utoipa::ToSchema,
    {
        assert!(!E::VARIANTS.is_empty(), "{}", E::NAME);
        assert_eq!(E::VARIANTS.len(), E::VALUES.len(), "{}", E::NAME);
        let mut spellings = HashSet::new();
        let mut labels = HashSet::new();
        for (v, value) in E::VARIANTS.iter().zip(E::VALUES) {
            let s = v.as_str();
            assert_eq!(s, *value, "{}::{v:?}", E::NAME);
            assert!(spellings.insert(s), "{}: {s} twice", E::NAME);
            assert!(
                labels.insert(v.label_vi()),
                "{}: label of {s} twice",
                E::NAME
            );
            assert!(!v.label_vi().is_empty());
            // the database spelling: lower-case ASCII and underscores
            assert!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}: {s}",
                E::NAME
            );
            // parse / as_str / Display / FromStr round trips
            assert_eq!(E::parse(s), Some(*v));
            assert_eq!(v.to_string(), s);
            assert_eq!(E::from_str(s).unwrap(), *v);
            // serde uses the database spelling
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json, serde_json::Value::String(s.to_owned()));
            assert_eq!(serde_json::from_value::<E>(json).unwrap(), *v);
            // sea-orm: bound as text, converted back
            let bound: Value = (*v).into();
            assert_eq!(bound, Value::String(Some(s.to_owned())));
            assert_eq!(<E as ValueType>::try_from(bound).unwrap(), *v);
        }
        // unknown values: None / Err, never a panic
        for bad in ["", "nope", "ACTIVE", " active", "Ministry", "officer,admin"] {
            if E::VALUES.contains(&bad) {
                continue;
            }
            assert_eq!(E::parse(bad), None, "{} parsed {bad:?}", E::NAME);
            let err = E::from_str(bad).unwrap_err();
            assert_eq!(err, UnknownValue::new::<E>(bad));
            assert!(err.to_string().contains(E::NAME), "{err}");
            assert!(serde_json::from_value::<E>(serde_json::json!(bad)).is_err());
            assert!(<E as ValueType>::try_from(Value::String(Some(bad.to_owned()))).is_err());
        }
        assert!(<E as ValueType>::try_from(Value::Int(Some(1))).is_err());
        assert!(<E as ValueType>::try_from(E::null()).is_err());
        assert_eq!(E::null(), Value::String(None));
        // OpenAPI: a string schema whose enum lists exactly the database spellings
        let schema = serde_json::to_value(<E as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["type"], "string", "{}: {schema}", E::NAME);
        assert_eq!(
            schema["enum"],
            serde_json::json!(E::VALUES),
            "{}: {schema}",
            E::NAME
        );
        assert_eq!(<E as utoipa::ToSchema>::name(), E::NAME);
    }

    #[test]
    fn every_enum_round_trips_and_refuses_unknown_values() {
        check::<Role>();
        check::<Fund>();
        check::<RuleKind>();
        check::<ApplicationStatus>();
        check::<DocumentKind>();
        check::<SchemeStatus>();
        check::<SchemeKind>();
        check::<Deadline>();
        check::<ClusterStatus>();
        check::<InvestorKind>();
        check::<ClusterRule>();
        check::<ClusterChange>();
        check::<ReportKind>();
        check::<ReportParty>();
        check::<ReportStatus>();
        check::<DutyLevel>();
        check::<DutyOpening>();
        check::<ObligationState>();
        check::<NoticeKind>();
        check::<CalendarDayKind>();
        check::<DeliveryKind>();
        check::<DeliveryStatus>();
        check::<AttemptOutcome>();
        check::<Permission>();
        check::<OrgKind>();
        check::<EnterpriseKind>();
        check::<AccountStatus>();
        check::<UnitKind>();
        check::<Region>();
    }

    #[test]
    fn all_lists_every_variant_in_declaration_order() {
        assert_eq!(
            Permission::ALL,
            [
                Permission::Officer,
                Permission::Approver,
                Permission::Viewer,
                Permission::Admin
            ]
        );
        assert_eq!(
            AccountStatus::ALL.map(|s| s.as_str()),
            ["pending", "active", "rejected", "disabled"]
        );
        assert_eq!(UnitKind::ALL.map(|k| k.as_str()), ["province", "city"]);
        assert_eq!(
            Region::ALL.map(|r| r.as_str()),
            ["north", "central", "south"]
        );
        assert_eq!(
            EnterpriseKind::HouseholdBusiness.as_str(),
            "household_business"
        );
        assert!(Permission::Officer < Permission::Admin);
    }

    #[test]
    fn roles_follow_organisation_kinds() {
        for kind in OrgKind::ALL {
            let role = Role::for_org_kind(kind);
            // an organisation's users have the role of the same label (Sở = province, ...)
            assert_eq!(role.label_vi(), kind.label_vi());
        }
        assert_eq!(Role::for_org_kind(OrgKind::Department), Role::Province);
    }

    #[test]
    fn a_list_of_permissions_binds_as_a_text_array() {
        let v: Value = vec![Permission::Officer, Permission::Admin].into();
        match v {
            Value::Array(ty, Some(items)) => {
                assert_eq!(ty, sea_orm::sea_query::ArrayType::String);
                assert_eq!(
                    *items,
                    vec![
                        Value::String(Some("officer".into())),
                        Value::String(Some("admin".into()))
                    ]
                );
            }
            other => panic!("not a text array: {other:?}"),
        }
        let none: Value = Option::<Region>::None.into();
        assert_eq!(none, Value::String(None));
    }

    #[test]
    fn display_pads_like_a_str() {
        assert_eq!(format!("[{:>8}]", Region::South), "[   south]");
    }
}
