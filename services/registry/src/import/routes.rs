//! `POST /api/v1/clusters/import` and `GET /api/v1/clusters/import-template.xlsx`.

use super::columns::{COLUMNS, header_of, index_of};
use super::read::rows;
use super::{MAX_BYTES, MAX_ROWS};
use crate::SERVICE;
use crate::clusters::data::{ClusterData, ClusterFields, DecisionKind};
use crate::clusters::routes::code_ok;
use crate::clusters::store::{self, VersionMeta};
use crate::communes::store as communes;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use kc_auth::{AnyUser, ProvinceOfficer, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit, stmt};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Query};
use kc_kernel::{ClusterChange, ClusterStatus, today_vn};
use kc_service::ServiceState;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ServiceState> {
    let (schemas, paths, import) = routes!(import_clusters);
    OpenApiRouter::new()
        .routes((
            schemas,
            paths,
            import.layer(DefaultBodyLimit::max(MAX_BYTES)),
        ))
        .routes(routes!(template))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// Write the valid rows and answer the rejected ones as a CSV file (by default nothing is
    /// written unless every row is valid).
    pub valid_only: Option<bool>,
}

/// A row that was not imported, and why, by column.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRow {
    /// Its row in the sheet (the header is row 1).
    pub row: usize,
    pub errors: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    pub imported: usize,
    pub rejected: Vec<RejectedRow>,
    /// The rejected rows as they came, with an error column (valid-only imports with rejections).
    pub rejected_csv: Option<String>,
}

/// One row, checked: the cluster's code and record, or its errors by column.
type Checked = Result<(String, ClusterData), BTreeMap<String, String>>;

fn yes_no(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "" | "không" | "khong" | "no" | "false" | "0" => Some(false),
        "có" | "co" | "x" | "yes" | "true" | "1" => Some(true),
        _ => None,
    }
}

fn date(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    NaiveDate::parse_from_str(v, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y-%m-%d"))
        .ok()
}

/// Check one row against the columns found in the header, the province's communes and the codes
/// taken (in the registry or earlier in the file).
fn check_row(
    cells: &[String],
    at: &HashMap<&'static str, usize>,
    communes: &HashMap<String, Uuid>,
    taken: &HashSet<String>,
    today: NaiveDate,
) -> Checked {
    let get = |key: &str| {
        at.get(key)
            .and_then(|i| cells.get(*i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut errors = BTreeMap::new();
    let mut err = |key: &str, message: String| {
        errors.insert(header_of(key), message);
    };
    let code = get("code");
    if !code_ok(&code) {
        err(
            "code",
            "Mã gồm chữ, số, dấu . _ - (tối đa 40 ký tự) (code: letters, digits, . _ -)".into(),
        );
    } else if taken.contains(&code.to_lowercase()) {
        err(
            "code",
            format!("Mã {code} đã có trong tỉnh hoặc lặp trong tệp (the code is taken)"),
        );
    }
    let status = get("status");
    let status = ClusterStatus::parse(&status).or_else(|| {
        ClusterStatus::ALL
            .into_iter()
            .find(|s| s.label_vi().eq_ignore_ascii_case(&status))
    });
    if status.is_none() {
        err(
            "status",
            "Trạng thái không hợp lệ (see the template's list)".into(),
        );
    }
    let mut commune_ids = Vec::new();
    for name in get("communes")
        .split(';')
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        match communes.get(&name.to_lowercase()) {
            Some(id) => commune_ids.push(*id),
            None => err(
                "communes",
                format!("Không có xã, phường \"{name}\" trong danh mục của tỉnh (unknown commune)"),
            ),
        }
    }
    let opt = |key: &str| Some(get(key)).filter(|v| !v.is_empty());
    let number = |key: &str, max: i64, fields: &mut BTreeMap<String, String>| -> Value {
        match opt(key) {
            None => Value::Null,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (0..=max).contains(&n) => json!(n),
                _ => {
                    fields.insert(
                        header_of(key),
                        format!("Số nguyên từ 0 đến {max} (a whole number)"),
                    );
                    Value::Null
                }
            },
        }
    };
    let mut numbers = BTreeMap::new();
    let capacity = number("wastewater_capacity_m3", 1_000_000, &mut numbers);
    let projects = number("secondary_projects", 100_000, &mut numbers);
    let workers = number("workers", 10_000_000, &mut numbers);
    let mut money = |key: &str| -> Value {
        match opt(key) {
            None => Value::Null,
            Some(v) if !v.is_empty() && v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit()) => {
                json!(v)
            }
            Some(_) => {
                numbers.insert(
                    header_of(key),
                    "Số nguyên đồng, chỉ gồm chữ số (whole đồng, digits only)".into(),
                );
                Value::Null
            }
        }
    };
    let registered = money("registered_capital");
    let realised = money("realised_capital");
    let secondary = money("secondary_capital");
    let mut flag = |key: &str| -> bool {
        yes_no(&get(key)).unwrap_or_else(|| {
            numbers.insert(
                header_of(key),
                "Ghi \"có\" hoặc \"không\" (yes or no)".into(),
            );
            false
        })
    };
    let wastewater_exists = flag("wastewater_exists");
    let wastewater_operating = flag("wastewater_operating");
    errors.append(&mut numbers);
    let mut decisions = Vec::new();
    if let Some(number) = opt("decision_number") {
        match date(&get("decision_date")) {
            Some(d) => decisions.push(
                json!({"kind": DecisionKind::Establishment, "number": number,
                "date": d, "issuer": opt("decision_issuer").unwrap_or_else(|| "UBND tỉnh".into())}),
            ),
            None => {
                errors.insert(
                    header_of("decision_date"),
                    "Ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd (a date)".into(),
                );
            }
        }
    }
    let record = json!({
        "name": get("name"), "commune_ids": commune_ids, "latitude": get("latitude"),
        "longitude": get("longitude"), "planned_area_ha": get("planned_area_ha"),
        "industrial_area_ha": get("industrial_area_ha"), "leased_area_ha": get("leased_area_ha"),
        "investor_name": opt("investor_name"), "investor_kind": opt("investor_kind"),
        "investor_tax_code": opt("investor_tax_code"), "registered_capital": registered,
        "realised_capital": realised, "wastewater_exists": wastewater_exists,
        "wastewater_capacity_m3": capacity, "wastewater_operating": wastewater_operating,
        "sectors": get("sectors").split(';').map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "secondary_projects": projects, "secondary_capital": secondary, "workers": workers,
        "decisions": decisions,
    });
    let fields = match serde_json::from_value::<ClusterFields>(record) {
        Ok(f) => f,
        Err(e) => {
            // Only the investor kind can still be wrong here (every other cell was shaped above).
            errors.insert(
                header_of("investor_kind"),
                format!("state_unit hoặc enterprise ({e})"),
            );
            return Err(errors);
        }
    };
    let mut found = FieldErrors::new();
    let data = fields.check(status.unwrap_or(ClusterStatus::InPlan), today, &mut found);
    for (field, message) in found {
        if field == "commune_ids" && errors.contains_key(&header_of("communes")) {
            continue;
        }
        errors.insert(header_of(&field), message);
    }
    if errors.is_empty() {
        Ok((code, data))
    } else {
        Err(errors)
    }
}

/// The province's communes in force, by lower-case name; and the codes it has taken.
async fn references(
    tx: &Tx,
    province: Uuid,
) -> Result<(HashMap<String, Uuid>, HashSet<String>), ApiError> {
    let communes = communes::in_force(tx, Some(province), today_vn())
        .await?
        .into_iter()
        .map(|c| (c.name.to_lowercase(), c.id))
        .collect();
    let codes = tx
        .query_all_raw(stmt(
            "SELECT lower(code) AS code FROM registry.clusters WHERE province_id = $1",
            [province.into()],
        ))
        .await?
        .iter()
        .filter_map(|r| r.try_get::<String>("", "code").ok())
        .collect();
    Ok((communes, codes))
}

fn rejected_csv(
    header: &[String],
    lines: &[(usize, &Vec<String>, &BTreeMap<String, String>)],
) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut head = header.to_vec();
    head.push("Lỗi".into());
    let _ = w.write_record(&head);
    for (_, cells, errors) in lines {
        let mut rec = (*cells).clone();
        rec.resize(header.len(), String::new());
        rec.push(
            errors
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("; "),
        );
        let _ = w.write_record(&rec);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

const FILE_RULES: &str = "an XLSX file (values, not formulas; unpacking to at most 64 MiB) or a UTF-8 CSV, with the template's header row and at most 10 000 rows";

/// Import clusters of the caller's province from an XLSX or UTF-8 CSV file (the body) with the
/// template's columns. Every row is checked; errors name the row and the column. Nothing is written
/// unless every row is valid (422 `import_rejected` otherwise), or with `valid_only=true` the valid rows
/// are written and the rejected ones answered as a CSV file. Each imported cluster's first version is
/// recorded as imported.
#[utoipa::path(post, path = "/api/v1/clusters/import", tag = "clusters", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceOfficer>())),
               ("x-kc-server-rules" = json!({"file": FILE_RULES, "rows": "every row a valid record"}))),
    responses((status = 200, body = ImportReport), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 413, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn import_clusters(
    tenant: Tenant<ProvinceOfficer>,
    meta: ClientMeta,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    let province = crate::own_province(&tenant)?;
    let table = rows(&body).map_err(|e| ApiError::field("file", e.0))?;
    let Some((header, data_rows)) = table.split_first() else {
        return Err(ApiError::field("file", "Tệp trống (an empty file)"));
    };
    // The header: every column known, none twice, the required ones present.
    let mut at: HashMap<&'static str, usize> = HashMap::new();
    let mut unknown = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        match index_of(h) {
            Some(c) if !at.contains_key(COLUMNS[c].0) => {
                at.insert(COLUMNS[c].0, i);
            }
            _ => unknown.push(h.clone()),
        }
    }
    let required = [
        "code",
        "name",
        "communes",
        "status",
        "latitude",
        "longitude",
        "planned_area_ha",
        "industrial_area_ha",
        "leased_area_ha",
    ];
    let missing: Vec<String> = required
        .iter()
        .filter(|k| !at.contains_key(*k))
        .map(|k| header_of(k))
        .collect();
    if !unknown.is_empty() || !missing.is_empty() {
        return Err(ApiError::field(
            "file",
            format!(
                "Dòng tiêu đề không khớp mẫu (the header does not match the template): {}{}",
                if missing.is_empty() {
                    String::new()
                } else {
                    format!("thiếu cột {}; ", missing.join(", "))
                },
                if unknown.is_empty() {
                    String::new()
                } else {
                    format!("cột không biết hoặc lặp: {}", unknown.join(", "))
                }
            ),
        ));
    }
    if data_rows.len() > MAX_ROWS {
        return Err(ApiError::field(
            "file",
            format!("Quá {MAX_ROWS} dòng (more than {MAX_ROWS} rows)"),
        ));
    }
    let today = today_vn();
    let tx = tenant.begin().await?;
    let (communes, mut taken) = references(&tx, province).await?;
    let mut valid = Vec::new();
    let mut rejected = Vec::new();
    let mut read = 0;
    for (i, cells) in data_rows.iter().enumerate() {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        read += 1;
        match check_row(cells, &at, &communes, &taken, today) {
            Ok((code, data)) => {
                taken.insert(code.to_lowercase());
                valid.push((code, data));
            }
            Err(errors) => rejected.push((i + 2, cells, errors)),
        }
    }
    let valid_only = q.valid_only.unwrap_or(false);
    if !rejected.is_empty() && !valid_only {
        let mut fields = FieldErrors::new();
        for (row, _, errors) in rejected.iter().take(100) {
            for (column, message) in errors {
                fields.insert(format!("dòng {row} · {column}"), message.clone());
            }
        }
        return Err(ApiError::Invalid {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            code: "import_rejected",
            message: format!(
                "{} trên {read} dòng có lỗi; chưa ghi dòng nào (rows with errors: nothing was written)",
                rejected.len()
            ),
            fields,
        });
    }
    let at_now = Utc::now();
    for (code, data) in &valid {
        store::insert(
            &tx,
            province,
            code,
            data,
            &VersionMeta {
                at: at_now,
                by: tenant.user_id(),
                action: ClusterChange::Imported,
                reason: "Nhập từ tệp danh sách cụm công nghiệp của tỉnh".into(),
                verdict: None,
                justification: None,
                province_at: province,
            },
        )
        .await?;
    }
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "cluster.imported",
            entity_type: "cluster_import",
            province_id: Some(province),
            after: Some(
                json!({"rows": read, "imported": valid.len(), "rejected": rejected.len(),
                               "codes": valid.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>()}),
            ),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    let csv = (!rejected.is_empty()).then(|| {
        rejected_csv(
            header,
            &rejected
                .iter()
                .map(|(r, c, e)| (*r, *c, e))
                .collect::<Vec<_>>(),
        )
    });
    Ok(Json(ImportReport {
        rows: read,
        imported: valid.len(),
        rejected: rejected
            .into_iter()
            .map(|(row, _, errors)| RejectedRow { row, errors })
            .collect(),
        rejected_csv: csv,
    }))
}

/// The import template: the header row (Vietnamese), an example row, and a sheet that explains each
/// column.
#[utoipa::path(get, path = "/api/v1/clusters/import-template.xlsx", tag = "clusters",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 401, body = kc_http::ErrorEnvelope)))]
async fn template(_tenant: Tenant<AnyUser>) -> Result<Response, ApiError> {
    let bytes = template_xlsx().map_err(ApiError::internal)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"mau-nhap-cum-cong-nghiep.xlsx\""),
    );
    Ok(response)
}

/// The example row of the template.
pub const EXAMPLE: &[&str] = &[
    "CCN-01-101",
    "Cụm công nghiệp Phú Nghĩa",
    "Xã Phú Nghĩa",
    "operating",
    "20.9321",
    "105.6512",
    "50",
    "36.5",
    "20.25",
    "Công ty CP Đầu tư Phú Nghĩa",
    "enterprise",
    "",
    "350000000000",
    "120000000000",
    "có",
    "1500",
    "có",
    "Cơ khí; Dệt may",
    "12",
    "800000000000",
    "2100",
    "1520/QĐ-UBND",
    "10/06/2020",
    "UBND thành phố Hà Nội",
];

pub fn template_xlsx() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7");
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name("Cụm công nghiệp")?;
    for (c, (_, vi, _)) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *vi, &head)?;
        ws.set_column_width(c as u16, 18)?;
        ws.set_column_format(c as u16, &text)?;
    }
    for (c, v) in EXAMPLE.iter().enumerate() {
        ws.write_string(1, c as u16, *v)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let help = wb.add_worksheet();
    help.set_name("Hướng dẫn")?;
    for (c, h) in ["Cột", "Mã cột", "Nội dung"].iter().enumerate() {
        help.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (r, (key, vi, what)) in COLUMNS.iter().enumerate() {
        help.write_string(r as u32 + 1, 0, *vi)?;
        help.write_string(r as u32 + 1, 1, *key)?;
        help.write_string(r as u32 + 1, 2, *what)?;
    }
    help.set_column_width(0, 32)?;
    help.set_column_width(2, 80)?;
    wb.save_to_buffer()
}
