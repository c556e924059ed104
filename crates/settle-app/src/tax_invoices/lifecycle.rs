//! The one path every tax-invoice action takes: the core's [`transition`] decides, then the
//! state is compare-and-set in the store, the history entry appended and the emails queued,
//! all in the caller's transaction. A lost race re-reads the invoice and answers 409 naming
//! the state it is in now.

use settle_core::tax_invoice::{
    InvalidTransition, TaxInvoiceAction, TaxInvoiceRecord, Transition, transition,
};
use settle_store::tax_invoices::{self, HistoryEntry, Issuance};
use time::OffsetDateTime;

use crate::AppError;

impl From<InvalidTransition> for AppError {
    fn from(error: InvalidTransition) -> Self {
        AppError::conflict("tax_invoice.invalid_state", error.to_string()).with_field("state")
    }
}

/// The transition `action` makes on `record`, or the 409 naming its state.
pub(crate) fn check(
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
) -> Result<Transition, AppError> {
    Ok(transition(record.state, action)?)
}

/// The 409 for a compare-and-set that found the invoice moved by a concurrent action:
/// names the state it is in now.
pub(crate) async fn lost_race(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
) -> AppError {
    match tax_invoices::get(tx, &record.id).await {
        Ok(Some(now)) => InvalidTransition {
            action,
            current: now.state,
        }
        .into(),
        Ok(None) => AppError::not_found("tax_invoice"),
        Err(error) => error.into(),
    }
}

/// What an action stores besides the state.
pub(crate) enum Effect<'a> {
    /// Only the state moves.
    State,
    /// Issuing also stores the approval number and the signed XML.
    Issue(Issuance<'a>),
}

/// Takes `action` on `record` inside `tx`: checks it against the lifecycle, compare-and-sets
/// the state (with `effect`), and appends the history entry when the state changes. Returns
/// the record as it now is.
pub(crate) async fn apply(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
    effect: Effect<'_>,
    actor: &str,
    memo: Option<String>,
    now: OffsetDateTime,
) -> Result<TaxInvoiceRecord, AppError> {
    let step = check(record, action)?;
    let to = step
        .to()
        .ok_or_else(|| AppError::internal("a removal is not a state change"))?;
    let stored = match &effect {
        Effect::State => tax_invoices::set_state(tx, &record.id, step.from, to, now).await?,
        Effect::Issue(issuance) => {
            tax_invoices::record_issue(tx, &record.id, record.version, step.from, to, issuance)
                .await?
        }
    };
    if !stored {
        return Err(lost_race(tx, record, action).await);
    }
    if step.changes_state() {
        tax_invoices::append_history(tx, &[history_entry(&record.id, &step, actor, memo, now)])
            .await?;
    }
    let mut next = TaxInvoiceRecord {
        state: to,
        version: record.version + 1,
        updated_at: now,
        ..record.clone()
    };
    if let Effect::Issue(issuance) = effect {
        next.approval_number = Some(issuance.approval_number.to_owned());
        next.issued_at = Some(issuance.issued_at);
        next.document = issuance.document.clone();
    }
    Ok(next)
}

/// [`apply`], then queues the emails the new state calls for (with the memo) in the same
/// transaction.
pub(crate) async fn apply_and_notify(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
    effect: Effect<'_>,
    actor: &str,
    memo: Option<String>,
    now: OffsetDateTime,
) -> Result<TaxInvoiceRecord, AppError> {
    let record = apply(tx, record, action, effect, actor, memo.clone(), now).await?;
    let emails = crate::mail::templates::state_changed(&record, memo.as_deref());
    crate::mail::enqueue(tx, &record.tenant_id, emails, now).await?;
    Ok(record)
}

/// Deletes `record` inside `tx` if the lifecycle allows it and it is still in its state.
pub(crate) async fn remove(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
) -> Result<(), AppError> {
    let step = check(record, TaxInvoiceAction::Delete)?;
    if !tax_invoices::delete(tx, &record.id, step.from).await? {
        return Err(lost_race(tx, record, TaxInvoiceAction::Delete).await);
    }
    Ok(())
}

/// The history entry of a state change.
pub(crate) fn history_entry(
    id: &settle_core::ids::TaxInvoiceId,
    step: &Transition,
    actor: &str,
    memo: Option<String>,
    at: OffsetDateTime,
) -> HistoryEntry {
    HistoryEntry {
        tax_invoice_id: id.clone(),
        from: Some(step.from),
        to: step.to().unwrap_or(step.from),
        actor: actor.to_owned(),
        at,
        memo,
    }
}
