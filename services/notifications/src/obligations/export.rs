//! The obligations' spreadsheets (XLSX or CSV, the columns chosen, Vietnamese headings, counts and
//! dates as such): `GET /api/v1/obligations/export`, the list with its filters; `GET
//! /api/v1/compliance/export`, the compliance table of a period (per province: obligations, met on
//! time, late, missing, not yet due, waived, the share met on time).

use super::routes::{ComplianceQuery, ObligationQuery};
use super::store::{self, ComplianceRow, ObligationView};
use crate::AppState;
use kc_auth::{AnyUser, Tenant, declare};
use kc_http::{ApiError, Query};
use kc_kernel::{format_date_vn, today_vn};
use kc_sheets::{Cell, Column, Kind, SheetQuery, Table, column};
use rust_decimal::Decimal;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_obligations))
        .routes(routes!(export_compliance))
}

/// The most obligations one export holds.
const EXPORT_LIMIT: u64 = 100_000;

/// The columns of the obligations' export, in the order of [`obligation_cells`].
const OBLIGATION_COLUMNS: [Column; 10] = [
    column("duty", "Nghĩa vụ", Kind::Text, 40.0),
    column("province_code", "Mã tỉnh", Kind::Text, 8.0),
    column("party", "Đơn vị thực hiện", Kind::Text, 32.0),
    column("subject", "Đối tượng", Kind::Text, 28.0),
    column("period", "Kỳ", Kind::Text, 10.0),
    column("due_date", "Hạn (ngày làm việc)", Kind::Date, 12.0),
    column("state", "Trạng thái", Kind::Text, 16.0),
    column("late", "Trễ hạn", Kind::Text, 8.0),
    column("fulfilled_on", "Ngày hoàn thành", Kind::Date, 12.0),
    column("next_step_on", "Nhắc tiếp theo", Kind::Date, 12.0),
];

fn obligation_cells(o: &ObligationView) -> Vec<Cell> {
    vec![
        o.duty_title.clone().into(),
        o.province_code.clone().into(),
        o.party_name().into(),
        o.subject_label.clone().into(),
        o.period.clone().into(),
        o.due_date.into(),
        o.state.label_vi().into(),
        if o.late { "Có" } else { "Không" }.into(),
        o.fulfilled_at.map(kc_kernel::day_in_vietnam).into(),
        o.next_step_on.into(),
    ]
}

/// The obligations the caller sees, with the list's filters, as a spreadsheet (soonest due first, at
/// most 100 000). Columns: duty, province_code, party, subject, period, due_date, state, late,
/// fulfilled_on, next_step_on.
#[utoipa::path(get, path = "/api/v1/obligations/export", tag = "obligations", params(ObligationQuery, SheetQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"period": "letters, digits and -", "duty": "a duty's code",
                                             "columns": "known column keys"}))),
    responses((status = 200, content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_obligations(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ObligationQuery>,
    Query(o): Query<SheetQuery>,
) -> Result<axum::response::Response, ApiError> {
    let chosen = kc_sheets::choose(&OBLIGATION_COLUMNS, o.columns.as_deref())?;
    let filter = q.filter()?;
    let tx = tenant.begin().await?;
    let (items, _) = store::list(&tx, &filter, EXPORT_LIMIT, 0).await?;
    tx.commit().await?;
    let table = Table {
        title: format!(
            "Nghĩa vụ báo cáo và thời hạn (trích xuất ngày {})",
            format_date_vn(today_vn())
        ),
        sheet: "Nghĩa vụ",
        all: &OBLIGATION_COLUMNS,
        chosen,
        rows: items.iter().map(obligation_cells).collect(),
    };
    kc_sheets::download(
        &table,
        o.format.unwrap_or_default(),
        &format!("nghia-vu-{}", today_vn()),
    )
}

/// The columns of the compliance export, in the order of [`cells`].
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

/// Reporting compliance for a period, per province the caller sees, as a spreadsheet. Columns:
/// province_code, province_name, total, on_time, late, missing, open, waived, on_time_percent.
#[utoipa::path(get, path = "/api/v1/compliance/export", tag = "obligations", params(ComplianceQuery, SheetQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"period": "letters, digits and -", "duty": "a duty's code",
                                             "columns": "known column keys"}))),
    responses((status = 200, content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_compliance(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ComplianceQuery>,
    Query(o): Query<SheetQuery>,
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
