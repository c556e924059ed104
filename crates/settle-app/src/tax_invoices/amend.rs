//! Amended tax invoices (수정세금계산서) for an invoice the NTS accepted. Each reason makes
//! the documents the law asks for, all referring to the original's approval number and
//! created as drafts that then go through request and issue like any other:
//!
//! | code | reason | documents | write date |
//! |---|---|---|---|
//! | 1 | input error | the original negated, and the corrected one (`items`) | the original's |
//! | 2 | supply amount change | the difference (`items`, ±) | the change (`write_date`) |
//! | 3 | returned goods | the returned part negated (`items`, as returned) | the return |
//! | 4 | contract cancelled | the whole negated | the cancellation |
//! | 5 | local L/C opened later | the original negated, and a zero-rated copy | the original's |
//! | 6 | duplicate issue | the whole negated | the original's |

use rust_decimal::Decimal;
use settle_core::access::Right;
use settle_core::tax_invoice::{
    AmendmentInput, AmendmentReason, DocumentKey, PartyInput, TaxInvoice, TaxInvoiceAction,
    TaxInvoiceInput, TaxInvoiceLineInput, TaxInvoiceRecord, TaxInvoiceState,
};
use settle_core::validation::FieldError;
use settle_store::tax_invoices::{self, HistoryEntry};
use settle_store::tenants;

use super::{check, load_in};
use crate::auth::Principal;
use crate::{App, AppError};

/// What the platform sends to amend.
#[derive(Clone, Debug, Default)]
pub struct AmendInput {
    /// NTS reason code, 1 to 6.
    pub reason_code: Option<u8>,
    /// Key of the (first) amending document; generated when absent.
    pub document_key: Option<String>,
    /// Key of the corrected document (reasons 1 and 5); generated when absent.
    pub corrected_document_key: Option<String>,
    /// Date of the change, return or cancellation (reasons 2–4); default today (Korea).
    pub write_date: Option<String>,
    /// The corrected lines (1), the difference (2), or the returned part (3).
    pub items: Option<Vec<TaxInvoiceLineInput>>,
}

/// Creates the amending documents of a `sent` invoice, as drafts.
pub async fn amend(
    app: &App,
    by: &Principal,
    key: &str,
    input: AmendInput,
) -> Result<Vec<TaxInvoiceRecord>, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let original = load_in(&mut tx, &by.tenant_id, key).await?;
    check(&original, TaxInvoiceAction::Amend)?;
    let reason = input
        .reason_code
        .and_then(AmendmentReason::from_code)
        .ok_or_else(|| {
            AppError::invalid(
                "tax_invoice.invalid_reason_code",
                "reason_code",
                "reason_code must be 1 to 6",
            )
        })?;
    let tenant = tenants::get(&mut tx, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let today = now.to_offset(settle_core::KST).date().to_string();
    let plans = plan(&original, reason, &input, &today)?;
    let mut records = Vec::with_capacity(plans.len());
    for (index, (kind, invoice)) in plans.into_iter().enumerate() {
        let given = if index == 0 {
            input.document_key.as_deref()
        } else {
            input.corrected_document_key.as_deref()
        };
        let field = if index == 0 {
            "document_key"
        } else {
            "corrected_document_key"
        };
        let document_key = match given {
            Some(text) => DocumentKey::parse(text.trim()).map_err(|message| {
                AppError::invalid("tax_invoice.invalid_document_key", field, message)
            })?,
            None => generated_key(&original, kind, reason),
        };
        let document = invoice
            .validate(&tenant.tax_policy())
            .map_err(|errors| AppError::validation(prefixed(errors, index)))?;
        let mut record = TaxInvoiceRecord::drafted(
            by.tenant_id.clone(),
            document_key,
            original.partner_id.clone(),
            document,
            now,
        );
        record.amends_id = Some(original.id.clone());
        if !tax_invoices::insert(&mut tx, &record).await? {
            return Err(AppError::conflict(
                "tax_invoice.duplicate_document_key",
                format!(
                    "another tax invoice of this tenant has the key {}",
                    record.document_key
                ),
            )
            .with_field(field));
        }
        records.push(record);
    }
    let history: Vec<HistoryEntry> = records
        .iter()
        .map(|r| HistoryEntry {
            tax_invoice_id: r.id.clone(),
            from: None,
            to: TaxInvoiceState::Drafted,
            actor: by.actor.clone(),
            at: now,
            memo: Some(format!(
                "amends {} (reason {})",
                original.document_key,
                reason.code()
            )),
        })
        .collect();
    crate::webhooks::record_history(&mut tx, &by.tenant_id, &history).await?;
    tx.commit().await?;
    Ok(records)
}

/// Which of the amending documents a plan entry is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Negative (or difference) document.
    Negative,
    /// Corrected or reissued document.
    Corrected,
}

/// The documents a reason calls for, as input to validate.
fn plan(
    original: &TaxInvoiceRecord,
    reason: AmendmentReason,
    input: &AmendInput,
    today: &str,
) -> Result<Vec<(Kind, TaxInvoiceInput)>, AppError> {
    use AmendmentReason::*;
    let doc = &original.document;
    let own_date = doc.write_date.to_string();
    let items_required = || {
        input
            .items
            .clone()
            .filter(|items| !items.is_empty())
            .ok_or_else(|| {
                AppError::invalid(
                    "tax_invoice.missing_field",
                    "items",
                    "this reason needs items (the corrected, changed or returned lines)",
                )
            })
    };
    let event_date = input.write_date.clone().unwrap_or_else(|| today.to_owned());
    let negated = |date: &str| {
        let same_date = date == own_date;
        doc.lines
            .iter()
            .map(|line| {
                let mut item = line.to_input(Decimal::NEGATIVE_ONE, true);
                if !same_date {
                    item.date = Some(date.to_owned());
                }
                item
            })
            .collect::<Vec<_>>()
    };
    let amended = |date: &str, items: Vec<TaxInvoiceLineInput>, tax_type: &str| {
        base(original, reason, date, items, tax_type)
    };
    let tax_type = doc.tax_type.as_str();
    Ok(match reason {
        InputError => vec![
            (
                Kind::Negative,
                amended(&own_date, negated(&own_date), tax_type),
            ),
            (
                Kind::Corrected,
                amended(&own_date, items_required()?, tax_type),
            ),
        ],
        SupplyAmountChange => vec![(
            Kind::Negative,
            amended(&event_date, items_required()?, tax_type),
        )],
        ReturnedGoods => {
            let returned = items_required()?
                .into_iter()
                .map(|mut item| {
                    let negate = |v: Option<settle_core::money::DecimalInput>| {
                        v.map(|d| settle_core::money::DecimalInput(-d.0.abs()))
                    };
                    item.supply_amount = negate(item.supply_amount);
                    item.tax_amount = negate(item.tax_amount);
                    item
                })
                .collect();
            vec![(Kind::Negative, amended(&event_date, returned, tax_type))]
        }
        ContractCancelled => vec![(
            Kind::Negative,
            amended(&event_date, negated(&event_date), tax_type),
        )],
        LocalLetterOfCreditLater => {
            let zero_rated = doc
                .lines
                .iter()
                .map(|line| line.to_input(Decimal::ONE, false))
                .collect();
            vec![
                (
                    Kind::Negative,
                    amended(&own_date, negated(&own_date), tax_type),
                ),
                (
                    Kind::Corrected,
                    amended(&own_date, zero_rated, "zero_rated"),
                ),
            ]
        }
        DuplicateIssue => vec![(
            Kind::Negative,
            amended(&own_date, negated(&own_date), tax_type),
        )],
    })
}

fn base(
    original: &TaxInvoiceRecord,
    reason: AmendmentReason,
    write_date: &str,
    items: Vec<TaxInvoiceLineInput>,
    tax_type: &str,
) -> TaxInvoiceInput {
    let doc: &TaxInvoice = &original.document;
    TaxInvoiceInput {
        write_date: Some(write_date.to_owned()),
        tax_type: Some(tax_type.to_owned()),
        purpose: Some(doc.purpose.as_str().to_owned()),
        supplier: Some(PartyInput::from(&doc.supplier)),
        buyer: Some(PartyInput::from(&doc.buyer)),
        items: Some(items),
        remarks: Some(doc.remarks.clone()),
        amendment: Some(AmendmentInput {
            reason_code: Some(reason.code()),
            original_approval_number: original.approval_number.clone(),
        }),
        ..TaxInvoiceInput::default()
    }
}

/// `<original key, ≤ 11>-<N|C><reason><10 random>`: 24 characters at most.
fn generated_key(original: &TaxInvoiceRecord, kind: Kind, reason: AmendmentReason) -> DocumentKey {
    let prefix: String = original.document_key.as_str().chars().take(11).collect();
    let marker = if kind == Kind::Negative { 'N' } else { 'C' };
    let ulid = ulid::Ulid::new().to_string();
    let random = &ulid[ulid.len() - 10..];
    DocumentKey::from_trusted(format!("{prefix}-{marker}{}{random}", reason.code()))
}

/// Names the fields of the second document's errors as `corrected.…`.
fn prefixed(errors: Vec<FieldError>, index: usize) -> Vec<FieldError> {
    if index == 0 {
        return errors;
    }
    errors
        .into_iter()
        .map(|e| FieldError {
            field: format!("corrected.{}", e.field),
            ..e
        })
        .collect()
}
