//! `/api/v1/schemes/{id}/…` after approval: the implementation contract and the beneficiaries'
//! contracts, advances and payments, progress reports and inspections, the acceptance, the settlement
//! and a termination. Who takes each act, and from which status, is [`super::state`].

use super::state::{self, Act};
use super::store::{
    self, AcceptanceRow, ContractRow, Decision, NewAcceptance, NewContract, NewPayment, NewReport,
    Paid, PaymentRow, ReportRow, SettlementRow, TerminationRow,
};
use crate::budget::store as budget;
use crate::rules::{AdvanceLimitBody, DeadlineBody, store as rules};
use crate::schemes::routes::record_step;
use crate::schemes::store::{SchemeView, StepChange};
use crate::{AppState, SERVICE};
use axum::http::StatusCode;
use chrono::NaiveDate;
use kc_auth::{EnterpriseMember, SchemeWorker, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit};
use kc_events::AcceptanceRecorded;
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Path, opt_text, req_text};
use kc_kernel::{
    AcceptanceResult, ContractKind, DocumentKind, Money, PaymentKind, RuleKind, SchemeReportKind,
    SchemeStatus, today_vn,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_execution))
        .routes(routes!(sign_contract))
        .routes(routes!(contract_beneficiary))
        .routes(routes!(record_payment))
        .routes(routes!(record_report))
        .routes(routes!(beneficiary_reports, beneficiary_report))
        .routes(routes!(record_acceptance))
        .routes(routes!(submit_settlement))
        .routes(routes!(decide_settlement))
        .routes(routes!(terminate))
}

/// A scheme's money after approval, in whole đồng.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeMoney {
    /// The support approved, less what a termination released.
    #[schema(value_type = String)]
    pub approved: Decimal,
    /// The implementation contract's amount.
    #[schema(value_type = String)]
    pub committed: Decimal,
    /// Advances paid (counted in `paid` too).
    #[schema(value_type = String)]
    pub advanced: Decimal,
    /// Every disbursement, advances included.
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = Option<String>)]
    pub settled: Option<Decimal>,
    /// What may still be paid: the settled amount once settled, the approved support before, less
    /// what was paid.
    #[schema(value_type = String)]
    pub payable: Decimal,
    /// The most the advances may reach in all under the rule in force (none: no advance rule).
    #[schema(value_type = Option<String>)]
    pub advance_limit: Option<Decimal>,
    /// The share of the work done, from the last progress report.
    pub progress_percent: i32,
}

/// A scheme's implementation: its records, its money and what the caller may do next.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExecutionOut {
    pub scheme: SchemeView,
    pub figures: SchemeMoney,
    pub contracts: Vec<ContractRow>,
    pub payments: Vec<PaymentRow>,
    pub reports: Vec<ReportRow>,
    pub acceptances: Vec<AcceptanceRow>,
    pub settlement: Option<SettlementRow>,
    pub termination: Option<TerminationRow>,
    /// The acts the caller may take now: `sign_contract`, `contract_beneficiary`, `advance`, `pay`,
    /// `report_progress`, `inspect`, `accept`, `submit_settlement`, `decide_settlement`, `terminate`,
    /// `request_adjustment`.
    pub acts: Vec<&'static str>,
}

/// The advance rule in force for the scheme (its activity's, else the fund's `default`).
async fn advance_rule(tx: &Tx, s: &SchemeView) -> Result<Option<AdvanceLimitBody>, ApiError> {
    let today = today_vn();
    for key in [s.activity_code.as_str(), "default"] {
        if let Some(rule) = rules::in_force(
            tx,
            RuleKind::AdvanceLimit,
            key,
            Some(s.fund),
            Some(s.province_id),
            today,
        )
        .await?
        {
            let body: AdvanceLimitBody = serde_json::from_value(rule.body)
                .map_err(|e| ApiError::internal(format!("advance limit {}: {e}", rule.id)))?;
            return Ok(Some(body));
        }
    }
    Ok(None)
}

/// The most a scheme's advances may reach: the rule's share of the approved support, in whole đồng
/// (rounded down).
fn advance_ceiling(rule: &AdvanceLimitBody, approved: Decimal) -> Decimal {
    (approved * rule.max_percent / Decimal::ONE_HUNDRED).floor()
}

async fn execution_out<P>(
    tenant: &Tenant<P>,
    tx: &Tx,
    s: SchemeView,
) -> Result<ExecutionOut, ApiError> {
    let contracts = store::contracts(tx, s.id).await?;
    let approved = s.support_approved.unwrap_or_default() - s.released;
    let rule = advance_rule(tx, &s).await?;
    let figures = SchemeMoney {
        approved,
        committed: contracts
            .iter()
            .find(|c| c.kind == ContractKind::Implementation)
            .map(|c| c.amount)
            .unwrap_or_default(),
        advanced: s.advanced,
        paid: s.paid,
        settled: s.settled,
        payable: (s.settled.unwrap_or(approved) - s.paid).max(Decimal::ZERO),
        advance_limit: rule.as_ref().map(|r| advance_ceiling(r, approved)),
        progress_percent: s.progress_percent,
    };
    Ok(ExecutionOut {
        figures,
        contracts,
        payments: store::payments(tx, s.id).await?,
        reports: store::reports(tx, s.id).await?,
        acceptances: store::acceptances(tx, s.id).await?,
        settlement: store::settlement(tx, s.id).await?,
        termination: store::termination(tx, s.id).await?,
        acts: state::open_acts(tenant.claims(), s.fund, s.status, s.implementing_org_id),
        scheme: s,
    })
}

/// A scheme's implementation: contracts, payments, reports, acceptance, settlement, termination, its
/// money, and the acts the caller may take now.
#[utoipa::path(get, path = "/api/v1/schemes/{id}/execution", tag = "execution",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme")))),
    responses((status = 200, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_execution(
    tenant: Tenant<SchemeWorker>,
    Path(id): Path<Uuid>,
) -> Result<Json<ExecutionOut>, ApiError> {
    let (tx, s) = tenant.load::<SchemeView>(id).await?;
    let out = execution_out(&tenant, &tx, s).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// Open the scheme for an act: loaded and locked (404 outside the caller's scope), the act allowed
/// from its status (409 naming it), taken by this caller (403 naming who takes it), at the version
/// the caller saw when the act moves the scheme (412).
async fn open_for(
    tenant: &Tenant<SchemeWorker>,
    id: Uuid,
    act: Act,
    version: Option<i32>,
) -> Result<(Tx, SchemeView), ApiError> {
    let (tx, s) = tenant.load_for_update::<SchemeView>(id).await?;
    check_act(tenant.claims(), &s, act)?;
    if let Some(seen) = version
        && seen != s.version
    {
        return Err(ApiError::stale_version(s.version));
    }
    Ok((tx, s))
}

/// The act is allowed from the scheme's status (409 naming it) and taken by this caller (403 naming
/// who takes it).
pub(crate) fn check_act(
    claims: &kc_auth::Claims,
    s: &SchemeView,
    act: Act,
) -> Result<(), ApiError> {
    if !act.allowed_from(s.status) {
        return Err(ApiError::wrong_state(
            s.status.as_str(),
            s.status.label_vi(),
            format!(
                "Đề án đang ở trạng thái \"{}\": chưa thể hoặc không còn thực hiện việc này (not allowed in this status)",
                s.status.label_vi()
            ),
        ));
    }
    if !act.taken_by(claims, s.fund, s.implementing_org_id) {
        return Err(ApiError::Forbidden(format!(
            "Việc này do {} thực hiện (this is another's act)",
            act.actor_label(s.fund)
        )));
    }
    Ok(())
}

/// A day not in the future, and not before `earliest` when there is one.
fn check_day(
    fields: &mut FieldErrors,
    name: &str,
    day: NaiveDate,
    earliest: Option<(NaiveDate, &str)>,
) {
    let today = today_vn();
    if day > today {
        fields.insert(
            name.into(),
            "Ngày không được sau hôm nay (not in the future)".into(),
        );
    } else if let Some((first, what)) = earliest
        && day < first
    {
        fields.insert(
            name.into(),
            format!(
                "Ngày không được trước {} ({what}) (too early)",
                kc_kernel::format_date_vn(first)
            ),
        );
    }
}

/// The document named is the scheme's, of the kind the act needs.
async fn check_document(
    tx: &Tx,
    fields: &mut FieldErrors,
    name: &str,
    scheme: Uuid,
    document: Uuid,
    kind: DocumentKind,
) -> Result<(), ApiError> {
    if !store::is_scheme_document(tx, scheme, document, kind).await? {
        fields.insert(
            name.into(),
            format!(
                "Cần một tài liệu loại \"{}\" đã tải lên cho đề án này (a document of this scheme, of kind {})",
                kind.label_vi(),
                kind.as_str()
            ),
        );
    }
    Ok(())
}

fn validated(fields: FieldErrors) -> Result<(), ApiError> {
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(fields))
    }
}

/// Write the audit row of an act that does not move the scheme, and answer with its implementation.
async fn finish_record(
    tenant: &Tenant<SchemeWorker>,
    meta: &ClientMeta,
    tx: Tx,
    s: &SchemeView,
    action: &'static str,
    after: serde_json::Value,
) -> Result<ExecutionOut, ApiError> {
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action,
            entity_type: "scheme",
            entity_id: Some(s.id.to_string()),
            province_id: Some(s.province_id),
            after: Some(after),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    let now = crate::schemes::store::by_id(&tx, s.id, kc_auth::Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    let out = execution_out(tenant, &tx, now).await?;
    tx.commit().await?;
    Ok(out)
}

/// Move the scheme (history, audit, `workflow.scheme_transitioned`) and answer with its
/// implementation.
async fn finish_step(
    tenant: &Tenant<SchemeWorker>,
    meta: &ClientMeta,
    tx: Tx,
    s: &SchemeView,
    to: SchemeStatus,
    reason: Option<String>,
) -> Result<ExecutionOut, ApiError> {
    let after = record_step(
        tenant,
        meta,
        &tx,
        s,
        None,
        to,
        reason,
        &StepChange::default(),
    )
    .await?;
    let out = execution_out(tenant, &tx, after).await?;
    tx.commit().await?;
    Ok(out)
}

/// The implementation contract: between the funding level and the implementing unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    /// Its number, e.g. `12/2026/HĐ-KCQG`.
    #[schema(schema_with = kc_http::text_schema::<100>)]
    pub number: String,
    /// Signed on: not in the future.
    pub signed_on: NaiveDate,
    /// Its term ends on: not before it was signed.
    pub ends_on: NaiveDate,
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "300000000")]
    pub amount: Money,
    /// The signed contract, uploaded to the scheme as a document of kind `contract`.
    pub document_id: Uuid,
}

const CONTRACT_RULES: &str = "not in the future; the term not before the signing; the amount above 0 and within the approved support; a `contract` document of the scheme";

/// Sign the implementation contract (the funding level: the ministry for the national fund, the
/// department for a local one): the scheme is being implemented.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/contract", tag = "execution", request_body = ContractInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"signed_on": CONTRACT_RULES, "ends_on": CONTRACT_RULES,
                                             "amount": CONTRACT_RULES, "document_id": CONTRACT_RULES,
                                             "number": CONTRACT_RULES}))),
    responses((status = 200, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn sign_contract(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<ContractInput>,
) -> Result<Json<ExecutionOut>, ApiError> {
    let (tx, s) = open_for(&tenant, id, Act::SignContract, Some(req.version)).await?;
    let mut fields = FieldErrors::new();
    let number = req_text(&mut fields, "number", &req.number, 100);
    check_day(&mut fields, "signed_on", req.signed_on, None);
    if req.ends_on < req.signed_on {
        fields.insert(
            "ends_on".into(),
            "Thời hạn hợp đồng không trước ngày ký (the term ends before the signing)".into(),
        );
    }
    let approved = s.support_approved.unwrap_or_default();
    if req.amount == Money::ZERO || req.amount.amount() > approved {
        fields.insert(
            "amount".into(),
            format!("Giá trị hợp đồng lớn hơn 0 và không vượt kinh phí được duyệt {approved} đồng (above 0, within the approved support)"),
        );
    }
    check_document(
        &tx,
        &mut fields,
        "document_id",
        s.id,
        req.document_id,
        DocumentKind::Contract,
    )
    .await?;
    validated(fields)?;
    store::insert_contract(
        &tx,
        &NewContract {
            province_id: s.province_id,
            scheme_id: s.id,
            kind: ContractKind::Implementation,
            number: number.clone(),
            signed_on: req.signed_on,
            ends_on: req.ends_on,
            amount: req.amount,
            party_org_id: s.implementing_org_id,
            document_id: req.document_id,
            recorded_by: tenant.user_id(),
        },
    )
    .await?;
    let reason = format!(
        "Hợp đồng số {number} ký ngày {}",
        kc_kernel::format_date_vn(req.signed_on)
    );
    finish_step(
        &tenant,
        &meta,
        tx,
        &s,
        SchemeStatus::Implementing,
        Some(reason),
    )
    .await
    .map(Json)
}

/// A contract of the implementing unit with one of the scheme's beneficiaries.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryContractInput {
    /// A beneficiary named on the scheme.
    pub organisation_id: Uuid,
    #[schema(schema_with = kc_http::text_schema::<100>)]
    pub number: String,
    pub signed_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "100000000")]
    pub amount: Money,
    /// The signed contract (a `contract` document of the scheme).
    pub document_id: Uuid,
}

/// Record the implementing unit's contract with a beneficiary (the centre, while implementing).
#[utoipa::path(post, path = "/api/v1/schemes/{id}/beneficiary-contracts", tag = "execution",
    request_body = BeneficiaryContractInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"organisation_id": "a beneficiary of the scheme, without a contract yet",
                                             "signed_on": CONTRACT_RULES, "ends_on": CONTRACT_RULES,
                                             "amount": CONTRACT_RULES, "document_id": CONTRACT_RULES,
                                             "number": CONTRACT_RULES}))),
    responses((status = 200, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn contract_beneficiary(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<BeneficiaryContractInput>,
) -> Result<Json<ExecutionOut>, ApiError> {
    let (tx, s) = open_for(&tenant, id, Act::ContractBeneficiary, None).await?;
    let mut fields = FieldErrors::new();
    let number = req_text(&mut fields, "number", &req.number, 100);
    check_day(&mut fields, "signed_on", req.signed_on, None);
    if req.ends_on < req.signed_on {
        fields.insert(
            "ends_on".into(),
            "Thời hạn hợp đồng không trước ngày ký (the term ends before the signing)".into(),
        );
    }
    // The beneficiaries' contracts together stay within the implementation contract.
    let contracts = store::contracts(&tx, s.id).await?;
    let implementation = contracts
        .iter()
        .filter(|c| c.kind == ContractKind::Implementation)
        .map(|c| c.amount)
        .sum::<Decimal>();
    let taken: Decimal = contracts
        .iter()
        .filter(|c| c.kind == ContractKind::Beneficiary)
        .map(|c| c.amount)
        .sum();
    let room = implementation - taken;
    if req.amount == Money::ZERO || req.amount.amount() > room {
        fields.insert(
            "amount".into(),
            format!("Giá trị hợp đồng lớn hơn 0 và không vượt phần còn lại của hợp đồng thực hiện {room} đồng (above 0, within what the implementation contract leaves)"),
        );
    }
    if !store::is_beneficiary(&tx, s.id, req.organisation_id).await? {
        fields.insert(
            "organisation_id".into(),
            "Không phải cơ sở thụ hưởng của đề án (not a beneficiary of the scheme)".into(),
        );
    }
    check_document(
        &tx,
        &mut fields,
        "document_id",
        s.id,
        req.document_id,
        DocumentKind::Contract,
    )
    .await?;
    validated(fields)?;
    store::insert_contract(
        &tx,
        &NewContract {
            province_id: s.province_id,
            scheme_id: s.id,
            kind: ContractKind::Beneficiary,
            number,
            signed_on: req.signed_on,
            ends_on: req.ends_on,
            amount: req.amount,
            party_org_id: req.organisation_id,
            document_id: req.document_id,
            recorded_by: tenant.user_id(),
        },
    )
    .await
    .map_err(|e| {
        ApiError::unique_or(
            e,
            "organisation_id",
            "Cơ sở này đã có hợp đồng (this beneficiary already has a contract)",
        )
    })?;
    let after =
        serde_json::json!({"beneficiary_contract": req.organisation_id, "amount": req.amount});
    finish_record(&tenant, &meta, tx, &s, "scheme.beneficiary_contract", after)
        .await
        .map(Json)
}

/// An advance or a payment against the implementation contract.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub kind: PaymentKind,
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "50000000")]
    pub amount: Money,
    /// Paid on: not in the future, not before the contract.
    pub paid_on: NaiveDate,
    /// The voucher (a `payment_voucher` document of the scheme).
    pub document_id: Uuid,
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    pub note: Option<String>,
}

const PAYMENT_RULES: &str = "above 0; all payments within the approved support (the settled amount once settled); advances within the advance rule in force, after the progress it asks; paid on a day from the contract to today; a `payment_voucher` document of the scheme";

/// Record an advance or a payment (the funding level's officer). The total never passes the approved
/// support, even when two are recorded at once; advances stay within the dated advance rule.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/payments", tag = "execution", request_body = PaymentInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"amount": PAYMENT_RULES, "paid_on": PAYMENT_RULES,
                                             "document_id": PAYMENT_RULES, "kind": PAYMENT_RULES}))),
    responses((status = 201, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn record_payment(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<PaymentInput>,
) -> Result<(StatusCode, Json<ExecutionOut>), ApiError> {
    let act = match req.kind {
        PaymentKind::Advance => Act::Advance,
        PaymentKind::Payment => Act::Pay,
    };
    // The scheme is not locked here: the payment's UPDATE takes the row's lock and checks the limits.
    let (tx, s) = tenant.load::<SchemeView>(id).await?;
    check_act(tenant.claims(), &s, act)?;
    let mut fields = FieldErrors::new();
    let note = opt_text(&mut fields, "note", req.note.as_deref(), 2000);
    let contracts = store::contracts(&tx, s.id).await?;
    let Some(contract) = contracts
        .iter()
        .find(|c| c.kind == ContractKind::Implementation)
    else {
        // A scheme of the archive (settled on paper) has no contract here: nothing to pay against.
        return Err(ApiError::wrong_state(
            s.status.as_str(),
            s.status.label_vi(),
            "Đề án không có hợp đồng thực hiện trên hệ thống (no implementation contract to pay against)",
        ));
    };
    check_day(
        &mut fields,
        "paid_on",
        req.paid_on,
        Some((contract.signed_on, "ngày ký hợp đồng")),
    );
    if req.amount == Money::ZERO {
        fields.insert("amount".into(), "Số tiền phải lớn hơn 0 (above 0)".into());
    }
    let approved = s.support_approved.unwrap_or_default() - s.released;
    let mut advance_limit = None;
    if req.kind == PaymentKind::Advance
        && let Some(rule) = advance_rule(&tx, &s).await?
    {
        if rule.min_progress_percent > 0 && s.progress_percent <= rule.min_progress_percent as i32 {
            fields.insert(
                "kind".into(),
                format!(
                    "Chỉ được tạm ứng khi khối lượng hoàn thành trên {}% (báo cáo tiến độ gần nhất: {}%) (advance only after more than {}% of the work is done)",
                    rule.min_progress_percent, s.progress_percent, rule.min_progress_percent
                ),
            );
        }
        advance_limit = Some(rule.max_percent);
    }
    check_document(
        &tx,
        &mut fields,
        "document_id",
        s.id,
        req.document_id,
        DocumentKind::PaymentVoucher,
    )
    .await?;
    validated(fields)?;
    let paid = store::pay(
        &tx,
        &NewPayment {
            province_id: s.province_id,
            scheme_id: s.id,
            contract_id: contract.id,
            kind: req.kind,
            amount: req.amount,
            paid_on: req.paid_on,
            document_id: req.document_id,
            note,
            recorded_by: tenant.user_id(),
            advance_percent: advance_limit,
        },
    )
    .await?;
    if paid == Paid::OverLimit {
        // Read again: another payment may have moved the totals since the scheme was loaded.
        let now = crate::schemes::store::by_id(&tx, s.id, kc_auth::Lock::None)
            .await?
            .ok_or(ApiError::NotFound)?;
        let payable = (now.settled.unwrap_or(approved) - now.paid).max(Decimal::ZERO);
        let message = match advance_limit {
            Some(percent) if req.kind == PaymentKind::Advance && payable >= req.amount.amount() => {
                let ceiling = (now.support_approved.unwrap_or_default() - now.released) * percent
                    / Decimal::ONE_HUNDRED;
                format!(
                    "Vượt mức tạm ứng tối đa {} đồng ({percent}% kinh phí được duyệt): đã tạm ứng {} đồng (above the advance limit)",
                    ceiling.floor(),
                    now.advanced
                )
            }
            _ => format!(
                "Vượt kinh phí còn được chi: còn {payable} đồng (above what remains of the approved support)"
            ),
        };
        return Err(ApiError::conflict_field("amount", message));
    }
    let after =
        serde_json::json!({"payment": req.kind, "amount": req.amount, "paid_on": req.paid_on});
    let out = finish_record(&tenant, &meta, tx, &s, "scheme.payment", after).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// A progress report (the implementing unit: the share of the work done) or an inspection (an officer
/// of the centre, the department or the ministry: its findings).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub kind: SchemeReportKind,
    pub reported_on: NaiveDate,
    /// The share of the work done, for a progress report (and only for one).
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    #[schema(minimum = 0, maximum = 100)]
    pub percent_done: Option<i32>,
    /// What was done, or what the inspection found.
    #[schema(schema_with = kc_http::text_schema::<4000>)]
    pub body: String,
    /// An attachment (a `progress_report` document of the scheme).
    pub document_id: Option<Uuid>,
}

const REPORT_RULES: &str = "a progress report has percent_done (0 to 100), an inspection none; not in the future; an attachment is a `progress_report` document of the scheme";

/// Record a progress report or an inspection while the scheme is being implemented (inspections
/// until its settlement is decided).
#[utoipa::path(post, path = "/api/v1/schemes/{id}/reports", tag = "execution", request_body = ReportInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"percent_done": REPORT_RULES, "reported_on": REPORT_RULES,
                                             "document_id": REPORT_RULES, "kind": REPORT_RULES}))),
    responses((status = 201, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn record_report(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<ReportInput>,
) -> Result<(StatusCode, Json<ExecutionOut>), ApiError> {
    let act = match req.kind {
        SchemeReportKind::Progress => Act::ReportProgress,
        SchemeReportKind::Inspection => Act::Inspect,
    };
    let (tx, s) = open_for(&tenant, id, act, None).await?;
    let mut fields = FieldErrors::new();
    let body = req_text(&mut fields, "body", &req.body, 4000);
    check_day(&mut fields, "reported_on", req.reported_on, None);
    match (req.kind, req.percent_done) {
        (SchemeReportKind::Progress, Some(p)) if (0..=100).contains(&p) => {}
        (SchemeReportKind::Inspection, None) => {}
        (SchemeReportKind::Progress, _) => {
            fields.insert(
                "percent_done".into(),
                "Báo cáo tiến độ cần tỷ lệ hoàn thành từ 0 đến 100 (0 to 100)".into(),
            );
        }
        (SchemeReportKind::Inspection, Some(_)) => {
            fields.insert(
                "percent_done".into(),
                "Biên bản kiểm tra không ghi tỷ lệ hoàn thành (an inspection has none)".into(),
            );
        }
    }
    if let Some(doc) = req.document_id {
        check_document(
            &tx,
            &mut fields,
            "document_id",
            s.id,
            doc,
            DocumentKind::ProgressReport,
        )
        .await?;
    }
    validated(fields)?;
    store::insert_report(
        &tx,
        &NewReport {
            province_id: s.province_id,
            scheme_id: s.id,
            kind: req.kind,
            reported_on: req.reported_on,
            percent_done: req.percent_done,
            body,
            document_id: req.document_id,
            by_user: tenant.user_id(),
            by_org: tenant.org_id(),
        },
    )
    .await?;
    let after = serde_json::json!({"report": req.kind, "reported_on": req.reported_on,
                                   "percent_done": req.percent_done});
    let out = finish_record(&tenant, &meta, tx, &s, "scheme.report", after).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// A beneficiary's progress report: how far the work at its establishment has come.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryReportInput {
    pub reported_on: NaiveDate,
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 0, maximum = 100)]
    pub percent_done: i32,
    #[schema(schema_with = kc_http::text_schema::<4000>)]
    pub body: String,
}

/// What the beneficiary sees of a scheme it is named on: its status, whether it may report progress
/// now, and its own reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct BeneficiaryReports {
    pub scheme_id: Uuid,
    pub status: SchemeStatus,
    /// The scheme is being implemented: the beneficiary may report its progress.
    pub may_report: bool,
    pub reports: Vec<ReportRow>,
}

/// The scheme `id` as its beneficiary sees it: 404 unless the caller's enterprise is named on it
/// (row-level security shows an enterprise the schemes it benefits from, and nothing else).
async fn as_beneficiary(
    tenant: &Tenant<EnterpriseMember>,
    tx: &kc_db::Tx,
    id: Uuid,
) -> Result<store::SchemeState, ApiError> {
    let s = store::scheme_state(tx, id)
        .await?
        .filter(|s| Some(s.province_id) == tenant.scope().province())
        .ok_or(ApiError::NotFound)?;
    if !store::is_beneficiary(tx, s.id, tenant.org_id()).await? {
        return Err(ApiError::NotFound);
    }
    Ok(s)
}

/// A beneficiary's view of a scheme it is named on: its status, whether it may report progress now,
/// and the progress reports its own organisation made.
#[utoipa::path(get, path = "/api/v1/schemes/{id}/beneficiary-reports", tag = "execution",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<EnterpriseMember>().on("scheme_as_beneficiary")))),
    responses((status = 200, body = BeneficiaryReports), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn beneficiary_reports(
    tenant: Tenant<EnterpriseMember>,
    Path(id): Path<Uuid>,
) -> Result<Json<BeneficiaryReports>, ApiError> {
    let tx = tenant.begin().await?;
    let s = as_beneficiary(&tenant, &tx, id).await?;
    let reports = store::reports_by(&tx, s.id, tenant.org_id()).await?;
    tx.commit().await?;
    Ok(Json(BeneficiaryReports {
        scheme_id: s.id,
        status: s.status,
        may_report: Act::ReportProgress.allowed_from(s.status),
        reports,
    }))
}

/// Report progress as a beneficiary (an enterprise named on the scheme, while it is being
/// implemented). The implementing unit and the funding level read it with the scheme's other
/// reports; the scheme's own progress stays the implementing unit's figure.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/beneficiary-reports", tag = "execution",
    request_body = BeneficiaryReportInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<EnterpriseMember>().on("scheme_as_beneficiary"))),
               ("x-kc-server-rules" = json!({"reported_on": "not in the future",
                                             "percent_done": "0 to 100"}))),
    responses((status = 201, body = BeneficiaryReports), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn beneficiary_report(
    tenant: Tenant<EnterpriseMember>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<BeneficiaryReportInput>,
) -> Result<(StatusCode, Json<BeneficiaryReports>), ApiError> {
    let tx = tenant.begin().await?;
    let s = as_beneficiary(&tenant, &tx, id).await?;
    if !Act::ReportProgress.allowed_from(s.status) {
        return Err(ApiError::wrong_state(
            s.status.as_str(),
            s.status.label_vi(),
            "Chỉ báo cáo tiến độ khi đề án đang thực hiện (only while the scheme is being implemented)",
        ));
    }
    let mut fields = FieldErrors::new();
    let body = req_text(&mut fields, "body", &req.body, 4000);
    check_day(&mut fields, "reported_on", req.reported_on, None);
    if !(0..=100).contains(&req.percent_done) {
        fields.insert(
            "percent_done".into(),
            "Tỷ lệ hoàn thành từ 0 đến 100 (0 to 100)".into(),
        );
    }
    validated(fields)?;
    store::insert_beneficiary_report(
        &tx,
        s.province_id,
        s.id,
        req.reported_on,
        req.percent_done,
        &body,
        tenant.user_id(),
        tenant.org_id(),
    )
    .await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "scheme.beneficiary_report",
            entity_type: "scheme",
            entity_id: Some(s.id.to_string()),
            province_id: Some(s.province_id),
            after: Some(serde_json::json!({"reported_on": req.reported_on, "percent_done": req.percent_done})),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let reports = store::reports_by(&tx, s.id, tenant.org_id()).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(BeneficiaryReports {
            scheme_id: s.id,
            status: s.status,
            may_report: Act::ReportProgress.allowed_from(s.status),
            reports,
        }),
    ))
}

/// A member of the acceptance board.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub name: String,
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub position: String,
}

/// The acceptance at the facility (nghiệm thu), with its record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    pub accepted_on: NaiveDate,
    #[schema(min_items = 1, max_items = 30)]
    pub members: Vec<Member>,
    pub result: AcceptanceResult,
    #[schema(schema_with = kc_http::opt_text_schema::<4000>)]
    pub findings: Option<String>,
    /// The signed record (an `acceptance_record` document of the scheme).
    pub document_id: Uuid,
}

const ACCEPTANCE_RULES: &str = "not in the future, not before the contract; 1 to 30 members; an `acceptance_record` document of the scheme";

/// Record the acceptance (the implementing unit, while implementing). A passed one moves the scheme to
/// accepted and announces `workflow.acceptance_recorded`: the settlement dossier is due; a failed one
/// is kept, and the work goes on.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/acceptance", tag = "execution", request_body = AcceptanceInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"accepted_on": ACCEPTANCE_RULES, "members": ACCEPTANCE_RULES,
                                             "document_id": ACCEPTANCE_RULES}))),
    responses((status = 200, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn record_acceptance(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<AcceptanceInput>,
) -> Result<Json<ExecutionOut>, ApiError> {
    let (tx, s) = open_for(&tenant, id, Act::Accept, Some(req.version)).await?;
    let mut fields = FieldErrors::new();
    let findings = opt_text(&mut fields, "findings", req.findings.as_deref(), 4000);
    let contract_day = store::contracts(&tx, s.id)
        .await?
        .iter()
        .find(|c| c.kind == ContractKind::Implementation)
        .map(|c| c.signed_on);
    check_day(
        &mut fields,
        "accepted_on",
        req.accepted_on,
        contract_day.map(|d| (d, "ngày ký hợp đồng")),
    );
    if req.members.is_empty() || req.members.len() > 30 {
        fields.insert(
            "members".into(),
            "Hội đồng nghiệm thu từ 1 đến 30 thành viên (1 to 30 members)".into(),
        );
    }
    let members: Vec<Member> = req
        .members
        .iter()
        .map(|m| Member {
            name: req_text(&mut fields, "members", &m.name, 200),
            position: req_text(&mut fields, "members", &m.position, 200),
        })
        .collect();
    check_document(
        &tx,
        &mut fields,
        "document_id",
        s.id,
        req.document_id,
        DocumentKind::AcceptanceRecord,
    )
    .await?;
    validated(fields)?;
    let acceptance = store::insert_acceptance(
        &tx,
        &NewAcceptance {
            province_id: s.province_id,
            scheme_id: s.id,
            accepted_on: req.accepted_on,
            members: serde_json::to_value(&members).unwrap_or_default(),
            result: req.result,
            findings: findings.clone(),
            document_id: req.document_id,
            recorded_by: tenant.user_id(),
        },
    )
    .await?;
    if req.result == AcceptanceResult::Failed {
        let after = serde_json::json!({"acceptance": acceptance, "result": req.result,
                                       "accepted_on": req.accepted_on});
        return finish_record(&tenant, &meta, tx, &s, "scheme.acceptance_failed", after)
            .await
            .map(Json);
    }
    kc_events::enqueue(
        &tx,
        SERVICE,
        &AcceptanceRecorded {
            scheme_id: s.id,
            acceptance_id: acceptance,
            province: s.province_id,
            implementing_org: s.implementing_org_id,
            fund: s.fund.as_str().to_owned(),
            plan_year: s.plan_year,
            accepted_on: req.accepted_on,
            by: tenant.user_id(),
            title: Some(s.title.clone()),
        },
    )
    .await?;
    let reason = format!(
        "Nghiệm thu ngày {}",
        kc_kernel::format_date_vn(req.accepted_on)
    );
    finish_step(&tenant, &meta, tx, &s, SchemeStatus::Accepted, Some(reason))
        .await
        .map(Json)
}

/// The settlement dossier of the implementing unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    /// What the dossier claims: above 0, within the approved support.
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "290000000")]
    pub claimed: Money,
    /// The dossier (a `settlement_dossier` document of the scheme).
    pub document_id: Uuid,
}

/// Submit the settlement dossier (the implementing unit, after the acceptance; again after a return).
#[utoipa::path(post, path = "/api/v1/schemes/{id}/settlement", tag = "execution", request_body = SettlementInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"claimed": "above 0, within the approved support",
                                             "document_id": "a `settlement_dossier` document of the scheme"}))),
    responses((status = 200, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn submit_settlement(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<SettlementInput>,
) -> Result<Json<ExecutionOut>, ApiError> {
    let (tx, s) = open_for(&tenant, id, Act::SubmitSettlement, Some(req.version)).await?;
    let mut fields = FieldErrors::new();
    let approved = s.support_approved.unwrap_or_default() - s.released;
    if req.claimed == Money::ZERO || req.claimed.amount() > approved {
        fields.insert(
            "claimed".into(),
            format!("Số đề nghị quyết toán lớn hơn 0 và không vượt kinh phí được duyệt {approved} đồng (above 0, within the approved support)"),
        );
    }
    check_document(
        &tx,
        &mut fields,
        "document_id",
        s.id,
        req.document_id,
        DocumentKind::SettlementDossier,
    )
    .await?;
    validated(fields)?;
    store::submit_settlement(
        &tx,
        s.province_id,
        s.id,
        req.claimed,
        today_vn(),
        req.document_id,
        tenant.user_id(),
    )
    .await?;
    let reason = format!("Đề nghị quyết toán {}", req.claimed);
    finish_step(
        &tenant,
        &meta,
        tx,
        &s,
        SchemeStatus::SettlementSubmitted,
        Some(reason),
    )
    .await
    .map(Json)
}

/// What the funding level decides on a settlement dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettlementVerdict {
    /// Settle it (and liquidate the contract).
    Settle,
    /// Send it back to the implementing unit, with a reason.
    Return,
}

/// The decision on a settlement dossier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    pub verdict: SettlementVerdict,
    /// To settle: the settled amount, at most the approved support and at least what was paid.
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$")]
    pub settled: Option<Money>,
    /// To settle: the day of the settlement, from the acceptance to today, by the fund's settlement
    /// deadline (22 January after the plan year for the national fund).
    pub settled_on: Option<NaiveDate>,
    /// To settle: the day the contract was liquidated, in the same window.
    pub liquidated_on: Option<NaiveDate>,
    /// To settle: the liquidation record (a `liquidation_record` document of the scheme).
    pub document_id: Option<Uuid>,
    /// To return: why.
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    pub reason: Option<String>,
}

const DECISION_RULES: &str = "settle: settled within the approved support and not below what was paid; settled_on and liquidated_on from the acceptance to today and by the fund's settlement deadline; a `liquidation_record` document; return: a reason";

/// The last day a scheme of this fund and plan year may be settled: the `national_settlement`
/// deadline rule's day of the year after the plan year (none: no deadline for the fund).
async fn settlement_deadline(tx: &Tx, s: &SchemeView) -> Result<Option<NaiveDate>, ApiError> {
    let Some(rule) = rules::in_force(
        tx,
        RuleKind::Deadline,
        "national_settlement",
        Some(s.fund),
        Some(s.province_id),
        today_vn(),
    )
    .await?
    else {
        return Ok(None);
    };
    let body: DeadlineBody = serde_json::from_value(rule.body)
        .map_err(|e| ApiError::internal(format!("deadline {}: {e}", rule.id)))?;
    Ok(NaiveDate::from_ymd_opt(
        s.plan_year + 1,
        body.month,
        body.day,
    ))
}

/// Decide the settlement (the funding level's officer): settle it, which ends the scheme, or return
/// the dossier with a reason.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/settlement/decision", tag = "execution",
    request_body = DecisionInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"settled": DECISION_RULES, "settled_on": DECISION_RULES,
                                             "liquidated_on": DECISION_RULES, "document_id": DECISION_RULES,
                                             "reason": DECISION_RULES}))),
    responses((status = 200, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn decide_settlement(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<DecisionInput>,
) -> Result<Json<ExecutionOut>, ApiError> {
    let (tx, s) = open_for(&tenant, id, Act::DecideSettlement, Some(req.version)).await?;
    let mut fields = FieldErrors::new();
    if req.verdict == SettlementVerdict::Return {
        let reason = match req.reason.as_deref() {
            Some(r) => req_text(&mut fields, "reason", r, 2000),
            None => {
                fields.insert(
                    "reason".into(),
                    "Cần nêu lý do trả lại hồ sơ (a reason is required)".into(),
                );
                String::new()
            }
        };
        validated(fields)?;
        store::decide_settlement(
            &tx,
            s.id,
            &Decision::Return {
                reason: reason.clone(),
            },
            tenant.user_id(),
        )
        .await?;
        return finish_step(&tenant, &meta, tx, &s, SchemeStatus::Accepted, Some(reason))
            .await
            .map(Json);
    }
    let accepted_on = store::accepted_on(&tx, s.id).await?;
    // The fund's settlement deadline bounds the window when the acceptance came before it; a scheme
    // accepted after its deadline is settled late (from its acceptance to today), never stuck.
    let deadline = settlement_deadline(&tx, &s)
        .await?
        .filter(|last| accepted_on.is_none_or(|a| a <= *last));
    let approved = s.support_approved.unwrap_or_default() - s.released;
    let claimed = store::settlement(&tx, s.id).await?.map(|d| d.claimed);
    let window = |name: &str, day: Option<NaiveDate>, fields: &mut FieldErrors| match day {
        None => {
            fields.insert(name.into(), "Cần ghi ngày (a day is required)".into());
        }
        Some(d) => {
            check_day(fields, name, d, accepted_on.map(|a| (a, "ngày nghiệm thu")));
            if let Some(last) = deadline
                && d > last
                && !fields.contains_key(name)
            {
                fields.insert(
                    name.into(),
                    format!(
                        "Quá hạn quyết toán {} của kế hoạch năm {} (after the settlement deadline)",
                        kc_kernel::format_date_vn(last),
                        s.plan_year
                    ),
                );
            }
        }
    };
    window("settled_on", req.settled_on, &mut fields);
    window("liquidated_on", req.liquidated_on, &mut fields);
    match req.settled {
        None => {
            fields.insert(
                "settled".into(),
                "Cần ghi số quyết toán (the settled amount is required)".into(),
            );
        }
        Some(m) if m.amount() > approved => {
            fields.insert(
                "settled".into(),
                format!("Số quyết toán không vượt kinh phí được duyệt {approved} đồng (within the approved support)"),
            );
        }
        Some(m) if claimed.is_some_and(|c| m.amount() > c) => {
            fields.insert(
                "settled".into(),
                format!(
                    "Số quyết toán không vượt số đề nghị trong hồ sơ {} đồng (within the dossier's claim)",
                    claimed.unwrap_or_default()
                ),
            );
        }
        Some(m) if m.amount() < s.paid => {
            fields.insert(
                "settled".into(),
                format!("Số quyết toán không thấp hơn số đã chi {} đồng: thu hồi phần chi thừa trước (not below what was paid)", s.paid),
            );
        }
        Some(_) => {}
    }
    match req.document_id {
        None => {
            fields.insert(
                "document_id".into(),
                "Cần biên bản thanh lý hợp đồng (the liquidation record is required)".into(),
            );
        }
        Some(doc) => {
            check_document(
                &tx,
                &mut fields,
                "document_id",
                s.id,
                doc,
                DocumentKind::LiquidationRecord,
            )
            .await?
        }
    }
    validated(fields)?;
    let (Some(amount), Some(settled_on), Some(liquidated_on), Some(document)) = (
        req.settled,
        req.settled_on,
        req.liquidated_on,
        req.document_id,
    ) else {
        return Err(ApiError::internal("settlement fields checked above"));
    };
    store::decide_settlement(
        &tx,
        s.id,
        &Decision::Settle {
            amount,
            settled_on,
            liquidated_on,
            document,
        },
        tenant.user_id(),
    )
    .await?;
    let reason = format!(
        "Quyết toán {amount} ngày {}",
        kc_kernel::format_date_vn(settled_on)
    );
    finish_step(&tenant, &meta, tx, &s, SchemeStatus::Settled, Some(reason))
        .await
        .map(Json)
}

/// A termination, on the written request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminationInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    /// The day of the written request: not in the future.
    pub requested_on: NaiveDate,
    /// Why (at most 1 900 characters: the history adds what was released).
    #[schema(schema_with = kc_http::text_schema::<1900>)]
    pub reason: String,
    /// The written request (a `termination_request` document of the scheme).
    pub document_id: Uuid,
}

/// Stop the scheme (the funding level's approver, before its acceptance): the support not yet paid
/// goes back to the envelope it was committed against.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/terminate", tag = "execution", request_body = TerminationInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"requested_on": "not in the future",
                                             "document_id": "a `termination_request` document of the scheme"}))),
    responses((status = 200, body = ExecutionOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn terminate(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<TerminationInput>,
) -> Result<Json<ExecutionOut>, ApiError> {
    let (tx, s) = open_for(&tenant, id, Act::Terminate, Some(req.version)).await?;
    let mut fields = FieldErrors::new();
    let reason = req_text(&mut fields, "reason", &req.reason, 1900);
    check_day(&mut fields, "requested_on", req.requested_on, None);
    check_document(
        &tx,
        &mut fields,
        "document_id",
        s.id,
        req.document_id,
        DocumentKind::TerminationRequest,
    )
    .await?;
    validated(fields)?;
    let released = store::terminate(
        &tx,
        s.province_id,
        s.id,
        req.requested_on,
        &reason,
        req.document_id,
        tenant.user_id(),
    )
    .await?;
    let Some(envelope) = s.envelope_id else {
        return Err(ApiError::internal(format!(
            "approved scheme {} without an envelope",
            s.id
        )));
    };
    budget::release(&tx, envelope, released).await?;
    let text = format!("{reason} (hoàn trả {released} về nguồn kinh phí)");
    finish_step(&tenant, &meta, tx, &s, SchemeStatus::Terminated, Some(text))
        .await
        .map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_advance_ceiling_is_the_share_rounded_down_to_the_dong() {
        let rule = AdvanceLimitBody {
            max_percent: Decimal::new(70, 0),
            min_progress_percent: 0,
        };
        assert_eq!(
            advance_ceiling(&rule, Decimal::new(333_333_333, 0)),
            Decimal::new(233_333_333, 0)
        );
        let third = AdvanceLimitBody {
            max_percent: Decimal::new(3333, 2),
            min_progress_percent: 50,
        };
        assert_eq!(
            advance_ceiling(&third, Decimal::new(100, 0)),
            Decimal::new(33, 0)
        );
    }
}
