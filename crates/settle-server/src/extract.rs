//! Extractors that turn bad requests into settle's error format instead of axum's plain
//! text: JSON bodies (with the path of the offending field), query strings, the caller.

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use settle_app::ErrorKind;
use settle_app::auth::Principal;

use crate::error::ApiError;

/// A JSON body. An empty body reads as `{}` (so action endpoints need none).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(content_type) = content_type
            && !content_type.starts_with("application/json")
            && !content_type.contains("+json")
        {
            return Err(ApiError::new(
                ErrorKind::UnsupportedMediaType,
                "request.unsupported_media_type",
                format!("expected application/json, got {content_type}"),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        parse_json(if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        })
        .map(ApiJson)
    }
}

/// A JSON merge patch (RFC 7396) body: a JSON object, or 422 `request.invalid_field`.
pub struct MergePatch(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for MergePatch {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let ApiJson(patch) = ApiJson::<serde_json::Value>::from_request(req, state).await?;
        if patch.is_object() {
            Ok(MergePatch(patch))
        } else {
            Err(ApiError(settle_app::AppError::invalid(
                "request.invalid_field",
                "body",
                "the patch must be a JSON object",
            )))
        }
    }
}

/// Parses JSON text, naming the field at fault when the shape is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            let mut api = settle_app::AppError::new(
                ErrorKind::Invalid,
                "request.invalid_field",
                inner.to_string(),
            );
            if path != "." {
                api = api.with_field(path);
            }
            ApiError(api)
        } else {
            malformed(&inner)
        }
    })?;
    deserializer.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "request.malformed_json",
        format!("malformed JSON: {error}"),
    )
}

/// The error for a body stream that failed: over the limit, or broken off.
pub fn read_error(error: &axum::Error) -> ApiError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.is::<http_body_util::LengthLimitError>() {
            return too_large();
        }
        source = cause.source();
    }
    ApiError::new(
        ErrorKind::BadRequest,
        "request.unreadable_body",
        "the request body could not be read",
    )
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorKind::TooLarge,
        "request.too_large",
        "the request body is over the limit",
    )
}

/// The error for a body that could not be read (too large, or the connection broke).
pub fn body_error(rejection: impl axum::response::IntoResponse) -> ApiError {
    let response = rejection.into_response();
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::new(
            ErrorKind::BadRequest,
            "request.unreadable_body",
            "the request body could not be read",
        )
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|e| ApiError::new(ErrorKind::Invalid, "request.invalid_query", e.body_text()))
    }
}

/// The authenticated caller (put there by the auth middleware).
pub struct Auth(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Auth)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorKind::Unauthorized,
                    "auth.missing_key",
                    "an API key is required",
                )
            })
    }
}
