//! settle's documents as PDF, rendered in process by typst: partner invoices, credit memos
//! and void notes in the LRD and non-LRD templates, partner statements, and Korean tax
//! invoices in the standard form layout. Each document is a view (plain text fields,
//! amounts already formatted by their currency) filled into a template; the only font is
//! the embedded Nanum Gothic, subset into each PDF. Nothing is read from disk or network.

mod invoice;
mod render;
pub mod samples;
mod statement;
mod tax_invoice;
mod texts;
mod views;
mod world;

pub use invoice::InvoiceSource;
pub use render::PdfError;
pub use statement::{StatementDocument, StatementPayment, StatementSource};
pub use tax_invoice::{FORM_ROWS, TaxInvoiceSource};

use std::sync::LazyLock;

use world::Template;

static INVOICE: LazyLock<Template> =
    LazyLock::new(|| Template::new("/invoice.typ", include_str!("../templates/invoice.typ")));
static STATEMENT: LazyLock<Template> =
    LazyLock::new(|| Template::new("/statement.typ", include_str!("../templates/statement.typ")));
static TAX_INVOICE: LazyLock<Template> = LazyLock::new(|| {
    Template::new(
        "/tax_invoice.typ",
        include_str!("../templates/tax_invoice.typ"),
    )
});

/// A partner invoice, credit memo or void note as PDF.
pub fn invoice(source: &InvoiceSource<'_>) -> Result<Vec<u8>, PdfError> {
    render::render(&INVOICE, &invoice::view(source))
}

/// A partner's account statement as PDF.
pub fn statement(source: &StatementSource<'_>) -> Result<Vec<u8>, PdfError> {
    render::render(&STATEMENT, &statement::view(source))
}

/// A Korean tax invoice in the standard form layout, as PDF.
pub fn tax_invoice(source: &TaxInvoiceSource<'_>) -> Result<Vec<u8>, PdfError> {
    render::render(&TAX_INVOICE, &tax_invoice::view(source))
}
