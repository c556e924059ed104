//! Void and rebill. Changing a finalized invoice takes a rebill request that a billing
//! admin other than the requester approves. Approval voids the original with a VoidNote
//! (its own number, the exact negative of the original) and issues a corrected invoice with
//! a new number; both keep the original billing period and refer to the original, and
//! payments applied to the original move to the new invoice.

use serde::Deserialize;
use settle_core::access::Right;
use settle_core::billing::ledger;
use settle_core::billing::{
    BillingDetails, BillingProfileInput, Document, DocumentAction, DocumentKind, DocumentLine,
    DocumentStatus, LineChange, NOTE_STATUS, REBILL_START, RebillDecision, decide_rebill, price,
    tax_invoice_prefix, totals,
};
use settle_core::ids::{InvoiceId, InvoiceLineId, RebillRequestId};
use settle_core::money::Money;
use settle_core::rounding::RoundingMode;
use settle_store::billing::rebills::{self, RebillRequest};
use settle_store::billing::{documents, lines, payments};
use settle_store::tenants;

use super::finalize::{assign_numbers, due_date};
use super::{allocate, load_document, reason, save_settlement, take, today, unsettle};
use crate::auth::Principal;
use crate::patch::merge_patch;
use crate::{App, AppError, ErrorKind, audit};

/// Header fields a rebill may change (those of the billing profile copied at finalization).
const HEADER_FIELDS: [&str; 10] = [
    "po_number",
    "sold_to",
    "bill_to",
    "ship_to",
    "service_to",
    "payment_terms_days",
    "customer_number",
    "us_fein",
    "customer_service_url",
    "payment_instructions",
];

/// `POST /v1/invoices/{id}/rebill`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RebillInput {
    /// Header fields (a merge patch of the billing details) and `lines` changes.
    #[serde(default)]
    pub changes: serde_json::Value,
    /// Why (required).
    pub reason: Option<String>,
}

fn invalid(code: &'static str, field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(code, field, message)
}

/// The corrected details and lines that `changes` make of `original`.
fn plan(
    original: &Document,
    original_lines: &[DocumentLine],
    changes: &serde_json::Value,
    rounding: RoundingMode,
) -> Result<(BillingDetails, Vec<DocumentLine>), AppError> {
    let Some(object) = changes.as_object().filter(|o| !o.is_empty()) else {
        return Err(invalid(
            "rebill.no_changes",
            "changes",
            "changes names what to correct",
        ));
    };
    let mut header = serde_json::Map::new();
    let mut line_changes: Vec<LineChange> = Vec::new();
    for (key, value) in object {
        if key == "lines" {
            line_changes = serde_json::from_value(value.clone())
                .map_err(|e| invalid("request.invalid_field", "changes.lines", e.to_string()))?;
        } else if HEADER_FIELDS.contains(&key.as_str()) {
            header.insert(key.clone(), value.clone());
        } else {
            return Err(invalid(
                "rebill.unknown_change",
                &format!("changes.{key}"),
                format!("a rebill can change {} and lines", HEADER_FIELDS.join(", ")),
            ));
        }
    }
    let current = original
        .details
        .as_ref()
        .ok_or_else(|| AppError::internal("finalized invoice without details"))?;
    let mut input =
        serde_json::to_value(current.to_input(original.partner_id.as_str(), original.currency))
            .map_err(AppError::internal)?;
    merge_patch(&mut input, serde_json::Value::Object(header));
    let input: BillingProfileInput = serde_json::from_value(input)
        .map_err(|e| invalid("request.invalid_field", "changes", e.to_string()))?;
    let (_, details) = input.validate().map_err(|errors| {
        AppError::validation(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = format!("changes.{}", e.field);
                    e
                })
                .collect(),
        )
    })?;
    let mut new_lines = original_lines.to_vec();
    let mut seen = Vec::new();
    for (index, change) in line_changes.iter().enumerate() {
        let field = format!("changes.lines[{index}]");
        let position = new_lines
            .iter()
            .position(|l| l.id.as_str() == change.line_id)
            .ok_or_else(|| {
                invalid(
                    "rebill.unknown_line",
                    &format!("{field}.line_id"),
                    "no such line on this invoice",
                )
            })?;
        if seen.contains(&position) {
            return Err(invalid(
                "rebill.duplicate_line",
                &format!("{field}.line_id"),
                "each line is changed once",
            ));
        }
        seen.push(position);
        let line = &mut new_lines[position];
        line.item = change
            .apply(&line.item, &field)
            .map_err(AppError::validation)?;
        line.priced = price(&line.item, original.currency, rounding)
            .map_err(|e| invalid("rebill.overflow", &field, e.to_string()))?;
    }
    Ok((details, new_lines))
}

async fn rounding_of(
    tx: &mut settle_store::Conn,
    by: &Principal,
) -> Result<RoundingMode, AppError> {
    Ok(tenants::get(tx, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?
        .billing_rounding())
}

async fn has_credit_notes(tx: &mut settle_store::Conn, invoice: &Document) -> Result<(), AppError> {
    let notes = documents::notes_of(tx, &invoice.id).await?;
    if notes.iter().any(|n| n.kind == DocumentKind::CreditNote) {
        return Err(AppError::conflict(
            "invoice.has_credit_notes",
            "the invoice has credit notes; credit the remaining lines instead of rebilling",
        ));
    }
    Ok(())
}

/// Asks for `invoice` to be voided and rebilled with `changes`.
pub async fn request_rebill(
    app: &App,
    by: &Principal,
    invoice: &str,
    input: RebillInput,
) -> Result<RebillRequest, AppError> {
    by.require(Right::WriteInvoices)?;
    let reason = reason(input.reason, "rebill.reason_required")?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let original = load_document(&mut tx, &by.tenant_id, invoice).await?;
    take(&original, DocumentAction::RequestRebill)?;
    has_credit_notes(&mut tx, &original).await?;
    let original_lines = lines::of_document(&mut tx, &original.id).await?;
    let rounding = rounding_of(&mut tx, by).await?;
    plan(&original, &original_lines, &input.changes, rounding)?;
    let request = RebillRequest {
        id: RebillRequestId::generate(),
        tenant_id: by.tenant_id.clone(),
        invoice_id: original.id.clone(),
        changes: input.changes,
        reason,
        status: REBILL_START,
        requested_by: by.actor.clone(),
        decided_by: None,
        void_note_id: None,
        new_invoice_id: None,
        created_at: now,
        decided_at: None,
    };
    if !rebills::insert(&mut tx, &request).await? {
        return Err(AppError::conflict(
            "rebill.already_pending",
            "the invoice has a rebill request waiting for approval",
        ));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "rebill.requested",
        ("rebill_request", request.id.as_str()),
        serde_json::json!({"invoice": original.number, "reason": request.reason}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(request)
}

async fn load_pending(
    tx: &mut settle_store::Conn,
    by: &Principal,
    id: &str,
) -> Result<RebillRequest, AppError> {
    let id = RebillRequestId::parse(id).ok_or_else(|| AppError::not_found("rebill_request"))?;
    let request = rebills::get(tx, &id)
        .await?
        .filter(|r| r.tenant_id == by.tenant_id)
        .ok_or_else(|| AppError::not_found("rebill_request"))?;
    if request.status != REBILL_START {
        return Err(AppError::conflict(
            "rebill.not_pending",
            format!("the rebill request is {} already", request.status),
        )
        .with_field("status"));
    }
    Ok(request)
}

/// The request as `decision` leaves it, or 409 when it was decided already.
fn decided(
    mut request: RebillRequest,
    by: &Principal,
    decision: RebillDecision,
    now: time::OffsetDateTime,
) -> Result<RebillRequest, AppError> {
    let status = decide_rebill(request.status, decision).ok_or_else(|| {
        AppError::conflict(
            "rebill.not_pending",
            format!("the rebill request is {} already", request.status),
        )
        .with_field("status")
    })?;
    request.status = status;
    request.decided_by = Some(by.actor.clone());
    request.decided_at = Some(now);
    Ok(request)
}

/// Approves a rebill request: voids the original and issues the corrected invoice. The
/// requester cannot approve their own request.
pub async fn approve_rebill(
    app: &App,
    by: &Principal,
    id: &str,
) -> Result<RebillRequest, AppError> {
    by.require(Right::ApproveRebills)?;
    let now = app.now();
    let today = today(app);
    let mut tx = app.store.write().await?;
    let request = load_pending(&mut tx, by, id).await?;
    if request.requested_by == by.actor {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "rebill.self_approval",
            "a rebill is approved by a billing admin other than the one who asked for it",
        ));
    }
    let mut original = load_document(&mut tx, &by.tenant_id, request.invoice_id.as_str()).await?;
    take(&original, DocumentAction::RequestRebill)?;
    has_credit_notes(&mut tx, &original).await?;
    let original_lines = lines::of_document(&mut tx, &original.id).await?;
    let rounding = rounding_of(&mut tx, by).await?;
    let (details, corrected_lines) = plan(&original, &original_lines, &request.changes, rounding)?;

    let void_id = InvoiceId::generate();
    let void_lines: Vec<DocumentLine> = original_lines
        .iter()
        .map(|line| {
            let mut item = line.item.clone();
            item.quantity = -item.quantity;
            DocumentLine {
                id: InvoiceLineId::generate(),
                invoice_id: void_id.clone(),
                line_no: line.line_no,
                charge_id: line.charge_id.clone(),
                credits_line_id: Some(line.id.clone()),
                item,
                priced: line.priced.negated(),
            }
        })
        .collect();
    let new_id = InvoiceId::generate();
    let new_lines: Vec<DocumentLine> = corrected_lines
        .into_iter()
        .map(|line| DocumentLine {
            id: InvoiceLineId::generate(),
            invoice_id: new_id.clone(),
            ..line
        })
        .collect();
    let overflow =
        |e: settle_core::money::MoneyError| invalid("rebill.overflow", "changes", e.to_string());
    let void_totals = totals(
        original.series,
        void_lines.iter().map(DocumentLine::amounts),
        original.currency,
    )
    .map_err(overflow)?;
    let new_totals = totals(
        original.series,
        new_lines.iter().map(DocumentLine::amounts),
        original.currency,
    )
    .map_err(overflow)?;
    let reason = Some(request.reason.clone());
    let mut void_note = Document {
        id: void_id,
        kind: DocumentKind::VoidNote,
        number: None,
        status: NOTE_STATUS,
        run_id: None,
        original_id: Some(original.id.clone()),
        original_number: original.number.clone(),
        totals: void_totals,
        settled: rust_decimal::Decimal::ZERO,
        line_count: void_lines.len() as i64,
        document_date: Some(today),
        due_date: Some(today),
        tax_invoice_number: None,
        reason: reason.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
        ..original.clone()
    };
    let mut rebilled = Document {
        id: new_id,
        kind: DocumentKind::Invoice,
        number: None,
        status: DocumentStatus::Open,
        run_id: None,
        original_id: Some(original.id.clone()),
        original_number: original.number.clone(),
        due_date: Some(due_date(today, details.payment_terms_days)),
        details: Some(details),
        totals: new_totals,
        settled: rust_decimal::Decimal::ZERO,
        line_count: new_lines.len() as i64,
        document_date: Some(today),
        tax_invoice_number: None,
        reason,
        version: 1,
        created_at: now,
        updated_at: now,
        ..original.clone()
    };
    let mut made = [void_note.clone(), rebilled.clone()];
    assign_numbers(
        &mut tx,
        by,
        &mut made,
        |d| Some(d.kind.number_prefix(d.series)),
        |d, n| d.number = Some(n),
    )
    .await?;
    assign_numbers(
        &mut tx,
        by,
        &mut made,
        |d| {
            let details = d.details.as_ref()?;
            (d.kind == DocumentKind::Invoice && details.tax_invoice_required)
                .then(|| tax_invoice_prefix(&details.country))
        },
        |d, n| d.tax_invoice_number = Some(n),
    )
    .await?;
    void_note.number = made[0].number.clone();
    rebilled.number = made[1].number.clone();
    rebilled.tax_invoice_number = made[1].tax_invoice_number.clone();

    // Payments move from the original to the corrected invoice; the void note settles the
    // original in full.
    let released = payments::release_payments(&mut tx, &original.id).await?;
    let in_money = |amount| {
        Money::new(amount, original.currency)
            .map_err(|e| invalid("rebill.overflow", "changes", e.to_string()))
    };
    let amounts = released
        .iter()
        .map(|a| in_money(a.amount))
        .collect::<Result<Vec<_>, _>>()?;
    let moving = ledger::move_payments(&amounts, in_money(rebilled.outstanding())?)
        .map_err(|e| invalid("rebill.overflow", "changes", e.to_string()))?;
    let mut allocations = Vec::new();
    for (moved, amount) in released.iter().zip(moving) {
        unsettle(&mut original, moved.amount)?;
        let amount = amount.amount();
        if amount > rust_decimal::Decimal::ZERO {
            allocations.push(allocate(
                &mut rebilled,
                amount,
                ("payment", &moved.source_id),
                moved.on_date,
                now,
            )?);
        }
    }
    let voided = original.outstanding();
    allocations.push(allocate(
        &mut original,
        voided,
        ("void_note", void_note.id.as_str()),
        today,
        now,
    )?);
    original.status = take(&original, DocumentAction::Void)?;
    void_note.settled = voided;
    void_note.status = take(&void_note, DocumentAction::Settle)?;
    documents::insert_many(&mut tx, &[void_note.clone(), rebilled.clone()]).await?;
    lines::insert_many(&mut tx, &void_lines).await?;
    lines::insert_many(&mut tx, &new_lines).await?;
    payments::allocate(&mut tx, &allocations).await?;
    save_settlement(&mut tx, &mut original, now).await?;
    let mut request = decided(request, by, RebillDecision::Approve, now)?;
    request.void_note_id = Some(void_note.id.clone());
    request.new_invoice_id = Some(rebilled.id.clone());
    if !rebills::decide(&mut tx, &request, REBILL_START).await? {
        return Err(AppError::conflict(
            "rebill.not_pending",
            "the rebill request was decided meanwhile",
        ));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "rebill.approved",
        ("rebill_request", request.id.as_str()),
        serde_json::json!({"original": original.number, "void_note": void_note.number, "invoice": rebilled.number}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    super::korean::enqueue(&mut tx, &by.tenant_id, &[void_note, rebilled], now).await?;
    tx.commit().await?;
    Ok(request)
}

/// Rejects (or, by its requester, withdraws) a pending rebill request.
pub async fn reject_rebill(app: &App, by: &Principal, id: &str) -> Result<RebillRequest, AppError> {
    by.require(Right::WriteInvoices)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let request = load_pending(&mut tx, by, id).await?;
    if request.requested_by != by.actor {
        by.require(Right::ApproveRebills)?;
    }
    let request = decided(request, by, RebillDecision::Reject, now)?;
    if !rebills::decide(&mut tx, &request, REBILL_START).await? {
        return Err(AppError::conflict(
            "rebill.not_pending",
            "the rebill request was decided meanwhile",
        ));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "rebill.rejected",
        ("rebill_request", request.id.as_str()),
        serde_json::json!({}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(request)
}

/// One rebill request.
pub async fn get_rebill(app: &App, by: &Principal, id: &str) -> Result<RebillRequest, AppError> {
    by.require(Right::ReadInvoices)?;
    let id = RebillRequestId::parse(id).ok_or_else(|| AppError::not_found("rebill_request"))?;
    let mut conn = app.store.read().await?;
    let request = rebills::get(&mut conn, &id)
        .await?
        .filter(|r| r.tenant_id == by.tenant_id)
        .ok_or_else(|| AppError::not_found("rebill_request"))?;
    let mut seen = visible(&mut conn, by, vec![request]).await?;
    seen.pop()
        .ok_or_else(|| AppError::not_found("rebill_request"))
}

/// The requests whose invoice's partner the principal sees.
async fn visible(
    conn: &mut settle_store::Conn,
    by: &Principal,
    requests: Vec<RebillRequest>,
) -> Result<Vec<RebillRequest>, AppError> {
    if by.scope.assigned().is_none() {
        return Ok(requests);
    }
    let ids: Vec<_> = requests.iter().map(|r| r.invoice_id.clone()).collect();
    let invoices = documents::get_many(conn, &ids).await?;
    Ok(requests
        .into_iter()
        .filter(|r| {
            invoices
                .iter()
                .any(|d| d.id == r.invoice_id && by.scope.allows(&d.partner_id))
        })
        .collect())
}

/// The tenant's rebill requests waiting for a decision, oldest first (at most 1,000).
pub async fn pending_rebills(app: &App, by: &Principal) -> Result<Vec<RebillRequest>, AppError> {
    by.require(Right::ReadInvoices)?;
    let mut conn = app.store.read().await?;
    let pending = settle_core::billing::RebillStatus::Pending;
    let requests = rebills::with_status(&mut conn, &by.tenant_id, pending, 1000).await?;
    visible(&mut conn, by, requests).await
}
