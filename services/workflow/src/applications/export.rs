//! `GET /api/v1/applications/export`: the applications a caller may see (the centre's queue, the
//! province's, the nation's, an enterprise's own), with the list's filters and sort, as an XLSX or
//! CSV file with the columns chosen — Vietnamese headings, amounts as numbers.

use super::routes::{ListQuery, open_list};
use super::store::{self, ApplicationView};
use crate::AppState;
use kc_auth::{AnyUser, Tenant, declare};
use kc_http::{ApiError, Query};
use kc_kernel::{day_in_vietnam, format_date_vn, today_vn};
use kc_sheets::{Cell, Column, Kind, SheetQuery, Table, column};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_applications))
}

/// The most rows one export holds.
const EXPORT_LIMIT: u64 = 100_000;

/// The columns of the export, in the order of [`cells`].
const COLUMNS: [Column; 16] = [
    column("province_code", "Mã tỉnh", Kind::Text, 8.0),
    column("organisation_name", "Cơ sở đề nghị", Kind::Text, 32.0),
    column("title", "Tên hồ sơ", Kind::Text, 44.0),
    column("fund", "Nguồn kinh phí", Kind::Text, 22.0),
    column("plan_year", "Năm kế hoạch", Kind::Integer, 10.0),
    column("activity_code", "Nội dung hoạt động", Kind::Text, 22.0),
    column("commune", "Địa điểm", Kind::Text, 24.0),
    column("status", "Trạng thái", Kind::Text, 20.0),
    column("submissions", "Số lần nộp", Kind::Integer, 8.0),
    column("total_cost", "Tổng kinh phí (đồng)", Kind::Money, 18.0),
    column(
        "support_requested",
        "Kinh phí đề nghị hỗ trợ (đồng)",
        Kind::Money,
        18.0,
    ),
    column("counterpart", "Vốn đối ứng (đồng)", Kind::Money, 18.0),
    column("stage_since", "Ở bước hiện tại từ ngày", Kind::Date, 12.0),
    column("due_on", "Hạn xử lý", Kind::Date, 12.0),
    column("overdue", "Quá hạn", Kind::Text, 8.0),
    column("created_on", "Ngày lập", Kind::Date, 12.0),
];

fn cells(a: &ApplicationView) -> Vec<Cell> {
    vec![
        a.province_code.clone().into(),
        a.organisation_name.clone().into(),
        a.title.clone().into(),
        a.fund.map(|f| f.label_vi()).into(),
        a.plan_year.into(),
        a.activity_code.clone().into(),
        a.commune.clone().into(),
        a.status.label_vi().into(),
        a.submissions.into(),
        a.total_cost.into(),
        a.support_requested.into(),
        a.counterpart.into(),
        day_in_vietnam(a.stage_since).into(),
        a.due_at.map(day_in_vietnam).into(),
        if a.overdue { "Có" } else { "Không" }.into(),
        day_in_vietnam(a.created_at).into(),
    ]
}

/// The applications the caller may see as a spreadsheet (XLSX or CSV), with the list's filters and
/// sort and the columns chosen (at most 100 000 applications). Columns: province_code,
/// organisation_name, title, fund, plan_year, activity_code, commune, status, submissions,
/// total_cost, support_requested, counterpart, stage_since, due_on, overdue, created_on.
#[utoipa::path(get, path = "/api/v1/applications/export", tag = "applications", params(ListQuery, SheetQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>())),
               ("x-kc-server-rules" = json!({"province_code": "a province in force today",
                                             "activity_code": "letters a-z, digits and _",
                                             "columns": "known column keys"}))),
    responses((status = 200, content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn export_applications(
    tenant: Tenant<AnyUser>,
    Query(q): Query<ListQuery>,
    Query(o): Query<SheetQuery>,
) -> Result<axum::response::Response, ApiError> {
    let chosen = kc_sheets::choose(&COLUMNS, o.columns.as_deref())?;
    let (tx, filter) = open_list(&tenant, q.asked()).await?;
    let (items, _) = store::list(&tx, &filter, q.sort.unwrap_or_default(), EXPORT_LIMIT, 0).await?;
    tx.commit().await?;
    let table = Table {
        title: format!(
            "Danh sách hồ sơ đề nghị hỗ trợ khuyến công (trích xuất ngày {})",
            format_date_vn(today_vn())
        ),
        sheet: "Hồ sơ",
        all: &COLUMNS,
        chosen,
        rows: items.iter().map(cells).collect(),
    };
    kc_sheets::download(
        &table,
        o.format.unwrap_or_default(),
        &format!("ho-so-{}", today_vn()),
    )
}
