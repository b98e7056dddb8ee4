//! The record of a cluster as a client sends it, and the checks that need no database: areas within
//! 0–75 ha with leased land within industrial land within the planned area, a location in Vietnam, a
//! valid GeoJSON boundary, decisions not dated in the future, a tax code with its check digit.

use chrono::NaiveDate;
use kc_http::{FieldErrors, opt_text, req_text};
use kc_kernel::{ClusterStatus, InvestorKind, Money, TaxCode};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a decision on a cluster decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Quyết định thành lập.
    Establishment,
    /// Quyết định mở rộng.
    Expansion,
    /// Quyết định thu hồi quyết định thành lập.
    Revocation,
    /// Quyết định điều chỉnh danh mục (added to or removed from the plan).
    PlanChange,
}

/// A decision of the provincial People's Committee (or the body named) on the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub kind: DecisionKind,
    /// Its number, e.g. `1234/QĐ-UBND`.
    #[schema(schema_with = kc_http::text_schema::<50>)]
    pub number: String,
    /// The day it was signed: not in the future.
    pub date: NaiveDate,
    /// Who issued it.
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub issuer: String,
}

impl Decision {
    /// The decision checked (number and issuer as text, not dated in the future or before 1990), its
    /// faults recorded under `field`.
    pub fn checked(&self, field: &str, today: NaiveDate, fields: &mut FieldErrors) -> Decision {
        let number = req_text(fields, field, &self.number, 50);
        let issuer = req_text(fields, field, &self.issuer, 200);
        if self.date > today || chrono::Datelike::year(&self.date) < 1990 {
            fields.insert(
                field.into(),
                format!(
                    "Quyết định {} ngày {} không thể ghi ngày trong tương lai hay trước năm 1990 (a decision cannot be dated in the future)",
                    self.number,
                    kc_kernel::format_date_vn(self.date)
                ),
            );
        }
        Decision {
            kind: self.kind,
            number,
            date: self.date,
            issuer,
        }
    }
}

/// Hectares as sent: up to two integer digits and four decimals, 0 to 75 (none otherwise); callers
/// narrow the range where they must.
pub fn hectares(value: &str) -> Option<Decimal> {
    shape(value, 2, 4)
        .then(|| Decimal::from_str(value).ok())
        .flatten()
        .filter(|d| *d <= Decimal::from(75))
        .map(|d| d.normalize())
}

/// The fields of a cluster a province writes (its code and status are set by their own routes).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterFields {
    #[schema(schema_with = kc_http::text_schema::<300>)]
    pub name: String,
    /// Communes of the province (`/api/v1/communes`), one to twenty.
    #[schema(min_items = 1, max_items = 20)]
    pub commune_ids: Vec<Uuid>,
    /// Degrees north, within Vietnam (8 to 24).
    #[schema(pattern = "^[0-9]{1,3}(\\.[0-9]{1,6})?$", example = "21.028511")]
    pub latitude: String,
    /// Degrees east, within Vietnam (102 to 118).
    #[schema(pattern = "^[0-9]{1,3}(\\.[0-9]{1,6})?$", example = "105.804817")]
    pub longitude: String,
    /// A GeoJSON polygon (`{"type": "Polygon", "coordinates": [[[lon, lat], ...]]}`), closed rings.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub boundary: Option<serde_json::Value>,
    /// Hectares, 0–75, up to 4 decimals.
    #[schema(pattern = "^[0-9]{1,2}(\\.[0-9]{1,4})?$", example = "50")]
    pub planned_area_ha: String,
    #[schema(pattern = "^[0-9]{1,2}(\\.[0-9]{1,4})?$", example = "36.5")]
    pub industrial_area_ha: String,
    /// Within the industrial land.
    #[schema(pattern = "^[0-9]{1,2}(\\.[0-9]{1,4})?$", example = "20.25")]
    pub leased_area_ha: String,
    #[schema(schema_with = kc_http::opt_text_schema::<300>)]
    #[serde(default)]
    pub investor_name: Option<String>,
    #[schema(pattern = "^[0-9]{10}(-[0-9]{3})?$")]
    #[serde(default)]
    pub investor_tax_code: Option<String>,
    #[serde(default)]
    pub investor_kind: Option<InvestorKind>,
    /// The investor's organisation in identity (an enterprise of the province), so that it can read
    /// and report on its cluster.
    #[serde(default)]
    pub investor_org_id: Option<Uuid>,
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$")]
    pub registered_capital: Option<Money>,
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$")]
    pub realised_capital: Option<Money>,
    #[serde(default)]
    pub wastewater_exists: bool,
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    #[schema(minimum = 1, maximum = 1000000)]
    pub wastewater_capacity_m3: Option<i32>,
    #[serde(default)]
    pub wastewater_operating: bool,
    #[serde(default)]
    #[schema(max_items = 30)]
    pub sectors: Vec<String>,
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    #[schema(minimum = 0, maximum = 100000)]
    pub secondary_projects: Option<i32>,
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$")]
    pub secondary_capital: Option<Money>,
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    #[schema(minimum = 0, maximum = 10000000)]
    pub workers: Option<i32>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub decisions: Vec<Decision>,
}

/// A whole version of a cluster, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterData {
    pub name: String,
    pub status: ClusterStatus,
    pub commune_ids: Vec<Uuid>,
    pub latitude: Decimal,
    pub longitude: Decimal,
    pub boundary: Option<serde_json::Value>,
    pub planned_area_ha: Decimal,
    pub industrial_area_ha: Decimal,
    pub leased_area_ha: Decimal,
    pub investor_name: Option<String>,
    pub investor_tax_code: Option<String>,
    pub investor_kind: Option<InvestorKind>,
    pub investor_org_id: Option<Uuid>,
    pub registered_capital: Money,
    pub realised_capital: Money,
    pub wastewater_exists: bool,
    pub wastewater_capacity_m3: Option<i32>,
    pub wastewater_operating: bool,
    pub sectors: Vec<String>,
    pub secondary_projects: i32,
    pub secondary_capital: Money,
    pub workers: i32,
    pub decisions: Vec<Decision>,
}

/// A value that was found, or zero with `message` recorded under `name`.
fn found(fields: &mut FieldErrors, name: &str, value: Option<Decimal>, message: &str) -> Decimal {
    value.unwrap_or_else(|| {
        fields.insert(name.into(), message.into());
        Decimal::ZERO
    })
}

/// Degrees as sent: up to three integer digits and six decimals, within `[min, max]`.
fn degrees(value: &str, min: i64, max: i64) -> Option<Decimal> {
    shape(value, 3, 6)
        .then(|| Decimal::from_str(value).ok())
        .flatten()
        .filter(|d| *d >= Decimal::from(min) && *d <= Decimal::from(max))
        .map(|d| d.normalize())
}

/// `digits` integer digits at most, then optionally `.` and `decimals` digits at most.
fn shape(value: &str, digits: usize, decimals: usize) -> bool {
    let (int, frac) = match value.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (value, None),
    };
    !int.is_empty()
        && int.len() <= digits
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| {
            !f.is_empty() && f.len() <= decimals && f.bytes().all(|b| b.is_ascii_digit())
        })
}

/// The occupancy rate of `leased` over `industrial`, in percent, 2 decimals rounded half away from
/// zero as PostgreSQL's `round` does (none without land).
pub fn occupancy(leased: Decimal, industrial: Decimal) -> Option<Decimal> {
    (industrial > Decimal::ZERO).then(|| {
        (leased * Decimal::from(100) / industrial)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    })
}

/// A percentage as a string with exactly 2 decimals (`"0.00"`, `"55.48"`), or null.
pub fn percent<S: serde::Serializer>(p: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(d) => s.serialize_str(&format!("{d:.2}")),
        None => s.serialize_none(),
    }
}

/// Check a GeoJSON polygon: closed rings of at least four positions within Vietnam's bounds, at most
/// 5 000 positions in all.
fn check_boundary(b: &serde_json::Value) -> Result<(), &'static str> {
    const MESSAGE: &str = "Ranh giới là một Polygon GeoJSON: các vòng khép kín, mỗi vòng ít nhất 4 điểm [kinh độ, vĩ độ] trong lãnh thổ Việt Nam, tổng không quá 5.000 điểm (a GeoJSON Polygon of closed rings of [longitude, latitude] within Vietnam)";
    if b.get("type").and_then(|t| t.as_str()) != Some("Polygon") {
        return Err(MESSAGE);
    }
    let rings = b
        .get("coordinates")
        .and_then(|c| c.as_array())
        .filter(|r| !r.is_empty())
        .ok_or(MESSAGE)?;
    if b.as_object().is_some_and(|o| o.len() != 2) {
        return Err(MESSAGE);
    }
    let mut total = 0;
    for ring in rings {
        let points = ring.as_array().filter(|p| p.len() >= 4).ok_or(MESSAGE)?;
        total += points.len();
        let mut parsed = Vec::with_capacity(points.len());
        for p in points {
            let pair = p.as_array().filter(|a| a.len() == 2).ok_or(MESSAGE)?;
            let (Some(lon), Some(lat)) = (pair[0].as_f64(), pair[1].as_f64()) else {
                return Err(MESSAGE);
            };
            if !(102.0..=118.0).contains(&lon) || !(8.0..=24.0).contains(&lat) {
                return Err(MESSAGE);
            }
            parsed.push((lon, lat));
        }
        if parsed.first() != parsed.last() {
            return Err(MESSAGE);
        }
    }
    if total > 5000 { Err(MESSAGE) } else { Ok(()) }
}

impl ClusterFields {
    /// Check every field; `status` is the cluster's (new: in the plan), `today` bounds decision dates.
    pub fn check(
        &self,
        status: ClusterStatus,
        today: NaiveDate,
        fields: &mut FieldErrors,
    ) -> ClusterData {
        let area_message =
            "Diện tích tính bằng ha, từ 0 đến 75, tối đa 4 chữ số thập phân (hectares, 0 to 75)";
        let planned = found(
            fields,
            "planned_area_ha",
            hectares(&self.planned_area_ha),
            area_message,
        );
        let industrial = found(
            fields,
            "industrial_area_ha",
            hectares(&self.industrial_area_ha),
            area_message,
        );
        let leased = found(
            fields,
            "leased_area_ha",
            hectares(&self.leased_area_ha),
            area_message,
        );
        if !fields.contains_key("planned_area_ha") && planned == Decimal::ZERO {
            fields.insert(
                "planned_area_ha".into(),
                "Diện tích quy hoạch lớn hơn 0 (planned area above 0)".into(),
            );
        }
        if !fields.contains_key("industrial_area_ha")
            && !fields.contains_key("planned_area_ha")
            && industrial > planned
        {
            fields.insert(
                "industrial_area_ha".into(),
                format!("Đất công nghiệp ({industrial} ha) không vượt diện tích quy hoạch ({planned} ha) (industrial land within the planned area)"),
            );
        }
        if !fields.contains_key("leased_area_ha")
            && !fields.contains_key("industrial_area_ha")
            && leased > industrial
        {
            fields.insert(
                "leased_area_ha".into(),
                format!("Đất đã cho thuê ({leased} ha) không vượt đất công nghiệp ({industrial} ha) (leased land within the industrial land)"),
            );
        }
        let latitude = found(
            fields,
            "latitude",
            degrees(&self.latitude, 8, 24),
            "Vĩ độ trong lãnh thổ Việt Nam, từ 8 đến 24, tối đa 6 chữ số thập phân (latitude 8 to 24)",
        );
        let longitude = found(
            fields,
            "longitude",
            degrees(&self.longitude, 102, 118),
            "Kinh độ trong lãnh thổ Việt Nam, từ 102 đến 118, tối đa 6 chữ số thập phân (longitude 102 to 118)",
        );
        if let Some(b) = &self.boundary
            && let Err(m) = check_boundary(b)
        {
            fields.insert("boundary".into(), m.into());
        }
        let mut communes = self.commune_ids.clone();
        communes.sort();
        communes.dedup();
        if communes.is_empty() || communes.len() > 20 || communes.len() != self.commune_ids.len() {
            fields.insert(
                "commune_ids".into(),
                "Từ 1 đến 20 xã, phường khác nhau (one to twenty different communes)".into(),
            );
        }
        let name = req_text(fields, "name", &self.name, 300);
        let investor_name = opt_text(fields, "investor_name", self.investor_name.as_deref(), 300);
        if investor_name.is_some() != self.investor_kind.is_some() {
            fields.insert(
                "investor_kind".into(),
                "Nêu cả tên và loại chủ đầu tư hạ tầng, hoặc không nêu cả hai (investor name and kind together)".into(),
            );
        }
        let investor_tax_code = match self
            .investor_tax_code
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            None => None,
            Some(t) => match TaxCode::parse(t) {
                Ok(t) => Some(t.as_str().to_owned()),
                Err(e) => {
                    fields.insert("investor_tax_code".into(), e.to_string());
                    None
                }
            },
        };
        if self
            .wastewater_capacity_m3
            .is_some_and(|c| !(1..=1_000_000).contains(&c))
        {
            fields.insert(
                "wastewater_capacity_m3".into(),
                "Công suất từ 1 đến 1.000.000 m³/ngày đêm (capacity 1 to 1,000,000 m³/day)".into(),
            );
        }
        if !self.wastewater_exists
            && (self.wastewater_operating || self.wastewater_capacity_m3.is_some())
        {
            fields.insert(
                "wastewater_exists".into(),
                "Trạm xử lý nước thải chưa có thì không thể có công suất hay đang vận hành (no plant: no capacity, not operating)".into(),
            );
        }
        let mut sectors = Vec::new();
        if self.sectors.len() > 30 {
            fields.insert(
                "sectors".into(),
                "Tối đa 30 ngành nghề (at most 30 sectors)".into(),
            );
        }
        for s in self.sectors.iter().take(30) {
            let s = req_text(fields, "sectors", s, 200);
            if !s.is_empty() && !sectors.contains(&s) {
                sectors.push(s);
            }
        }
        let count = |fields: &mut FieldErrors, name: &str, v: Option<i32>, max: i32| {
            let v = v.unwrap_or(0);
            if !(0..=max).contains(&v) {
                fields.insert(name.into(), format!("Từ 0 đến {max} (0 to {max})"));
            }
            v
        };
        let secondary_projects = count(
            fields,
            "secondary_projects",
            self.secondary_projects,
            100_000,
        );
        let workers = count(fields, "workers", self.workers, 10_000_000);
        if self.decisions.len() > 50 {
            fields.insert(
                "decisions".into(),
                "Tối đa 50 quyết định (at most 50 decisions)".into(),
            );
        }
        let mut decisions = Vec::new();
        for d in self.decisions.iter().take(50) {
            decisions.push(d.checked("decisions", today, fields));
        }
        ClusterData {
            name,
            status,
            commune_ids: self.commune_ids.clone(),
            latitude,
            longitude,
            boundary: self.boundary.clone(),
            planned_area_ha: planned,
            industrial_area_ha: industrial,
            leased_area_ha: leased,
            investor_name,
            investor_tax_code,
            investor_kind: self.investor_kind,
            investor_org_id: self.investor_org_id,
            registered_capital: self.registered_capital.unwrap_or(Money::ZERO),
            realised_capital: self.realised_capital.unwrap_or(Money::ZERO),
            wastewater_exists: self.wastewater_exists,
            wastewater_capacity_m3: self.wastewater_capacity_m3,
            wastewater_operating: self.wastewater_operating,
            sectors,
            secondary_projects,
            secondary_capital: self.secondary_capital.unwrap_or(Money::ZERO),
            workers,
            decisions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_areas_and_coordinates() {
        assert!(shape("75", 2, 4) && shape("0.0001", 2, 4) && shape("12.5", 2, 4));
        assert!(!shape("075", 2, 4) && !shape("1.", 2, 4) && !shape(".5", 2, 4));
        assert!(!shape("1.00001", 2, 4) && !shape("-1", 2, 4) && !shape("1e2", 2, 4));
        assert!(shape("105.804817", 3, 6) && !shape("105.8048171", 3, 6));
    }

    #[test]
    fn occupancy_is_leased_over_industrial() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        assert_eq!(occupancy(d("20.25"), d("36.5")), Some(d("55.48")));
        assert_eq!(occupancy(d("0"), d("0")), None);
        assert_eq!(occupancy(d("30"), d("30")), Some(d("100")));
    }

    #[test]
    fn a_boundary_is_a_closed_polygon_in_vietnam() {
        let ring = serde_json::json!([
            [105.8, 21.0],
            [105.81, 21.0],
            [105.81, 21.01],
            [105.8, 21.0]
        ]);
        assert!(
            check_boundary(&serde_json::json!({"type": "Polygon", "coordinates": [ring]})).is_ok()
        );
        let open = serde_json::json!([
            [105.8, 21.0],
            [105.81, 21.0],
            [105.81, 21.01],
            [105.8, 21.02]
        ]);
        assert!(
            check_boundary(&serde_json::json!({"type": "Polygon", "coordinates": [open]})).is_err()
        );
        let paris = serde_json::json!([[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]);
        assert!(
            check_boundary(&serde_json::json!({"type": "Polygon", "coordinates": [paris]}))
                .is_err()
        );
        assert!(
            check_boundary(&serde_json::json!({"type": "Point", "coordinates": [105.8, 21.0]}))
                .is_err()
        );
    }
}
