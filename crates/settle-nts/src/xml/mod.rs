//! The NTS standard e-tax-invoice XML (표준전자세금계산서 v3.0): writer and reader.

mod read;
mod write;

use settle_core::tax_invoice::TaxInvoice;
use time::PrimitiveDateTime;

use crate::approval::ApprovalNumber;

pub use read::{parse_document, read};
pub(crate) use write::escape_text;
pub use write::write;

/// The namespace of every NTS tax-invoice element.
pub const NTS_NAMESPACE: &str =
    "urn:kr:or:kec:standard:Tax:ReusableAggregateBusinessInformationEntitySchemaModule:1:0";
/// Where the NTS schema lives (as `xsi:schemaLocation` names it).
pub const NTS_SCHEMA_LOCATION: &str =
    "http://www.kec.or.kr/standard/Tax/TaxInvoiceSchemaModule_1.0.xsd";
/// The XML Schema instance namespace.
pub const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Deepest element nesting accepted when reading (NTS documents nest six levels).
pub const MAX_DEPTH: usize = 32;
/// Most nodes accepted when reading: a 99-line invoice has about 2,000.
pub const MAX_NODES: u32 = 200_000;

/// An issued tax invoice as the NTS receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtsDocument {
    /// 승인번호, the `IssueID`.
    pub approval_number: ApprovalNumber,
    /// When the supplier issued it, Korean local time (`ExchangedDocument/IssueDateTime`).
    pub issued_at: PrimitiveDateTime,
    /// The content.
    pub invoice: TaxInvoice,
}

/// NTS `TypeCode`: `01`/`02` normal/amended, then `01` taxable or `02` zero-rated.
fn type_code(invoice: &TaxInvoice) -> &'static str {
    use settle_core::tax_invoice::TaxType::{Taxable, ZeroRated};
    match (invoice.amendment.is_some(), invoice.tax_type) {
        (false, Taxable) => "0101",
        (false, ZeroRated) => "0102",
        (true, Taxable) => "0201",
        (true, ZeroRated) => "0202",
    }
}
