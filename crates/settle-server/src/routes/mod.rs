//! Route tables. Each module is one resource; handlers translate HTTP to use cases.

pub mod health;
pub mod keys;
pub mod partners;
pub mod tenant;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use settle_app::ErrorKind;

use crate::AppState;
use crate::error::ApiError;

/// Routes that need no API key.
pub fn public() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route("/v1/openapi.json", get(crate::openapi::document))
}

/// The authenticated `/v1` API.
pub fn v1() -> Router<AppState> {
    Router::new()
        .route("/v1/tenant", get(tenant::get_tenant))
        .route("/v1/partners", post(partners::create).get(partners::list))
        .route("/v1/partners/import", post(partners::import))
        .route(
            "/v1/partners/{id}",
            get(partners::get_one).patch(partners::patch),
        )
        .route("/v1/api-keys", post(keys::create).get(keys::list))
        .route("/v1/api-keys/{id}", axum::routing::delete(keys::revoke))
}

/// 404 in the error format for every unknown path.
pub async fn not_found() -> Response {
    ApiError::new(ErrorKind::NotFound, "route.not_found", "no such endpoint").into_response()
}
