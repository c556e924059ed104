//! The pages people use: server-rendered HTML that works without script, Korean by default
//! and English by a remembered switch, one stylesheet: the supplier's pages from the
//! emailed link (`/s/{token}`) and the staff's sign-in and account pages. Every page answer carries the same security headers: a
//! `Content-Security-Policy` allowing only settle's own stylesheet, no referrer (the link
//! holds a secret), no framing, no caching; every form carries the browser's CSRF token.

mod actions;
mod context;
mod i18n;
mod replies;
mod staff;
mod supplier;
mod views;
mod workspace;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;

/// The policy: nothing but settle's own stylesheet and script, and forms posting back to
/// settle.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                      img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                      base-uri 'none'";

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/s/{token}",
            get(supplier::gate).post(supplier::open_session),
        )
        .route("/s/{token}/tax-invoices/{id}", get(supplier::invoice))
        .route(
            "/s/{token}/tax-invoices/{id}/pdf",
            get(supplier::invoice_pdf),
        )
        .route(
            "/s/{token}/tax-invoices/{id}/{action}",
            get(actions::confirm).post(actions::perform),
        )
        .route(
            "/s/{token}/certificate",
            get(actions::certificate_form).post(actions::register_certificate),
        )
        .route("/", get(staff::home))
        .route("/login", get(staff::login_form).post(staff::login))
        .route("/logout", post(staff::logout))
        .route("/account", get(staff::account))
        .route("/account/password", post(staff::change_password))
        .route(
            "/login/link/{token}",
            get(staff::link_form).post(staff::use_link),
        )
        .merge(workspace::router())
        .route("/assets/settle.css", get(stylesheet))
        .route("/assets/favicon.svg", get(icon))
        .route("/assets/refresh.js", get(script))
        .route("/favicon.ico", get(icon))
        .layer(from_fn(security_headers))
}

/// Whether `path` is a page's (its refusals are pages, not JSON).
pub fn is_page(path: &str) -> bool {
    path == "/"
        || ["/s/", "/login", "/logout", "/account", "/app"]
            .iter()
            .any(|prefix| path.starts_with(prefix))
}

/// The page that refuses an upload over the body limit (413), in the remembered language.
pub fn too_large(headers: &axum::http::HeaderMap) -> Response {
    let ctx = context::Context::before_routing(headers);
    let body = replies::render_message(&ctx, replies::Kind::TooLarge, None);
    let mut response = ctx.respond(axum::http::StatusCode::PAYLOAD_TOO_LARGE, body);
    add_security_headers(&mut response);
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/settle.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/refresh.js"),
    )
}

async fn icon() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/favicon.svg"),
    )
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    add_security_headers(&mut response);
    response
}

fn add_security_headers(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}
