//! The cluster list as an XLSX workbook (Vietnamese headings, dd/mm/yyyy dates, areas and money as
//! numbers) and as a GeoJSON FeatureCollection (WGS 84 longitude/latitude, flat attributes).

use crate::clusters::store::ClusterView;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
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

/// The workbook of `clusters` as of `day`.
pub fn xlsx(clusters: &[ClusterView], day: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Cụm công nghiệp")?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let area = Format::new().set_num_format("#,##0.00##");
    let percent = Format::new().set_num_format("0.00");
    let money = Format::new().set_num_format("#,##0");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    ws.write_string_with_format(
        0,
        0,
        format!(
            "Danh sách cụm công nghiệp tính đến ngày {}",
            kc_kernel::format_date_vn(day)
        ),
        &title,
    )?;
    let headings = [
        ("Mã", 14.0),
        ("Tên cụm công nghiệp", 36.0),
        ("Tỉnh, thành phố", 20.0),
        ("Tỉnh khi ghi nhận", 20.0),
        ("Xã, phường", 28.0),
        ("Trạng thái", 24.0),
        ("Diện tích quy hoạch (ha)", 14.0),
        ("Đất công nghiệp (ha)", 14.0),
        ("Đất đã cho thuê (ha)", 14.0),
        ("Tỷ lệ lấp đầy (%)", 12.0),
        ("Chủ đầu tư hạ tầng", 30.0),
        ("Loại chủ đầu tư", 18.0),
        ("Mã số thuế", 14.0),
        ("Vốn hạ tầng đăng ký (đồng)", 20.0),
        ("Vốn hạ tầng thực hiện (đồng)", 20.0),
        ("Có trạm XLNT tập trung", 12.0),
        ("Công suất XLNT (m³/ngày đêm)", 14.0),
        ("XLNT đang vận hành", 12.0),
        ("Ngành nghề thu hút", 30.0),
        ("Số dự án thứ cấp", 12.0),
        ("Vốn dự án thứ cấp (đồng)", 20.0),
        ("Lao động", 10.0),
        ("Vĩ độ", 12.0),
        ("Kinh độ", 12.0),
        ("Phiên bản", 10.0),
        ("Ngày cập nhật", 14.0),
    ];
    for (col, (h, width)) in headings.iter().enumerate() {
        ws.write_string_with_format(2, col as u16, *h, &head)?;
        ws.set_column_width(col as u16, *width)?;
    }
    ws.set_freeze_panes(3, 2)?;
    let yes = |b: bool| if b { "Có" } else { "Không" };
    for (i, c) in clusters.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_string(r, 0, &c.code)?;
        ws.write_string(r, 1, &c.name)?;
        ws.write_string(r, 2, &c.province_name)?;
        ws.write_string(r, 3, &c.province_at_name)?;
        ws.write_string(r, 4, communes(c))?;
        ws.write_string(r, 5, c.status.label_vi())?;
        ws.write_number_with_format(r, 6, f(c.planned_area_ha), &area)?;
        ws.write_number_with_format(r, 7, f(c.industrial_area_ha), &area)?;
        ws.write_number_with_format(r, 8, f(c.leased_area_ha), &area)?;
        if let Some(o) = c.occupancy_percent {
            ws.write_number_with_format(r, 9, f(o), &percent)?;
        }
        ws.write_string(r, 10, c.investor_name.as_deref().unwrap_or(""))?;
        ws.write_string(r, 11, investor_kind(c))?;
        ws.write_string(r, 12, c.investor_tax_code.as_deref().unwrap_or(""))?;
        // Whole đồng up to 10^15 are exact in a spreadsheet number (2^53 ≈ 9·10^15).
        ws.write_number_with_format(r, 13, f(c.registered_capital), &money)?;
        ws.write_number_with_format(r, 14, f(c.realised_capital), &money)?;
        ws.write_string(r, 15, yes(c.wastewater_exists))?;
        if let Some(cap) = c.wastewater_capacity_m3 {
            ws.write_number_with_format(r, 16, f64::from(cap), &money)?;
        }
        ws.write_string(r, 17, yes(c.wastewater_operating))?;
        ws.write_string(r, 18, c.sectors.join(", "))?;
        ws.write_number(r, 19, f64::from(c.secondary_projects))?;
        ws.write_number_with_format(r, 20, f(c.secondary_capital), &money)?;
        ws.write_number(r, 21, f64::from(c.workers))?;
        ws.write_number(r, 22, f(c.latitude))?;
        ws.write_number(r, 23, f(c.longitude))?;
        ws.write_number(r, 24, f64::from(c.version))?;
        let day = kc_kernel::day_in_vietnam(c.recorded_at);
        ws.write_datetime_with_format(r, 25, day, &date)?;
    }
    wb.save_to_buffer()
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
