//! `/api/v1/clusters`: the province proposes, edits and moves its clusters through their life cycle,
//! every change a new version; anyone who may see a cluster reads it now or as of a past day, and its
//! history. The rule checks run on a proposal and an expansion; a failed check can still be recorded,
//! with a written justification that is kept and shown.

use super::checks::{self, Verdict};
use super::data::{ClusterData, ClusterFields, Decision};
use super::state;
use super::store::{self, ClusterView, Filter, TenantRow, VersionMeta};
use crate::SERVICE;
use crate::communes::store as communes;
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use kc_auth::{AnyUser, Lock, ProvinceOfficer, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit};
use kc_http::{
    ApiError, ClientMeta, FieldErrors, Json, Page, Paged, Path, Query, opt_text, req_text,
    search_text,
};
use kc_kernel::{ClusterChange, ClusterStatus, Region, today_vn};
use kc_service::ServiceState;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ServiceState> {
    OpenApiRouter::new()
        .routes(routes!(list_clusters, propose_cluster))
        .routes(routes!(get_cluster, edit_cluster))
        .routes(routes!(transition))
        .routes(routes!(history))
        .routes(routes!(check))
        .routes(routes!(support_check))
        .routes(routes!(schemes))
        .routes(routes!(list_tenants, link_tenant))
}

/// A cluster, with the statuses it may go to next.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterOut {
    #[serde(flatten)]
    pub cluster: ClusterView,
    pub next_statuses: Vec<ClusterStatus>,
}

impl From<ClusterView> for ClusterOut {
    fn from(cluster: ClusterView) -> ClusterOut {
        ClusterOut {
            next_statuses: state::next(cluster.status).to_vec(),
            cluster,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ClusterQuery {
    /// As the registry stood at the end of this day (`YYYY-MM-DD`); now when absent.
    #[param(schema_with = kc_http::date_param_schema)]
    pub as_of: Option<String>,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    pub region: Option<Region>,
    pub status: Option<ClusterStatus>,
    /// Only clusters without a working central wastewater plant (true) or with one (false).
    pub without_wastewater: Option<bool>,
    #[param(schema_with = kc_http::search_text_schema)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// What a list, an export or a summary asks for, as sent.
#[derive(Debug, Default)]
pub struct Asked<'a> {
    pub as_of: Option<&'a str>,
    pub province_code: Option<&'a str>,
    pub region: Option<Region>,
    pub status: Option<ClusterStatus>,
    pub without_wastewater: Option<bool>,
    pub q: Option<&'a str>,
}

/// The filter of what was asked, checked: the caller's own province for province and enterprise
/// users (another is 403), any for the ministry.
pub async fn filter_of(
    tx: &Tx,
    tenant: &kc_auth::Caller,
    asked: Asked<'_>,
) -> Result<Filter, ApiError> {
    let mut fields = FieldErrors::new();
    let as_of = kc_http::date_param(&mut fields, "as_of", asked.as_of);
    let q = search_text(&mut fields, "q", asked.q);
    let province_id = kc_auth::list_province(
        tx,
        tenant.scope(),
        "province_code",
        asked.province_code,
        &mut fields,
    )
    .await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    Ok(Filter {
        as_of,
        province_id,
        region: asked.region,
        status: asked.status,
        without_wastewater: asked.without_wastewater,
        q,
    })
}

/// Clusters: a province's (its department and centre), every province's (the ministry), an investor's
/// or tenant's own; now or as of a day.
#[utoipa::path(get, path = "/api/v1/clusters", tag = "clusters", params(ClusterQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own"}))),
    responses((status = 200, body = Paged<ClusterView>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_clusters(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ClusterQuery>,
) -> Result<Json<Paged<ClusterView>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let tx = tenant.begin().await?;
    let filter = filter_of(
        &tx,
        &tenant,
        Asked {
            as_of: q.as_of.as_deref(),
            province_code: q.province_code.as_deref(),
            region: q.region,
            status: q.status,
            without_wastewater: q.without_wastewater,
            q: q.q.as_deref(),
        },
    )
    .await?;
    let (items, total) = store::list(&tx, &filter, page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

/// A new cluster proposed for the province's plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// Unique within the province.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$", example = "CCN-01-012")]
    pub code: String,
    pub record: ClusterFields,
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    #[serde(default)]
    pub reason: Option<String>,
    /// Why the province proposes it although a rule check fails (needed then, kept and shown).
    #[schema(schema_with = kc_http::opt_text_schema::<4000>)]
    #[serde(default)]
    pub justification: Option<String>,
}

const RECORD_RULES: &str = "communes of the province in force today; the investor's organisation an enterprise of the province";

/// The rules of a record's fields that no schema states (what `ClusterFields::check` and the
/// references check), with the route's own.
fn record_rules(own: &[(&str, &str)]) -> serde_json::Value {
    let mut rules = serde_json::json!({
        "record": RECORD_RULES,
        "commune_ids": RECORD_RULES,
        "investor_org_id": RECORD_RULES,
        "planned_area_ha": "above 0, at most 75 hectares",
        "industrial_area_ha": "at most 75 hectares, within the planned area",
        "leased_area_ha": "at most 75 hectares, within the industrial land",
        "latitude": "8 to 24 (Vietnam)",
        "longitude": "102 to 118 (Vietnam)",
        "boundary": "a GeoJSON Polygon of closed rings within Vietnam",
        "investor_tax_code": "a tax code with its check digit",
        "investor_kind": "given with the investor's name",
        "wastewater_exists": "no plant: no capacity, not operating",
        "wastewater_capacity_m3": "1 to 1 000 000",
        "decisions": "not dated in the future or before 1990",
        "sectors": "at most 30, each a text of 200 characters",
    });
    for (k, v) in own {
        rules[*k] = serde_json::json!(v);
    }
    rules
}

pub(crate) fn code_ok(code: &str) -> bool {
    let b = code.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
}

/// What a record names in other tables: its communes (of the province, in force) and its investor's
/// organisation (an enterprise of the province).
async fn check_references(
    tx: &Tx,
    province: Uuid,
    data: &ClusterData,
    fields: &mut FieldErrors,
) -> Result<(), ApiError> {
    if !data.commune_ids.is_empty()
        && communes::count_of(tx, &data.commune_ids, province, today_vn()).await?
            != data.commune_ids.len() as i64
    {
        fields.insert(
            "commune_ids".into(),
            "Có xã, phường không thuộc tỉnh hoặc không còn hiệu lực (a commune unknown in the province)"
                .into(),
        );
    }
    if let Some(org) = data.investor_org_id
        && !store::is_enterprise_of(tx, org, province).await?
    {
        fields.insert(
            "investor_org_id".into(),
            "Chủ đầu tư phải là doanh nghiệp đã đăng ký của tỉnh (the investor must be an enterprise of the province)".into(),
        );
    }
    Ok(())
}

/// Propose a new cluster for the province's plan (status: in the plan). The size and new-cluster
/// checks run; a failed check needs a written justification (422 `rule_check_failed` without one).
#[utoipa::path(post, path = "/api/v1/clusters", tag = "clusters", request_body = ProposalInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>())),
               ("x-kc-server-rules" = json!(record_rules(&[("code", "unique in the province"),
                                                           ("justification", "needed when a rule check fails")])))),
    responses((status = 201, body = ClusterOut), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn propose_cluster(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Json(req): Json<ProposalInput>,
) -> Result<(StatusCode, Json<ClusterOut>), ApiError> {
    let today = today_vn();
    let mut fields = FieldErrors::new();
    if !code_ok(&req.code) {
        fields.insert(
            "code".into(),
            "Mã gồm chữ, số, dấu . _ - (tối đa 40 ký tự) (code: letters, digits, . _ -)".into(),
        );
    }
    let data = req.record.check(ClusterStatus::InPlan, today, &mut fields);
    let reason = opt_text(&mut fields, "reason", req.reason.as_deref(), 2000)
        .unwrap_or_else(|| "Đề xuất bổ sung vào phương án phát triển cụm công nghiệp".into());
    let justification = opt_text(
        &mut fields,
        "justification",
        req.justification.as_deref(),
        4000,
    );
    let province = crate::own_province(&tenant)?;
    let tx = tenant.begin().await?;
    check_references(&tx, province, &data, &mut fields).await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let verdict = checks::for_proposal(&tx, province, data.planned_area_ha, today).await?;
    if !verdict.passed && justification.is_none() {
        return Err(verdict.refusal());
    }
    let id = store::insert(
        &tx,
        province,
        &req.code,
        &data,
        &VersionMeta {
            at: Utc::now(),
            by: tenant.user_id(),
            action: ClusterChange::Proposed,
            reason,
            justification: justification.filter(|_| !verdict.passed),
            verdict: serde_json::to_value(&verdict).ok(),
            province_at: province,
        },
    )
    .await
    .map_err(|e| {
        ApiError::unique_or(
            e,
            "code",
            "Tỉnh đã có cụm công nghiệp mã này (the code is taken)",
        )
    })?;
    let cluster = store::current(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "cluster.proposed",
            entity_type: "cluster",
            entity_id: Some(id.to_string()),
            province_id: Some(province),
            after: serde_json::to_value(&cluster).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(cluster.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AsOfQuery {
    /// As the cluster stood at the end of this day (`YYYY-MM-DD`); now when absent. 404 if it did not
    /// exist yet.
    #[param(schema_with = kc_http::date_param_schema)]
    pub as_of: Option<String>,
}

/// One cluster, now or as of a day.
#[utoipa::path(get, path = "/api/v1/clusters/{id}", tag = "clusters", params(("id" = Uuid, Path), AsOfQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("cluster")))),
    responses((status = 200, body = ClusterOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn get_cluster(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
    Query(q): Query<AsOfQuery>,
) -> Result<Json<ClusterOut>, ApiError> {
    let mut fields = FieldErrors::new();
    let as_of = kc_http::date_param(&mut fields, "as_of", q.as_of.as_deref());
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let (tx, current) = tenant.load::<ClusterView>(id).await?;
    let cluster = match as_of {
        None => current,
        Some(day) => store::as_of(&tx, id, day)
            .await?
            .ok_or(ApiError::NotFound)?,
    };
    tx.commit().await?;
    Ok(Json(cluster.into()))
}

/// A change of a cluster's record: the version seen, why, and the whole record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    #[schema(schema_with = kc_http::text_schema::<2000>)]
    pub reason: String,
    pub record: ClusterFields,
}

/// Change a cluster's record (not its status or code): a new version, the old one kept. A larger
/// planned area is an expansion (its own transition, with its checks).
#[utoipa::path(put, path = "/api/v1/clusters/{id}", tag = "clusters", request_body = EditInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>().on("cluster"))),
               ("x-kc-server-rules" = json!(record_rules(&[("planned_area_ha", "at most 75, not above the current one (that is an expansion)")])))),
    responses((status = 200, body = ClusterOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn edit_cluster(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<EditInput>,
) -> Result<Json<ClusterOut>, ApiError> {
    let today = today_vn();
    let mut fields = FieldErrors::new();
    let reason = req_text(&mut fields, "reason", &req.reason, 2000);
    let (tx, current) = tenant.load_for_update::<ClusterView>(id).await?;
    if req.version != current.version {
        return Err(ApiError::stale_version(current.version));
    }
    if matches!(
        current.status,
        ClusterStatus::RemovedFromPlan | ClusterStatus::Revoked
    ) {
        return Err(ApiError::wrong_state(
            current.status.as_str(),
            current.status.label_vi(),
            "Cụm công nghiệp đã đưa ra khỏi phương án hoặc bị thu hồi, không sửa được (a removed or revoked cluster is closed)",
        ));
    }
    let data = req.record.check(current.status, today, &mut fields);
    if !fields.contains_key("planned_area_ha") && data.planned_area_ha > current.planned_area_ha {
        fields.insert(
            "planned_area_ha".into(),
            format!(
                "Tăng diện tích từ {} ha là mở rộng cụm công nghiệp: dùng bước chuyển \"mở rộng\" (a larger area is an expansion)",
                current.planned_area_ha
            ),
        );
    }
    check_references(&tx, current.province_id, &data, &mut fields).await?;
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    if data == current.data() {
        return Err(ApiError::field(
            "record",
            "Không có thay đổi nào so với phiên bản hiện tại (nothing changed)",
        ));
    }
    let after = write(
        &tx,
        &current,
        &data,
        VersionMeta {
            at: Utc::now(),
            by: tenant.user_id(),
            action: ClusterChange::Edited,
            reason,
            verdict: None,
            justification: None,
            province_at: current.province_id,
        },
    )
    .await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "cluster.edited",
            entity_type: "cluster",
            entity_id: Some(id.to_string()),
            province_id: Some(current.province_id),
            before: serde_json::to_value(&current).ok(),
            after: serde_json::to_value(&after).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after.into()))
}

/// Write the next version and read it back.
async fn write(
    tx: &Tx,
    current: &ClusterView,
    data: &ClusterData,
    meta: VersionMeta,
) -> Result<ClusterView, ApiError> {
    store::update(tx, current, data, &meta).await?;
    store::current(tx, current.id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A status change: to what, why, the decision that made it, and for an expansion the new areas.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 1)]
    pub version: i32,
    pub to: ClusterStatus,
    #[schema(schema_with = kc_http::text_schema::<2000>)]
    pub reason: String,
    /// Needed to establish, expand or revoke: a decision of that kind, not dated in the future.
    #[serde(default)]
    pub decision: Option<Decision>,
    /// An expansion: the planned area after it (larger than now).
    #[schema(pattern = "^[0-9]{1,2}(\\.[0-9]{1,4})?$")]
    #[serde(default)]
    pub planned_area_ha: Option<String>,
    /// An expansion: the industrial land after it (by default as now).
    #[schema(pattern = "^[0-9]{1,2}(\\.[0-9]{1,4})?$")]
    #[serde(default)]
    pub industrial_area_ha: Option<String>,
    /// Why the province decides an expansion although a rule check fails.
    #[schema(schema_with = kc_http::opt_text_schema::<4000>)]
    #[serde(default)]
    pub justification: Option<String>,
}

/// An area in a transition: hectares within (0, 75].
fn area(fields: &mut FieldErrors, name: &str, value: Option<&str>) -> Option<Decimal> {
    let found = super::data::hectares(value?).filter(|d| *d > Decimal::ZERO);
    if found.is_some() {
        found
    } else {
        fields.insert(
            name.into(),
            "Diện tích tính bằng ha, lớn hơn 0 và không quá 75, tối đa 4 chữ số thập phân (hectares, above 0, at most 75)".into(),
        );
        None
    }
}

/// Move a cluster to its next status. Only the life cycle's steps (a step skipped is 409); an
/// establishment, expansion or revocation records its decision; an expansion runs its checks and,
/// failing them, needs a written justification. A new version, audited, announced as
/// `registry.cluster_transitioned`.
#[utoipa::path(post, path = "/api/v1/clusters/{id}/transition", tag = "clusters", request_body = TransitionInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>().on("cluster"))),
               ("x-kc-server-rules" = json!({"decision": "the kind the step needs, not in the future",
                                             "planned_area_ha": "an expansion: larger than now, at most 75",
                                             "industrial_area_ha": "within the planned area, not below the leased land",
                                             "justification": "needed when a rule check fails"}))),
    responses((status = 200, body = ClusterOut), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 412, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn transition(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<TransitionInput>,
) -> Result<Json<ClusterOut>, ApiError> {
    let today = today_vn();
    let mut fields = FieldErrors::new();
    let reason = req_text(&mut fields, "reason", &req.reason, 2000);
    let justification = opt_text(
        &mut fields,
        "justification",
        req.justification.as_deref(),
        4000,
    );
    let planned = area(
        &mut fields,
        "planned_area_ha",
        req.planned_area_ha.as_deref(),
    );
    let industrial = area(
        &mut fields,
        "industrial_area_ha",
        req.industrial_area_ha.as_deref(),
    );
    let (tx, current) = tenant.load_for_update::<ClusterView>(id).await?;
    if req.version != current.version {
        return Err(ApiError::stale_version(current.version));
    }
    if !state::allowed(current.status, req.to) {
        let next: Vec<&str> = state::next(current.status)
            .iter()
            .map(|s| s.label_vi())
            .collect();
        return Err(ApiError::wrong_state(
            current.status.as_str(),
            current.status.label_vi(),
            if next.is_empty() {
                format!(
                    "Không thể chuyển sang \"{}\": trạng thái hiện tại là cuối cùng (a final status)",
                    req.to.label_vi()
                )
            } else {
                format!(
                    "Không thể chuyển sang \"{}\"; bước tiếp theo có thể: {} (not the next step)",
                    req.to.label_vi(),
                    next.join(", ")
                )
            },
        ));
    }
    let mut data = current.data();
    data.status = req.to;
    if let Some(kind) = state::decision_needed(req.to) {
        match &req.decision {
            Some(d) if d.kind == kind => {}
            _ => {
                fields.insert(
                    "decision".into(),
                    format!(
                        "Cần quyết định loại \"{}\" (số, ngày, cơ quan ban hành) (a decision of this kind is needed)",
                        serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                    ),
                );
            }
        }
    }
    if let Some(d) = &req.decision {
        data.decisions
            .push(d.checked("decision", today, &mut fields));
    }
    let mut verdict: Option<Verdict> = None;
    if req.to == ClusterStatus::Expanded {
        match planned {
            Some(p) if p > current.planned_area_ha => data.planned_area_ha = p,
            Some(_) => {
                fields.insert(
                    "planned_area_ha".into(),
                    format!(
                        "Diện tích sau mở rộng phải lớn hơn hiện nay ({} ha) (larger than now)",
                        current.planned_area_ha
                    ),
                );
            }
            None if !fields.contains_key("planned_area_ha") => {
                fields.insert(
                    "planned_area_ha".into(),
                    "Cần diện tích sau mở rộng (the area after the expansion is needed)".into(),
                );
            }
            None => {}
        }
        if let Some(i) = industrial {
            data.industrial_area_ha = i;
        }
        if data.industrial_area_ha > data.planned_area_ha
            || data.industrial_area_ha < data.leased_area_ha
        {
            fields.insert(
                "industrial_area_ha".into(),
                "Đất công nghiệp trong diện tích quy hoạch và không nhỏ hơn đất đã cho thuê (within the planned area, not below the leased land)".into(),
            );
        }
    } else if planned.is_some() || industrial.is_some() {
        fields.insert(
            "planned_area_ha".into(),
            "Chỉ bước mở rộng thay đổi diện tích (only an expansion changes the areas)".into(),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    if req.to == ClusterStatus::Expanded {
        let v = checks::for_expansion(&tx, &current, data.planned_area_ha, today).await?;
        if !v.passed && justification.is_none() {
            return Err(v.refusal());
        }
        verdict = Some(v);
    }
    let failed = verdict.as_ref().is_some_and(|v| !v.passed);
    let after = write(
        &tx,
        &current,
        &data,
        VersionMeta {
            at: Utc::now(),
            by: tenant.user_id(),
            action: ClusterChange::Transition,
            reason,
            verdict: verdict.as_ref().and_then(|v| serde_json::to_value(v).ok()),
            justification: justification.filter(|_| failed),
            province_at: current.province_id,
        },
    )
    .await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "cluster.transition",
            entity_type: "cluster",
            entity_id: Some(id.to_string()),
            province_id: Some(current.province_id),
            before: serde_json::to_value(&current).ok(),
            after: serde_json::to_value(&after).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    super::announce_transition(&tx, &current, &after, tenant.user_id()).await?;
    tx.commit().await?;
    Ok(Json(after.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterHistory {
    /// Every version, newest first: who, when, what and why.
    pub items: Vec<ClusterView>,
}

/// Every version of a cluster.
#[utoipa::path(get, path = "/api/v1/clusters/{id}/history", tag = "clusters",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("cluster")))),
    responses((status = 200, body = ClusterHistory), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn history(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<ClusterHistory>, ApiError> {
    let (tx, _) = tenant.load::<ClusterView>(id).await?;
    let items = store::history(&tx, id).await?;
    tx.commit().await?;
    Ok(Json(ClusterHistory { items }))
}

/// A rule check asked in advance: of a new cluster of this size in the caller's province, or of an
/// expansion of `cluster_id` to this size.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    #[serde(default)]
    pub cluster_id: Option<Uuid>,
    #[schema(pattern = "^[0-9]{1,2}(\\.[0-9]{1,4})?$", example = "60")]
    pub planned_area_ha: String,
}

/// The verdict of the rule checks, with their figures, without recording anything.
#[utoipa::path(post, path = "/api/v1/cluster-checks", tag = "clusters", request_body = CheckInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>())),
               ("x-kc-server-rules" = json!({"cluster_id": "a cluster of the caller's province",
                                             "planned_area_ha": "above 0, at most 75"}))),
    responses((status = 200, body = Verdict), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn check(
    tenant: Tenant<ProvinceOfficer>,
    Json(req): Json<CheckInput>,
) -> Result<Json<Verdict>, ApiError> {
    let mut fields = FieldErrors::new();
    let planned = area(&mut fields, "planned_area_ha", Some(&req.planned_area_ha));
    let (Some(planned), true) = (planned, fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let province = crate::own_province(&tenant)?;
    let tx = tenant.begin().await?;
    let verdict = match req.cluster_id {
        None => checks::for_proposal(&tx, province, planned, today_vn()).await?,
        Some(id) => {
            let cluster = store::current(&tx, id, Lock::None)
                .await?
                .filter(|c| c.province_id == province)
                .ok_or_else(|| {
                    ApiError::field(
                        "cluster_id",
                        "Không có cụm công nghiệp này trong tỉnh (no such cluster in the province)",
                    )
                })?;
            checks::for_expansion(&tx, &cluster, planned, today_vn()).await?
        }
    };
    tx.commit().await?;
    Ok(Json(verdict))
}

/// State support asked for a cluster's infrastructure, and what the infrastructure costs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportInput {
    /// Whole đồng.
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "100000000000")]
    pub investment: kc_kernel::Money,
    #[serde(deserialize_with = "kc_http::money")]
    #[schema(value_type = String, pattern = "^[0-9]{1,15}$", example = "30000000000")]
    pub support: kc_kernel::Money,
}

/// Whether state support for a cluster's infrastructure keeps within the share the rule in force
/// allows (30 % of the investment), with the figures; the workflow service asks it for a scheme that
/// supports a cluster's infrastructure. Records nothing.
#[utoipa::path(post, path = "/api/v1/clusters/{id}/support-check", tag = "clusters", request_body = SupportInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<kc_auth::ProvinceStaff>().on("cluster")))),
    responses((status = 200, body = checks::Check), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn support_check(
    tenant: Tenant<kc_auth::ProvinceStaff>,
    Path(id): Path<Uuid>,
    Json(req): Json<SupportInput>,
) -> Result<Json<checks::Check>, ApiError> {
    let (tx, cluster) = tenant.load::<ClusterView>(id).await?;
    let check = checks::support(
        &tx,
        cluster.province_id,
        req.investment,
        req.support,
        today_vn(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(check))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeList {
    pub items: Vec<store::SupportingScheme>,
}

/// The extension schemes (workflow) that support the cluster: its infrastructure or its tenants.
#[utoipa::path(get, path = "/api/v1/clusters/{id}/schemes", tag = "clusters",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<kc_auth::ProvinceStaff>().on("cluster")))),
    responses((status = 200, body = SchemeList), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn schemes(
    tenant: Tenant<kc_auth::ProvinceStaff>,
    Path(id): Path<Uuid>,
) -> Result<Json<SchemeList>, ApiError> {
    let (tx, _) = tenant.load::<ClusterView>(id).await?;
    let items = store::supporting_schemes(&tx, id).await?;
    tx.commit().await?;
    Ok(Json(SchemeList { items }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    pub items: Vec<TenantRow>,
}

/// The enterprises operating in a cluster (an enterprise sees only itself among them).
#[utoipa::path(get, path = "/api/v1/clusters/{id}/tenants", tag = "clusters",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("cluster")))),
    responses((status = 200, body = TenantList), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn list_tenants(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<TenantList>, ApiError> {
    let (tx, _) = tenant.load::<ClusterView>(id).await?;
    let items = store::tenants(&tx, id).await?;
    tx.commit().await?;
    Ok(Json(TenantList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantInput {
    /// An enterprise of the cluster's province, registered in identity.
    pub organisation_id: Uuid,
}

/// Link an enterprise that operates in the cluster (it then reads the cluster and reports on it).
#[utoipa::path(post, path = "/api/v1/clusters/{id}/tenants", tag = "clusters", request_body = TenantInput,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>().on("cluster"))),
               ("x-kc-server-rules" = json!({"organisation_id": "an enterprise of the province, not yet linked"}))),
    responses((status = 201, body = TenantList), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn link_tenant(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<TenantInput>,
) -> Result<(StatusCode, Json<TenantList>), ApiError> {
    let (tx, cluster) = tenant.load_for_update::<ClusterView>(id).await?;
    if !store::is_enterprise_of(&tx, req.organisation_id, cluster.province_id).await? {
        return Err(ApiError::field(
            "organisation_id",
            "Không phải doanh nghiệp đã đăng ký của tỉnh (not an enterprise of the province)",
        ));
    }
    store::link_tenant(
        &tx,
        cluster.province_id,
        id,
        req.organisation_id,
        tenant.user_id(),
    )
    .await
    .map_err(|e| {
        ApiError::unique_or(
            e,
            "organisation_id",
            "Doanh nghiệp đã gắn với cụm này (already linked)",
        )
    })?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "cluster.tenant_linked",
            entity_type: "cluster",
            entity_id: Some(id.to_string()),
            province_id: Some(cluster.province_id),
            after: Some(serde_json::json!({"organisation_id": req.organisation_id})),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    let items = store::tenants(&tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(TenantList { items })))
}

/// Used by the views: the day a summary or an export is as of (today when absent).
pub fn day_or_today(day: Option<NaiveDate>) -> NaiveDate {
    day.unwrap_or_else(today_vn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_and_plain() {
        assert!(code_ok("CCN-01-012") && code_ok("a.b_c"));
        assert!(!code_ok("") && !code_ok("-x") && !code_ok("Cụm 1") && !code_ok(&"x".repeat(41)));
    }
}
