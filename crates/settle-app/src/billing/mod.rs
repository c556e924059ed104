//! Partner invoicing: billing profiles, charges, billing runs, finalization with gapless
//! numbers, credit notes, void and rebill, payments and statements. Every action is one
//! transaction; status changes compare-and-set the document's version, so a racing action
//! gets a 409 instead of a double.

mod charges;
mod credit_notes;
mod finalize;
pub mod korean;
mod payments;
mod profiles;
mod read;
mod rebill;
pub mod reconciliation;
mod run;
mod statement;

use settle_core::billing::ledger;
use settle_core::billing::{
    Document, DocumentAction, DocumentStatus, InvalidDocumentTransition, document_transition,
    format_number,
};
use settle_core::ids::{InvoiceId, TenantId};
use settle_store::billing::{documents, numbers};
use time::Date;

pub use charges::{MAX_CHARGES, get_charge, list_charges, record_charges};
pub use credit_notes::{CreditLineInput, CreditNoteInput, create_credit_note};
pub use finalize::{finalize, finalize_run};
pub use payments::{
    AllocationInput, PaymentInput, PaymentView, get_payment, list_payments, record_payment,
};
pub use profiles::{create_profile, create_profiles, get_profile, list_profiles, update_profile};
pub use read::{InvoiceDetail, get_invoice, list_invoices};
pub use rebill::{
    RebillInput, approve_rebill, get_rebill, pending_rebills, reject_rebill, request_rebill,
};
pub use run::{get_run, run_billing};
pub use statement::{Statement, StatementLine, statement};

use crate::{App, AppError};

/// Longest reason on a credit note or rebill.
pub const MAX_REASON: usize = 500;

/// Today in Korea, the date documents are issued on.
pub(crate) fn today(app: &App) -> Date {
    app.now().to_offset(settle_core::KST).date()
}

/// The tenant's document with this id or number (404 otherwise).
pub(crate) async fn load_document(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    key: &str,
) -> Result<Document, AppError> {
    let found = match InvoiceId::parse(key) {
        Some(id) => documents::get(conn, &id).await?,
        None => documents::get_by_number(conn, tenant, key).await?,
    };
    found
        .filter(|d| &d.tenant_id == tenant)
        .ok_or_else(|| AppError::not_found("invoice"))
}

/// The status `document` has after `action`, or the 409 saying why it cannot take it.
pub(crate) fn take(
    document: &Document,
    action: DocumentAction,
) -> Result<DocumentStatus, AppError> {
    document_transition(document, action).map_err(|error| match error {
        InvalidDocumentTransition::NotAnInvoice { kind, .. } => AppError::conflict(
            "invoice.not_an_invoice",
            format!(
                "{} is a {kind}; only invoices can be {}",
                label(document),
                done_to(action)
            ),
        )
        .with_field("kind"),
        InvalidDocumentTransition::Status { status, .. } => match status {
            DocumentStatus::Draft => AppError::conflict(
                "invoice.not_finalized",
                format!(
                    "the invoice is a draft; finalize it before it can be {}",
                    done_to(action)
                ),
            ),
            DocumentStatus::Void => AppError::conflict(
                "invoice.void",
                format!(
                    "{} is void; it was replaced by a rebilled invoice",
                    label(document)
                ),
            ),
            _ if matches!(action, DocumentAction::Finalize | DocumentAction::Extend) => {
                AppError::conflict(
                    "invoice.already_finalized",
                    format!("{} is finalized already ({status})", label(document)),
                )
            }
            _ => AppError::conflict(
                "invoice.invalid_status",
                format!(
                    "{} is {status}; it cannot be {}",
                    label(document),
                    done_to(action)
                ),
            ),
        }
        .with_field("status"),
    })
}

fn done_to(action: DocumentAction) -> &'static str {
    match action {
        DocumentAction::Extend => "extended",
        DocumentAction::Finalize => "finalized",
        DocumentAction::Settle => "settled",
        DocumentAction::Credit => "credited",
        DocumentAction::Pay => "paid",
        DocumentAction::RequestRebill => "rebilled",
        DocumentAction::Void => "voided",
    }
}

/// How a document is named in messages: its number, or its id while a draft.
pub(crate) fn label(document: &Document) -> String {
    document
        .number
        .clone()
        .unwrap_or_else(|| document.id.to_string())
}

/// The 409 for a document changed by a concurrent action.
pub(crate) fn changed_meanwhile(document: &Document) -> AppError {
    AppError::conflict(
        "invoice.changed",
        format!(
            "{} was changed by another action meanwhile; read it again",
            label(document)
        ),
    )
}

/// Takes `count` consecutive numbers of the series `prefix` inside `tx`.
pub(crate) async fn take_numbers(
    tx: &mut settle_store::Conn,
    tenant: &TenantId,
    prefix: &str,
    count: usize,
) -> Result<Vec<String>, AppError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let first = numbers::take(tx, tenant, prefix, count as i64).await?;
    (first..first + count as i64)
        .map(|n| {
            format_number(prefix, n).ok_or_else(|| {
                AppError::conflict(
                    "invoice.series_exhausted",
                    format!("the number series {prefix} has no numbers left"),
                )
            })
        })
        .collect()
}

/// Checks and trims a required reason.
pub(crate) fn reason(text: Option<String>, code: &'static str) -> Result<String, AppError> {
    let text = text.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(code, "reason", "reason is required"));
    }
    if text.chars().count() > MAX_REASON {
        return Err(AppError::invalid(
            code,
            "reason",
            format!("reason has at most {MAX_REASON} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Settles `amount` of `invoice` from a payment or note: records the allocation to store
/// and updates what the invoice shows as settled (saved by [`save_settlement`]).
pub(crate) fn allocate(
    invoice: &mut Document,
    amount: rust_decimal::Decimal,
    source: (&str, &str),
    on: Date,
    now: time::OffsetDateTime,
) -> Result<settle_store::billing::payments::Allocation, AppError> {
    ledger::settle(invoice, amount).map_err(over_settled)?;
    invoice.status = take(invoice, DocumentAction::Settle)?;
    Ok(settle_store::billing::payments::Allocation {
        tenant_id: invoice.tenant_id.clone(),
        invoice_id: invoice.id.clone(),
        source_type: source.0.to_owned(),
        source_id: source.1.to_owned(),
        amount,
        on_date: on,
        created_at: now,
    })
}

/// Takes a settlement of `amount` away from `document` (a payment moving elsewhere).
pub(crate) fn unsettle(
    document: &mut Document,
    amount: rust_decimal::Decimal,
) -> Result<(), AppError> {
    ledger::settle(document, -amount).map_err(over_settled)
}

fn over_settled(error: ledger::SettleError) -> AppError {
    AppError::conflict("invoice.changed", error.to_string())
}

/// Saves a document's status and settled amount, compare-and-set on the version it was
/// read at (so two actions settling the same invoice cannot both succeed).
pub(crate) async fn save_settlement(
    tx: &mut settle_store::Conn,
    document: &mut Document,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    document.version += 1;
    document.updated_at = now;
    if documents::update_settlement(tx, document).await? {
        Ok(())
    } else {
        Err(changed_meanwhile(document))
    }
}
