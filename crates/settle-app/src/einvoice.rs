//! Partner invoices, credit notes and void notes as electronic invoices: UBL 2.1 in the
//! Peppol BIS Billing 3.0 profile. Read with the same rights and scope as the document's
//! JSON and PDF.

use settle_ubl::{UblError, UblSource};

use crate::auth::Principal;
use crate::billing;
use crate::printed::issuer_and_partner;
use crate::{App, AppError};

/// A document as UBL and the file name to save it as.
#[derive(Clone, Debug)]
pub struct Ubl {
    /// `G000000001.xml`, `GC000000001.xml`, …
    pub file_name: String,
    /// The XML, UTF-8.
    pub xml: String,
}

fn not_finalized() -> AppError {
    AppError::conflict(
        "invoice.not_finalized",
        "a draft has no number yet; finalize it to export it",
    )
}

/// A finalized invoice, credit note or void note (by id or number) as a UBL Invoice or
/// CreditNote. The parties are written with settle's own identifiers as electronic
/// addresses (see [`settle_ubl::FALLBACK_SCHEME`]).
pub async fn invoice_ubl(app: &App, by: &Principal, key: &str) -> Result<Ubl, AppError> {
    let detail = billing::get_invoice(app, by, key).await?;
    let document = &detail.document;
    let Some(number) = document
        .number
        .clone()
        .filter(|_| document.details.is_some())
    else {
        return Err(not_finalized());
    };
    let (seller, partner) = issuer_and_partner(app, by, &document.partner_id).await?;
    let xml = settle_ubl::document(&UblSource {
        document,
        lines: &detail.lines,
        seller: &seller,
        buyer: &partner.data,
        seller_endpoint: None,
        buyer_endpoint: None,
    })
    .map_err(|e| match e {
        UblError::NotFinalized => not_finalized(),
        other => AppError::internal(other),
    })?;
    Ok(Ubl {
        file_name: format!("{number}.xml"),
        xml,
    })
}
