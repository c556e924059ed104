//! The OpenAPI 3.1 document, generated from the handlers and types themselves.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorDetail};
use crate::routes::billing::{charges, invoices, payments, profiles, rebills, runs, statement};
use crate::routes::{billing, keys, partners, supplier, tax_invoices, tenant};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "settle", description = "Reverse-issued Korean e-tax invoices and partner invoices. Money, quantities and rates are decimal strings; errors are `{\"error\":{\"code\",\"message\",\"field\"}}`."),
    paths(
        crate::routes::health::health,
        tenant::get_tenant, tenant::patch_tenant, tenant::link_tenant,
        partners::create, partners::list, partners::get_one, partners::patch, partners::import,
        partners::link, partners::unlink,
        tax_invoices::create, tax_invoices::batch::batch, tax_invoices::list, tax_invoices::get_one, tax_invoices::patch,
        tax_invoices::delete, tax_invoices::request, tax_invoices::resend, tax_invoices::cancel_request,
        tax_invoices::send_to_nts, tax_invoices::amend, tax_invoices::history, tax_invoices::xml,
        supplier::open_session, supplier::get_one, supplier::register_certificate, supplier::issue,
        supplier::refuse, supplier::cancel_issue,
        keys::create, keys::list, keys::revoke,
        profiles::create, profiles::list, profiles::get_one, profiles::patch,
        charges::create, charges::list, charges::get_one,
        runs::create, runs::get_one, runs::finalize,
        invoices::list, invoices::get_one, invoices::finalize, invoices::credit_note, invoices::rebill,
        rebills::get_one, rebills::approve, rebills::reject,
        payments::create, payments::list, payments::get_one,
        statement::statement,
    ),
    components(schemas(ErrorBody, ErrorDetail, partners::PartnerBody, partners::PartnerView, partners::ContactBody,
        partners::NtsLinkView, tenant::TenantView, tenant::TenantPatchBody, tenant::TenantLinkView, keys::KeyBody, keys::KeyView,
        tax_invoices::TaxInvoiceBody, tax_invoices::batch::BatchBody, tax_invoices::TaxInvoiceView, tax_invoices::LineView, tax_invoices::PartyView, tax_invoices::AmendmentView, tax_invoices::ActionBody, tax_invoices::AmendBody, tax_invoices::ResendBody,
        supplier::SessionBody, supplier::SessionView, supplier::CertificateView,
        profiles::AddressView, profiles::DetailsView, profiles::ProfileView, profiles::AddressBody, profiles::ProfileBody,
        charges::ChargeBody, charges::ChargeListBody, charges::ChargeView, billing::ItemView,
        runs::RunBody, runs::RunView, runs::RunFinalizedView,
        billing::InvoiceSummary, billing::InvoiceView, billing::InvoiceLineView, billing::DocumentRef,
        invoices::CreditNoteBody, invoices::CreditLineBody, invoices::RebillBody, rebills::RebillView,
        payments::PaymentBody, payments::AllocationBody, payments::PaymentView, payments::AllocationView,
        statement::StatementView, statement::StatementDocumentView, statement::StatementPaymentView)),
    modifiers(&ApiKeyScheme),
)]
pub struct ApiDoc;

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`sk_…` API key"))
                    .build(),
            ),
        );
    }
}

/// `GET /v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
