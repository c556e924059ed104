use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use time::macros::date;

use super::*;
use crate::billing::fixtures::document;
use crate::billing::{ChargeDetails, ChargeType, DocumentStatus, LineItem, price};
use crate::currency::Currency;
use crate::ids::{InvoiceId, InvoiceLineId};
use crate::rounding::RoundingMode;

fn item(order: &str, quantity: Decimal, unit_price: Decimal) -> LineItem {
    LineItem {
        order_id: order.into(),
        order_date: date!(2026 - 10 - 01),
        product_id: "P-1".into(),
        sku_id: "0001".into(),
        product_name: "Seats".into(),
        sku_name: None,
        charge_type: if quantity < Decimal::ZERO {
            ChargeType::Cancellation
        } else {
            ChargeType::New
        },
        category: None,
        quantity,
        unit_price,
        discount: None,
        pricing_currency: Currency::USD,
        exchange_rate: None,
        exchange_rate_date: None,
        tax_rate: dec!(0.10),
        publisher_name: None,
        publisher_address: None,
        charge_start: date!(2026 - 10 - 01),
        charge_end: date!(2026 - 10 - 31),
        details: ChargeDetails::default(),
    }
}

fn line(
    invoice: &InvoiceId,
    no: i64,
    item: LineItem,
    credits: Option<&InvoiceLineId>,
) -> DocumentLine {
    let priced = price(&item, Currency::USD, RoundingMode::HalfAwayFromZero).unwrap();
    DocumentLine {
        id: InvoiceLineId::generate(),
        invoice_id: invoice.clone(),
        line_no: no,
        charge_id: None,
        credits_line_id: credits.cloned(),
        item,
        priced,
    }
}

/// A document of `kind` numbered `number` whose stored totals are its lines' sums.
fn with_lines(
    kind: DocumentKind,
    number: &str,
    items: Vec<(LineItem, Option<&InvoiceLineId>)>,
) -> (Document, Vec<DocumentLine>) {
    let mut d = document(kind, DocumentStatus::Open, 0, 0);
    d.number = Some(number.into());
    let lines: Vec<DocumentLine> = items
        .into_iter()
        .enumerate()
        .map(|(i, (item, credits))| line(&d.id, i as i64 + 1, item, credits))
        .collect();
    d.totals = totals(
        d.series,
        lines.iter().map(DocumentLine::amounts),
        d.currency,
    )
    .unwrap();
    (d, lines)
}

fn invoice() -> (Document, Vec<DocumentLine>) {
    with_lines(
        DocumentKind::Invoice,
        "G000000001",
        vec![
            (item("O-1", dec!(3), dec!(10.25)), None),
            (item("O-2", dec!(1), dec!(99.99)), None),
        ],
    )
}

fn credit_of(
    original: &(Document, Vec<DocumentLine>),
    quantity: Decimal,
) -> (Document, Vec<DocumentLine>) {
    let (doc, lines) = original;
    let taken = item("O-1", -quantity, dec!(10.25));
    let (mut note, note_lines) = with_lines(
        DocumentKind::CreditNote,
        "GC000000001",
        vec![(taken, Some(&lines[0].id))],
    );
    note.original_id = Some(doc.id.clone());
    note.original_number = doc.number.clone();
    (note, note_lines)
}

#[test]
fn a_consistent_invoice_has_no_findings() {
    let (doc, lines) = invoice();
    assert!(check_document(&doc, &lines).is_empty());
}

#[test]
fn a_line_edited_after_finalization_breaks_the_totals() {
    let (doc, mut lines) = invoice();
    lines[1].priced.amount += dec!(1.00);
    lines[1].priced.gross += dec!(1.00);
    lines[1].priced.total += dec!(1.00);
    let findings = check_document(&doc, &lines);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].code, FindingCode::TotalsMismatch);
    assert_eq!(findings[0].expected - findings[0].found, dec!(1.00));
    assert_eq!(findings[0].documents, ["G000000001"]);
}

#[test]
fn a_line_whose_parts_do_not_add_up_is_named() {
    let (doc, mut lines) = invoice();
    lines[0].priced.total += dec!(0.01);
    let findings = check_document(&doc, &lines);
    assert_eq!(findings[0].code, FindingCode::LineInconsistent);
    assert!(findings[0].message.contains("line 1 of G000000001"));
}

#[test]
fn a_credit_note_off_by_a_cent_names_the_note_and_its_invoice() {
    let original = invoice();
    let (mut note, note_lines) = credit_of(&original, dec!(1));
    note.totals.total -= dec!(0.01);
    let findings = check_document(&note, &note_lines);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, FindingCode::CreditNoteMismatch);
    assert_eq!(findings[0].documents, ["GC000000001", "G000000001"]);
    assert_eq!(findings[0].found - findings[0].expected, dec!(-0.01));
}

#[test]
fn credits_beyond_a_line_are_found() {
    let original = invoice();
    let first = credit_of(&original, dec!(2));
    let second = credit_of(&original, dec!(2));
    let notes = [
        (&first.0, first.1.as_slice()),
        (&second.0, second.1.as_slice()),
    ];
    let findings = check_credits(&original.0, &original.1, &notes);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].code, FindingCode::CreditExceedsLine);
    assert_eq!(
        (findings[0].expected, findings[0].found),
        (dec!(30.75), dec!(41.00))
    );
    let one = [(&first.0, first.1.as_slice())];
    assert!(check_credits(&original.0, &original.1, &one).is_empty());
}

#[test]
fn a_void_note_must_negate_every_line() {
    let (doc, lines) = invoice();
    let negated: Vec<(LineItem, Option<&InvoiceLineId>)> = lines
        .iter()
        .map(|l| {
            let mut i = l.item.clone();
            i.quantity = -i.quantity;
            (i, Some(&l.id))
        })
        .collect();
    let (void, mut void_lines) = with_lines(DocumentKind::VoidNote, "GV000000001", negated);
    assert!(check_void(&void, &void_lines, &doc, &lines).is_empty());
    void_lines[1].priced.total += dec!(0.01);
    let findings = check_void(&void, &void_lines, &doc, &lines);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, FindingCode::VoidNoteNotNegation);
    assert_eq!(findings[0].documents, ["GV000000001", "G000000001"]);
}

#[test]
fn a_document_without_its_korean_tax_invoice_is_named() {
    let (doc, _) = invoice();
    let missing = check_tax_invoice(&doc, None).unwrap();
    assert_eq!(missing.code, FindingCode::TaxInvoiceMissing);
    assert_eq!(missing.expected, doc.totals.subtotal + doc.totals.tax);
    let right = Some(("PI-G000000001", doc.totals.subtotal, doc.totals.tax));
    assert_eq!(check_tax_invoice(&doc, right), None);
    let wrong = Some((
        "PI-G000000001",
        doc.totals.subtotal - dec!(1),
        doc.totals.tax,
    ));
    let mismatch = check_tax_invoice(&doc, wrong).unwrap();
    assert_eq!(mismatch.code, FindingCode::TaxInvoiceMismatch);
    assert_eq!(mismatch.documents, ["G000000001", "PI-G000000001"]);
}
