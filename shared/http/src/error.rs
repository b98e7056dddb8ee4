use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;

/// Messages by field name, in a stable order.
pub type FieldErrors = BTreeMap<String, String>;

/// The one error type at a service boundary.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed or a field is invalid (400 or 422).
    #[error("{message}")]
    Invalid {
        status: StatusCode,
        code: &'static str,
        message: String,
        fields: FieldErrors,
    },
    #[error("unauthenticated")]
    Unauthorized(String),
    #[error("forbidden")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// More work of this kind is waiting than the service takes on (logins beyond Argon2's
    /// capacity): 429 with `Retry-After`, answered at once so that the rest of the service stays fast.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("service unavailable")]
    Unavailable,
    /// A bug or an unexpected failure. The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `validation_failed`.
    pub code: String,
    /// Vietnamese first, English in brackets.
    pub message: String,
    /// The fields at fault and what is wrong with each.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
}

impl ApiError {
    /// One or more fields failed validation (422).
    pub fn validation(fields: FieldErrors) -> Self {
        ApiError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message: "Dữ liệu không hợp lệ (invalid input)".into(),
            fields,
        }
    }

    /// A single field is invalid (422).
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), message.into());
        Self::validation(fields)
    }

    /// The request as a whole is malformed (400).
    pub fn bad_request(
        code: &'static str,
        message: impl Into<String>,
        fields: FieldErrors,
    ) -> Self {
        ApiError::Invalid {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            fields,
        }
    }

    /// A 409 naming the field whose value is already taken (a unique key).
    pub fn conflict_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), message.clone());
        ApiError::Invalid {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message,
            fields,
        }
    }

    /// A transition asked of a record in a state that does not allow it: 409 naming `status`, with the
    /// record's current state (its database spelling) and its Vietnamese label.
    pub fn wrong_state(current: &str, label_vi: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(
            "status".to_owned(),
            format!("{label_vi} (current state: {current})"),
        );
        ApiError::Invalid {
            status: StatusCode::CONFLICT,
            code: "invalid_transition",
            message: message.into(),
            fields,
        }
    }

    /// The client changed a record from a version it saw that is no longer current (optimistic
    /// concurrency): 412 naming `version`, with the current one. Nothing was changed.
    pub fn stale_version(current: i32) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(
            "version".to_owned(),
            format!("Phiên bản hiện tại là {current} (current version: {current})"),
        );
        ApiError::Invalid {
            status: StatusCode::PRECONDITION_FAILED,
            code: "stale_version",
            message: "Hồ sơ đã được người khác thay đổi, vui lòng tải lại (the record changed since you read it; reload it)".into(),
            fields,
        }
    }

    /// Map a unique violation to a 409 naming `field`; any other error as usual.
    pub fn unique_or(err: sea_orm::DbErr, field: &str, message: &str) -> Self {
        if kc_db::is_unique_violation(&err) {
            ApiError::conflict_field(field, message)
        } else {
            err.into()
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        ApiError::Internal(err.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid { status, .. } => *status,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests { .. } | ApiError::Busy { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The envelope's body of this error (what a batch answers per item).
    pub fn body(&self) -> ErrorBody {
        let (code, message, fields) = match self {
            ApiError::Invalid {
                code,
                message,
                fields,
                ..
            } => (code.to_string(), message.clone(), fields.clone()),
            ApiError::Unauthorized(m) => ("unauthorized".into(), m.clone(), FieldErrors::new()),
            ApiError::Forbidden(m) => ("forbidden".into(), m.clone(), FieldErrors::new()),
            ApiError::NotFound => (
                "not_found".into(),
                "Không tìm thấy (not found)".into(),
                FieldErrors::new(),
            ),
            ApiError::Conflict(m) => ("conflict".into(), m.clone(), FieldErrors::new()),
            ApiError::TooManyRequests { .. } => (
                "too_many_requests".into(),
                "Quá nhiều lần thử, vui lòng thử lại sau (too many attempts, try again later)".into(),
                FieldErrors::new(),
            ),
            ApiError::Busy { .. } => (
                "busy".into(),
                "Hệ thống đang bận, vui lòng thử lại sau ít giây (the service is busy: try again in a few seconds)".into(),
                FieldErrors::new(),
            ),
            ApiError::PayloadTooLarge => (
                "payload_too_large".into(),
                "Dữ liệu gửi lên quá lớn (request body too large)".into(),
                FieldErrors::new(),
            ),
            ApiError::Unavailable => (
                "unavailable".into(),
                "Hệ thống tạm thời không sẵn sàng, vui lòng thử lại (service temporarily unavailable)"
                    .into(),
                FieldErrors::new(),
            ),
            ApiError::Internal(_) => (
                "internal".into(),
                "Lỗi hệ thống, vui lòng thử lại sau (internal error)".into(),
                FieldErrors::new(),
            ),
        };
        ErrorBody {
            code,
            message,
            fields,
        }
    }
}

/// The detail of a 500, carried on the response to the request's one log line (never to the client).
#[derive(Debug, Clone)]
pub struct InternalDetail(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = (status, axum::Json(ErrorEnvelope { error: self.body() })).into_response();
        if let ApiError::Internal(detail) = &self {
            resp.extensions_mut().insert(InternalDetail(detail.clone()));
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::TooManyRequests { retry_after_secs } | ApiError::Busy { retry_after_secs } =
            self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        if kc_db::is_caller_revoked(&err) {
            ApiError::Unauthorized(
                "Phiên đăng nhập không còn hiệu lực, vui lòng đăng nhập lại (the session is no longer valid: sign in again)".into(),
            )
        } else if kc_db::is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            ApiError::Unavailable
        } else if kc_db::is_data_exception(&err) || kc_db::is_constraint_violation(&err) {
            tracing::warn!(error = %err, "input refused by the database");
            ApiError::Invalid {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid_data",
                message: "Dữ liệu chứa ký tự hoặc giá trị không hợp lệ (the data contains invalid characters or values)".into(),
                fields: FieldErrors::new(),
            }
        } else {
            ApiError::Internal(err.to_string())
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        ApiError::Internal(format!("{err:#}"))
    }
}
