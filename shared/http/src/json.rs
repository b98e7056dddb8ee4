use crate::{ApiError, FieldErrors};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON body. Rejections answer with the error envelope and name the field at fault:
/// malformed JSON → 400 `malformed_json`; a missing field or a wrong type → 422 with `fields`;
/// a body over the limit → 413; a missing `Content-Type: application/json` → 415.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let ct = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                ct == "application/json"
                    || (ct.starts_with("application/") && ct.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::Invalid {
                status: axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: "unsupported_media_type",
                message:
                    "Cần gửi dữ liệu JSON với Content-Type: application/json (expected a JSON body)"
                        .into(),
                fields: FieldErrors::new(),
            }
            .into_response());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge.into_response()
            } else {
                ApiError::bad_request(
                    "unreadable_body",
                    "Không đọc được dữ liệu gửi lên (could not read the request body)",
                    FieldErrors::new(),
                )
                .into_response()
            }
        })?;
        parse(&bytes).map(Json).map_err(IntoResponse::into_response)
    }
}

/// Deserialize JSON, turning serde's errors into the envelope with the field path at fault. Every
/// document read here is an object: well-formed JSON that is an array is refused (serde would read
/// a struct from an array of its fields in order, `[null, null]`, which no schema allows).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        let mut fields = FieldErrors::new();
        fields.insert(
            "body".into(),
            "Dữ liệu phải là một đối tượng JSON {…} (the body must be a JSON object)".into(),
        );
        return Err(ApiError::validation(fields));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        // Nothing but white space may follow the value.
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => Err(ApiError::bad_request(
                "malformed_json",
                format!("Dữ liệu JSON không đúng cú pháp (malformed JSON: {e})"),
                FieldErrors::new(),
            )),
        },
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            use serde_json::error::Category;
            // serde_json reports some values of the wrong shape as syntax errors (an object where an
            // enum's string is expected: "expected value"): only a body that is not JSON at all is
            // malformed; well-formed JSON of the wrong shape is a 422 naming the field.
            let syntax = matches!(
                inner.classify(),
                Category::Syntax | Category::Eof | Category::Io
            ) && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err();
            if syntax {
                return Err(ApiError::bad_request(
                    "malformed_json",
                    format!("Dữ liệu JSON không đúng cú pháp (malformed JSON: {inner})"),
                    FieldErrors::new(),
                ));
            }
            let msg = inner.to_string();
            let field = match missing_field(&msg) {
                Some(name) if path == "." => name.to_owned(),
                Some(name) => format!("{path}.{name}"),
                None if path == "." => "body".to_owned(),
                None => path,
            };
            let mut fields = FieldErrors::new();
            fields.insert(field, describe(&msg));
            Err(ApiError::validation(fields))
        }
    }
}

fn missing_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn describe(msg: &str) -> String {
    // serde_json appends " at line N column M"; the field name already says where.
    let core = msg.split(" at line ").next().unwrap_or(msg);
    if core.starts_with("missing field") {
        format!("Thiếu trường bắt buộc ({core})")
    } else if core.starts_with("invalid type") {
        format!("Sai kiểu dữ liệu ({core})")
    } else if core.starts_with("unknown field") {
        format!("Trường không được hỗ trợ ({core})")
    } else {
        format!("Giá trị không hợp lệ ({core})")
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        password: String,
    }

    fn fields(err: ApiError) -> FieldErrors {
        match err {
            ApiError::Invalid { fields, .. } => fields,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_array_is_no_body_even_when_it_lists_every_field() {
        let req = Request::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(r#" ["a@b.c", "secret"]"#))
            .unwrap();
        let r = Json::<Login>::from_request(req, &()).await.unwrap_err();
        assert_eq!(r.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        let req = Request::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(
                r#"{"email": "a@b.c", "password": "x"}"#,
            ))
            .unwrap();
        assert!(Json::<Login>::from_request(req, &()).await.is_ok());
    }

    #[test]
    fn an_array_is_refused_by_the_one_parser_and_broken_json_stays_malformed() {
        let f = fields(parse::<Login>(br#"["a@b.c", "x"]"#).unwrap_err());
        assert!(f.contains_key("body"), "{f:?}");
        match parse::<Login>(b"[\"a@b.c\"").unwrap_err() {
            ApiError::Invalid { status, .. } => assert_eq!(status.as_u16(), 400),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_missing_and_mistyped_fields() {
        let f = fields(parse::<Login>(br#"{"email":"a@b.c"}"#).unwrap_err());
        assert!(f.contains_key("password"), "{f:?}");
        let f = fields(parse::<Login>(br#"{"email":1,"password":"x"}"#).unwrap_err());
        assert!(f.contains_key("email"), "{f:?}");
    }

    #[test]
    fn well_formed_json_of_the_wrong_shape_is_422_naming_the_field() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        enum Kind {
            A,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Kinds {
            kinds: Vec<Kind>,
        }
        // serde_json calls `{}` where an enum's string is expected a syntax error ("expected value").
        let err = parse::<Kinds>(br#"{"kinds": [{}]}"#).unwrap_err();
        assert_eq!(err.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(fields(err).contains_key("kinds[0]"));
    }

    #[test]
    fn malformed_json_is_400() {
        let err = parse::<Login>(b"{not json").unwrap_err();
        assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST);
        let err = parse::<Login>(br#"{"email":"a@b.c","password":"x"} trailing"#).unwrap_err();
        assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST);
    }
}
