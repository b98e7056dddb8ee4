//! `/api/v1/cluster-rules`: the rule checks in force and their history; the ministry's admins add a
//! national version, a province's admins their province's own, from a day no earlier than today.

use super::parse_body;
use super::store::{self, RuleRow};
use crate::SERVICE;
use axum::http::StatusCode;
use chrono::NaiveDate;
use kc_auth::{AnyUser, MinistryOrProvinceAdmin, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Query, req_text};
use kc_kernel::ClusterRule;
use kc_service::ServiceState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<ServiceState> {
    OpenApiRouter::new().routes(routes!(list_rules, add_rule))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ClusterRuleQuery {
    pub key: Option<ClusterRule>,
    /// Only the versions in force on this day (`YYYY-MM-DD`); every version when absent.
    #[param(schema_with = kc_http::date_param_schema)]
    pub as_of: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterRuleList {
    pub items: Vec<RuleRow>,
}

/// The rule checks: national ones and the caller's province's own (the ministry: every province's).
#[utoipa::path(get, path = "/api/v1/cluster-rules", tag = "cluster rules", params(ClusterRuleQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = ClusterRuleList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_rules(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ClusterRuleQuery>,
) -> Result<Json<ClusterRuleList>, ApiError> {
    let mut fields = FieldErrors::new();
    let as_of = kc_http::date_param(&mut fields, "as_of", q.as_of.as_deref());
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let tx = tenant.begin().await?;
    let items = store::list(&tx, q.key, as_of).await?;
    tx.commit().await?;
    Ok(Json(ClusterRuleList { items }))
}

/// A new version of a rule check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterRuleInput {
    pub key: ClusterRule,
    /// The province of its own rule (a province's admins: their own, the default); none from the
    /// ministry: a national rule.
    #[schema(pattern = "^[0-9]{2}$")]
    #[serde(default)]
    pub province_code: Option<String>,
    /// The first day in force: today or later, never in the past.
    pub valid_from: NaiveDate,
    /// The rule's figures (see the rule bodies).
    #[schema(value_type = super::RuleBody)]
    pub body: serde_json::Value,
    #[schema(schema_with = kc_http::text_schema::<500>)]
    pub legal_basis: String,
}

/// Add a version of a rule check from `valid_from`. The version in force then ends the day before; a
/// version already set to start later is a conflict (409). Audited.
#[utoipa::path(post, path = "/api/v1/cluster-rules", tag = "cluster rules", request_body = ClusterRuleInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>())),
               ("x-kc-server-rules" = json!({"body": "the figures of the rule's key, within sense",
                                             "valid_from": "today or later",
                                             "province_code": "a province in force today, the caller's own"}))),
    responses((status = 201, body = RuleRow), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn add_rule(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<ClusterRuleInput>,
) -> Result<(StatusCode, Json<RuleRow>), ApiError> {
    let mut fields = FieldErrors::new();
    let legal_basis = req_text(&mut fields, "legal_basis", &req.legal_basis, 500);
    kc_http::valid_from_today(&mut fields, "valid_from", req.valid_from);
    if let Err(m) = parse_body(req.key, &req.body) {
        fields.insert("body".into(), m);
    }
    let tx = tenant.begin().await?;
    let province = kc_auth::target_province(
        &tx,
        tenant.scope(),
        "province_code",
        req.province_code.as_deref(),
        true,
        &mut fields,
    )
    .await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let open = store::open_versions(&tx, req.key, province, req.valid_from).await?;
    if let Some(later) = open.iter().find(|v| v.valid_from >= req.valid_from) {
        return Err(kc_http::later_version("valid_from", later.valid_from));
    }
    for v in &open {
        if let Some(day_before) = req.valid_from.pred_opt() {
            store::end(&tx, v.id, day_before).await?;
        }
    }
    let id = store::insert(
        &tx,
        req.key,
        province,
        req.valid_from,
        &req.body,
        &legal_basis,
        tenant.user_id(),
    )
    .await?;
    let row = store::by_id(&tx, id).await?.ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "cluster_rule.added",
            entity_type: "cluster_rule",
            entity_id: Some(id.to_string()),
            province_id: province,
            before: serde_json::to_value(&open).ok(),
            after: serde_json::to_value(&row).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(row)))
}
