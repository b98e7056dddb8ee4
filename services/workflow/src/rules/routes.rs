//! `/api/v1/rules`: read the rules in force (every signed-in user), add a version from a day not in the
//! past and end or correct a version not yet in force (ministry admins for national rules, a province's
//! admins for their own province's local-fund rules).

use super::store::{self, NewRule, RuleFilter, RuleRow};
use super::{RuleBody, check_shape, is_key};
use crate::AppState;
use crate::SERVICE;
use axum::http::StatusCode;
use chrono::NaiveDate;
use kc_auth::{AnyUser, MinistryOrProvinceAdmin, Tenant, audit_by, declare, target_province};
use kc_db::{AuditEvent, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Patch, Path, Query, patch, req_text};
use kc_kernel::{Fund, RuleKind, Scope, format_date_vn, today_vn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule))
}

/// May this scope see the rule? National rules are for everyone; a province's own for its people.
fn visible(scope: Scope, r: &RuleRow) -> bool {
    match (scope.province(), r.province_id) {
        (_, None) | (None, _) => true,
        (Some(own), Some(p)) => own == p,
    }
}

/// May this scope change rules of this fund and province? The ministry: all; a province: its own
/// province's local-fund rules.
fn may_edit(scope: Scope, fund: Option<Fund>, province: Option<Uuid>) -> Result<(), ApiError> {
    match scope {
        Scope::National => Ok(()),
        Scope::Province(own) if province == Some(own) && fund == Some(Fund::Kcdp) => Ok(()),
        _ => Err(ApiError::Forbidden(
            "Sở Công Thương chỉ ban hành quy định khuyến công địa phương của tỉnh mình (a province sets only its own local-fund rules)".into(),
        )),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RuleQuery {
    pub kind: Option<RuleKind>,
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub key: Option<String>,
    pub fund: Option<Fund>,
    /// Only national rules and this province's (2-digit code); a province's staff always see their
    /// own.
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    /// Only the versions in force on this day (`YYYY-MM-DD`); every version when absent.
    #[param(schema_with = kc_http::date_param_schema)]
    pub as_of: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    pub items: Vec<RuleRow>,
}

/// The rules, national and of the caller's province (the ministry: of any province).
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules", params(RuleQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today",
                                             "key": "letters a-z, digits and _"}))),
    responses((status = 200, body = RuleList), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_rules(
    tenant: Tenant<AnyUser>,
    Query(q): Query<RuleQuery>,
) -> Result<Json<RuleList>, ApiError> {
    let mut fields = FieldErrors::new();
    let as_of = kc_http::date_param(&mut fields, "as_of", q.as_of.as_deref());
    if q.key.as_deref().is_some_and(|k| !is_key(k)) {
        fields.insert(
            "key".into(),
            "Mã gồm chữ thường a-z, chữ số và _ (key: a-z, 0-9, _)".into(),
        );
    }
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
    let items = store::list(
        &tx,
        &RuleFilter {
            kind: q.kind,
            key: q.key,
            fund: q.fund,
            province_id,
            as_of,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(RuleList { items }))
}

/// One rule version.
#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "rules",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("rule")))),
    responses((status = 200, body = RuleRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_rule(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<RuleRow>, ApiError> {
    let tx = tenant.begin().await?;
    let rule = store::by_id(&tx, id, false)
        .await?
        .filter(|r| visible(tenant.scope(), r))
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(rule))
}

/// A new rule version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub kind: RuleKind,
    /// What the rule is about within its kind: an activity code (activity types and support caps),
    /// `plan_registration` or `province_registration` (deadlines), a stage (stage limits), or
    /// `woman_owned`, `ethnic_minority_owned`, `difficult_area` (priorities).
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$", example = "demonstration_model")]
    pub key: String,
    /// Required for support caps and deadlines; none for activity types and priorities.
    pub fund: Option<Fund>,
    /// A local rule of this province (support caps and deadlines only); none: national. A province's
    /// admins always write their own province's.
    #[schema(pattern = "^[0-9]{2}$", example = "01")]
    pub province_code: Option<String>,
    /// The first day in force: today or later, never in the past.
    pub valid_from: NaiveDate,
    /// The last day in force; none: until a later version.
    pub valid_to: Option<NaiveDate>,
    #[schema(schema_with = kc_http::text_schema::<500>)]
    pub legal_basis: String,
    /// The kind's own fields.
    #[schema(value_type = RuleBody)]
    pub body: serde_json::Value,
}

/// Days a rule may start or end on: today (in Vietnam) or later, before 2100.
fn check_day(fields: &mut FieldErrors, name: &str, day: NaiveDate, today: NaiveDate) {
    if day < today {
        fields.insert(
            name.into(),
            format!(
                "Quy định không được áp dụng hồi tố: ngày phải từ {} trở đi (rules never apply retroactively: today or later)",
                format_date_vn(today)
            ),
        );
    } else if chrono::Datelike::year(&day) >= 2100 {
        fields.insert(name.into(), "Ngày phải trước năm 2100 (before 2100)".into());
    }
}

fn overlap_conflict(e: sea_orm::DbErr) -> ApiError {
    if kc_db::sqlstate(&e).as_deref() == Some("23P01") {
        ApiError::conflict_field(
            "valid_to",
            "Khoảng thời gian trùng với một phiên bản khác của quy định này (overlaps another version of this rule)",
        )
    } else {
        e.into()
    }
}

/// Add a version of a rule from `valid_from` (today or later). The version in force before it ends
/// the day before; a version already scheduled from that day or later is a conflict (correct that
/// one instead).
#[utoipa::path(post, path = "/api/v1/rules", tag = "rules", request_body = RuleInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>())),
               ("x-kc-server-rules" = json!({
                   "valid_from": "today (in Vietnam) or later, before 2100",
                   "valid_to": "not before valid_from, before 2100",
                   "key": "one of the kind's keys; for a support cap, an activity type in force on valid_from",
                   "fund": "required for support caps and deadlines, absent for activity types and priorities",
                   "province_code": "a province in force today; only for support caps and deadlines",
                   "body": "the fields of the kind's body",
                   "body.max_share_percent": "above 0, at most 100, two decimals",
                   "body.max_percent": "0 to 100, two decimals",
                   "body.min_progress_percent": "0 to 99",
                   "body.permission": "officer or approver",
                   "body.day": "a day that exists in that month every year",
                   "body.days": "1 to 365", "body.points": "0 to 100",
                   "body.name_vi": "text", "body.name_en": "text",
                   "body.max_amount": "whole đồng", "body.per": "a unit", "body.month": "1 to 12",
                   "body.criteria": "1 to 20 criteria with distinct codes, text names, max 1 to 100",
                   "body.pass_total": "at most the sum of the criteria's max"}))),
    responses((status = 201, body = RuleRow), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_rule(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<RuleInput>,
) -> Result<(StatusCode, Json<RuleRow>), ApiError> {
    let mut fields = FieldErrors::new();
    if !is_key(&req.key) {
        fields.insert(
            "key".into(),
            "Mã gồm chữ thường a-z, chữ số và _ (key: a-z, 0-9, _)".into(),
        );
    }
    let legal_basis = req_text(&mut fields, "legal_basis", &req.legal_basis, 500);
    let today = today_vn();
    check_day(&mut fields, "valid_from", req.valid_from, today);
    if let Some(to) = req.valid_to {
        if to < req.valid_from {
            fields.insert(
                "valid_to".into(),
                "Ngày hết hiệu lực không được trước ngày bắt đầu (valid_to before valid_from)"
                    .into(),
            );
        } else {
            check_day(&mut fields, "valid_to", to, today);
        }
    }
    let body = RuleBody::parse(req.kind, &req.body, &mut fields);
    let tx = tenant.begin().await?;
    let province_id = target_province(
        &tx,
        tenant.scope(),
        "province_code",
        req.province_code.as_deref(),
        true,
        &mut fields,
    )
    .await?;
    check_shape(
        req.kind,
        &req.key,
        req.fund,
        province_id.is_some(),
        &mut fields,
    );
    if req.kind == RuleKind::SupportCap
        && is_key(&req.key)
        && store::in_force(
            &tx,
            RuleKind::ActivityType,
            &req.key,
            None,
            None,
            req.valid_from,
        )
        .await?
        .is_none()
    {
        fields.insert(
            "key".into(),
            format!(
                "Không có nội dung hoạt động \"{}\" áp dụng từ {} (no such activity type in force then)",
                req.key,
                format_date_vn(req.valid_from)
            ),
        );
    }
    let Some(body) = body.filter(|_| fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    may_edit(tenant.scope(), req.fund, province_id)?;

    let audit_base = || AuditEvent {
        entity_type: "rule",
        province_id,
        ..audit_by(&tenant, &meta)
    };
    for earlier in store::versions_from(
        &tx,
        req.kind,
        &req.key,
        req.fund,
        province_id,
        req.valid_from,
    )
    .await?
    {
        if earlier.valid_from >= req.valid_from {
            return Err(ApiError::conflict_field(
                "valid_from",
                format!(
                    "Đã có phiên bản áp dụng từ {}; hãy sửa phiên bản đó (a version from that day or later exists: change it instead)",
                    format_date_vn(earlier.valid_from)
                ),
            ));
        }
        let last_day = req.valid_from.pred_opt().unwrap_or(req.valid_from);
        store::end(&tx, earlier.id, last_day, tenant.user_id()).await?;
        audit(
            &tx,
            SERVICE,
            AuditEvent {
                action: "rule.ended",
                entity_id: Some(earlier.id.to_string()),
                before: serde_json::to_value(&earlier).ok(),
                after: Some(serde_json::json!({"valid_to": last_day})),
                ..audit_base()
            },
        )
        .await?;
    }
    let id = store::insert(
        &tx,
        &NewRule {
            kind: req.kind,
            key: req.key,
            fund: req.fund,
            province_id,
            valid_from: req.valid_from,
            valid_to: req.valid_to,
            body: body.to_json(),
            legal_basis,
        },
        tenant.user_id(),
    )
    .await
    .map_err(overlap_conflict)?;
    let rule = store::by_id(&tx, id, false)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "rule.created",
            entity_id: Some(id.to_string()),
            after: serde_json::to_value(&rule).ok(),
            ..audit_base()
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// A change of one version: its last day (any version: today or later), or, for a version not yet in
/// force, its body and legal basis.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulePatch {
    /// The last day in force (today or later); `null`: until further notice.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Patch<NaiveDate>,
    #[schema(schema_with = kc_http::nullable_text_schema::<500>)]
    pub legal_basis: Option<String>,
    #[schema(value_type = Option<RuleBody>)]
    pub body: Option<serde_json::Value>,
}

/// End a version, or correct one that is not yet in force. What is in force is never rewritten: a
/// new rule from a later day is a new version.
#[utoipa::path(patch, path = "/api/v1/rules/{id}", tag = "rules", request_body = RulePatch,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>().on("rule"))),
               ("x-kc-server-rules" = json!({
                   "valid_to": "today (in Vietnam) or later, not before valid_from, before 2100",
                   "body": "the fields of the kind's body",
                   "body.max_share_percent": "above 0, at most 100, two decimals",
                   "body.max_percent": "0 to 100, two decimals",
                   "body.min_progress_percent": "0 to 99",
                   "body.permission": "officer or approver",
                   "body.day": "a day that exists in that month every year",
                   "body.days": "1 to 365", "body.points": "0 to 100",
                   "body.name_vi": "text", "body.name_en": "text",
                   "body.max_amount": "whole đồng", "body.per": "a unit", "body.month": "1 to 12",
                   "body.criteria": "1 to 20 criteria with distinct codes, text names, max 1 to 100",
                   "body.pass_total": "at most the sum of the criteria's max"}))),
    responses((status = 200, body = RuleRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn update_rule(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<RulePatch>,
) -> Result<Json<RuleRow>, ApiError> {
    let tx = tenant.begin().await?;
    let before = store::by_id(&tx, id, true)
        .await?
        .filter(|r| visible(tenant.scope(), r))
        .ok_or(ApiError::NotFound)?;
    may_edit(tenant.scope(), before.fund, before.province_id)?;
    let today = today_vn();
    let mut fields = FieldErrors::new();
    let valid_to = match req.valid_to.as_change() {
        None => before.valid_to,
        Some(None) => None,
        Some(Some(to)) => {
            if *to < before.valid_from {
                fields.insert(
                    "valid_to".into(),
                    "Ngày hết hiệu lực không được trước ngày bắt đầu (valid_to before valid_from)"
                        .into(),
                );
            } else {
                check_day(&mut fields, "valid_to", *to, today);
            }
            Some(*to)
        }
    };
    let pending = before.valid_from > today;
    let changes_content = req.body.is_some() || req.legal_basis.is_some();
    let legal_basis = match &req.legal_basis {
        Some(l) => req_text(&mut fields, "legal_basis", l, 500),
        None => before.legal_basis.clone(),
    };
    let body = match &req.body {
        Some(b) => RuleBody::parse(before.kind, b, &mut fields).map(|b| b.to_json()),
        None => Some(before.body.clone()),
    };
    let Some(body) = body.filter(|_| fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    if changes_content && !pending {
        return Err(ApiError::conflict_field(
            "valid_from",
            format!(
                "Quy định đã áp dụng từ {}: nội dung không được sửa, hãy ban hành phiên bản mới (in force: add a new version instead)",
                format_date_vn(before.valid_from)
            ),
        ));
    }
    store::update(&tx, id, &body, &legal_basis, valid_to, tenant.user_id())
        .await
        .map_err(overlap_conflict)?;
    let after = store::by_id(&tx, id, false)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "rule.updated",
            entity_type: "rule",
            entity_id: Some(id.to_string()),
            province_id: before.province_id,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lowercase_words() {
        assert!(is_key("demonstration_model"));
        assert!(is_key("a1"));
        for bad in ["", "1a", "Demo", "a-b", "a b", &"a".repeat(65)] {
            assert!(!is_key(bad), "{bad}");
        }
    }
}
