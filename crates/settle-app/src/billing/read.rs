//! Reading billing documents: one with its lines and the documents that refer to it, or a
//! filtered page.

use std::collections::HashMap;

use rust_decimal::Decimal;
use settle_core::access::Right;
use settle_core::billing::{Document, DocumentKind, DocumentLine};
use settle_core::ids::InvoiceLineId;
use settle_core::tax_invoice::TaxInvoiceRecord;
use settle_store::billing::documents::{self, DocumentFilter};
use settle_store::billing::lines;
use settle_store::tax_invoices;

use super::load_document;
use crate::auth::Principal;
use crate::pagination::{Page, PageRequest};
use crate::{App, AppError};

/// A document with everything its page or PDF shows.
#[derive(Clone, Debug)]
pub struct InvoiceDetail {
    /// The document.
    pub document: Document,
    /// Its lines, in order.
    pub lines: Vec<DocumentLine>,
    /// Per line of an invoice: the amount and tax credited so far (positive).
    pub credited: HashMap<InvoiceLineId, (Decimal, Decimal)>,
    /// Credit notes, void notes and rebilled invoices that refer to it, oldest first.
    pub related: Vec<Document>,
    /// The Korean tax invoice the platform issued for it (정발행), once issued.
    pub tax_invoice: Option<TaxInvoiceRecord>,
}

/// One document, by id or number.
pub async fn get_invoice(app: &App, by: &Principal, key: &str) -> Result<InvoiceDetail, AppError> {
    by.require(Right::ReadInvoices)?;
    let mut conn = app.store.read().await?;
    let document = load_document(&mut conn, &by.tenant_id, key).await?;
    by.sees(&document.partner_id, "invoice")?;
    let lines = lines::of_document(&mut conn, &document.id).await?;
    let mut credited: HashMap<InvoiceLineId, (Decimal, Decimal)> = HashMap::new();
    let mut related = Vec::new();
    if document.kind == DocumentKind::Invoice {
        for line in lines::credits_of(&mut conn, &document.id).await? {
            if let Some(original) = line.credits_line_id {
                let entry = credited.entry(original).or_default();
                entry.0 -= line.priced.amount;
                entry.1 -= line.priced.tax;
            }
        }
        related = documents::notes_of(&mut conn, &document.id).await?;
    }
    let tax_invoice = tax_invoices::of_sources(&mut conn, &[&document.id])
        .await?
        .into_iter()
        .next();
    Ok(InvoiceDetail {
        document,
        lines,
        credited,
        related,
        tax_invoice,
    })
}

/// A page of documents.
pub async fn list_invoices(
    app: &App,
    by: &Principal,
    filter: &DocumentFilter,
    page: &PageRequest,
) -> Result<Page<Document>, AppError> {
    by.require(Right::ReadInvoices)?;
    let filter = &DocumentFilter {
        among: by.scope.assigned(),
        ..filter.clone()
    };
    let mut conn = app.store.read().await?;
    let items = documents::list(
        &mut conn,
        &by.tenant_id,
        filter,
        page.after.as_deref(),
        page.limit + 1,
    )
    .await?;
    Ok(page.page(items, |d| d.id.as_str()))
}
