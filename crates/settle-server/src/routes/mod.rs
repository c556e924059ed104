//! Route tables. Each module is one resource; handlers translate HTTP to use cases.

pub mod billing;
pub mod health;
pub mod keys;
pub mod partners;
pub mod supplier;
pub mod tax_invoices;
pub mod tenant;
mod upload;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use settle_app::ErrorKind;

use crate::AppState;
use crate::error::ApiError;

/// Routes that need no API key.
pub fn public() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route("/v1/openapi.json", get(crate::openapi::document))
}

/// The supplier's routes (their own session auth, no API key).
pub fn supplier() -> Router<AppState> {
    Router::new()
        .route("/v1/supplier/sessions", post(supplier::open_session))
        .route(
            "/v1/supplier/certificates",
            post(supplier::register_certificate),
        )
        .route("/v1/supplier/tax-invoices/{id}", get(supplier::get_one))
        .route(
            "/v1/supplier/tax-invoices/{id}/issue",
            post(supplier::issue),
        )
        .route(
            "/v1/supplier/tax-invoices/{id}/refuse",
            post(supplier::refuse),
        )
        .route(
            "/v1/supplier/tax-invoices/{id}/cancel-issue",
            post(supplier::cancel_issue),
        )
}

/// The authenticated `/v1` API.
pub fn v1() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/tenant",
            get(tenant::get_tenant).patch(tenant::patch_tenant),
        )
        .route("/v1/tenant/nts-link", post(tenant::link_tenant))
        .route(
            "/v1/partners/{id}/nts-link",
            post(partners::link).delete(partners::unlink),
        )
        .route(
            "/v1/tax-invoices",
            post(tax_invoices::create).get(tax_invoices::list),
        )
        .route("/v1/tax-invoices/batch", post(tax_invoices::batch::batch))
        .route(
            "/v1/tax-invoices/{key}",
            get(tax_invoices::get_one)
                .patch(tax_invoices::patch)
                .delete(tax_invoices::delete),
        )
        .route(
            "/v1/tax-invoices/{key}/request",
            post(tax_invoices::request),
        )
        .route("/v1/tax-invoices/{key}/resend", post(tax_invoices::resend))
        .route(
            "/v1/tax-invoices/{key}/cancel-request",
            post(tax_invoices::cancel_request),
        )
        .route(
            "/v1/tax-invoices/{key}/send-to-nts",
            post(tax_invoices::send_to_nts),
        )
        .route("/v1/tax-invoices/{key}/amend", post(tax_invoices::amend))
        .route("/v1/tax-invoices/{key}/history", get(tax_invoices::history))
        .route("/v1/tax-invoices/{key}/xml", get(tax_invoices::xml))
        .route("/v1/partners", post(partners::create).get(partners::list))
        .route("/v1/partners/import", post(partners::import))
        .route(
            "/v1/partners/{id}",
            get(partners::get_one).patch(partners::patch),
        )
        .route(
            "/v1/billing-profiles",
            post(billing::profiles::create).get(billing::profiles::list),
        )
        .route(
            "/v1/billing-profiles/{id}",
            get(billing::profiles::get_one).patch(billing::profiles::patch),
        )
        .route(
            "/v1/charges",
            post(billing::charges::create).get(billing::charges::list),
        )
        .route("/v1/charges/{id}", get(billing::charges::get_one))
        .route("/v1/billing-runs", post(billing::runs::create))
        .route("/v1/billing-runs/{id}", get(billing::runs::get_one))
        .route(
            "/v1/billing-runs/{id}/finalize",
            post(billing::runs::finalize),
        )
        .route("/v1/invoices", get(billing::invoices::list))
        .route("/v1/invoices/{id}", get(billing::invoices::get_one))
        .route(
            "/v1/invoices/{id}/finalize",
            post(billing::invoices::finalize),
        )
        .route(
            "/v1/invoices/{id}/credit-notes",
            post(billing::invoices::credit_note),
        )
        .route("/v1/invoices/{id}/rebill", post(billing::invoices::rebill))
        .route("/v1/rebill-requests/{id}", get(billing::rebills::get_one))
        .route(
            "/v1/rebill-requests/{id}/approve",
            post(billing::rebills::approve),
        )
        .route(
            "/v1/rebill-requests/{id}/reject",
            post(billing::rebills::reject),
        )
        .route(
            "/v1/payments",
            post(billing::payments::create).get(billing::payments::list),
        )
        .route("/v1/payments/{id}", get(billing::payments::get_one))
        .route(
            "/v1/partners/{id}/statement",
            get(billing::statement::statement),
        )
        .route("/v1/api-keys", post(keys::create).get(keys::list))
        .route("/v1/api-keys/{id}", delete(keys::revoke))
}

/// 404 in the error format for every unknown path.
pub async fn not_found() -> Response {
    ApiError::new(ErrorKind::NotFound, "route.not_found", "no such endpoint").into_response()
}

pub(crate) use settle_app::patch::merge_patch;
