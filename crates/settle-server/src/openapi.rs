//! The OpenAPI 3.1 document: the paths come from the route table (each handler's
//! `#[utoipa::path]`, see `routes`), the rest (info, schemas, security) from [`ApiDoc`].

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorDetail};
use crate::routes::billing::{charges, invoices, payments, profiles, rebills, runs, statement};
use crate::routes::{billing, keys, partners, supplier, tax_invoices, tenant, users};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "settle", description = "Reverse-issued Korean e-tax invoices and partner invoices. Money, quantities and rates are decimal strings; errors are `{\"error\":{\"code\",\"message\",\"field\"}}`."),
    components(schemas(ErrorBody, ErrorDetail, partners::PartnerBody, partners::PartnerView, partners::ContactBody,
        partners::NtsLinkView, tenant::TenantView, tenant::TenantPatchBody, tenant::TenantLinkView, keys::KeyBody, keys::KeyView, users::UserBody, users::UserRolesBody, users::UserView, users::UserPartnerBody, users::UserPartnersView,
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

/// The whole document: [`ApiDoc`] with every path of the route table, and the constraints
/// written on its JSON form (kept as JSON: utoipa's types cannot hold every keyword, such
/// as an `anyOf` beside `properties`).
pub fn openapi() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc =
            utoipa_axum::router::OpenApiRouter::<crate::AppState>::with_openapi(ApiDoc::openapi())
                .merge(crate::routes::public())
                .merge(crate::routes::supplier())
                .merge(crate::routes::v1())
                .into_openapi();
        crate::error_responses::document(&mut doc);
        let mut json = serde_json::to_value(&doc).unwrap_or_default();
        crate::constraints::document(&mut json);
        json
    })
}

/// `GET /v1/openapi.json`.
pub async fn document() -> Json<&'static serde_json::Value> {
    Json(openapi())
}
