//! Documents as PDF (and the statement as CSV): the printed forms of invoices, notes,
//! statements and tax invoices, sent as downloads with their file names; and partner
//! invoices and notes as UBL electronic invoices.

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_app::einvoice;
use settle_app::printed::{self, PrintOptions, Printed};
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::routes::supplier::SupplierAuth;

/// A file download: its type, its name (ASCII, settle makes it), its bytes.
pub(crate) fn download(content_type: &'static str, file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("inline; filename=\"{file_name}\"");
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// A file to save rather than show: its type, its name (ASCII, settle makes it), its bytes.
pub(crate) fn attachment(content_type: &'static str, file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// A printed document as `application/pdf`.
pub(crate) fn pdf(printed: Printed) -> Response {
    download("application/pdf", &printed.file_name, printed.bytes)
}

/// Print options of a partner invoice.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoicePdfQuery {
    /// `lrd` or `non_lrd`; default: the billing profile's template.
    pub template: Option<String>,
    /// `ko` or `en`; default: the partner's language.
    pub lang: Option<String>,
}

/// A finalized invoice, credit memo or void note as PDF, in the LRD or non-LRD template.
#[utoipa::path(get, path = "/v1/invoices/{id}/pdf", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "id or number"), InvoicePdfQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "a draft"), (status = 422, body = ErrorBody)))]
pub async fn invoice_pdf(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<InvoicePdfQuery>,
) -> ApiResult<Response> {
    let options = PrintOptions {
        template: query.template.as_deref(),
        lang: query.lang.as_deref(),
    };
    Ok(pdf(
        printed::invoice_pdf(&state.app, &by, &id, &options).await?
    ))
}

/// A finalized invoice, credit note or void note as an electronic invoice: UBL 2.1 in the
/// Peppol BIS Billing 3.0 profile — an `Invoice` for an invoice, a `CreditNote` citing the
/// original invoice for a credit or void note — in the billing currency.
#[utoipa::path(get, path = "/v1/invoices/{id}/ubl", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, content_type = "application/xml", body = String), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "a draft")))]
pub async fn invoice_ubl(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let ubl = einvoice::invoice_ubl(&state.app, &by, &id).await?;
    Ok(attachment(
        "application/xml",
        &ubl.file_name,
        ubl.xml.into_bytes(),
    ))
}

/// A Korean tax invoice in the standard form layout, as PDF (in any state; the approval
/// number appears once issued).
#[utoipa::path(get, path = "/v1/tax-invoices/{document_key}/pdf", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn tax_invoice_pdf(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    Ok(pdf(printed::tax_invoice_pdf(&state.app, &by, &key).await?))
}

/// One of the supplier's tax invoices as PDF, in the standard form layout.
#[utoipa::path(get, path = "/v1/supplier/tax-invoices/{id}/pdf", tag = "supplier", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn supplier_tax_invoice_pdf(
    State(state): State<AppState>,
    SupplierAuth(by): SupplierAuth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(pdf(
        printed::supplier_tax_invoice_pdf(&state.app, &by, &id).await?
    ))
}
