//! settle's partner invoices, credit notes and void notes as UBL 2.1 documents that
//! conform to Peppol BIS Billing 3.0 (and so to EN 16931): an invoice becomes an `Invoice`
//! (type 380), a credit or void note a `CreditNote` (type 381) that refers to the original
//! invoice and states its amounts as positive credits.
//!
//! Amounts are in the billing currency with its decimals (none for JPY, KRW and TWD). Each
//! line keeps settle's exact net amount; the VAT breakdown is computed per category and
//! rate as EN 16931 requires, and the amount due stays settle's total (see the rounding
//! amount in [`document`]). Pure: no IO, no floats; every input gives a document or an
//! error.

mod amounts;
mod document;
mod endpoint;
mod error;
mod format;
mod lines;
mod parties;
mod xml;

#[cfg(test)]
mod tests;

pub use document::{CUSTOMIZATION_ID, PROFILE_ID};
pub use endpoint::{Endpoint, FALLBACK_SCHEME, PEPPOL_EAS};
pub use error::UblError;

use settle_core::billing::{Document, DocumentLine};
use settle_core::partner::PartnerData;
use settle_core::tenant::Tenant;

/// Everything a UBL document is made of.
pub struct UblSource<'a> {
    /// The document; finalized (a draft has no number, date or billing details).
    pub document: &'a Document,
    /// Its lines, in order.
    pub lines: &'a [DocumentLine],
    /// The seller: the tenant that bills.
    pub seller: &'a Tenant,
    /// The buyer: the partner billed.
    pub buyer: &'a PartnerData,
    /// The seller's electronic address; `None`: see [`FALLBACK_SCHEME`].
    pub seller_endpoint: Option<Endpoint>,
    /// The buyer's electronic address; `None`: see [`FALLBACK_SCHEME`].
    pub buyer_endpoint: Option<Endpoint>,
}

/// The document as UBL XML (UTF-8): an `Invoice` for an invoice, a `CreditNote` for a
/// credit or void note.
///
/// The VAT of each category is the category's taxable amount times its rate, rounded half
/// away from zero to the currency's decimals (EN 16931). settle rounds the tax of each line
/// instead and bills the sum, which may differ from the category figure by a few cents;
/// the amount due (`PayableAmount`) is settle's total all the same, and the difference is
/// written as `PayableRoundingAmount`, so the document says exactly what the partner owes
/// and its totals still add up.
pub fn document(source: &UblSource<'_>) -> Result<String, UblError> {
    document::write(source)
}
