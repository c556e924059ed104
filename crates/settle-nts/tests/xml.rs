//! The NTS XML writer (snapshots of the unsigned XML) and reader (round trips).

mod common;

use common::{document, invoice_json};
use serde_json::json;
use settle_nts::XmlError;
use settle_nts::xml::{read, write};

#[test]
fn taxable_document() {
    insta::assert_snapshot!(write(&document(invoice_json(1))));
}

#[test]
fn zero_rated_document() {
    let mut value = invoice_json(2);
    value["tax_type"] = json!("zero_rated");
    value["purpose"] = json!("receipt");
    insta::assert_snapshot!(write(&document(value)));
}

#[test]
fn amended_document() {
    let mut value = invoice_json(1);
    value["items"][0]["supply_amount"] = json!("-10001");
    value["items"][0]["quantity"] = json!("-2");
    value["amendment"] =
        json!({"reason_code": 4, "original_approval_number": "202610204100000100000007"});
    insta::assert_snapshot!(write(&document(value)));
}

#[test]
fn special_characters_are_escaped() {
    let mut value = invoice_json(1);
    value["supplier"]["name"] = json!("A&B <상사> \"따옴표\" 'quote'");
    value["items"][0]["name"] = json!("R&D ]]> 용역 <1>");
    value["remarks"] = json!(["비고 & 'a' \"b\" <c>"]);
    let xml = write(&document(value.clone()));
    insta::assert_snapshot!(xml);
    let back = read(&xml).unwrap();
    assert_eq!(back.invoice.supplier.name, "A&B <상사> \"따옴표\" 'quote'");
    assert_eq!(back.invoice.lines[0].name, "R&D ]]> 용역 <1>");
}

#[test]
fn ninety_nine_lines() {
    let xml = write(&document(invoice_json(99)));
    assert_eq!(xml.matches("<TaxInvoiceTradeLineItem>").count(), 99);
    assert!(xml.contains("<SequenceNumeric>99</SequenceNumeric>"));
    insta::assert_snapshot!(xml);
}

#[test]
fn documents_round_trip() {
    for value in [invoice_json(1), invoice_json(99), {
        let mut v = invoice_json(3);
        v["tax_type"] = json!("zero_rated");
        v["supplier"]["sub_business_id"] = json!("0001");
        v["supplier"]["contact"]["phone"] = json!("02-1234-5678");
        v
    }] {
        let original = document(value);
        let xml = write(&original);
        assert_eq!(read(&xml).unwrap(), original);
    }
}

#[test]
fn reading_refuses_broken_documents() {
    let xml = write(&document(invoice_json(2)));
    let bad_total = xml.replacen(
        "<GrandTotalAmount>22002</GrandTotalAmount>",
        "<GrandTotalAmount>22003</GrandTotalAmount>",
        1,
    );
    assert_ne!(bad_total, xml);
    match read(&bad_total).unwrap_err() {
        XmlError::Invalid(errors) => assert_eq!(errors[0].code, "tax_invoice.totals_mismatch"),
        other => panic!("{other}"),
    }
    let fractional = xml.replacen("<InvoiceAmount>10001<", "<InvoiceAmount>10001.5<", 1);
    assert_eq!(read(&fractional).unwrap_err().code(), "xml.invalid_invoice");
    assert_eq!(read("<TaxInvoice").unwrap_err().code(), "xml.malformed");
    assert_eq!(read("<Other/>").unwrap_err().code(), "xml.structure");
    let dtd = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{}", &xml[39..]);
    assert_eq!(read(&dtd).unwrap_err().code(), "xml.malformed");
    let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    assert_eq!(read(&deep).unwrap_err().code(), "xml.malformed");
}
