//! Path and query extractors whose rejections use the error envelope and name the parameter at fault
//! (axum's own answer with a plain-text 400).

use crate::{ApiError, FieldErrors};
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Path parameters, e.g. `Path(id): Path<Uuid>`; a malformed one is a 400 naming it.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(rej) => {
                let named = match &rej {
                    PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                        ErrorKind::ParseErrorAtKey { key, .. } => Some(key.clone()),
                        ErrorKind::InvalidUtf8InPathParam { key } => Some(key.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                // A single value (`Path<Uuid>`) is reported without its name: take it from the route.
                let field = match named {
                    Some(key) => key,
                    None => match RawPathParams::from_request_parts(parts, state).await {
                        Ok(raw) if raw.iter().count() == 1 => raw
                            .iter()
                            .next()
                            .map(|(k, _)| k.to_owned())
                            .unwrap_or_else(|| "path".into()),
                        _ => "path".into(),
                    },
                };
                let mut fields = FieldErrors::new();
                fields.insert(
                    field,
                    "Giá trị trên đường dẫn không hợp lệ, ví dụ mã định danh phải là UUID (invalid path parameter)"
                        .into(),
                );
                Err(ApiError::bad_request(
                    "invalid_path",
                    "Đường dẫn không hợp lệ (invalid path parameter)",
                    fields,
                ))
            }
        }
    }
}

/// Query parameters, e.g. `Query(q): Query<PageParams>`; a malformed one is a 422 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Query::parse(parts.uri.query().unwrap_or_default())
    }
}

impl<T: DeserializeOwned> Query<T> {
    /// Parse a query string (for a handler that must check something else first, and takes
    /// `axum::extract::RawQuery`); a malformed parameter is a 422 naming it.
    pub fn parse(query: &str) -> Result<Query<T>, ApiError> {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(Query)
            .map_err(|err| {
                let path = err.path().to_string();
                let message = err.inner().to_string();
                let field = if path == "." {
                    "query".to_owned()
                } else {
                    path
                };
                let mut fields = FieldErrors::new();
                fields.insert(field, format!("Tham số không hợp lệ ({message})"));
                ApiError::validation(fields)
            })
    }
}
