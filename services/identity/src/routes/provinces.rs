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
    #[param(schema_with = as_of_schema)]
    pub as_of: Option<String>,
}

/// `YYYY-MM-DD` (years 1900 to 9999), or empty.
fn as_of_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .pattern(Some("^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$")),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .build()
        .into()
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
    let invalid = || {
        ApiError::field(
            "as_of",
            "Ngày phải có dạng YYYY-MM-DD trong khoảng 1900–9999, ví dụ 2025-06-30 (date must be YYYY-MM-DD, years 1900 to 9999)",
        )
    };
    let as_of = match q.as_of.as_deref() {
        None | Some("") => chrono::Utc::now().date_naive(),
        // Exactly `YYYY-MM-DD`: chrono alone would also take `2025-7-1` or a sign.
        Some(d)
            if d.len() == 10
                && d.bytes().enumerate().all(|(i, b)| match i {
                    4 | 7 => b == b'-',
                    _ => b.is_ascii_digit(),
                }) =>
        {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| invalid())?
        }
        Some(_) => return Err(invalid()),
    };
    // PostgreSQL's dates end at year 294276; anything far outside the units' history is a mistake.
    if !(1900..=9999).contains(&chrono::Datelike::year(&as_of)) {
        return Err(invalid());
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
