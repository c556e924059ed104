//! API-key authentication for `/v1`: `Authorization: Bearer <key>`. The principal goes into
//! the request extensions; each use case then checks its own right.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use settle_app::ErrorKind;
use settle_app::auth::authenticate;

use crate::AppState;
use crate::error::ApiError;

/// The middleware.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = match header {
        None => Err(ApiError::new(
            ErrorKind::Unauthorized,
            "auth.missing_key",
            "an API key is required: Authorization: Bearer <key>",
        )),
        Some(value) => match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                Ok(token.trim().to_owned())
            }
            _ => Err(ApiError::new(
                ErrorKind::Unauthorized,
                "auth.invalid_key",
                "use Authorization: Bearer <key>",
            )),
        },
    };
    let principal = match token {
        Ok(token) => authenticate(&state.app, &token).await.map_err(ApiError),
        Err(error) => Err(error),
    };
    match principal {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(error) => {
            let mut response = error.into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}
