//! `GET /api/v1/compliance/export`: the compliance table of a period (per province: obligations,
//! met on time, late, missing, not yet due, waived, the share met on time) as an XLSX or CSV file
//! with the columns chosen — Vietnamese headings, counts as numbers.

use super::routes::ComplianceQuery;
use super::store::{self, ComplianceRow};
use crate::AppState;
use kc_auth::{AnyUser, Tenant, declare};
use kc_http::{ApiError, Query};
use kc_kernel::{format_date_vn, today_vn};
use kc_sheets::{Cell, Column, FileFormat, Kind, Table, column};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_compliance))
}

/// The columns of the export, in the order of [`cells`].
const COLUMNS: [Column; 9] = [
    column("province_code", "Mã tỉnh", Kind::Text, 8.0),
    column("province_name", "Tỉnh, thành phố", Kind::Text, 24.0),
    column("total", "Số nghĩa vụ", Kind::Integer, 10.0),
    column("on_time", "Đúng hạn", Kind::Integer, 10.0),
    column("late", "Trễ hạn", Kind::Integer, 10.0),
    column("missing", "Quá hạn chưa thực hiện", Kind::Integer, 12.0),
    column("open", "Chưa đến hạn", Kind::Integer, 10.0),
    column("waived", "Được miễn", Kind::Integer, 10.0),
    column("on_time_percent", "Tỷ lệ đúng hạn (%)", Kind::Percent, 12.0),
];

fn cells(r: &ComplianceRow) -> Vec<Cell> {
    let share = (r.total > 0)
        .then(|| (Decimal::from(r.on_time * 100) / Decimal::from(r.total)).round_dp(2));
    vec![
        r.province_code.clone().into(),
        r.province_name.clone().into(),
        r.total.into(),
        r.on_time.into(),
        r.late.into(),
        r.missing.into(),
        r.open.into(),
        r.waived.into(),
        share.into(),
    ]
}

/// What the export adds to the table's question.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportOptions {
    /// `xlsx` (default) or `csv`.
    pub format: Option<FileFormat>,
    /// The columns, comma-separated, in order (default: all): province_code, province_name, total,
    /// on_time, late, missing, open, waived, on_time_percent.
    #[param(max_length = 200)]
    pub columns: Option<String>,
}

/// Reporting compliance for a period, per province the caller sees, as a spreadsheet.
#[utoipa::path(get, path = "/api/v1/compliance/export", tag = "obligations", params(ComplianceQuery, ExportOptions),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"period": "letters, digits and -", "duty": "a duty's code",
                                             "columns": "known column keys"}))),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_compliance(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ComplianceQuery>,
    Query(o): Query<ExportOptions>,
) -> Result<axum::response::Response, ApiError> {
    let chosen = kc_sheets::choose(&COLUMNS, o.columns.as_deref())?;
    q.check()?;
    let tx = tenant.begin().await?;
    let rows = store::compliance(&tx, q.duty.as_deref(), &q.period).await?;
    tx.commit().await?;
    let duty = q
        .duty
        .as_deref()
        .map(|d| format!(", nghĩa vụ {d}"))
        .unwrap_or_default();
    let table = Table {
        title: format!(
            "Tình hình thực hiện nghĩa vụ báo cáo kỳ {}{duty} (trích xuất ngày {})",
            q.period,
            format_date_vn(today_vn())
        ),
        sheet: "Tuân thủ",
        all: &COLUMNS,
        chosen,
        rows: rows.iter().map(cells).collect(),
    };
    kc_sheets::download(
        &table,
        o.format.unwrap_or_default(),
        &format!("tuan-thu-{}", q.period),
    )
}
