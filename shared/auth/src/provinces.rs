//! A province named by its code in a request: the unit in force today with that code (codes were
//! reused in the 2025 merger, so a code is resolved to today's unit and its id is what is stored).

use kc_db::{Tx, stmt};
use kc_http::{ApiError, FieldErrors};
use kc_kernel::{ProvinceCode, Scope};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The id of the province in force today with `code`, or a message under `field`.
pub async fn province_by_code(
    tx: &Tx,
    field: &str,
    code: &str,
    fields: &mut FieldErrors,
) -> Result<Option<Uuid>, ApiError> {
    let Ok(code) = ProvinceCode::parse(code) else {
        fields.insert(
            field.into(),
            "Mã tỉnh phải gồm 2 chữ số, ví dụ \"01\" (province code must be 2 digits)".into(),
        );
        return Ok(None);
    };
    let row = tx
        .query_one_raw(stmt(
            "SELECT id FROM identity.admin_units WHERE code = $1 AND valid_from <= current_date
                AND (valid_to IS NULL OR valid_to > current_date)",
            [code.as_str().into()],
        ))
        .await?;
    match row {
        Some(r) => Ok(Some(r.try_get::<Uuid>("", "id")?)),
        None => {
            fields.insert(
                field.into(),
                format!("Không có tỉnh/thành phố mã {code} (unknown province code)"),
            );
            Ok(None)
        }
    }
}

/// The province a change is about: the one named by `code` (which the caller must be able to manage),
/// else the caller's own. `Ok(None)` after recording a field error; the ministry must name one
/// unless `national_allowed` (then `None` with no error means "national").
pub async fn target_province(
    tx: &Tx,
    scope: Scope,
    field: &str,
    code: Option<&str>,
    national_allowed: bool,
    fields: &mut FieldErrors,
) -> Result<Option<Uuid>, ApiError> {
    let province = match (code, scope) {
        (Some(code), _) => province_by_code(tx, field, code, fields).await?,
        (None, Scope::Province(p)) | (None, Scope::Enterprise { province: p, .. }) => Some(p),
        (None, Scope::National) => {
            if !national_allowed {
                fields.insert(
                    field.into(),
                    "Cần chọn tỉnh/thành phố (province is required)".into(),
                );
            }
            None
        }
    };
    if let Some(p) = province
        && scope.province().is_some_and(|own| own != p)
    {
        return Err(ApiError::Forbidden(
            "Không được thao tác trên dữ liệu của tỉnh khác (cannot act for another province)"
                .into(),
        ));
    }
    Ok(province)
}

/// The province a list is limited to: the one `code` names (the ministry may name any; anyone else only
/// their own, or 403), else the caller's own (`None` for the ministry: every province). A malformed or
/// unknown code is recorded under `field`.
pub async fn list_province(
    tx: &Tx,
    scope: Scope,
    field: &str,
    code: Option<&str>,
    fields: &mut FieldErrors,
) -> Result<Option<Uuid>, ApiError> {
    let named = match code {
        Some(code) => province_by_code(tx, field, code, fields).await?,
        None => None,
    };
    match (named, scope.province()) {
        (Some(p), Some(own)) if p != own => Err(ApiError::Forbidden(
            "Không được xem dữ liệu của tỉnh khác (another province's data)".into(),
        )),
        (named, own) => Ok(own.or(named)),
    }
}
