//! Popbill's `TaxinvoiceInfo`, the summary `getInfo` answers, from a stored tax invoice.
//! Every field is present (`null` where settle has nothing to say).

use serde_json::{Value, json};
use settle_app::popbill::{compact_date, purpose_name, tax_type_name, taxinvoice_object};
use settle_core::tax_invoice::TaxInvoiceRecord;
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
    json!({
        "itemKey": item_key(record),
        "taxType": tax_type_name(doc.tax_type),
        "writeDate": compact_date(doc.write_date),
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
        "purposeType": purpose_name(doc.purpose),
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
    let mut object = taxinvoice_object(&record.document, record.document_key.as_str(), "역발행");
    object["ntsconfirmNum"] = json!(record.approval_number);
    object
}
