//! Credit notes: returned or cancelled lines of a finalized invoice, credited on a separate
//! numbered document that refers to the invoice. A line is credited at most once in full;
//! what a credit note takes is applied to what is still owed on the invoice, and any rest
//! stays on the note as the partner's credit.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Deserialize;
use settle_core::access::Right;
use settle_core::billing::ledger;
use settle_core::billing::{
    CreditRequest, CreditableLine, Document, DocumentAction, DocumentKind, DocumentLine,
    NOTE_STATUS, Period, PricedLine, credit, totals,
};
use settle_core::ids::{InvoiceId, InvoiceLineId};
use settle_core::money::DecimalInput;
use settle_core::money::Money;
use settle_store::billing::{documents, lines, payments};

use super::{allocate, load_document, reason, save_settlement, take, take_numbers, today};
use crate::auth::Principal;
use crate::{App, AppError, audit};

/// One line to credit: by quantity or by amount (before tax).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditLineInput {
    /// The invoice line.
    pub line_id: String,
    /// Units returned.
    pub quantity: Option<DecimalInput>,
    /// Amount before tax, in the invoice's currency.
    pub amount: Option<DecimalInput>,
}

/// `POST /v1/invoices/{id}/credit-notes`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteInput {
    /// The lines to credit.
    #[serde(default)]
    pub lines: Vec<CreditLineInput>,
    /// Why (required).
    pub reason: Option<String>,
}

fn request(line: &CreditLineInput, index: usize) -> Result<CreditRequest, AppError> {
    match (line.quantity, line.amount) {
        (Some(q), None) => Ok(CreditRequest::Quantity(q.0)),
        (None, Some(a)) => Ok(CreditRequest::Amount(a.0)),
        _ => Err(AppError::invalid(
            "credit_note.quantity_or_amount",
            &format!("lines[{index}]"),
            "give either quantity or amount",
        )),
    }
}

/// What earlier credit notes took of each line.
fn credited(credit_lines: &[DocumentLine]) -> HashMap<InvoiceLineId, (Decimal, Decimal, Decimal)> {
    let mut taken: HashMap<InvoiceLineId, (Decimal, Decimal, Decimal)> = HashMap::new();
    for line in credit_lines {
        if let Some(original) = &line.credits_line_id {
            let entry = taken.entry(original.clone()).or_default();
            entry.0 -= line.item.quantity;
            entry.1 -= line.priced.amount;
            entry.2 -= line.priced.tax;
        }
    }
    taken
}

/// Credits lines of a finalized invoice on a new credit note.
pub async fn create_credit_note(
    app: &App,
    by: &Principal,
    invoice: &str,
    input: CreditNoteInput,
) -> Result<Document, AppError> {
    by.require(Right::WriteInvoices)?;
    let reason = reason(input.reason, "credit_note.reason_required")?;
    if input.lines.is_empty() {
        return Err(AppError::invalid(
            "credit_note.no_lines",
            "lines",
            "name at least one line to credit",
        ));
    }
    let requests: Vec<CreditRequest> = input
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| request(l, i))
        .collect::<Result<_, _>>()?;
    let now = app.now();
    let today = today(app);
    let mut tx = app.store.write().await?;
    let mut original = load_document(&mut tx, &by.tenant_id, invoice).await?;
    take(&original, DocumentAction::Credit)?;
    let invoice_lines = lines::of_document(&mut tx, &original.id).await?;
    let mut taken = credited(&lines::credits_of(&mut tx, &original.id).await?);
    let note_id = InvoiceId::generate();
    let mut note_lines = Vec::with_capacity(requests.len());
    for (index, (line_input, request)) in input.lines.iter().zip(requests).enumerate() {
        let field = format!("lines[{index}]");
        let line = invoice_lines
            .iter()
            .find(|l| l.id.as_str() == line_input.line_id)
            .ok_or_else(|| {
                AppError::invalid(
                    "credit_note.unknown_line",
                    &format!("{field}.line_id"),
                    "no such line on this invoice",
                )
            })?;
        let before = taken.get(&line.id).copied().unwrap_or_default();
        let creditable = CreditableLine {
            quantity: line.item.quantity,
            amount: line.priced.amount,
            tax: line.priced.tax,
            tax_rate: line.item.tax_rate,
            credited_quantity: before.0,
            credited_amount: before.1,
            credited_tax: before.2,
        };
        let amounts = credit(&creditable, request, original.currency)
            .map_err(|e| AppError::invalid(e.code(), &field, e.to_string()))?;
        taken.insert(
            line.id.clone(),
            (
                before.0 + amounts.quantity,
                before.1 + amounts.amount,
                before.2 + amounts.tax,
            ),
        );
        let mut item = line.item.clone();
        item.quantity = -amounts.quantity;
        item.discount = None;
        note_lines.push(DocumentLine {
            id: InvoiceLineId::generate(),
            invoice_id: note_id.clone(),
            line_no: index as i64 + 1,
            charge_id: line.charge_id.clone(),
            credits_line_id: Some(line.id.clone()),
            item,
            priced: PricedLine {
                gross: -amounts.amount,
                discount: Decimal::ZERO,
                amount: -amounts.amount,
                tax: -amounts.tax,
                total: -(amounts.amount + amounts.tax),
            },
        });
    }
    let note_totals = totals(
        original.series,
        note_lines.iter().map(DocumentLine::amounts),
        original.currency,
    )
    .map_err(|e| AppError::invalid("credit_note.overflow", "lines", e.to_string()))?;
    let number = take_numbers(
        &mut tx,
        &by.tenant_id,
        &DocumentKind::CreditNote.number_prefix(original.series),
        1,
    )
    .await?
    .pop();
    let in_money = |amount| {
        Money::new(amount, original.currency)
            .map_err(|e| AppError::invalid("credit_note.overflow", "lines", e.to_string()))
    };
    let applied = ledger::credit_applied(
        in_money(-note_totals.total)?,
        in_money(original.outstanding())?,
    )
    .map_err(|e| AppError::invalid("credit_note.overflow", "lines", e.to_string()))?
    .amount();
    let mut note = Document {
        id: note_id,
        kind: DocumentKind::CreditNote,
        number,
        status: NOTE_STATUS,
        period: Period::of(today),
        run_id: None,
        original_id: Some(original.id.clone()),
        original_number: original.number.clone(),
        totals: note_totals,
        settled: applied,
        line_count: note_lines.len() as i64,
        document_date: Some(today),
        due_date: Some(today),
        tax_invoice_number: None,
        reason: Some(reason),
        version: 1,
        created_at: now,
        updated_at: now,
        ..original.clone()
    };
    note.status = take(&note, DocumentAction::Settle)?;
    documents::insert_many(&mut tx, std::slice::from_ref(&note)).await?;
    lines::insert_many(&mut tx, &note_lines).await?;
    let mut allocations = Vec::new();
    if applied > Decimal::ZERO {
        allocations.push(allocate(
            &mut original,
            applied,
            ("credit_note", note.id.as_str()),
            today,
            now,
        )?);
    }
    payments::allocate(&mut tx, &allocations).await?;
    // Saved even when nothing was applied: the version check keeps two credit notes on
    // the same invoice from both crediting the same remainder.
    save_settlement(&mut tx, &mut original, now).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "credit_note.created",
        ("invoice", note.id.as_str()),
        serde_json::json!({"number": note.number, "original": original.number, "total": note.totals.total.to_string()}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    super::korean::enqueue(&mut tx, &by.tenant_id, std::slice::from_ref(&note), now).await?;
    tx.commit().await?;
    Ok(note)
}
