//! What the supplier's pages read besides the invoice itself: the state of an emailed link
//! and who sent it (before any BRN is given), an invoice's history, and the supplier's
//! other documents waiting at the same tenant. The same rules as the API apply: a link
//! shows nothing but its sender until the BRN opens a session, and a session sees only
//! its own supplier's documents at its own tenant.

use settle_core::tax_invoice::{Direction, TaxInvoiceFilter, TaxInvoiceRecord, TaxInvoiceState};
use settle_store::supplier as store;
use settle_store::{tax_invoices, tenants};

use crate::supplier::{FAILURE_WINDOW, MAX_FAILURES, SupplierPrincipal, load_own, token_hash};
use crate::tax_invoices::HistoryView;
use crate::{App, AppError, ErrorKind};

/// Whether a link can still open a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    /// A BRN may be given.
    Open,
    /// Past its expiry: the platform must send the request again.
    Expired,
    /// Too many wrong BRNs lately: wait out the window.
    Locked,
}

/// An emailed link as its page shows it before the BRN is given.
#[derive(Clone, Debug)]
pub struct LinkInfo {
    /// Whether it can open a session.
    pub status: LinkStatus,
    /// Who sent it (the tenant's name).
    pub sender: String,
    /// Whom to ask (the tenant's contact email), if it has one.
    pub sender_email: Option<String>,
    /// The document the link is about (shown only after the BRN).
    pub tax_invoice_id: String,
}

/// The link with this token: 404 when there is none.
pub async fn link_info(app: &App, token: &str) -> Result<LinkInfo, AppError> {
    let now = app.now();
    let hash = token_hash(token);
    let mut conn = app.store.read().await?;
    let link = store::find_link(&mut conn, &hash).await?.ok_or_else(|| {
        AppError::new(
            ErrorKind::NotFound,
            "supplier.invalid_link",
            "this link is not valid",
        )
    })?;
    let status = if now >= link.expires_at {
        LinkStatus::Expired
    } else if store::failures_since(&mut conn, &hash, now - FAILURE_WINDOW).await? >= MAX_FAILURES {
        LinkStatus::Locked
    } else {
        LinkStatus::Open
    };
    let tenant = tenants::get(&mut conn, &link.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    Ok(LinkInfo {
        status,
        sender: tenant.name,
        sender_email: tenant.profile.contact.email,
        tax_invoice_id: link.tax_invoice_id.to_string(),
    })
}

/// The history of one of the supplier's invoices, oldest first.
pub async fn history(
    app: &App,
    by: &SupplierPrincipal,
    id: &str,
) -> Result<Vec<HistoryView>, AppError> {
    let mut conn = app.store.read().await?;
    let record = load_own(&mut conn, by, id).await?;
    Ok(tax_invoices::history(&mut conn, &record.id)
        .await?
        .into_iter()
        .map(HistoryView::from)
        .collect())
}

/// Most documents listed as waiting.
pub const MAX_WAITING: u32 = 100;

/// The supplier's documents at its tenant that wait for it to issue or refuse.
pub async fn waiting(app: &App, by: &SupplierPrincipal) -> Result<Vec<TaxInvoiceRecord>, AppError> {
    let filter = TaxInvoiceFilter {
        state: Some(TaxInvoiceState::Requested),
        partner_id: Some(by.partner_id.clone()),
        direction: Some(Direction::Reverse),
        ..TaxInvoiceFilter::default()
    };
    let mut conn = app.store.read().await?;
    Ok(tax_invoices::list(&mut conn, &by.tenant_id, &filter, None, MAX_WAITING).await?)
}
