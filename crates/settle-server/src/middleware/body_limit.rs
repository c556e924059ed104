//! Body limits: 10 MB, or 200 MB on upload endpoints (`…/import`, `…/batch`). A declared
//! `Content-Length` over the limit is refused before any of the body is read; a body that
//! turns out longer while streaming fails when it crosses the limit. A page's upload is
//! refused with a page.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Limited};
use settle_app::ErrorKind;

use crate::error::ApiError;

/// Limit of ordinary requests.
pub const DEFAULT_LIMIT: usize = 10 * 1024 * 1024;
/// Limit of upload endpoints.
pub const UPLOAD_LIMIT: usize = 200 * 1024 * 1024;

/// The body limit of a path.
pub fn limit_for(path: &str) -> usize {
    if path.ends_with("/import") || path.ends_with("/batch") {
        UPLOAD_LIMIT
    } else {
        DEFAULT_LIMIT
    }
}

/// Up to this size a refused page upload is read to its end before the refusal is sent:
/// a browser still sending its upload when the connection closes shows a network error
/// instead of the page.
const PAGE_DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// The refusal page of an upload over the limit, after reading what the browser sends.
async fn refuse_page_upload(request: Request, declared: u64) -> Response {
    let headers = request.headers().clone();
    if declared <= PAGE_DRAIN_LIMIT {
        let mut body = request.into_body();
        while let Some(Ok(_)) = body.frame().await {}
    }
    crate::pages::too_large(&headers)
}

/// The middleware.
pub async fn layer(request: Request, next: Next) -> Response {
    let limit = limit_for(request.uri().path());
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        if crate::pages::is_page(request.uri().path()) {
            return refuse_page_upload(request, declared.unwrap_or_default()).await;
        }
        return ApiError::new(
            ErrorKind::TooLarge,
            "request.too_large",
            format!(
                "the request body is over the limit of {} MB",
                limit / (1024 * 1024)
            ),
        )
        .into_response();
    }
    next.run(request.map(|body| Body::new(Limited::new(body, limit))))
        .await
}
