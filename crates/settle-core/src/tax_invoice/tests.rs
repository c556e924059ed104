use rust_decimal_macros::dec;
use serde_json::json;

use super::*;
use crate::rounding::RoundingMode;
use crate::validation::FieldError;

fn sample() -> serde_json::Value {
    json!({
        "write_date": "2026-11-20",
        "tax_type": "taxable",
        "purpose": "claim",
        "supplier": {
            "brn": "220-81-62517", "name": "공급자(주)", "ceo_name": "김공급",
            "address": "서울특별시 강남구 테헤란로 1", "biz_type": "서비스", "biz_item": "소프트웨어",
            "contact": {"name": "이담당", "email": "tax@supplier.example"}
        },
        "buyer": {
            "brn": "124-81-01231", "name": "플랫폼", "ceo_name": "박대표",
            "address": "서울특별시 중구 세종대로 110"
        },
        "items": [
            {"date": "2026-11-20", "name": "광고", "supply_amount": "9999"},
            {"name": "수수료", "quantity": "1.5", "unit_price": 2000, "supply_amount": 3000, "tax_amount": "300"}
        ],
        "remarks": ["11월분"]
    })
}

fn validate(value: serde_json::Value) -> Result<TaxInvoice, Vec<FieldError>> {
    let input: TaxInvoiceInput = serde_json::from_value(value).unwrap();
    input.validate(&TaxPolicy::default())
}

fn codes(value: serde_json::Value) -> Vec<(String, String)> {
    validate(value)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.code, e.field))
        .collect()
}

#[test]
fn computes_line_tax_by_truncation_and_sums() {
    let invoice = validate(sample()).unwrap();
    assert_eq!(invoice.lines[0].tax_amount, dec!(999));
    assert_eq!(invoice.lines[1].tax_amount, dec!(300));
    assert_eq!(invoice.lines[1].date, invoice.write_date);
    assert_eq!(invoice.lines[1].quantity, Some(dec!(1.5)));
    assert_eq!(
        (invoice.supply_total, invoice.tax_total, invoice.total),
        (dec!(12999), dec!(1299), dec!(14298))
    );
}

#[test]
fn half_up_policy_rounds_up() {
    let input: TaxInvoiceInput = serde_json::from_value(sample()).unwrap();
    let policy = TaxPolicy {
        rounding: RoundingMode::HalfAwayFromZero,
    };
    let invoice = input.validate(&policy).unwrap();
    assert_eq!(invoice.lines[0].tax_amount, dec!(1000));
}

#[test]
fn zero_rated_has_no_tax() {
    let mut value = sample();
    value["tax_type"] = json!("zero_rated");
    value["items"][1]["tax_amount"] = json!("0");
    let invoice = validate(value).unwrap();
    assert_eq!(invoice.tax_total, dec!(0));
}

#[test]
fn refuses_fractional_won_and_wrong_tax() {
    let mut value = sample();
    value["items"][0]["supply_amount"] = json!("100.5");
    value["items"][1]["tax_amount"] = json!(500);
    assert_eq!(
        codes(value),
        [
            (
                "tax_invoice.fractional_won".into(),
                "items[0].supply_amount".into()
            ),
            (
                "tax_invoice.tax_mismatch".into(),
                "items[1].tax_amount".into()
            ),
        ]
    );
}

#[test]
fn refuses_totals_that_do_not_match() {
    let mut value = sample();
    value["supply_total"] = json!("12999");
    value["total"] = json!("15000");
    assert_eq!(
        codes(value),
        [("tax_invoice.totals_mismatch".into(), "total".into())]
    );
}

#[test]
fn refuses_more_than_99_items_and_empty_names() {
    let mut value = sample();
    let item = json!({"name": "x", "supply_amount": "1"});
    value["items"] = json!(vec![item; 100]);
    assert!(codes(value).contains(&("tax_invoice.too_many_items".into(), "items".into())));

    let mut value = sample();
    value["items"][0]["name"] = json!("  ");
    assert_eq!(
        codes(value),
        [("tax_invoice.missing_field".into(), "items[0].name".into())]
    );
}

#[test]
fn refuses_tax_exempt_bad_brn_and_missing_parts() {
    let mut value = sample();
    value["tax_type"] = json!("tax_free");
    value["supplier"]["brn"] = json!("220-81-62518");
    value.as_object_mut().unwrap().remove("buyer");
    let found = codes(value);
    assert!(found.contains(&(
        "tax_invoice.tax_exempt_not_allowed".into(),
        "tax_type".into()
    )));
    assert!(found.contains(&("tax_invoice.invalid_brn".into(), "supplier.brn".into())));
    assert!(found.contains(&("tax_invoice.missing_field".into(), "buyer".into())));
}

#[test]
fn item_dates_stay_in_the_write_month() {
    let mut value = sample();
    value["items"][0]["date"] = json!("2026-10-31");
    assert_eq!(
        codes(value),
        [(
            "tax_invoice.item_date_outside_month".into(),
            "items[0].date".into()
        )]
    );
}

#[test]
fn unknown_fields_are_refused() {
    let mut value = sample();
    value["items"][0]["supply_ammount"] = json!("1");
    assert!(serde_json::from_value::<TaxInvoiceInput>(value).is_err());
}

#[test]
fn zero_and_negative_supply_only_on_amendments() {
    let mut value = sample();
    value["items"][0]["supply_amount"] = serde_json::json!("-1000");
    assert!(codes(value.clone()).contains(&(
        "tax_invoice.non_positive_amount".to_owned(),
        "items[0].supply_amount".to_owned()
    )));
    value["items"][0]["supply_amount"] = serde_json::json!(0);
    assert!(
        codes(value.clone())
            .iter()
            .any(|(code, _)| code == "tax_invoice.non_positive_amount")
    );
    value["items"][0]["supply_amount"] = serde_json::json!("-1000");
    value["amendment"] = serde_json::json!({
        "reason_code": 4,
        "original_approval_number": "202611219000000100000001"
    });
    let invoice = validate(value).expect("an amendment may be negative");
    assert_eq!(invoice.lines[0].supply_amount, dec!(-1000));
    assert_eq!(invoice.lines[0].tax_amount, dec!(-100));
}
