//! `Idempotency-Key` on POST: the first request with a key runs and its response (any
//! non-5xx) is stored; the same key with the same request gets that response again (marked
//! `idempotent-replayed: true`), with a different request 409 `idempotency.conflict`, and
//! while the first is still running 409 `idempotency.in_progress`. A 5xx frees the key so
//! the client can retry. The request fingerprint covers method, path, query, content type
//! and body.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use settle_app::ErrorKind;
use settle_app::auth::Principal;
use settle_app::idempotency;
use settle_core::idempotency::{Reservation, StoredResponse};
use sha2::{Digest, Sha256};
use time::Duration;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::read_error;

const HEADER: &str = "idempotency-key";
const MAX_KEY_CHARS: usize = 255;
/// How long a reservation blocks retries if its request never finishes (a crash).
const LEASE: Duration = Duration::minutes(5);

/// The middleware.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match run(state, request, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn run(state: AppState, request: Request, next: Next) -> Result<Response, Response> {
    let key = request
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    let (&Method::POST, Some(key)) = (request.method(), key) else {
        return Ok(next.run(request).await);
    };
    let key = key
        .ok()
        .filter(|k| !k.is_empty() && k.chars().count() <= MAX_KEY_CHARS)
        .ok_or_else(|| {
            reject(
                ErrorKind::Invalid,
                "idempotency.invalid_key",
                "Idempotency-Key must be 1 to 255 visible characters",
            )
        })?;
    let Some(principal) = request.extensions().get::<Principal>().cloned() else {
        return Ok(next.run(request).await);
    };
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, usize::MAX)
        .await
        .map_err(|e| read_error(&e).into_response())?;
    let hash = fingerprint(&parts, &bytes);
    let app = &state.app;
    let reservation = idempotency::reserve(app, &principal.tenant_id, &key, &hash, LEASE)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    match reservation {
        Reservation::Reserved => {}
        Reservation::Replay(stored) => return Ok(replay(stored)),
        Reservation::Mismatch => {
            return Err(reject(
                ErrorKind::Conflict,
                "idempotency.conflict",
                "this Idempotency-Key was used with a different request",
            ));
        }
        Reservation::InProgress => {
            return Err(reject(
                ErrorKind::Conflict,
                "idempotency.in_progress",
                "a request with this Idempotency-Key is still running",
            ));
        }
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let outcome = async {
        if parts.status.is_server_error() {
            idempotency::release(app, &principal.tenant_id, &key).await
        } else {
            let stored = StoredResponse {
                status: parts.status.as_u16(),
                content_type: parts
                    .headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned(),
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            idempotency::complete(app, &principal.tenant_id, &key, &stored).await
        }
    }
    .await;
    if let Err(error) = outcome {
        tracing::error!(%error, "could not record the idempotent response");
    }
    Ok(Response::from_parts(parts, Body::from(body)))
}

/// Hashes what makes two requests "the same". A multipart body's boundary is random per
/// request, so it is left out: a client that rebuilds an upload to retry it still matches.
fn fingerprint(parts: &axum::http::request::Parts, body: &[u8]) -> String {
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = content_type
        .split(';')
        .find_map(|param| param.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty());
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str());
    hash.update([0]);
    hash.update(
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or_default(),
    );
    hash.update([0]);
    hash.update(content_type.split(';').next().unwrap_or_default());
    hash.update([0]);
    match boundary {
        Some(boundary) => {
            for piece in memchr::memmem::find_iter(body, boundary.as_bytes())
                .chain([body.len()])
                .scan(0, |start, end| {
                    let piece = body.get(*start..end).unwrap_or_default();
                    *start = end + boundary.len();
                    Some(piece)
                })
            {
                hash.update(piece);
                hash.update([0]);
            }
        }
        None => hash.update(body),
    }
    hex::encode(hash.finalize())
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    if let Ok(content_type) = HeaderValue::from_str(&stored.content_type) {
        response.headers_mut().insert(CONTENT_TYPE, content_type);
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

fn reject(kind: ErrorKind, code: &'static str, message: &str) -> Response {
    ApiError::new(kind, code, message).into_response()
}
