//! Popbill's `TaxinvoiceInfo`, the summary `getInfo` answers, from a stored tax invoice.
//! Every field is present (`null` where settle has nothing to say).

use serde_json::{Value, json};
use settle_core::tax_invoice::{Purpose, TaxInvoiceRecord, TaxType};
use time::OffsetDateTime;

/// `yyyyMMddHHmmss` in Korean time.
pub(crate) fn korean_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(settle_core::KST);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The server's own document id: the last 18 characters of settle's id, upper case.
fn item_key(record: &TaxInvoiceRecord) -> String {
    let id = record.id.as_str();
    id[id.len().saturating_sub(18)..].to_ascii_uppercase()
}

/// The summary of `record`.
pub(crate) fn info(record: &TaxInvoiceRecord) -> Value {
    let doc = &record.document;
    let compact = |d: time::Date| d.to_string().replace('-', "");
    json!({
        "itemKey": item_key(record),
        "taxType": match doc.tax_type { TaxType::Taxable => "과세", TaxType::ZeroRated => "영세" },
        "writeDate": compact(doc.write_date),
        "regDT": korean_time(record.created_at),
        "invoicerCorpName": doc.supplier.name,
        "invoicerCorpNum": doc.supplier.brn.digits(),
        "invoicerMgtKey": record.document_key.as_str(),
        "invoicerPrintYN": false,
        "invoiceeCorpName": doc.buyer.name,
        "invoiceeCorpNum": doc.buyer.brn.digits(),
        "invoiceeMgtKey": record.document_key.as_str(),
        "invoiceePrintYN": false,
        "trusteeCorpName": null,
        "trusteeCorpNum": null,
        "trusteeMgtKey": null,
        "trusteePrintYN": false,
        "supplyCostTotal": doc.supply_total.to_string(),
        "taxTotal": doc.tax_total.to_string(),
        "purposeType": match doc.purpose { Purpose::Receipt => "영수", Purpose::Claim => "청구" },
        "modifyCode": doc.amendment.as_ref().map(|a| a.reason.code()),
        "issueType": "역발행",
        "issueDT": record.issued_at.map(korean_time),
        "preIssueDT": null,
        "stateCode": record.state.popbill_code(),
        "stateDT": korean_time(record.updated_at),
        "openYN": false,
        "openDT": null,
        "ntsresult": record.nts_result_code,
        "ntsconfirmNum": record.approval_number,
        "ntssendDT": record.filed_at.map(korean_time),
        "ntsresultDT": record.filed_at.map(korean_time),
        "ntssendErrCode": record.nts_result_code,
        "stateMemo": null,
        "lateIssueYN": false,
        "interOPYN": false,
        "closeDownState": null,
        "closeDownStateDate": null,
    })
}

/// Popbill's log type for a state reached.
fn log_type(state: &str) -> u16 {
    match state {
        "drafted" => 100,
        "requested" => 220,
        "refused" => 221,
        "request_cancelled" => 222,
        "issued" => 230,
        "issue_cancelled" => 240,
        "sending" => 252,
        "sent" => 254,
        "send_failed" => 255,
        _ => 101,
    }
}

/// One `TaxinvoiceLog` entry.
pub(crate) fn log(entry: &settle_app::tax_invoices::HistoryView) -> Value {
    json!({
        "docLogType": log_type(entry.to),
        "log": entry.to,
        "procType": entry.to,
        "procCorpName": null,
        "procContactName": entry.actor,
        "procMemo": entry.memo,
        "regDT": korean_time(entry.at),
        "ip": null,
    })
}

/// The whole document as Popbill's `Taxinvoice` object (`getDetailInfo`).
pub(crate) fn detail(record: &TaxInvoiceRecord) -> Value {
    let doc = &record.document;
    let compact = |d: time::Date| d.to_string().replace('-', "");
    let remark = |i: usize| doc.remarks.get(i).cloned();
    let lines: Vec<Value> = doc
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "serialNum": i + 1,
                "purchaseDT": compact(l.date),
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
        "writeDate": compact(doc.write_date),
        "chargeDirection": "정과금",
        "issueType": "역발행",
        "purposeType": match doc.purpose { Purpose::Receipt => "영수", Purpose::Claim => "청구" },
        "taxType": match doc.tax_type { TaxType::Taxable => "과세", TaxType::ZeroRated => "영세" },
        "invoicerCorpNum": s.brn.digits(),
        "invoicerMgtKey": record.document_key.as_str(),
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
        "invoiceeMgtKey": record.document_key.as_str(),
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
        "ntsconfirmNum": record.approval_number,
        "closeDownState": null,
        "closeDownStateDate": null,
        "detailList": lines,
        "addContactList": [],
    })
}
