//! Popbill's `Taxinvoice` object read into settle's tax-invoice input. The SDKs send
//! numbers as strings or numbers and unset fields as `null`, so every field is read
//! leniently; dates are `yyyyMMdd`; the Korean names of tax types and purposes map to
//! settle's.

use rust_decimal::Decimal;
use serde_json::{Value, json};
use settle_core::money::DecimalInput;
use settle_core::tax_invoice::{
    AmendmentInput, Purpose, TaxInvoice, TaxInvoiceInput, TaxInvoiceLineInput, TaxType,
};

use super::PopbillError;

/// Popbill: the invoice type is not one settle takes here.
pub const INVALID_TYPE: i64 = -11001011;
/// Popbill: the caller's BRN is not the invoice's.
pub const WRONG_CORP_NUM: i64 = -11001000;
/// Popbill: writeDate is missing.
pub const NO_WRITE_DATE: i64 = -11001001;
/// Popbill: taxType is missing or not offered.
pub const NO_TAX_TYPE: i64 = -11001005;

/// A field as text: strings as they are, numbers written out, `null` and blanks absent.
pub fn text(object: &Value, field: &str) -> Option<String> {
    match object.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn decimal(object: &Value, field: &str) -> Option<DecimalInput> {
    let text = text(object, field)?;
    text.replace(',', "")
        .parse::<Decimal>()
        .ok()
        .map(DecimalInput)
}

/// `yyyyMMdd` as `YYYY-MM-DD` (anything else passes through for validation to refuse).
pub fn iso_date(compact: &str) -> String {
    if compact.len() == 8 && compact.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &compact[..4], &compact[4..6], &compact[6..])
    } else {
        compact.to_owned()
    }
}

fn refused(code: i64, message: &str) -> PopbillError {
    PopbillError::new(code, 400, message)
}

/// A business number field, digits only.
fn corp_num(body: &Value, field: &str) -> String {
    text(body, field).unwrap_or_default().replace('-', "")
}

/// The content of a reverse-issued `Taxinvoice` the platform `corp_num` sends.
pub fn reverse_input(
    body: &Value,
    corp_num_of_token: &str,
) -> Result<TaxInvoiceInput, PopbillError> {
    if text(body, "issueType").as_deref() != Some("역발행") {
        return Err(refused(
            INVALID_TYPE,
            "issueType must be 역발행 (settle takes reverse-issued invoices here)",
        ));
    }
    if corp_num(body, "invoiceeCorpNum") != corp_num_of_token {
        return Err(refused(
            WRONG_CORP_NUM,
            "invoiceeCorpNum must be the business number of the token",
        ));
    }
    content(body)
}

/// The content of a `Taxinvoice` a supplier (`seller`, the token's business) issues itself
/// to the platform (`buyer`): `issueType` 정발행.
pub fn issued_input(
    body: &Value,
    seller: &str,
    buyer: &str,
) -> Result<TaxInvoiceInput, PopbillError> {
    if text(body, "issueType").as_deref() != Some("정발행") {
        return Err(refused(
            INVALID_TYPE,
            "issueType must be 정발행 for registIssue",
        ));
    }
    if corp_num(body, "invoicerCorpNum") != seller {
        return Err(refused(
            WRONG_CORP_NUM,
            "invoicerCorpNum must be the business number of the token",
        ));
    }
    if corp_num(body, "invoiceeCorpNum") != buyer {
        return Err(refused(
            WRONG_CORP_NUM,
            "invoiceeCorpNum must be the platform's business number",
        ));
    }
    content(body)
}

/// What every `Taxinvoice` carries: dates, tax type, purpose, lines, remarks, totals.
fn content(body: &Value) -> Result<TaxInvoiceInput, PopbillError> {
    let write_date = text(body, "writeDate")
        .map(|d| iso_date(&d))
        .ok_or_else(|| refused(NO_WRITE_DATE, "writeDate is required (yyyyMMdd)"))?;
    let tax_type = match text(body, "taxType").as_deref() {
        Some("과세") => "taxable",
        Some("영세") => "zero_rated",
        _ => return Err(refused(NO_TAX_TYPE, "taxType is 과세 or 영세")),
    };
    let purpose = match text(body, "purposeType").as_deref() {
        Some("영수") => Some("receipt".to_owned()),
        Some("청구") => Some("claim".to_owned()),
        other => other.map(str::to_owned),
    };
    let items = body
        .get("detailList")
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter(|l| l.is_object())
                .map(|l| TaxInvoiceLineInput {
                    date: text(l, "purchaseDT").map(|d| iso_date(&d)),
                    name: text(l, "itemName"),
                    spec: text(l, "spec"),
                    quantity: decimal(l, "qty"),
                    unit_price: decimal(l, "unitCost"),
                    supply_amount: decimal(l, "supplyCost"),
                    tax_amount: decimal(l, "tax"),
                    remark: text(l, "remark"),
                })
                .collect()
        });
    let remarks: Vec<String> = ["remark1", "remark2", "remark3"]
        .iter()
        .filter_map(|f| text(body, f))
        .collect();
    let amendment = text(body, "modifyCode").map(|code| AmendmentInput {
        reason_code: code.parse().ok(),
        original_approval_number: text(body, "orgNTSConfirmNum"),
    });
    Ok(TaxInvoiceInput {
        write_date: Some(write_date),
        tax_type: Some(tax_type.to_owned()),
        purpose,
        items,
        remarks: (!remarks.is_empty()).then_some(remarks),
        amendment,
        supply_total: decimal(body, "supplyCostTotal"),
        tax_total: decimal(body, "taxTotal"),
        total: decimal(body, "totalAmount"),
        ..TaxInvoiceInput::default()
    })
}

/// Popbill's name of a tax type.
pub fn tax_type_name(tax_type: TaxType) -> &'static str {
    match tax_type {
        TaxType::Taxable => "과세",
        TaxType::ZeroRated => "영세",
    }
}

/// Popbill's name of a purpose.
pub fn purpose_name(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Receipt => "영수",
        Purpose::Claim => "청구",
    }
}

/// `yyyyMMdd`.
pub fn compact_date(date: time::Date) -> String {
    date.to_string().replace('-', "")
}

/// The content of `doc` as Popbill's `Taxinvoice` object, under `key` for both parties,
/// of `issue_type` (`역발행` or `정발행`): what `getDetailInfo` answers and `registIssue`
/// takes.
pub fn taxinvoice_object(doc: &TaxInvoice, key: &str, issue_type: &str) -> Value {
    let remark = |i: usize| doc.remarks.get(i).cloned();
    let lines: Vec<Value> = doc
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "serialNum": i + 1,
                "purchaseDT": compact_date(l.date),
                "itemName": l.name,
                "spec": l.spec,
                "qty": l.quantity.map(|q| q.to_string()),
                "unitCost": l.unit_price.map(|p| p.to_string()),
                "supplyCost": l.supply_amount.to_string(),
                "tax": l.tax_amount.to_string(),
                "remark": l.remark,
            })
        })
        .collect();
    let (s, b) = (&doc.supplier, &doc.buyer);
    json!({
        "writeDate": compact_date(doc.write_date),
        "chargeDirection": "정과금",
        "issueType": issue_type,
        "purposeType": purpose_name(doc.purpose),
        "taxType": tax_type_name(doc.tax_type),
        "invoicerCorpNum": s.brn.digits(),
        "invoicerMgtKey": key,
        "invoicerTaxRegID": s.sub_business_id,
        "invoicerCorpName": s.name,
        "invoicerCEOName": s.ceo_name,
        "invoicerAddr": s.address,
        "invoicerBizType": s.biz_type,
        "invoicerBizClass": s.biz_item,
        "invoicerContactName": s.contact.name,
        "invoicerTEL": s.contact.phone,
        "invoicerEmail": s.contact.email,
        "invoiceeType": "사업자",
        "invoiceeCorpNum": b.brn.digits(),
        "invoiceeMgtKey": key,
        "invoiceeTaxRegID": b.sub_business_id,
        "invoiceeCorpName": b.name,
        "invoiceeCEOName": b.ceo_name,
        "invoiceeAddr": b.address,
        "invoiceeBizType": b.biz_type,
        "invoiceeBizClass": b.biz_item,
        "invoiceeContactName1": b.contact.name,
        "invoiceeTEL1": b.contact.phone,
        "invoiceeEmail1": b.contact.email,
        "supplyCostTotal": doc.supply_total.to_string(),
        "taxTotal": doc.tax_total.to_string(),
        "totalAmount": doc.total.to_string(),
        "remark1": remark(0),
        "remark2": remark(1),
        "remark3": remark(2),
        "modifyCode": doc.amendment.as_ref().map(|a| a.reason.code()),
        "orgNTSConfirmNum": doc.amendment.as_ref().map(|a| a.original_approval_number.clone()),
        "closeDownState": null,
        "closeDownStateDate": null,
        "detailList": lines,
        "addContactList": [],
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_and_strings_read_alike_and_null_is_absent() {
        let line = json!({"qty": 1, "unitCost": "50000", "spec": null, "itemName": " 품목 "});
        assert_eq!(text(&line, "qty").as_deref(), Some("1"));
        assert_eq!(text(&line, "unitCost").as_deref(), Some("50000"));
        assert_eq!(text(&line, "spec"), None);
        assert_eq!(text(&line, "itemName").as_deref(), Some("품목"));
    }

    #[test]
    fn a_forward_invoice_is_not_registered_as_a_request() {
        let body = json!({"issueType": "정발행", "invoiceeCorpNum": "2208162517"});
        assert_eq!(
            reverse_input(&body, "2208162517").unwrap_err().code,
            INVALID_TYPE
        );
    }

    #[test]
    fn the_buyer_must_be_the_tokens_business() {
        let body = json!({"issueType": "역발행", "invoiceeCorpNum": "1248105557"});
        assert_eq!(
            reverse_input(&body, "2208162517").unwrap_err().code,
            WRONG_CORP_NUM
        );
    }

    #[test]
    fn korean_names_and_compact_dates_map_to_settles() {
        let body = json!({"issueType": "역발행", "invoiceeCorpNum": "2208162517",
            "writeDate": "20261130", "taxType": "과세", "purposeType": "청구",
            "supplyCostTotal": 100000, "taxTotal": "10000", "totalAmount": "110000",
            "detailList": [{"serialNum": 1, "purchaseDT": "20261130", "itemName": "정산",
                            "supplyCost": "100000", "tax": 10000}]});
        let input = reverse_input(&body, "2208162517").unwrap();
        assert_eq!(input.write_date.as_deref(), Some("2026-11-30"));
        assert_eq!(input.tax_type.as_deref(), Some("taxable"));
        assert_eq!(input.purpose.as_deref(), Some("claim"));
        let items = input.items.unwrap();
        assert_eq!(items[0].supply_amount.unwrap().0, Decimal::from(100_000));
        assert_eq!(items[0].date.as_deref(), Some("2026-11-30"));
    }
}
