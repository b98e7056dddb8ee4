//! `GET /api/v1/provinces`: the province-level units in force on a day (today by default), each with
//! its successor when it has one. Public reference data.

use crate::store::units::{self, UnitRow};
use chrono::NaiveDate;
use kc_auth::{Anyone, public};
use kc_http::{ApiError, Json, Query};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<crate::AppState> {
    OpenApiRouter::new().routes(routes!(list_provinces))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProvinceQuery {
    /// A day `YYYY-MM-DD` of the years 1900 to 9999; today when absent or empty.
    #[param(schema_with = kc_http::date_param_schema)]
    pub as_of: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Province {
    #[serde(flatten)]
    pub unit: UnitRow,
    /// The unit that took this one over in the 2025 merger, if any.
    pub successor: Option<UnitRow>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProvinceList {
    pub as_of: NaiveDate,
    pub count: usize,
    pub items: Vec<Province>,
}

/// Province-level units in force on `as_of` (today by default): 34 since 2025-07-01, 63 before.
#[utoipa::path(get, path = "/api/v1/provinces", tag = "provinces", params(ProvinceQuery),
    extensions(("x-kc-access" = json!(public()))),
    responses((status = 200, body = ProvinceList), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_provinces(
    anyone: Anyone,
    Query(q): Query<ProvinceQuery>,
) -> Result<Json<ProvinceList>, ApiError> {
    let mut fields = kc_http::FieldErrors::new();
    let as_of = kc_http::date_param(&mut fields, "as_of", q.as_of.as_deref())
        .unwrap_or_else(kc_kernel::today_vn);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let tx = anyone.begin().await?;
    let units = units::as_of(&tx, as_of).await?;
    let successor_ids: Vec<_> = units.iter().filter_map(|u| u.successor_id).collect();
    let successors: HashMap<_, _> = if successor_ids.is_empty() {
        HashMap::new()
    } else {
        units::by_ids(&tx, successor_ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    tx.commit().await?;
    let items: Vec<Province> = units
        .into_iter()
        .map(|u| Province {
            successor: u.successor_id.and_then(|id| successors.get(&id).cloned()),
            unit: u,
        })
        .collect();
    Ok(Json(ProvinceList {
        as_of,
        count: items.len(),
        items,
    }))
}
