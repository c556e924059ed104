//! The document: header, parties, payment terms, tax breakdown, totals and lines, in the
//! element order of the UBL 2.1 schemas.

use settle_core::billing::{BillingDetails, Document, DocumentKind, DocumentLine};
use time::Date;

use crate::amounts::{LineAmounts, Totals, sign};
use crate::format::{Money, day};
use crate::lines::{LineNames, line, tax_category};
use crate::xml::Xml;
use crate::{Endpoint, UblError, UblSource, parties};

/// Peppol BIS Billing 3.0 on EN 16931.
pub const CUSTOMIZATION_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
/// The Peppol billing process.
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// What differs between an invoice and a credit note.
struct Shape {
    root: &'static str,
    namespace: &'static str,
    type_code_element: &'static str,
    type_code: &'static str,
    lines: LineNames,
}

const INVOICE: Shape = Shape {
    root: "Invoice",
    namespace: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    type_code_element: "cbc:InvoiceTypeCode",
    type_code: "380",
    lines: LineNames {
        line: "cac:InvoiceLine",
        quantity: "cbc:InvoicedQuantity",
    },
};

const CREDIT_NOTE: Shape = Shape {
    root: "CreditNote",
    namespace: "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    type_code_element: "cbc:CreditNoteTypeCode",
    type_code: "381",
    lines: LineNames {
        line: "cac:CreditNoteLine",
        quantity: "cbc:CreditedQuantity",
    },
};

/// A finalized document's number, date and billing details.
struct Finalized<'a> {
    number: &'a str,
    date: Date,
    details: &'a BillingDetails,
}

fn finalized(document: &Document) -> Result<Finalized<'_>, UblError> {
    match (&document.number, document.document_date, &document.details) {
        (Some(number), Some(date), Some(details)) if !number.trim().is_empty() => Ok(Finalized {
            number,
            date,
            details,
        }),
        _ => Err(UblError::NotFinalized),
    }
}

/// The invoicing period (BG-14): the billing period, widened where a line's charge period
/// reaches beyond it — EN 16931 wants every line period inside the document's
/// (PEPPOL-EN16931-R110, R111), and a charge may cover more than its billing month.
fn period(document: &Document, lines: &[DocumentLine]) -> (Date, Date) {
    let start = lines
        .iter()
        .map(|l| l.item.charge_start)
        .fold(document.period.start(), Date::min);
    let end = lines
        .iter()
        .map(|l| l.item.charge_end)
        .fold(document.period.end(), Date::max);
    (start, end)
}

/// The payment terms (BT-20): the invoice's terms and how to pay; on a note, the invoice
/// it credits or voids.
fn payment_terms(document: &Document, f: &Finalized<'_>) -> String {
    match document.kind {
        DocumentKind::Invoice => {
            let net = format!("Net {} days.", f.details.payment_terms_days);
            match document.payment_instructions(|number| {
                format!("Cite invoice number {number} with your payment.")
            }) {
                Some(how) => format!("{net} {how}"),
                None => net,
            }
        }
        DocumentKind::CreditNote => match &document.original_number {
            Some(original) => format!("Credit against invoice {original}."),
            None => "Credit note.".to_owned(),
        },
        DocumentKind::VoidNote => match &document.original_number {
            Some(original) => format!("Voids invoice {original}."),
            None => "Void note.".to_owned(),
        },
    }
}

fn header(
    xml: &mut Xml,
    shape: &Shape,
    document: &Document,
    f: &Finalized<'_>,
    lines: &[DocumentLine],
) {
    xml.leaf("cbc:CustomizationID", CUSTOMIZATION_ID);
    xml.leaf("cbc:ProfileID", PROFILE_ID);
    xml.leaf("cbc:ID", f.number);
    xml.leaf("cbc:IssueDate", &day(f.date));
    if document.kind == DocumentKind::Invoice {
        xml.leaf_opt("cbc:DueDate", document.due_date.map(day).as_deref());
    }
    xml.leaf(shape.type_code_element, shape.type_code);
    xml.leaf_opt("cbc:Note", document.reason.as_deref());
    xml.leaf("cbc:DocumentCurrencyCode", document.currency.code());
    let po = f
        .details
        .po_number
        .as_deref()
        .filter(|p| !p.trim().is_empty());
    let profile = document.profile_id.to_string();
    xml.leaf("cbc:BuyerReference", po.unwrap_or(&profile));
    let (start, end) = period(document, lines);
    xml.open("cac:InvoicePeriod");
    xml.leaf("cbc:StartDate", &day(start));
    xml.leaf("cbc:EndDate", &day(end));
    xml.close();
    if let Some(po) = po {
        xml.open("cac:OrderReference");
        xml.leaf("cbc:ID", po);
        xml.close();
    }
    if let Some(original) = document
        .original_number
        .as_deref()
        .filter(|o| !o.trim().is_empty())
    {
        xml.open("cac:BillingReference");
        xml.open("cac:InvoiceDocumentReference");
        xml.leaf("cbc:ID", original);
        xml.close();
        xml.close();
    }
}

fn payment(xml: &mut Xml, document: &Document, f: &Finalized<'_>) {
    if document.kind == DocumentKind::Invoice {
        // Instrument not defined; the remittance information is the invoice number.
        xml.open("cac:PaymentMeans");
        xml.leaf("cbc:PaymentMeansCode", "1");
        xml.leaf("cbc:PaymentID", f.number);
        xml.close();
    }
    xml.open("cac:PaymentTerms");
    xml.leaf("cbc:Note", &payment_terms(document, f));
    xml.close();
}

fn totals(xml: &mut Xml, money: Money, totals: &Totals) -> Result<(), UblError> {
    xml.open("cac:TaxTotal");
    money.leaf(xml, "cbc:TaxAmount", totals.tax)?;
    for subtotal in &totals.subtotals {
        xml.open("cac:TaxSubtotal");
        money.leaf(xml, "cbc:TaxableAmount", subtotal.taxable)?;
        money.leaf(xml, "cbc:TaxAmount", subtotal.tax)?;
        tax_category(
            xml,
            "cac:TaxCategory",
            subtotal.vat.category.code(),
            subtotal.vat.percent,
        );
        xml.close();
    }
    xml.close();
    xml.open("cac:LegalMonetaryTotal");
    money.leaf(xml, "cbc:LineExtensionAmount", totals.lines)?;
    money.leaf(xml, "cbc:TaxExclusiveAmount", totals.lines)?;
    money.leaf(xml, "cbc:TaxInclusiveAmount", totals.with_tax)?;
    if !totals.rounding.is_zero() {
        money.leaf(xml, "cbc:PayableRoundingAmount", totals.rounding)?;
    }
    money.leaf(xml, "cbc:PayableAmount", totals.payable)?;
    xml.close();
    Ok(())
}

/// Checks what the document must be before anything is written.
fn check(document: &Document, lines: &[DocumentLine]) -> Result<(), UblError> {
    if lines.is_empty() {
        return Err(UblError::NoLines);
    }
    if let Some(foreign) = lines.iter().find(|l| l.invoice_id != document.id) {
        return Err(UblError::ForeignLine {
            line_no: foreign.line_no,
        });
    }
    let sum = lines
        .iter()
        .try_fold(rust_decimal::Decimal::ZERO, |sum, l| {
            sum.checked_add(l.priced.total).ok_or(UblError::Overflow)
        })?;
    if sum != document.totals.total {
        return Err(UblError::InconsistentTotals);
    }
    Ok(())
}

/// Writes `source` as a UBL Invoice (invoices) or CreditNote (credit and void notes).
pub(crate) fn write(source: &UblSource<'_>) -> Result<String, UblError> {
    let document = source.document;
    let f = finalized(document)?;
    check(document, source.lines)?;
    let shape = match document.kind {
        DocumentKind::Invoice => &INVOICE,
        DocumentKind::CreditNote | DocumentKind::VoidNote => &CREDIT_NOTE,
    };
    let sign = sign(document);
    let amounts = source
        .lines
        .iter()
        .map(|l| LineAmounts::of(l, sign))
        .collect::<Result<Vec<_>, _>>()?;
    let sums = Totals::of(document, &amounts, sign)?;
    let seller = match &source.seller_endpoint {
        Some(e) => e.clone(),
        None => Endpoint::fallback(Some(&source.seller.brn), source.seller.id.as_ref()),
    };
    let buyer = match &source.buyer_endpoint {
        Some(e) => e.clone(),
        None => Endpoint::fallback(source.buyer.brn.as_ref(), document.partner_id.as_ref()),
    };

    let mut xml = Xml::new();
    xml.open_with(
        shape.root,
        &[
            ("xmlns", shape.namespace),
            ("xmlns:cac", CAC),
            ("xmlns:cbc", CBC),
        ],
    );
    header(&mut xml, shape, document, &f, source.lines);
    parties::seller(&mut xml, source.seller, &seller);
    parties::buyer(&mut xml, source.buyer, f.details, &buyer);
    parties::delivery(&mut xml, f.details);
    payment(&mut xml, document, &f);
    let money = Money::new(document.currency);
    totals(&mut xml, money, &sums)?;
    for (l, a) in source.lines.iter().zip(&amounts) {
        line(&mut xml, shape.lines, document.currency, l, a)?;
    }
    Ok(xml.finish())
}
