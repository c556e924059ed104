//! Route tables. Each module is one resource; handlers translate HTTP to use cases.

pub mod billing;
pub mod health;
pub mod keys;
pub mod partners;
pub mod popbill;
pub mod printed;
pub mod privacy;
pub mod reconciliation;
pub mod settlement;
pub mod supplier;
pub mod tax_invoices;
pub mod tenant;
pub(crate) mod upload;
pub mod users;
pub mod webhooks;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use settle_app::ErrorKind;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;

// Each endpoint is declared once, by its handler's `#[utoipa::path]` (method, path,
// parameters, bodies, answers); `routes!` turns those into both the axum route and the
// OpenAPI path, so the router and the document cannot disagree. One `routes!` per path.

/// Routes that need no API key.
pub fn public() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .route("/v1/openapi.json", get(crate::openapi::document))
}

/// The supplier's routes (their own session auth, no API key).
pub fn supplier() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(supplier::open_session))
        .routes(routes!(supplier::register_certificate))
        .routes(routes!(supplier::get_one))
        .routes(routes!(printed::supplier_tax_invoice_pdf))
        .routes(routes!(supplier::issue))
        .routes(routes!(supplier::refuse))
        .routes(routes!(supplier::cancel_issue))
}

/// The authenticated `/v1` API.
pub fn v1() -> OpenApiRouter<AppState> {
    use billing::{charges, invoices, payments, profiles, rebills, runs, statement};
    OpenApiRouter::new()
        .routes(routes!(tenant::get_tenant, tenant::patch_tenant))
        .routes(routes!(tenant::link_tenant))
        .routes(routes!(partners::link, partners::unlink))
        .routes(routes!(tax_invoices::create, tax_invoices::list))
        .routes(routes!(tax_invoices::batch::batch))
        .routes(routes!(
            tax_invoices::get_one,
            tax_invoices::patch,
            tax_invoices::delete
        ))
        .routes(routes!(tax_invoices::request))
        .routes(routes!(tax_invoices::resend))
        .routes(routes!(tax_invoices::cancel_request))
        .routes(routes!(tax_invoices::send_to_nts))
        .routes(routes!(tax_invoices::amend))
        .routes(routes!(tax_invoices::history))
        .routes(routes!(tax_invoices::xml))
        .routes(routes!(printed::tax_invoice_pdf))
        .routes(routes!(partners::create, partners::list))
        .routes(routes!(partners::import))
        .routes(routes!(partners::get_one, partners::patch))
        .routes(routes!(profiles::create, profiles::list))
        .routes(routes!(profiles::get_one, profiles::patch))
        .routes(routes!(charges::create, charges::list))
        .routes(routes!(charges::get_one))
        .routes(routes!(runs::create))
        .routes(routes!(runs::get_one))
        .routes(routes!(runs::finalize))
        .routes(routes!(invoices::list))
        .routes(routes!(invoices::get_one))
        .routes(routes!(printed::invoice_pdf))
        .routes(routes!(printed::invoice_ubl))
        .routes(routes!(reconciliation::invoice_file))
        .routes(routes!(reconciliation::period_file))
        .routes(routes!(reconciliation::checks))
        .routes(routes!(privacy::personal_data))
        .routes(routes!(privacy::erase))
        .routes(routes!(invoices::finalize))
        .routes(routes!(invoices::credit_note))
        .routes(routes!(invoices::rebill))
        .routes(routes!(rebills::get_one))
        .routes(routes!(rebills::approve))
        .routes(routes!(rebills::reject))
        .routes(routes!(payments::create, payments::list))
        .routes(routes!(payments::get_one))
        .routes(routes!(statement::statement))
        .routes(routes!(keys::create, keys::list))
        .routes(routes!(keys::revoke))
        .routes(routes!(keys::create_popbill_key))
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(
            webhooks::get_one,
            webhooks::update,
            webhooks::delete
        ))
        .routes(routes!(webhooks::disable))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::delivery))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(users::create, users::list))
        .routes(routes!(users::get_one, users::patch))
        .routes(routes!(users::disable))
        .routes(routes!(users::login_link))
        .routes(routes!(users::partners, users::assign))
        .routes(routes!(users::unassign))
        .merge(settlement_routes())
}

/// The settlement routes.
fn settlement_routes() -> OpenApiRouter<AppState> {
    use settlement::{contracts, payouts, settlements, transfers};
    OpenApiRouter::new()
        .routes(routes!(contracts::create))
        .routes(routes!(contracts::list))
        .routes(routes!(transfers::create))
        .routes(routes!(transfers::import))
        .routes(routes!(settlements::close))
        .routes(routes!(settlements::list))
        .routes(routes!(settlements::get_one))
        .routes(routes!(settlements::open))
        .routes(routes!(settlements::document))
        .routes(routes!(settlements::paid))
        .routes(routes!(
            payouts::put_bank_account,
            payouts::get_bank_account
        ))
        .routes(routes!(payouts::file))
        .routes(routes!(payouts::import))
}

/// 404 in the error format for every unknown path.
pub async fn not_found() -> Response {
    ApiError::new(ErrorKind::NotFound, "route.not_found", "no such endpoint").into_response()
}

pub(crate) use settle_app::patch::merge_patch;
