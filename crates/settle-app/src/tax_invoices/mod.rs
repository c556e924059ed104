//! Reverse-issued tax invoices on the platform's side: drafting (one or many), editing,
//! requesting issuance, withdrawing, deleting, reading. Every transition compare-and-sets
//! the state, appends a history entry and queues its emails in one transaction.

mod amend;
pub mod batch;
mod draft;
mod read;
mod request;

use settle_core::ids::TenantId;
use settle_core::tax_invoice::{TaxInvoiceAction, TaxInvoiceRecord, TaxInvoiceState, transition};
use settle_store::tax_invoices::{self, HistoryEntry};
use time::OffsetDateTime;

pub use amend::{AmendInput, amend};
pub use draft::{DraftInput, create, delete, update};
pub use read::{HistoryView, get, history, list, signed_xml};
pub use request::{cancel_request, request, resend};

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
    load_in(&mut conn, &by.tenant_id, key).await
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

/// 409 for an action the current state does not allow, naming the state.
pub(crate) fn wrong_state(
    current: TaxInvoiceState,
    what: &str,
    allowed: &[TaxInvoiceState],
) -> AppError {
    let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    AppError::conflict(
        "tax_invoice.invalid_state",
        format!(
            "the tax invoice is {current}; to {what} it must be {}",
            allowed.join(" or ")
        ),
    )
    .with_field("state")
}

/// The 409 for a compare-and-set that found the invoice moved by a concurrent action:
/// names the state it is in now.
pub(crate) async fn lost_race(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    what: &str,
    allowed: &[TaxInvoiceState],
) -> AppError {
    match tax_invoices::get(tx, &record.id).await {
        Ok(Some(now)) => wrong_state(now.state, what, allowed),
        Ok(None) => AppError::not_found("tax_invoice"),
        Err(error) => error.into(),
    }
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

/// Takes `action` on `record` inside `tx`: compare-and-sets the state and appends the
/// history entry. Returns the record as it now is.
pub(crate) async fn apply(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
    actor: &str,
    memo: Option<String>,
    now: OffsetDateTime,
) -> Result<TaxInvoiceRecord, AppError> {
    let to = transition(record.state, action).map_err(|e| {
        wrong_state(
            e.current,
            action.as_str().replace('_', " ").as_str(),
            &[action.from_state()],
        )
    })?;
    if !tax_invoices::set_state(tx, &record.id, record.state, to, now).await? {
        let what = action.as_str().replace('_', " ");
        return Err(lost_race(tx, record, &what, &[action.from_state()]).await);
    }
    tax_invoices::append_history(
        tx,
        &[HistoryEntry {
            tax_invoice_id: record.id.clone(),
            from: Some(record.state),
            to,
            actor: actor.to_owned(),
            at: now,
            memo,
        }],
    )
    .await?;
    Ok(TaxInvoiceRecord {
        state: to,
        version: record.version + 1,
        updated_at: now,
        ..record.clone()
    })
}

/// [`apply`], then queues the emails the new state calls for (with the memo) in the same
/// transaction.
pub(crate) async fn apply_and_notify(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
    actor: &str,
    memo: Option<String>,
    now: OffsetDateTime,
) -> Result<TaxInvoiceRecord, AppError> {
    let record = apply(tx, record, action, actor, memo.clone(), now).await?;
    let emails = crate::mail::templates::state_changed(&record, memo.as_deref());
    crate::mail::enqueue(tx, &record.tenant_id, emails, now).await?;
    Ok(record)
}
