//! The Popbill-compatible surface, for the official SDKs pointed at settle: the Linkhub
//! token handshake and the tax-invoice API. Its transport follows what the SDKs need:
//! success is HTTP 200 exactly, every error is a non-2xx JSON `{code, message}` with a
//! negative code, every answer is `application/json; charset=utf-8` (plain text only for
//! `/Time`), nothing is compressed, and every answer says `Connection: close` (the SDK
//! keeps a connection for 180 s and never retries one the server closed).

mod auth;
mod info;
mod taxinvoice;

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::header::{CONNECTION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::Value;
use settle_app::popbill::PopbillError;

use crate::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/POPBILL/Token", post(auth::token))
        .route("/POPBILL_TEST/Token", post(auth::token))
        .route("/POPBILL/Point", get(auth::point))
        .route("/POPBILL_TEST/Point", get(auth::point))
        .route("/POPBILL/PartnerPoint", get(auth::point))
        .route("/POPBILL_TEST/PartnerPoint", get(auth::point))
        .route("/Time", get(auth::time))
        .route(
            "/Join",
            get(taxinvoice::check_is_member).post(taxinvoice::join_member),
        )
        .route("/Taxinvoice", any(taxinvoice::dispatch))
        .route("/Taxinvoice/", any(taxinvoice::dispatch))
        .route("/Taxinvoice/{*rest}", any(taxinvoice::dispatch))
}

/// A 200 JSON answer.
pub(crate) fn ok(body: Value) -> Response {
    answer(StatusCode::OK, body.to_string())
}

fn answer(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (CONTENT_TYPE, "application/json; charset=utf-8"),
            (CONNECTION, "close"),
        ],
        body,
    )
        .into_response()
}

/// An error answer: its status and `{code, message}`.
pub(crate) fn error(error: &PopbillError) -> Response {
    let status = StatusCode::from_u16(error.status)
        .ok()
        .filter(|s| !s.is_success())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    answer(
        status,
        serde_json::json!({"code": error.code, "message": error.message}).to_string(),
    )
}

/// The caller's address (unspecified when the listener does not say).
pub(crate) fn peer(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// A header's value as text.
pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
