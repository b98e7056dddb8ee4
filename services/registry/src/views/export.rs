//! The cluster list as a spreadsheet (kc-sheets: XLSX or CSV, Vietnamese headings, dd/mm/yyyy dates,
//! areas and money as numbers, the columns chosen) and as a GeoJSON FeatureCollection (WGS 84
//! longitude/latitude, flat attributes).

use crate::clusters::store::ClusterView;
use chrono::NaiveDate;
use kc_sheets::{Cell, Column, Kind, Table, column};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn communes(c: &ClusterView) -> String {
    c.communes.join(", ")
}

fn investor_kind(c: &ClusterView) -> &'static str {
    c.investor_kind.map(|k| k.label_vi()).unwrap_or("")
}

/// The columns of the cluster list's spreadsheet, in the order of [`cells`].
pub const COLUMNS: [Column; 26] = [
    column("code", "Mã", Kind::Text, 14.0),
    column("name", "Tên cụm công nghiệp", Kind::Text, 36.0),
    column("province", "Tỉnh, thành phố", Kind::Text, 20.0),
    column("province_at", "Tỉnh khi ghi nhận", Kind::Text, 20.0),
    column("communes", "Xã, phường", Kind::Text, 28.0),
    column("status", "Trạng thái", Kind::Text, 24.0),
    column(
        "planned_area_ha",
        "Diện tích quy hoạch (ha)",
        Kind::Decimal,
        14.0,
    ),
    column(
        "industrial_area_ha",
        "Đất công nghiệp (ha)",
        Kind::Decimal,
        14.0,
    ),
    column(
        "leased_area_ha",
        "Đất đã cho thuê (ha)",
        Kind::Decimal,
        14.0,
    ),
    column(
        "occupancy_percent",
        "Tỷ lệ lấp đầy (%)",
        Kind::Percent,
        12.0,
    ),
    column("investor", "Chủ đầu tư hạ tầng", Kind::Text, 30.0),
    column("investor_kind", "Loại chủ đầu tư", Kind::Text, 18.0),
    column("investor_tax_code", "Mã số thuế", Kind::Text, 14.0),
    column(
        "registered_capital",
        "Vốn hạ tầng đăng ký (đồng)",
        Kind::Money,
        20.0,
    ),
    column(
        "realised_capital",
        "Vốn hạ tầng thực hiện (đồng)",
        Kind::Money,
        20.0,
    ),
    column(
        "wastewater_exists",
        "Có trạm XLNT tập trung",
        Kind::Text,
        12.0,
    ),
    column(
        "wastewater_capacity_m3",
        "Công suất XLNT (m³/ngày đêm)",
        Kind::Integer,
        14.0,
    ),
    column(
        "wastewater_operating",
        "XLNT đang vận hành",
        Kind::Text,
        12.0,
    ),
    column("sectors", "Ngành nghề thu hút", Kind::Text, 30.0),
    column(
        "secondary_projects",
        "Số dự án thứ cấp",
        Kind::Integer,
        12.0,
    ),
    column(
        "secondary_capital",
        "Vốn dự án thứ cấp (đồng)",
        Kind::Money,
        20.0,
    ),
    column("workers", "Lao động", Kind::Integer, 10.0),
    column("latitude", "Vĩ độ", Kind::Decimal, 12.0),
    column("longitude", "Kinh độ", Kind::Decimal, 12.0),
    column("version", "Phiên bản", Kind::Integer, 10.0),
    column("recorded_on", "Ngày cập nhật", Kind::Date, 14.0),
];

/// One cluster's row: every column's value, amounts and areas as numbers.
pub fn cells(c: &ClusterView) -> Vec<Cell> {
    let yes = |b: bool| if b { "Có" } else { "Không" };
    vec![
        c.code.clone().into(),
        c.name.clone().into(),
        c.province_name.clone().into(),
        c.province_at_name.clone().into(),
        communes(c).into(),
        c.status.label_vi().into(),
        c.planned_area_ha.into(),
        c.industrial_area_ha.into(),
        c.leased_area_ha.into(),
        c.occupancy_percent.into(),
        c.investor_name.clone().into(),
        investor_kind(c).into(),
        c.investor_tax_code.clone().into(),
        c.registered_capital.into(),
        c.realised_capital.into(),
        yes(c.wastewater_exists).into(),
        c.wastewater_capacity_m3.into(),
        yes(c.wastewater_operating).into(),
        c.sectors.join(", ").into(),
        c.secondary_projects.into(),
        c.secondary_capital.into(),
        c.workers.into(),
        c.latitude.into(),
        c.longitude.into(),
        c.version.into(),
        kc_kernel::day_in_vietnam(c.recorded_at).into(),
    ]
}

/// The spreadsheet of `clusters` as of `day`, with the columns chosen.
pub fn table(clusters: &[ClusterView], day: NaiveDate, chosen: Vec<usize>) -> Table<'static> {
    Table {
        title: format!(
            "Danh sách cụm công nghiệp tính đến ngày {}",
            kc_kernel::format_date_vn(day)
        ),
        sheet: "Cụm công nghiệp",
        all: &COLUMNS,
        chosen,
        rows: clusters.iter().map(cells).collect(),
    }
}

/// The geometry of a feature: the polygon when asked and recorded, else the point.
fn geometry(c: &ClusterView, polygons: bool) -> Value {
    match (&c.boundary, polygons) {
        (Some(b), true) => b.clone(),
        _ => json!({"type": "Point", "coordinates": [f(c.longitude), f(c.latitude)]}),
    }
}

/// A FeatureCollection of `clusters`: points, or polygons (only the clusters with a boundary).
pub fn geojson(clusters: &[ClusterView], polygons: bool) -> Value {
    let features: Vec<Value> = clusters
        .iter()
        .filter(|c| !polygons || c.boundary.is_some())
        .map(|c| {
            json!({
                "type": "Feature",
                "id": c.code,
                "geometry": geometry(c, polygons),
                "properties": {
                    "code": c.code,
                    "name": c.name,
                    "province_code": c.province_code,
                    "province": c.province_name,
                    "province_at": c.province_at_name,
                    "communes": communes(c),
                    "status": c.status.as_str(),
                    "status_vi": c.status.label_vi(),
                    "planned_area_ha": f(c.planned_area_ha),
                    "industrial_area_ha": f(c.industrial_area_ha),
                    "leased_area_ha": f(c.leased_area_ha),
                    "occupancy_percent": c.occupancy_percent.map(f),
                    "investor": c.investor_name,
                    "investor_kind": c.investor_kind.map(|k| k.as_str()),
                    "wastewater_exists": c.wastewater_exists,
                    "wastewater_capacity_m3": c.wastewater_capacity_m3,
                    "wastewater_operating": c.wastewater_operating,
                    "secondary_projects": c.secondary_projects,
                    "workers": c.workers,
                    "version": c.version,
                    "recorded_at": c.recorded_at.to_rfc3339(),
                }
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}
