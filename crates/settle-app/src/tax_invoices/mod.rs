//! Reverse-issued tax invoices on the platform's side: drafting (one or many), editing,
//! requesting issuance, withdrawing, deleting, reading. Every transition compare-and-sets
//! the state, appends a history entry and queues its emails in one transaction.

mod amend;
pub mod batch;
mod draft;
mod group;
mod lifecycle;
mod read;
mod request;
mod signing;

use settle_core::ids::TenantId;
use settle_core::tax_invoice::TaxInvoiceRecord;
use settle_store::tax_invoices;

pub use amend::{AmendInput, amend};
pub use draft::{DraftInput, create, delete, preview, update};
pub(crate) use draft::{create_in, create_requested_quietly};
pub(crate) use draft::{partner_party, tenant_party};
pub use read::{HistoryView, get, history, list, signed_xml};
pub use request::{cancel_request, request, request_with_link, resend};
pub(crate) use signing::sign_issuance;

pub use group::WriteQueue;
pub(crate) use group::write_grouped;
pub(crate) use lifecycle::{
    Effect, Notify, Prepared, apply, check, history_entry, lost_race, prepare, remove, write_many,
};

use crate::auth::Principal;
use crate::{App, AppError};

/// Longest memo on a transition.
pub const MAX_MEMO: usize = 500;

/// The principal's invoice with this document key (404 otherwise).
pub(crate) async fn load(
    app: &App,
    by: &Principal,
    key: &str,
) -> Result<TaxInvoiceRecord, AppError> {
    let mut conn = app.store.read().await?;
    let record = load_in(&mut conn, &by.tenant_id, key).await?;
    by.sees(&record.partner_id, "tax_invoice")?;
    Ok(record)
}

pub(crate) async fn load_in(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    key: &str,
) -> Result<TaxInvoiceRecord, AppError> {
    tax_invoices::get_by_key(conn, tenant, key)
        .await?
        .ok_or_else(|| AppError::not_found("tax_invoice"))
}

/// Checks and trims a memo.
pub(crate) fn memo(text: Option<String>) -> Result<Option<String>, AppError> {
    let Some(text) = text else { return Ok(None) };
    let text = text.trim();
    if text.chars().count() > MAX_MEMO {
        return Err(AppError::invalid(
            "tax_invoice.memo_too_long",
            "memo",
            format!("memo has at most {MAX_MEMO} characters"),
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}
