//! `/api/v1/budget`: envelopes (the ministry sets the national envelope and its allocations under
//! `national-envelopes`; a province's department sets its local envelope under `local-envelopes`)
//! and the summary every screen reads.

use super::store::{self, Commit, EnvelopeRow, NewEnvelope, SummaryFilter, SummaryLine};
use crate::AppState;
use crate::SERVICE;
use axum::http::StatusCode;
use kc_auth::{MinistryBudget, ProvinceBudget, ProvinceStaff, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Path, Query, opt_text};
use kc_kernel::{Fund, Money, Region};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_envelopes))
        .routes(routes!(create_national_envelope))
        .routes(routes!(update_national_envelope))
        .routes(routes!(create_local_envelope))
        .routes(routes!(update_local_envelope))
        .routes(routes!(summary))
}

const NOT_ENOUGH: &str = "Không đủ kinh phí: số tiền vượt phần còn lại của nguồn (not enough money left in the envelope)";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EnvelopeQuery {
    #[param(minimum = 2000, maximum = 2099)]
    pub year: Option<i32>,
    pub fund: Option<Fund>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeList {
    pub items: Vec<EnvelopeRow>,
}

/// Envelopes the caller may see: the national ones and the caller's province's (the ministry: all).
#[utoipa::path(get, path = "/api/v1/budget/envelopes", tag = "budget", params(EnvelopeQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>()))),
    responses((status = 200, body = EnvelopeList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_envelopes(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<EnvelopeQuery>,
) -> Result<Json<EnvelopeList>, ApiError> {
    let year = check_year(q.year)?;
    let tx = tenant.begin().await?;
    let items = store::list(&tx, year, q.fund).await?;
    tx.commit().await?;
    Ok(Json(EnvelopeList { items }))
}

fn check_year(year: Option<i32>) -> Result<Option<i32>, ApiError> {
    match year {
        Some(y) if !(2000..=2099).contains(&y) => Err(ApiError::field(
            "year",
            "Năm kế hoạch từ 2000 đến 2099 (plan year 2000 to 2099)",
        )),
        y => Ok(y),
    }
}

/// The national fund's envelope of a year, or its allocation to a province.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NationalEnvelopeInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 2000, maximum = 2099)]
    pub year: i32,
    /// None: the year's national envelope; a province: its allocation (never more than the national
    /// envelope has left).
    #[schema(pattern = "^[0-9]{2}$", example = "01")]
    pub province_code: Option<String>,
    /// Whole đồng.
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "120000000000")]
    pub amount: Money,
    #[schema(schema_with = kc_http::opt_text_schema::<500>)]
    pub note: Option<String>,
}

/// A province's local-fund envelope of a year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalEnvelopeInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 2000, maximum = 2099)]
    pub year: i32,
    /// Whole đồng.
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "180000000000")]
    pub amount: Money,
    #[schema(schema_with = kc_http::opt_text_schema::<500>)]
    pub note: Option<String>,
}

/// Insert an envelope and audit it; the errors a new envelope can meet, named.
async fn add_envelope<P>(
    tenant: &Tenant<P>,
    meta: &ClientMeta,
    tx: kc_db::Tx,
    new: NewEnvelope,
) -> Result<(StatusCode, Json<EnvelopeRow>), ApiError> {
    let province_id = new.province_id;
    let id = match store::insert(&tx, &new, tenant.user_id()).await {
        Ok(Ok(id)) => id,
        Ok(Err(_)) => return Err(ApiError::conflict_field("amount", NOT_ENOUGH)),
        Err(e) => {
            return Err(ApiError::unique_or(
                e,
                "year",
                "Nguồn kinh phí của năm này đã có; hãy sửa số tiền (this envelope exists: change its amount)",
            ));
        }
    };
    let row = store::by_id(&tx, id, false)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "envelope.created",
            entity_type: "envelope",
            entity_id: Some(id.to_string()),
            province_id,
            after: serde_json::to_value(&row).ok(),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// Set a year's national envelope (no province), or allocate it to a province (never more than the
/// national envelope has left). The ministry's budget holders.
#[utoipa::path(post, path = "/api/v1/budget/national-envelopes", tag = "budget", request_body = NationalEnvelopeInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryBudget>())),
               ("x-kc-server-rules" = json!({
                   "province_code": "a province in force today",
                   "amount": "whole đồng",
                   "year": "for an allocation, the year's national envelope must exist"}))),
    responses((status = 201, body = EnvelopeRow), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_national_envelope(
    tenant: Tenant<MinistryBudget>,
    meta: ClientMeta,
    Json(req): Json<NationalEnvelopeInput>,
) -> Result<(StatusCode, Json<EnvelopeRow>), ApiError> {
    let mut fields = FieldErrors::new();
    check_year(Some(req.year))?;
    let amount = req.amount;
    let note = opt_text(&mut fields, "note", req.note.as_deref(), 500);
    let tx = tenant.begin().await?;
    let province_id = match &req.province_code {
        Some(code) => kc_auth::province_by_code(&tx, "province_code", code, &mut fields).await?,
        None => None,
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let parent_id = match province_id {
        Some(_) => Some(
            store::find(&tx, req.year, Fund::Kcqg, None)
                .await?
                .ok_or_else(|| {
                    ApiError::field(
                        "year",
                        format!(
                            "Chưa có tổng kinh phí khuyến công quốc gia năm {} (no national envelope for that year yet)",
                            req.year
                        ),
                    )
                })?
                .id,
        ),
        None => None,
    };
    let new = NewEnvelope {
        year: req.year,
        fund: Fund::Kcqg,
        province_id,
        parent_id,
        amount,
        note,
    };
    add_envelope(&tenant, &meta, tx, new).await
}

/// Set the caller's province's local-fund envelope of a year. The department's budget holders.
#[utoipa::path(post, path = "/api/v1/budget/local-envelopes", tag = "budget", request_body = LocalEnvelopeInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceBudget>())),
               ("x-kc-server-rules" = json!({"amount": "whole đồng"}))),
    responses((status = 201, body = EnvelopeRow), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_local_envelope(
    tenant: Tenant<ProvinceBudget>,
    meta: ClientMeta,
    Json(req): Json<LocalEnvelopeInput>,
) -> Result<(StatusCode, Json<EnvelopeRow>), ApiError> {
    let mut fields = FieldErrors::new();
    check_year(Some(req.year))?;
    let amount = req.amount;
    let note = opt_text(&mut fields, "note", req.note.as_deref(), 500);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let Some(province) = tenant.scope().province() else {
        return Err(ApiError::Forbidden(
            "Chỉ Sở Công Thương (a province department only)".into(),
        ));
    };
    let tx = tenant.begin().await?;
    let new = NewEnvelope {
        year: req.year,
        fund: Fund::Kcdp,
        province_id: Some(province),
        parent_id: None,
        amount,
        note,
    };
    add_envelope(&tenant, &meta, tx, new).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeChange {
    /// Whole đồng; not below what is allocated and committed from it.
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "120000000000")]
    pub amount: Money,
    #[schema(schema_with = kc_http::opt_text_schema::<500>)]
    pub note: Option<String>,
}

/// Change the amount of an envelope of `fund` the caller may see; audit it.
async fn change_envelope<P>(
    tenant: &Tenant<P>,
    meta: &ClientMeta,
    id: Uuid,
    fund: Fund,
    req: EnvelopeChange,
) -> Result<Json<EnvelopeRow>, ApiError> {
    let mut fields = FieldErrors::new();
    let amount = req.amount;
    let note = opt_text(&mut fields, "note", req.note.as_deref(), 500);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let tx = tenant.begin().await?;
    let before = store::by_id(&tx, id, true)
        .await?
        .filter(|e| e.fund == fund)
        .filter(|e| match tenant.scope().province() {
            None => true,
            Some(own) => e.province_id == Some(own),
        })
        .ok_or(ApiError::NotFound)?;
    if store::set_amount(&tx, &before, amount, note).await? == Commit::Insufficient {
        return Err(ApiError::conflict_field(
            "amount",
            "Số tiền không được nhỏ hơn phần đã phân bổ và đã cam kết, và phần phân bổ không vượt tổng kinh phí (below what is allocated and committed, or above what the national envelope has left)",
        ));
    }
    let after = store::by_id(&tx, id, false)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "envelope.updated",
            entity_type: "envelope",
            entity_id: Some(id.to_string()),
            province_id: before.province_id,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}

/// Change the national envelope's or an allocation's amount: never below what is allocated and
/// committed from it, and an allocation never past what the national envelope has left.
#[utoipa::path(patch, path = "/api/v1/budget/national-envelopes/{id}", tag = "budget", request_body = EnvelopeChange,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryBudget>().on("national_envelope"))),
               ("x-kc-server-rules" = json!({"amount": "whole đồng"}))),
    responses((status = 200, body = EnvelopeRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn update_national_envelope(
    tenant: Tenant<MinistryBudget>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<EnvelopeChange>,
) -> Result<Json<EnvelopeRow>, ApiError> {
    change_envelope(&tenant, &meta, id, Fund::Kcqg, req).await
}

/// Change the caller's province's local envelope: never below what is committed from it.
#[utoipa::path(patch, path = "/api/v1/budget/local-envelopes/{id}", tag = "budget", request_body = EnvelopeChange,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceBudget>().on("local_envelope"))),
               ("x-kc-server-rules" = json!({"amount": "whole đồng"}))),
    responses((status = 200, body = EnvelopeRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn update_local_envelope(
    tenant: Tenant<ProvinceBudget>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<EnvelopeChange>,
) -> Result<Json<EnvelopeRow>, ApiError> {
    change_envelope(&tenant, &meta, id, Fund::Kcdp, req).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SummaryQuery {
    #[param(minimum = 2000, maximum = 2099)]
    pub year: i32,
    pub fund: Option<Fund>,
    /// One province (2-digit code); a province's staff always see their own.
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    pub region: Option<Region>,
}

/// The national envelope of the national fund: its amount, what is allocated to provinces and what is
/// not yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalLine {
    #[schema(value_type = String)]
    pub envelope: Decimal,
    #[schema(value_type = String)]
    pub allocated: Decimal,
    #[schema(value_type = String)]
    pub unallocated: Decimal,
}

/// Totals of the listed lines.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Totals {
    #[schema(value_type = String)]
    pub envelope: Decimal,
    #[schema(value_type = String)]
    pub committed: Decimal,
    #[schema(value_type = String)]
    pub remaining: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetSummary {
    pub year: i32,
    /// The national fund's envelope for the year (when it is set and the national fund is included).
    pub national: Option<NationalLine>,
    pub lines: Vec<SummaryLine>,
    pub total: Totals,
}

/// Envelope, committed and remaining per province and fund, and in total.
#[utoipa::path(get, path = "/api/v1/budget/summary", tag = "budget", params(SummaryQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today"}))),
    responses((status = 200, body = BudgetSummary), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn summary(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<BudgetSummary>, ApiError> {
    check_year(Some(q.year))?;
    let mut fields = FieldErrors::new();
    let tx = tenant.begin().await?;
    let province_id = kc_auth::list_province(
        &tx,
        tenant.scope(),
        "province_code",
        q.province_code.as_deref(),
        &mut fields,
    )
    .await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let lines = store::summary(
        &tx,
        SummaryFilter {
            year: q.year,
            fund: q.fund,
            province_id,
            region: q.region,
        },
    )
    .await?;
    let national = if q.fund != Some(Fund::Kcdp) {
        store::find(&tx, q.year, Fund::Kcqg, None)
            .await?
            .map(|n| NationalLine {
                envelope: n.amount,
                allocated: n.allocated,
                unallocated: n.amount - n.allocated - n.committed,
            })
    } else {
        None
    };
    tx.commit().await?;
    let total = lines.iter().fold(Totals::default(), |t, l| Totals {
        envelope: t.envelope + l.envelope,
        committed: t.committed + l.committed,
        remaining: t.remaining + l.remaining,
    });
    Ok(Json(BudgetSummary {
        year: q.year,
        national,
        lines,
        total,
    }))
}
