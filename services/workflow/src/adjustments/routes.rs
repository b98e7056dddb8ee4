//! `/api/v1/schemes/{id}/adjustments`: the implementing unit asks for an adjustment of an approved
//! scheme, with a written request; whoever the `adjustment_route` rule names decides it. An approved
//! one changes the scheme (and its budget commitment) in one transaction; a rejected one changes
//! nothing.

use super::store::{self, AdjustmentRow, Change, NewAdjustment};
use crate::applications::caps::{self, Cap};
use crate::budget::store::{self as budget, Commit};
use crate::execution::routes::check_act;
use crate::execution::state::{Act, funding_level};
use crate::rules::{AdjustmentRouteBody, SupportCapBody, store as rules};
use crate::schemes::store::SchemeView;
use crate::{AppState, SERVICE};
use axum::http::StatusCode;
use chrono::NaiveDate;
use kc_auth::{Lock, SchemeWorker, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Path, req_text};
use kc_kernel::{
    AdjustmentKind, AdjustmentStatus, ApplicationStatus, ContractKind, DocumentKind, Money,
    Permission, Role, RuleKind, today_vn,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_adjustments, request_adjustment))
        .routes(routes!(decide_adjustment))
}

fn not_adjustable(s: &SchemeView) -> ApiError {
    ApiError::wrong_state(
        s.status.as_str(),
        s.status.label_vi(),
        format!(
            "Đề án \"{}\" không còn điều chỉnh được (only an approved scheme being implemented is adjusted)",
            s.status.label_vi()
        ),
    )
}

/// A scheme's adjustments, newest last.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentList {
    pub items: Vec<AdjustmentRow>,
}

/// A scheme's adjustments.
#[utoipa::path(get, path = "/api/v1/schemes/{id}/adjustments", tag = "adjustments",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme")))),
    responses((status = 200, body = AdjustmentList), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn list_adjustments(
    tenant: Tenant<SchemeWorker>,
    Path(id): Path<Uuid>,
) -> Result<Json<AdjustmentList>, ApiError> {
    let (tx, s) = tenant.load::<SchemeView>(id).await?;
    let items = store::of_scheme(&tx, s.id).await?;
    tx.commit().await?;
    Ok(Json(AdjustmentList { items }))
}

/// An adjustment asked for: its kind, the new value of what the kind changes (and only that), the
/// reasons and the written request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    pub kind: AdjustmentKind,
    #[schema(schema_with = kc_http::text_schema::<2000>)]
    pub reason: String,
    /// The written request (an `adjustment_request` document of the scheme).
    pub document_id: Uuid,
    /// `raise_support`, `lower_support`: the new support.
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$")]
    pub support_approved: Option<Money>,
    /// `change_content`: the new title.
    #[schema(schema_with = kc_http::opt_text_schema::<300>)]
    pub title: Option<String>,
    /// `change_location`: the new commune.
    #[schema(schema_with = kc_http::opt_text_schema::<200>)]
    pub commune: Option<String>,
    /// `change_timing`: the implementation contract's new end, within the plan year.
    pub ends_on: Option<NaiveDate>,
    /// `change_beneficiary`: the beneficiary that leaves.
    pub remove_organisation_id: Option<Uuid>,
    /// `change_beneficiary`: the accepted application (of the province, in no scheme) whose
    /// enterprise comes in.
    pub add_application_id: Option<Uuid>,
}

const ADJUSTMENT_RULES: &str = "the fields of the kind, and only those: raise_support more than the support now (within the cost and the cap rule), lower_support less (not below what was paid); change_content a new title; change_location a new commune; change_timing a day from the contract's signing to 31 December of the plan year; change_beneficiary a beneficiary and an accepted application of the province in no scheme; an `adjustment_request` document of the scheme";

/// The support the scheme has now.
fn current_support(s: &SchemeView) -> Decimal {
    s.support_approved.unwrap_or_default() - s.released
}

/// The change the input asks for, checked against the scheme; faults under their fields.
async fn checked_change(
    tx: &Tx,
    s: &SchemeView,
    req: &AdjustmentInput,
    fields: &mut FieldErrors,
) -> Result<Option<(Change, serde_json::Value)>, ApiError> {
    use AdjustmentKind::*;
    let wanted: &[&str] = match req.kind {
        RaiseSupport | LowerSupport => &["support_approved"],
        ChangeContent => &["title"],
        ChangeLocation => &["commune"],
        ChangeTiming => &["ends_on"],
        ChangeBeneficiary => &["remove_organisation_id", "add_application_id"],
    };
    let given = [
        ("support_approved", req.support_approved.is_some()),
        ("title", req.title.is_some()),
        ("commune", req.commune.is_some()),
        ("ends_on", req.ends_on.is_some()),
        (
            "remove_organisation_id",
            req.remove_organisation_id.is_some(),
        ),
        ("add_application_id", req.add_application_id.is_some()),
    ];
    for (name, present) in given {
        if wanted.contains(&name) && !present {
            fields.insert(
                name.into(),
                format!(
                    "Cần cho loại điều chỉnh \"{}\" (required for this kind)",
                    req.kind.label_vi()
                ),
            );
        } else if !wanted.contains(&name) && present {
            fields.insert(
                name.into(),
                format!(
                    "Không thuộc loại điều chỉnh \"{}\" (not part of this kind)",
                    req.kind.label_vi()
                ),
            );
        }
    }
    if !fields.is_empty() {
        return Ok(None);
    }
    let now = current_support(s);
    let change = match req.kind {
        RaiseSupport | LowerSupport => {
            let Some(new) = req.support_approved else {
                return Ok(None);
            };
            let n = new.amount();
            if req.kind == RaiseSupport {
                if n <= now || n > s.total_cost {
                    fields.insert(
                        "support_approved".into(),
                        format!("Mức mới lớn hơn mức hiện tại {now} và không vượt tổng chi phí {} đồng (above the support now, within the cost)", s.total_cost),
                    );
                } else if let Some(rule) = rules::in_force(
                    tx,
                    RuleKind::SupportCap,
                    &s.activity_code,
                    Some(s.fund),
                    Some(s.province_id),
                    today_vn(),
                )
                .await?
                {
                    let body: SupportCapBody = serde_json::from_value(rule.body)
                        .map_err(|e| ApiError::internal(format!("support cap {}: {e}", rule.id)))?;
                    let mut cap_fields = FieldErrors::new();
                    caps::check(
                        Money::new(s.total_cost).unwrap_or(Money::ZERO),
                        new,
                        &Cap {
                            rule: body,
                            valid_from: rule.valid_from,
                            legal_basis: rule.legal_basis,
                        },
                        &mut cap_fields,
                    );
                    if let Some(m) = cap_fields.remove("support_requested") {
                        fields.insert("support_approved".into(), m);
                    }
                }
            } else if n >= now || n.is_zero() || n < s.paid {
                fields.insert(
                    "support_approved".into(),
                    format!("Mức mới nhỏ hơn mức hiện tại {now}, lớn hơn 0 và không thấp hơn số đã chi {} đồng (below the support now, not below what was paid)", s.paid),
                );
            }
            (
                Change::Support(new),
                json!({"before": {"support_approved": now}, "after": {"support_approved": new}}),
            )
        }
        ChangeContent => {
            let title = req_text(fields, "title", req.title.as_deref().unwrap_or(""), 300);
            if title == s.title {
                fields.insert(
                    "title".into(),
                    "Nội dung mới trùng nội dung hiện tại (unchanged)".into(),
                );
            }
            let after = json!({"before": {"title": s.title}, "after": {"title": title}});
            (Change::Title(title), after)
        }
        ChangeLocation => {
            let commune = req_text(fields, "commune", req.commune.as_deref().unwrap_or(""), 200);
            if commune == s.commune {
                fields.insert(
                    "commune".into(),
                    "Địa điểm mới trùng địa điểm hiện tại (unchanged)".into(),
                );
            }
            let after = json!({"before": {"commune": s.commune}, "after": {"commune": commune}});
            (Change::Commune(commune), after)
        }
        ChangeTiming => {
            let Some(day) = req.ends_on else {
                return Ok(None);
            };
            let contract = crate::execution::store::contracts(tx, s.id)
                .await?
                .into_iter()
                .find(|c| c.kind == ContractKind::Implementation);
            let year_end = NaiveDate::from_ymd_opt(s.plan_year, 12, 31);
            match contract {
                None => {
                    fields.insert(
                        "ends_on".into(),
                        "Chưa có hợp đồng thực hiện để điều chỉnh thời gian (no implementation contract yet)".into(),
                    );
                }
                Some(c) if day < c.signed_on || Some(day) > year_end || day == c.ends_on => {
                    fields.insert(
                        "ends_on".into(),
                        format!("Thời hạn mới từ ngày ký hợp đồng đến 31/12/{}, khác thời hạn hiện tại (within the plan year, changed)", s.plan_year),
                    );
                }
                Some(c) => {
                    return Ok(Some((
                        Change::EndsOn(day),
                        json!({"before": {"ends_on": c.ends_on}, "after": {"ends_on": day}}),
                    )));
                }
            }
            return Ok(None);
        }
        ChangeBeneficiary => {
            let (Some(remove), Some(application)) =
                (req.remove_organisation_id, req.add_application_id)
            else {
                return Ok(None);
            };
            if !crate::execution::store::is_beneficiary(tx, s.id, remove).await? {
                fields.insert(
                    "remove_organisation_id".into(),
                    "Không phải cơ sở thụ hưởng của đề án (not a beneficiary of the scheme)".into(),
                );
            }
            let app = crate::applications::store::by_id(tx, application, Lock::ForUpdate).await?;
            match app {
                Some(a)
                    if a.province_id == s.province_id
                        && a.status == ApplicationStatus::Accepted
                        && a.organisation_id != remove =>
                {
                    (
                        Change::Beneficiary {
                            remove,
                            add_org: a.organisation_id,
                            add_application: a.id,
                        },
                        json!({"before": {"organisation_id": remove},
                               "after": {"organisation_id": a.organisation_id, "application_id": a.id}}),
                    )
                }
                _ => {
                    fields.insert(
                        "add_application_id".into(),
                        "Cần một hồ sơ đã tiếp nhận của tỉnh, của cơ sở khác (an accepted application of the province, of another enterprise)".into(),
                    );
                    return Ok(None);
                }
            }
        }
    };
    Ok(fields.is_empty().then_some(change))
}

/// Who decides an adjustment of this kind on this scheme: the route rule in force.
async fn route(
    tx: &Tx,
    s: &SchemeView,
    kind: AdjustmentKind,
) -> Result<(Role, Permission), ApiError> {
    let rule = rules::in_force(
        tx,
        RuleKind::AdjustmentRoute,
        kind.as_str(),
        Some(s.fund),
        Some(s.province_id),
        today_vn(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflict_field(
            "kind",
            format!(
                "Chưa có quy định thẩm quyền phê duyệt \"{}\" (no route rule in force)",
                kind.label_vi()
            ),
        )
    })?;
    let body: AdjustmentRouteBody = serde_json::from_value(rule.body)
        .map_err(|e| ApiError::internal(format!("adjustment route {}: {e}", rule.id)))?;
    Ok((funding_level(s.fund), body.permission))
}

/// Ask for an adjustment (the implementing unit's officer, while the scheme is approved or being
/// implemented; one pending at a time). The answer names who decides it.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/adjustments", tag = "adjustments",
    request_body = AdjustmentInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"support_approved": ADJUSTMENT_RULES, "title": ADJUSTMENT_RULES,
                   "commune": ADJUSTMENT_RULES, "ends_on": ADJUSTMENT_RULES,
                   "remove_organisation_id": ADJUSTMENT_RULES, "add_application_id": ADJUSTMENT_RULES,
                   "document_id": ADJUSTMENT_RULES}))),
    responses((status = 201, body = AdjustmentRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn request_adjustment(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<AdjustmentInput>,
) -> Result<(StatusCode, Json<AdjustmentRow>), ApiError> {
    let (tx, s) = tenant.load_for_update::<SchemeView>(id).await?;
    check_act(tenant.claims(), &s, Act::RequestAdjustment)?;
    let mut fields = FieldErrors::new();
    let reason = req_text(&mut fields, "reason", &req.reason, 2000);
    let change = checked_change(&tx, &s, &req, &mut fields).await?;
    if !crate::execution::store::is_scheme_document(
        &tx,
        s.id,
        req.document_id,
        DocumentKind::AdjustmentRequest,
    )
    .await?
    {
        fields.insert(
            "document_id".into(),
            "Cần văn bản đề nghị điều chỉnh đã tải lên cho đề án này (an adjustment_request document of this scheme)".into(),
        );
    }
    let Some((_, changes)) = change.filter(|_| fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let route = route(&tx, &s, req.kind).await?;
    let number = store::insert(
        &tx,
        &NewAdjustment {
            province_id: s.province_id,
            scheme_id: s.id,
            kind: req.kind,
            changes: changes.clone(),
            reason,
            document_id: req.document_id,
            route,
            requested_by: tenant.user_id(),
        },
    )
    .await
    .map_err(|e| {
        ApiError::unique_or(
            e,
            "kind",
            "Đề án đang có một đề nghị điều chỉnh chờ phê duyệt (an adjustment is already pending)",
        )
    })?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "scheme.adjustment_requested",
            entity_type: "scheme",
            entity_id: Some(s.id.to_string()),
            province_id: Some(s.province_id),
            after: Some(json!({"number": number, "kind": req.kind, "changes": changes})),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let row = store::by_number(&tx, s.id, number)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// What the route's decider says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentVerdict {
    Approve,
    Reject,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentDecisionInput {
    /// The number of the pending adjustment the decider read (409 when another is pending).
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub number: i32,
    pub verdict: AdjustmentVerdict,
    /// Why (required to reject).
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    pub reason: Option<String>,
}

/// The scheme with its adjustments, after a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustedScheme {
    pub scheme: SchemeView,
    pub adjustments: Vec<AdjustmentRow>,
}

/// Decide the scheme's pending adjustment (whoever its route names). Approving applies it to the
/// scheme, and to its budget commitment for a change of support, in one transaction, on a scheme still
/// approved or being implemented; rejecting changes nothing but the adjustment.
#[utoipa::path(post, path = "/api/v1/schemes/{id}/adjustments/decision", tag = "adjustments",
    request_body = AdjustmentDecisionInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme").decided_by_data())),
               ("x-kc-server-rules" = json!({"reason": "required to reject"}))),
    responses((status = 200, body = AdjustedScheme), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn decide_adjustment(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<AdjustmentDecisionInput>,
) -> Result<Json<AdjustedScheme>, ApiError> {
    let (tx, s) = tenant.load_for_update::<SchemeView>(id).await?;
    let number = req.number;
    let adj = match store::pending(&tx, s.id).await? {
        Some(a) if a.number == number => a,
        pending => {
            return Err(ApiError::conflict_field(
                "number",
                match pending {
                    Some(a) => format!(
                        "Đề nghị điều chỉnh đang chờ là số {} (another adjustment is pending)",
                        a.number
                    ),
                    None => {
                        "Đề án không có đề nghị điều chỉnh nào đang chờ phê duyệt (nothing pending)"
                            .into()
                    }
                },
            ));
        }
    };
    let claims = tenant.claims();
    if !(claims.role == adj.route_role && claims.has(adj.route_permission)) {
        return Err(ApiError::Forbidden(format!(
            "Điều chỉnh \"{}\" do {} ({}) phê duyệt (another decides this adjustment)",
            adj.kind.label_vi(),
            adj.route_role.label_vi(),
            adj.route_permission.label_vi()
        )));
    }
    let mut fields = FieldErrors::new();
    let reason = req
        .reason
        .as_deref()
        .map(|r| req_text(&mut fields, "reason", r, 2000));
    if req.verdict == AdjustmentVerdict::Reject && reason.is_none() {
        fields.insert(
            "reason".into(),
            "Cần nêu lý do không phê duyệt (a reason is required)".into(),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    if req.verdict == AdjustmentVerdict::Approve {
        if !Act::RequestAdjustment.allowed_from(s.status) {
            return Err(not_adjustable(&s));
        }
        apply(&tx, &s, &adj).await?;
    }
    let to = match req.verdict {
        AdjustmentVerdict::Approve => AdjustmentStatus::Approved,
        AdjustmentVerdict::Reject => AdjustmentStatus::Rejected,
    };
    store::decide(&tx, adj.id, to, tenant.user_id(), reason.as_deref()).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: if to == AdjustmentStatus::Approved {
                "scheme.adjusted"
            } else {
                "scheme.adjustment_rejected"
            },
            entity_type: "scheme",
            entity_id: Some(s.id.to_string()),
            province_id: Some(s.province_id),
            before: Some(json!({"version": s.version})),
            after: Some(
                json!({"number": number, "kind": adj.kind, "changes": adj.changes,
                               "reason": reason}),
            ),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let scheme = crate::schemes::store::by_id(&tx, s.id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    let adjustments = store::of_scheme(&tx, s.id).await?;
    tx.commit().await?;
    Ok(Json(AdjustedScheme {
        scheme,
        adjustments,
    }))
}

/// Apply an approved adjustment to its locked scheme: checked again against the scheme as it is now
/// (money paid since, an envelope spent since), the budget moved with the support.
async fn apply(tx: &Tx, s: &SchemeView, adj: &AdjustmentRow) -> Result<(), ApiError> {
    let after = &adj.changes["after"];
    let text = |k: &str| after[k].as_str().map(str::to_owned);
    let change = match adj.kind {
        AdjustmentKind::RaiseSupport | AdjustmentKind::LowerSupport => {
            let new: Decimal = text("support_approved")
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| ApiError::internal(format!("adjustment {}: no amount", adj.id)))?;
            let now = current_support(s);
            let envelope = s.envelope_id.ok_or_else(|| {
                ApiError::internal(format!("approved scheme {} without an envelope", s.id))
            })?;
            if new > now {
                let delta = Money::new(new - now).map_err(|e| ApiError::internal(e.to_string()))?;
                if budget::commit(tx, envelope, delta).await? == Commit::Insufficient {
                    return Err(ApiError::conflict_field(
                        "support_approved",
                        "Nguồn kinh phí không còn đủ cho mức tăng này (not enough left in the envelope)",
                    ));
                }
            } else {
                if new < s.paid {
                    return Err(ApiError::conflict_field(
                        "support_approved",
                        format!(
                            "Đã chi {} đồng, nhiều hơn mức giảm đề nghị (more was paid since)",
                            s.paid
                        ),
                    ));
                }
                let delta = Money::new(now - new).map_err(|e| ApiError::internal(e.to_string()))?;
                budget::release(tx, envelope, delta).await?;
            }
            Change::Support(Money::new(new).map_err(|e| ApiError::internal(e.to_string()))?)
        }
        AdjustmentKind::ChangeContent => Change::Title(text("title").unwrap_or_default()),
        AdjustmentKind::ChangeLocation => Change::Commune(text("commune").unwrap_or_default()),
        AdjustmentKind::ChangeTiming => Change::EndsOn(
            text("ends_on")
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| ApiError::internal(format!("adjustment {}: no day", adj.id)))?,
        ),
        AdjustmentKind::ChangeBeneficiary => {
            let uuid = |k: &str| text(k).and_then(|t| t.parse::<Uuid>().ok());
            let (Some(remove), Some(add_org), Some(add_application)) = (
                adj.changes["before"]["organisation_id"]
                    .as_str()
                    .and_then(|t| t.parse().ok()),
                uuid("organisation_id"),
                uuid("application_id"),
            ) else {
                return Err(ApiError::internal(format!(
                    "adjustment {}: no beneficiaries",
                    adj.id
                )));
            };
            Change::Beneficiary {
                remove,
                add_org,
                add_application,
            }
        }
    };
    store::apply(tx, s.province_id, s.id, &change)
        .await
        .map_err(|e| {
            ApiError::unique_or(
                e,
                "add_application_id",
                "Hồ sơ đã thuộc một đề án khác (the application is already in a scheme)",
            )
        })
}
