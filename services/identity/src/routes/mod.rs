//! One module per resource; each handler parses, checks, calls the store, audits, and answers.

pub mod auth;
pub mod me;
pub mod organisations;
pub mod provinces;
pub mod registrations;
pub mod users;

use crate::AppState;
use kc_auth::Caller;
use kc_db::AuditEvent;
use kc_http::{ApiError, ClientMeta};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kc-identity",
        description = "Định danh, tổ chức, người dùng, đăng nhập (identity: organisations, users, login, tokens)"
    ),
    components(schemas(kc_http::ErrorEnvelope)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(me::router())
        .merge(provinces::router())
        .merge(organisations::router())
        .merge(users::router())
        .merge(registrations::router())
        .with_state(state)
}

/// One page of a list, from `?page=1&per_page=50` (per_page at most 200).
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: u64,
    pub limit: u64,
    pub offset: u64,
}

impl Page {
    pub fn parse(page: Option<u64>, per_page: Option<u64>) -> Result<Page, ApiError> {
        let limit = per_page.unwrap_or(50);
        if limit == 0 || limit > 200 {
            return Err(ApiError::field(
                "per_page",
                "Số bản ghi mỗi trang từ 1 đến 200 (per_page must be 1 to 200)",
            ));
        }
        let number = page.unwrap_or(1);
        if number == 0 || number > 100_000 {
            return Err(ApiError::field(
                "page",
                "Số trang phải từ 1 (page starts at 1)",
            ));
        }
        Ok(Page {
            number,
            limit,
            offset: (number - 1) * limit,
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, page: Page) -> Paged<T> {
        Paged {
            items,
            total,
            page: page.number,
            per_page: page.limit,
        }
    }
}

/// An audit row for an action by a signed-in caller.
pub fn audit_by(caller: &Caller, meta: &ClientMeta) -> AuditEvent {
    AuditEvent {
        actor_user_id: Some(caller.user_id()),
        province_id: caller.scope.province(),
        client_addr: meta.addr_string(),
        request_id: meta.request_id.clone(),
        ..Default::default()
    }
}

/// An audit row for an anonymous or pre-authentication action.
pub fn audit_anon(meta: &ClientMeta) -> AuditEvent {
    AuditEvent {
        client_addr: meta.addr_string(),
        request_id: meta.request_id.clone(),
        ..Default::default()
    }
}

pub const SERVICE: &str = "identity";

/// Control characters (NUL and the like) are refused in every text field; line breaks and tabs pass.
pub fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

const CONTROL_MESSAGE: &str = "Có ký tự điều khiển không hợp lệ (contains control characters)";

/// Parse an optional trimmed NFC string with a maximum length.
pub fn opt_text(
    fields: &mut kc_http::FieldErrors,
    name: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = kc_kernel::nfc_trimmed(value?);
    if v.is_empty() {
        return None;
    }
    if has_control(&v) {
        fields.insert(name.into(), CONTROL_MESSAGE.into());
    } else if v.chars().count() > max {
        fields.insert(
            name.into(),
            format!("Tối đa {max} ký tự (at most {max} characters)"),
        );
    }
    Some(v)
}

/// Parse a required trimmed NFC string with a maximum length.
pub fn req_text(fields: &mut kc_http::FieldErrors, name: &str, value: &str, max: usize) -> String {
    let v = kc_kernel::nfc_trimmed(value);
    if has_control(&v) {
        fields.insert(name.into(), CONTROL_MESSAGE.into());
    } else if v.is_empty() {
        fields.insert(
            name.into(),
            "Không được để trống (must not be empty)".into(),
        );
    } else if v.chars().count() > max {
        fields.insert(
            name.into(),
            format!("Tối đa {max} ký tự (at most {max} characters)"),
        );
    }
    v
}

/// The statuses an admin may set on an organisation or a user: `active` or `disabled` (`pending` and
/// `rejected` belong to registration).
pub fn check_admin_status(fields: &mut kc_http::FieldErrors, status: Option<&str>) {
    if let Some(st) = status
        && !["active", "disabled"].contains(&st)
    {
        fields.insert(
            "status".into(),
            "Trạng thái chỉ có thể là active hoặc disabled (status must be active or disabled)"
                .into(),
        );
    }
}

/// An admin may switch between `active` and `disabled` only: a `pending` or `rejected` record is
/// decided by the centre's verification (409 otherwise).
pub fn check_status_change(current: &str, wanted: Option<&str>) -> Result<(), ApiError> {
    if wanted.is_some() && !["active", "disabled"].contains(&current) {
        return Err(ApiError::Conflict(format!(
            "Bản ghi đang ở trạng thái {current}: việc xác minh do Trung tâm Khuyến công thực hiện (a {current} registration is decided by the centre)"
        )));
    }
    Ok(())
}
