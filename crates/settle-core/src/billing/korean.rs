//! Korean tax invoices for partner invoices (정발행): when a finalized partner invoice's
//! billing profile is Korean, in won, and asks for a tax invoice, the platform (the
//! supplier) issues one to the partner (the buyer) with the invoice's supply and tax; a
//! credit or void note makes the matching amended, negative, tax invoice.

use rust_decimal::Decimal;
use time::Date;

use super::{Document, DocumentKind, DocumentLine};
use crate::currency::Currency;
use crate::money::DecimalInput;
use crate::tax_invoice::{
    AmendmentInput, AmendmentReason, InvoiceParty, MAX_ITEM_NAME, MAX_LINES, PartyInput,
    TaxInvoiceInput, TaxInvoiceLineInput,
};

/// Whether `document` is documented by a forward-issued Korean tax invoice: finalized, in
/// won, under a Korean billing profile that asks for a tax invoice.
pub fn wants_tax_invoice(document: &Document) -> bool {
    document.number.is_some()
        && document.currency == Currency::KRW
        && document
            .details
            .as_ref()
            .is_some_and(|d| d.tax_invoice_required && d.country.eq_ignore_ascii_case("KR"))
}

/// Why a document's tax invoice amends its original's: a credit note changes the supply
/// amount (2, 공급가액 변동, dated on the note); void and rebill corrects an invoice issued
/// in error (1, 기재사항 착오·정정): the void note's tax invoice negates the original and the
/// rebilled invoice's is the corrected one, both dated on the original's 작성일자.
pub fn amendment_reason(document: &Document) -> Option<AmendmentReason> {
    match (document.kind, &document.original_id) {
        (DocumentKind::Invoice, None) => None,
        (DocumentKind::Invoice, Some(_)) | (DocumentKind::VoidNote, _) => {
            Some(AmendmentReason::InputError)
        }
        (DocumentKind::CreditNote, _) => Some(AmendmentReason::SupplyAmountChange),
    }
}

/// The issued tax invoice a document's amends.
#[derive(Clone, Copy, Debug)]
pub struct Amended<'a> {
    /// Its NTS approval number.
    pub approval_number: &'a str,
    /// Its 작성일자.
    pub write_date: Date,
}

/// The tax invoice of `document` (with its `lines`), `supplier` the platform and `buyer`
/// the partner, as input for the tax-invoice rules to validate. Notes and rebilled
/// invoices amend `amended` (see [`amendment_reason`] for the reason and the date). A line per invoice line, or,
/// beyond the NTS's 99, a line per product with its lines' sums. Zero-rated when no line
/// carries tax.
pub fn tax_invoice_input(
    document: &Document,
    lines: &[DocumentLine],
    supplier: &InvoiceParty,
    buyer: &InvoiceParty,
    amended: Option<Amended<'_>>,
) -> TaxInvoiceInput {
    let reason = amendment_reason(document);
    let date = match (reason, amended) {
        (Some(AmendmentReason::InputError), Some(original)) => Some(original.write_date),
        _ => document.document_date,
    };
    let date = date.map(|d| d.to_string()).unwrap_or_default();
    let zero_rated = lines.iter().all(|l| l.item.tax_rate.is_zero());
    let items = if lines.len() <= MAX_LINES {
        lines.iter().map(|l| line_input(l, &date)).collect()
    } else {
        by_product(lines, &date)
    };
    let number = document.number.clone().unwrap_or_default();
    let mut remarks = vec![format!("{} {number}", kind_label(document.kind))];
    if let Some(original) = &document.original_number {
        remarks.push(format!("원 청구서 {original}"));
    }
    TaxInvoiceInput {
        write_date: Some(date),
        tax_type: Some(if zero_rated { "zero_rated" } else { "taxable" }.into()),
        purpose: Some("claim".into()),
        supplier: Some(PartyInput::from(supplier)),
        buyer: Some(PartyInput::from(buyer)),
        items: Some(items),
        remarks: Some(remarks),
        amendment: reason.map(|reason| AmendmentInput {
            reason_code: Some(reason.code()),
            original_approval_number: amended.map(|a| a.approval_number.to_owned()),
        }),
        supply_total: Some(DecimalInput(document.totals.subtotal)),
        tax_total: Some(DecimalInput(document.totals.tax)),
        total: Some(DecimalInput(document.totals.total)),
        approval_number: None,
    }
}

fn kind_label(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "청구서",
        DocumentKind::CreditNote => "대변표",
        DocumentKind::VoidNote => "무효 처리",
    }
}

fn line_input(line: &DocumentLine, date: &str) -> TaxInvoiceLineInput {
    let item = &line.item;
    TaxInvoiceLineInput {
        date: Some(date.to_owned()),
        name: Some(truncated(&item.product_name)),
        spec: item
            .sku_name
            .as_deref()
            .map(|s| s.chars().take(60).collect()),
        quantity: Some(DecimalInput(item.quantity)),
        // A unit price in another currency would not be a won amount.
        unit_price: (item.pricing_currency == Currency::KRW && item.exchange_rate.is_none())
            .then_some(DecimalInput(item.unit_price)),
        supply_amount: Some(DecimalInput(line.priced.amount)),
        tax_amount: Some(DecimalInput(line.priced.tax)),
        remark: Some(item.order_id.chars().take(150).collect()),
    }
}

/// A line per product (in first-seen order) with its lines' supply and tax summed.
fn by_product(lines: &[DocumentLine], date: &str) -> Vec<TaxInvoiceLineInput> {
    let mut groups: Vec<(&str, Decimal, Decimal)> = Vec::new();
    for line in lines {
        let name = line.item.product_name.as_str();
        match groups.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, supply, tax)) => {
                *supply += line.priced.amount;
                *tax += line.priced.tax;
            }
            None => groups.push((name, line.priced.amount, line.priced.tax)),
        }
    }
    groups
        .into_iter()
        .map(|(name, supply, tax)| TaxInvoiceLineInput {
            date: Some(date.to_owned()),
            name: Some(truncated(name)),
            spec: None,
            quantity: None,
            unit_price: None,
            supply_amount: Some(DecimalInput(supply)),
            tax_amount: Some(DecimalInput(tax)),
            remark: None,
        })
        .collect()
}

fn truncated(name: &str) -> String {
    name.chars().take(MAX_ITEM_NAME).collect()
}
