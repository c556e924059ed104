//! Reading tax invoices: one, a page, the history, the signed XML.

use serde::Serialize;
use settle_core::access::Right;
use settle_core::tax_invoice::TaxInvoiceRecord;
use settle_store::tax_invoices::{self, TaxInvoiceFilter};
use time::OffsetDateTime;

use super::load;
use crate::auth::Principal;
use crate::pagination::{Page, PageRequest};
use crate::{App, AppError};

/// One invoice by document key.
pub async fn get(app: &App, by: &Principal, key: &str) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::ReadTaxInvoices)?;
    load(app, by, key).await
}

/// A page of invoices, oldest first.
pub async fn list(
    app: &App,
    by: &Principal,
    filter: &TaxInvoiceFilter,
    page: &PageRequest,
) -> Result<Page<TaxInvoiceRecord>, AppError> {
    by.require(Right::ReadTaxInvoices)?;
    let filter = &TaxInvoiceFilter {
        among: by.scope.assigned(),
        ..filter.clone()
    };
    let mut conn = app.store.read().await?;
    let items = tax_invoices::list(
        &mut conn,
        &by.tenant_id,
        filter,
        page.after.as_deref(),
        page.limit + 1,
    )
    .await?;
    Ok(page.page(items, |r| r.id.as_str()))
}

/// One history entry as shown.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryView {
    /// State before (`null` for the creation).
    pub from: Option<&'static str>,
    /// State after.
    pub to: &'static str,
    /// Who.
    pub actor: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why.
    pub memo: Option<String>,
}

/// The invoice's transitions, oldest first.
pub async fn history(app: &App, by: &Principal, key: &str) -> Result<Vec<HistoryView>, AppError> {
    by.require(Right::ReadTaxInvoices)?;
    let record = load(app, by, key).await?;
    let mut conn = app.store.read().await?;
    Ok(tax_invoices::history(&mut conn, &record.id)
        .await?
        .into_iter()
        .map(HistoryView::from)
        .collect())
}

impl From<tax_invoices::HistoryEntry> for HistoryView {
    fn from(e: tax_invoices::HistoryEntry) -> Self {
        Self {
            from: e.from.map(|s| s.as_str()),
            to: e.to.as_str(),
            actor: e.actor,
            at: e.at,
            memo: e.memo,
        }
    }
}

/// The signed NTS XML; 409 until the invoice is issued.
pub async fn signed_xml(app: &App, by: &Principal, key: &str) -> Result<String, AppError> {
    by.require(Right::ReadTaxInvoices)?;
    let record = load(app, by, key).await?;
    let mut conn = app.store.read().await?;
    tax_invoices::signed_xml(&mut conn, &record.id)
        .await?
        .ok_or_else(|| {
            AppError::conflict(
                "tax_invoice.not_issued",
                format!(
                    "the tax invoice is {}; its XML exists once it is issued",
                    record.state
                ),
            )
        })
}
