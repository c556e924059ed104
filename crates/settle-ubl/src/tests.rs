//! Documents built in memory, priced by the core's own rules, written and read back.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use settle_core::billing::{
    Address, BillingDetails, ChargeDetails, ChargeType, Document, DocumentKind, DocumentLine,
    DocumentStatus, LineItem, Period, PricedLine, Series, Template, price, totals,
};
use settle_core::brn::Brn;
use settle_core::currency::Currency;
use settle_core::ids::{BillingProfileId, InvoiceId, InvoiceLineId, PartnerId, TenantId};
use settle_core::language::Language;
use settle_core::partner::{Contact, PartnerData, PartnerType};
use settle_core::rounding::RoundingMode;
use settle_core::tenant::{Tenant, TenantProfile};
use time::macros::{date, datetime};

use super::*;

fn seller() -> Tenant {
    Tenant {
        id: TenantId::generate(),
        name: "Settle Market Co., Ltd.".to_owned(),
        brn: Brn::parse("2208162517").unwrap(),
        profile: TenantProfile {
            address: Some("123 Teheran-ro, Gangnam-gu, Seoul".to_owned()),
            ..TenantProfile::default()
        },
        nts_linked_at: None,
        created_at: datetime!(2026-01-01 00:00 UTC),
    }
}

fn buyer(name: &str) -> PartnerData {
    PartnerData {
        brn: Brn::from_prefix(124_810_001),
        sub_business_id: None,
        name: name.to_owned(),
        ceo_name: "홍길동".to_owned(),
        address: "서울특별시 강남구 테헤란로 1".to_owned(),
        biz_type: "서비스".to_owned(),
        biz_item: "소프트웨어".to_owned(),
        partner_type: PartnerType::Business,
        external_id: None,
        contact: Contact {
            name: "김정산".to_owned(),
            email: "tax@ganada.example".to_owned(),
            phone: None,
        },
        tags: Vec::new(),
        language: Language::En,
    }
}

fn address(name: &str) -> Address {
    Address {
        name: name.to_owned(),
        address: "1 Teheran-ro, Seoul".to_owned(),
        country: Some("KR".to_owned()),
        state: Some("Seoul".to_owned()),
        postal_code: Some("06236".to_owned()),
    }
}

fn item(product: &str, unit_price: Decimal, quantity: Decimal) -> LineItem {
    LineItem {
        order_id: "O-1".to_owned(),
        order_date: date!(2026 - 10 - 01),
        product_id: "CFQ7TTC0LF8R".to_owned(),
        sku_id: "0001".to_owned(),
        product_name: product.to_owned(),
        sku_name: None,
        charge_type: ChargeType::New,
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

/// A finalized document of `kind` in `currency` with these items, priced by the core.
fn document(
    kind: DocumentKind,
    currency: Currency,
    items: Vec<LineItem>,
) -> (Document, Vec<DocumentLine>) {
    let id = InvoiceId::generate();
    let lines: Vec<DocumentLine> = items
        .into_iter()
        .enumerate()
        .map(|(n, item)| {
            let priced = price(&item, currency, RoundingMode::HalfAwayFromZero).unwrap();
            let priced = if kind == DocumentKind::Invoice {
                priced
            } else {
                priced.negated()
            };
            let mut item = item;
            if kind != DocumentKind::Invoice {
                item.quantity = -item.quantity;
            }
            DocumentLine {
                id: InvoiceLineId::generate(),
                invoice_id: id.clone(),
                line_no: n as i64 + 1,
                charge_id: None,
                credits_line_id: None,
                item,
                priced,
            }
        })
        .collect();
    let totals = totals(Series::G, lines.iter().map(DocumentLine::amounts), currency).unwrap();
    let (number, original) = match kind {
        DocumentKind::Invoice => ("G000000001", None),
        DocumentKind::CreditNote => ("GC000000001", Some("G000000001".to_owned())),
        DocumentKind::VoidNote => ("GV000000001", Some("G000000001".to_owned())),
    };
    let document = Document {
        id,
        tenant_id: TenantId::generate(),
        partner_id: PartnerId::generate(),
        profile_id: BillingProfileId::generate(),
        kind,
        series: Series::G,
        number: Some(number.to_owned()),
        status: DocumentStatus::Open,
        marketplace: false,
        period: Period::of(date!(2026 - 10 - 01)),
        currency,
        run_id: None,
        original_id: None,
        original_number: original,
        details: Some(BillingDetails {
            sold_to: address("Ganada Inc."),
            bill_to: address("Ganada Accounts Payable"),
            ship_to: None,
            service_to: None,
            po_number: Some("PO-7781".to_owned()),
            payment_terms_days: 30,
            template: Template::Lrd,
            country: "KR".to_owned(),
            customer_number: None,
            us_fein: None,
            customer_service_url: None,
            payment_instructions: None,
            tax_invoice_required: false,
        }),
        line_count: lines.len() as i64,
        totals,
        settled: Decimal::ZERO,
        document_date: Some(date!(2026 - 11 - 01)),
        due_date: (kind == DocumentKind::Invoice).then_some(date!(2026 - 12 - 01)),
        tax_invoice_number: None,
        reason: None,
        version: 1,
        created_at: datetime!(2026-11-01 00:00 UTC),
        updated_at: datetime!(2026-11-01 00:00 UTC),
    };
    (document, lines)
}

fn write(
    document: &Document,
    lines: &[DocumentLine],
    partner: &PartnerData,
) -> Result<String, UblError> {
    crate::document(&UblSource {
        document,
        lines,
        seller: &seller(),
        buyer: partner,
        seller_endpoint: None,
        buyer_endpoint: None,
    })
}

/// The text of the first element named `name` (local name) under a parent named `parent`
/// (or anywhere, when `parent` is empty).
fn text_of<'a>(doc: &'a roxmltree::Document<'a>, parent: &str, name: &str) -> Option<&'a str> {
    doc.descendants()
        .find(|n| {
            n.tag_name().name() == name
                && (parent.is_empty()
                    || n.parent_element()
                        .is_some_and(|p| p.tag_name().name() == parent))
        })
        .and_then(|n| n.text())
}

#[test]
fn category_rounding_differs_from_line_rounding_and_the_difference_is_the_rounding_amount() {
    // Three lines of 0.05 at 10%: each line's tax 0.005 rounds to 0.01 (0.03 in all), the
    // category's 0.15 × 10% = 0.015 rounds to 0.02.
    let items = (0..3).map(|_| item("Tiny", dec!(0.05), dec!(1))).collect();
    let (document, lines) = document(DocumentKind::Invoice, Currency::USD, items);
    assert_eq!(document.totals.tax, dec!(0.03));
    assert_eq!(document.totals.total, dec!(0.18));
    let xml = write(&document, &lines, &buyer("Ganada")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(text_of(&doc, "TaxTotal", "TaxAmount"), Some("0.02"));
    assert_eq!(text_of(&doc, "TaxSubtotal", "TaxableAmount"), Some("0.15"));
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "LineExtensionAmount"),
        Some("0.15")
    );
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "TaxInclusiveAmount"),
        Some("0.17")
    );
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "PayableRoundingAmount"),
        Some("0.01")
    );
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "PayableAmount"),
        Some("0.18")
    );
}

#[test]
fn without_a_difference_there_is_no_rounding_amount() {
    let (document, lines) = document(
        DocumentKind::Invoice,
        Currency::USD,
        vec![item("Seats", dec!(1234.50), dec!(3))],
    );
    let xml = write(&document, &lines, &buyer("Ganada")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "PayableRoundingAmount"),
        None
    );
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "PayableAmount"),
        Some("4073.85")
    );
    assert_eq!(text_of(&doc, "Price", "PriceAmount"), Some("3703.50"));
    assert_eq!(text_of(&doc, "Price", "BaseQuantity"), Some("3"));
}

#[test]
fn markup_characters_in_names_are_escaped_and_read_back_as_written() {
    let nasty = r#"A<B & "C" 'D'>"#;
    let (document, lines) = document(
        DocumentKind::Invoice,
        Currency::USD,
        vec![item(nasty, dec!(10), dec!(1))],
    );
    let xml = write(&document, &lines, &buyer(nasty)).unwrap();
    assert!(!xml.contains(nasty));
    assert!(xml.contains("A&lt;B &amp; &quot;C&quot; &apos;D&apos;&gt;"));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(text_of(&doc, "Item", "Name"), Some(nasty));
    let legal_names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "RegistrationName")
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(legal_names, ["Settle Market Co., Ltd.", nasty]);
}

#[test]
fn a_credit_note_states_positive_credits_and_cites_the_invoice() {
    let (document, lines) = document(
        DocumentKind::CreditNote,
        Currency::USD,
        vec![item("Seats", dec!(100), dec!(2))],
    );
    assert_eq!(document.totals.total, dec!(-220.00));
    let xml = write(&document, &lines, &buyer("Ganada")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "CreditNote");
    assert_eq!(text_of(&doc, "", "CreditNoteTypeCode"), Some("381"));
    assert_eq!(
        text_of(&doc, "InvoiceDocumentReference", "ID"),
        Some("G000000001")
    );
    assert_eq!(
        text_of(&doc, "CreditNoteLine", "CreditedQuantity"),
        Some("2")
    );
    assert_eq!(
        text_of(&doc, "CreditNoteLine", "LineExtensionAmount"),
        Some("200.00")
    );
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "PayableAmount"),
        Some("220.00")
    );
}

#[test]
fn yen_amounts_have_no_decimals() {
    let mut seats = item("Seats", dec!(1234.56), dec!(3));
    seats.exchange_rate = Some(dec!(151.37));
    let (document, lines) = document(DocumentKind::Invoice, Currency::JPY, vec![seats]);
    let xml = write(&document, &lines, &buyer("Ganada")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    // 1234.56 × 3 × 151.37 = 560626.0416 → 560626; tax 56062.6 → 56063.
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "LineExtensionAmount"),
        Some("560626")
    );
    assert_eq!(text_of(&doc, "TaxTotal", "TaxAmount"), Some("56063"));
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "PayableAmount"),
        Some("616689")
    );
    assert!(
        doc.descendants()
            .filter_map(|n| n.attribute("currencyID"))
            .all(|c| c == "JPY")
    );
}

#[test]
fn drafts_and_documents_without_lines_are_refused() {
    let (mut draft, lines) = document(
        DocumentKind::Invoice,
        Currency::USD,
        vec![item("Seats", dec!(10), dec!(1))],
    );
    draft.number = None;
    assert_eq!(
        write(&draft, &lines, &buyer("Ganada")),
        Err(UblError::NotFinalized)
    );
    let (document, _) = document(
        DocumentKind::Invoice,
        Currency::USD,
        vec![item("Seats", dec!(10), dec!(1))],
    );
    assert_eq!(
        write(&document, &[], &buyer("Ganada")),
        Err(UblError::NoLines)
    );
}

#[test]
fn a_credit_by_amount_credits_one_lump_sum() {
    let (mut document, mut lines) = document(
        DocumentKind::CreditNote,
        Currency::USD,
        vec![item("Seats", dec!(100), dec!(2))],
    );
    // What a credit of 50.00 before tax on a line leaves: no units, the amount and its tax.
    lines[0].item.quantity = Decimal::ZERO;
    lines[0].priced = PricedLine {
        gross: dec!(-50.00),
        discount: dec!(0.00),
        amount: dec!(-50.00),
        tax: dec!(-5.00),
        total: dec!(-55.00),
    };
    document.totals.total = dec!(-55.00);
    let mut partner = buyer("Ganada");
    partner.brn = None;
    let xml = write(&document, &lines, &partner).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        text_of(&doc, "CreditNoteLine", "CreditedQuantity"),
        Some("1")
    );
    assert_eq!(text_of(&doc, "Price", "PriceAmount"), Some("50.00"));
    assert_eq!(
        text_of(&doc, "LegalMonetaryTotal", "PayableAmount"),
        Some("55.00")
    );
    // A partner without a BRN has no VAT identifier and is addressed by its id.
    let endpoints: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "EndpointID")
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(endpoints, ["2208162517", document.partner_id.as_ref()]);
    assert_eq!(
        doc.descendants()
            .filter(|n| n.tag_name().name() == "PartyTaxScheme")
            .count(),
        1
    );
}

#[test]
fn lines_of_another_document_and_totals_that_do_not_add_up_are_refused() {
    let (mut document, mut lines) = document(
        DocumentKind::Invoice,
        Currency::USD,
        vec![item("Seats", dec!(10), dec!(1))],
    );
    document.totals.total += dec!(0.01);
    let partner = buyer("Ganada");
    assert_eq!(
        write(&document, &lines, &partner),
        Err(UblError::InconsistentTotals)
    );
    lines[0].invoice_id = InvoiceId::generate();
    assert_eq!(
        write(&document, &lines, &partner),
        Err(UblError::ForeignLine { line_no: 1 })
    );
}
