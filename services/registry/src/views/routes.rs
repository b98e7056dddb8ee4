//! `/api/v1/clusters/summary` and the exports `/api/v1/clusters/export.xlsx` and
//! `/api/v1/clusters/export.geojson`: the province's or the nation's clusters as of a day.

use super::export;
use super::store::{self, Basis, Grouping, SummaryLine};
use crate::clusters::routes::{Asked, day_or_today, filter_of};
use crate::clusters::store::{self as clusters, ClusterView};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use kc_auth::{ProvinceStaff, Tenant, declare};
use kc_http::{ApiError, Json, Query};
use kc_kernel::{ClusterStatus, Region};
use kc_service::ServiceState;
use kc_sheets::FileFormat;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<ServiceState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(export_xlsx))
        .routes(routes!(export_csv))
        .routes(routes!(export_geojson))
}

/// The most clusters one export writes (the nation has about 1 300 today).
const EXPORT_LIMIT: u64 = 20_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SummaryQuery {
    /// As of the end of this day (`YYYY-MM-DD`); now when absent.
    #[param(schema_with = kc_http::date_param_schema)]
    pub as_of: Option<String>,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    pub region: Option<Region>,
    /// One line per province (default) or per region.
    pub group: Option<Grouping>,
    /// Count each cluster under today's province (default) or the province it was recorded in.
    pub basis: Option<Basis>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterSummary {
    /// The day it is as of.
    pub as_of: NaiveDate,
    pub group: Grouping,
    pub basis: Basis,
    pub lines: Vec<SummaryLine>,
    pub total: SummaryLine,
}

/// Counts, areas, occupancy and the clusters without a working wastewater plant, per province or
/// region, as of a day, by today's provinces or the provinces as they were.
#[utoipa::path(get, path = "/api/v1/clusters/summary", tag = "clusters", params(SummaryQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own"}))),
    responses((status = 200, body = ClusterSummary), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn summary(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<ClusterSummary>, ApiError> {
    let tx = tenant.begin().await?;
    let filter = filter_of(
        &tx,
        &tenant,
        Asked {
            as_of: q.as_of.as_deref(),
            province_code: q.province_code.as_deref(),
            region: q.region,
            ..Asked::default()
        },
    )
    .await?;
    let group = q.group.unwrap_or_default();
    let basis = q.basis.unwrap_or_default();
    let mut lines = store::summary(&tx, &filter, group, basis).await?;
    tx.commit().await?;
    if group == Grouping::Region {
        for l in &mut lines {
            if let Some(r) = Region::parse(&l.key) {
                l.name = r.label_vi().into();
            }
        }
    }
    Ok(Json(ClusterSummary {
        as_of: day_or_today(filter.as_of),
        group,
        basis,
        total: store::totals(&lines),
        lines,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// As of the end of this day (`YYYY-MM-DD`); now when absent.
    #[param(schema_with = kc_http::date_param_schema)]
    pub as_of: Option<String>,
    #[param(pattern = "^[0-9]{2}$")]
    pub province_code: Option<String>,
    pub region: Option<Region>,
    pub status: Option<ClusterStatus>,
    pub without_wastewater: Option<bool>,
    /// Words of the name or the code, as the list takes them.
    #[param(schema_with = kc_http::search_text_schema)]
    pub q: Option<String>,
    /// GeoJSON only: the boundary polygons (clusters that have one) instead of the points.
    pub polygons: Option<bool>,
}

async fn export_rows(
    tenant: &Tenant<ProvinceStaff>,
    q: &ExportQuery,
) -> Result<(Vec<ClusterView>, NaiveDate), ApiError> {
    let tx = tenant.begin().await?;
    let filter = filter_of(
        &tx,
        tenant,
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
    let rows = clusters::rows(&tx, &filter, EXPORT_LIMIT, 0).await?;
    tx.commit().await?;
    Ok((rows, day_or_today(filter.as_of)))
}

fn attachment(mut response: Response, content_type: &'static str, filename: String) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// The columns of a spreadsheet export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ColumnsQuery {
    /// The columns, comma-separated, in order (default: all): code, name, province, province_at,
    /// communes, status, planned_area_ha, industrial_area_ha, leased_area_ha, occupancy_percent,
    /// investor, investor_kind, investor_tax_code, registered_capital, realised_capital,
    /// wastewater_exists, wastewater_capacity_m3, wastewater_operating, sectors,
    /// secondary_projects, secondary_capital, workers, latitude, longitude, version, recorded_on.
    #[param(max_length = 600)]
    pub columns: Option<String>,
}

async fn spreadsheet(
    tenant: Tenant<ProvinceStaff>,
    q: ExportQuery,
    c: ColumnsQuery,
    format: FileFormat,
) -> Result<Response, ApiError> {
    let chosen = kc_sheets::choose(&export::COLUMNS, c.columns.as_deref())?;
    let (rows, day) = export_rows(&tenant, &q).await?;
    kc_sheets::download(
        &export::table(&rows, day, chosen),
        format,
        &format!("cum-cong-nghiep-{day}"),
    )
}

/// The cluster list as an XLSX workbook, in Vietnamese, with the same filters as the list and the
/// columns chosen.
#[utoipa::path(get, path = "/api/v1/clusters/export.xlsx", tag = "clusters", params(ExportQuery, ColumnsQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own",
                                             "columns": "known column keys"}))),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_xlsx(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<ExportQuery>,
    Query(c): Query<ColumnsQuery>,
) -> Result<Response, ApiError> {
    spreadsheet(tenant, q, c, FileFormat::Xlsx).await
}

/// The cluster list as CSV (UTF-8 with a byte-order mark), with the same filters as the list and
/// the columns chosen.
#[utoipa::path(get, path = "/api/v1/clusters/export.csv", tag = "clusters", params(ExportQuery, ColumnsQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own",
                                             "columns": "known column keys"}))),
    responses((status = 200, content_type = "text/csv", body = String),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_csv(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<ExportQuery>,
    Query(c): Query<ColumnsQuery>,
) -> Result<Response, ApiError> {
    spreadsheet(tenant, q, c, FileFormat::Csv).await
}

/// The cluster list as GeoJSON (points, or boundary polygons), with the same filters as the list.
#[utoipa::path(get, path = "/api/v1/clusters/export.geojson", tag = "clusters", params(ExportQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today, the caller's own"}))),
    responses((status = 200, content_type = "application/geo+json", body = Object),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_geojson(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let (rows, day) = export_rows(&tenant, &q).await?;
    let doc = export::geojson(&rows, q.polygons.unwrap_or(false));
    Ok(attachment(
        axum::Json(doc).into_response(),
        "application/geo+json",
        format!("cum-cong-nghiep-{day}.geojson"),
    ))
}
