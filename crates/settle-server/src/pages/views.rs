//! The pages' templates and the display rows they read: dates in Korean time, amounts
//! grouped by thousands, every text escaped by the template engine.

use askama::Template;
use rust_decimal::Decimal;
use settle_app::tax_invoices::HistoryView;
use settle_core::tax_invoice::{InvoiceParty, Purpose, TaxInvoiceRecord, TaxInvoiceState};
use time::{OffsetDateTime, UtcOffset};

use super::i18n::Texts;

/// The BRN gate of an emailed link.
#[derive(Template)]
#[template(path = "gate.html")]
pub struct GatePage<'a> {
    pub t: &'static Texts,
    pub title: &'a str,
    pub intro: String,
    pub csrf: &'a str,
    pub brn: &'a str,
    pub error: Option<&'a str>,
}

/// A page that only says something (expired, locked, not found, refused form).
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub t: &'static Texts,
    pub title: &'a str,
    pub message: &'a str,
    pub contact: Option<&'a str>,
}

/// A tax invoice in the layout of the standard form, with its history and the supplier's
/// other waiting documents.
#[derive(Template)]
#[template(path = "invoice.html")]
pub struct InvoicePage {
    pub t: &'static Texts,
    pub title: &'static str,
    pub invoice: InvoiceForm,
    pub history: Vec<HistoryRow>,
    pub waiting: Vec<WaitingRow>,
    pub actions: Vec<ActionLink>,
    pub certificate_href: String,
    /// The invoice as PDF.
    pub pdf_href: String,
}

/// The confirmation step of an action on a document.
#[derive(Template)]
#[template(path = "action.html")]
pub struct ActionPage<'a> {
    pub t: &'static Texts,
    pub title: &'static str,
    pub question: &'static str,
    pub csrf: &'a str,
    pub memo_label: &'static str,
    pub memo_required: bool,
    pub memo: &'a str,
    pub error: Option<&'static str>,
    pub certificate_href: Option<String>,
    pub back: String,
}

/// The certificate registration form (and what was registered, after an upload).
#[derive(Template)]
#[template(path = "certificate.html")]
pub struct CertificatePage<'a> {
    pub t: &'static Texts,
    pub title: &'static str,
    pub csrf: &'a str,
    pub fields: Vec<UploadField>,
    pub registered: Option<RegisteredRow>,
    pub back: String,
}

/// One field of the certificate form, with its error.
pub struct UploadField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub error: Option<String>,
}

/// A registered certificate as shown.
pub struct RegisteredRow {
    pub subject: String,
    pub not_after: String,
}

impl RegisteredRow {
    /// The registration's subject and end of validity (Korean time).
    pub fn new(subject: String, not_after: OffsetDateTime) -> Self {
        Self {
            subject,
            not_after: korean_time(not_after),
        }
    }
}

/// A link to an action the document's state allows.
pub struct ActionLink {
    pub href: String,
    pub label: &'static str,
}

/// The boxes of the standard form.
pub struct InvoiceForm {
    pub state: &'static str,
    pub state_label: &'static str,
    pub approval_number: String,
    pub parties: [PartyBox; 2],
    pub write_date: String,
    pub supply_total: String,
    pub tax_total: String,
    pub remarks: String,
    pub lines: Vec<LineRow>,
    pub total: String,
    pub purpose_sentence: &'static str,
}

/// A supplier or buyer box.
pub struct PartyBox {
    pub role: &'static str,
    pub brn: String,
    pub sub_business_id: String,
    pub name: String,
    pub ceo_name: String,
    pub address: String,
    pub biz_type: String,
    pub biz_item: String,
    pub email: String,
}

/// One item row: 월/일/품목/규격/수량/단가/공급가액/세액/비고.
pub struct LineRow {
    pub month: u8,
    pub day: u8,
    pub name: String,
    pub spec: String,
    pub quantity: String,
    pub unit_price: String,
    pub supply_amount: String,
    pub tax_amount: String,
    pub remark: String,
}

/// One history entry.
pub struct HistoryRow {
    pub at: String,
    pub at_iso: String,
    pub to: &'static str,
    pub memo: Option<String>,
}

/// Another document waiting for the supplier.
pub struct WaitingRow {
    pub href: String,
    pub write_date: String,
    pub buyer: String,
    pub total: String,
}

impl InvoiceForm {
    /// The form of `record` in the words of `t`.
    pub fn new(t: &'static Texts, record: &TaxInvoiceRecord) -> Self {
        let document = &record.document;
        Self {
            state: record.state.as_str(),
            state_label: t.state_name(record.state),
            approval_number: record.approval_number.clone().unwrap_or_default(),
            parties: [
                PartyBox::new(t.supplier, &document.supplier),
                PartyBox::new(t.buyer, &document.buyer),
            ],
            write_date: document.write_date.to_string(),
            supply_total: grouped(document.supply_total),
            tax_total: grouped(document.tax_total),
            remarks: document.remarks.join(" · "),
            lines: document
                .lines
                .iter()
                .map(|line| LineRow {
                    month: u8::from(line.date.month()),
                    day: line.date.day(),
                    name: line.name.clone(),
                    spec: line.spec.clone().unwrap_or_default(),
                    quantity: line.quantity.map(grouped).unwrap_or_default(),
                    unit_price: line.unit_price.map(grouped).unwrap_or_default(),
                    supply_amount: grouped(line.supply_amount),
                    tax_amount: grouped(line.tax_amount),
                    remark: line.remark.clone().unwrap_or_default(),
                })
                .collect(),
            total: grouped(document.total),
            purpose_sentence: match document.purpose {
                Purpose::Receipt => t.receipt,
                Purpose::Claim => t.claim,
            },
        }
    }
}

impl PartyBox {
    fn new(role: &'static str, party: &InvoiceParty) -> Self {
        Self {
            role,
            brn: party.brn.formatted(),
            sub_business_id: party.sub_business_id.clone().unwrap_or_default(),
            name: party.name.clone(),
            ceo_name: party.ceo_name.clone(),
            address: party.address.clone().unwrap_or_default(),
            biz_type: party.biz_type.clone().unwrap_or_default(),
            biz_item: party.biz_item.clone().unwrap_or_default(),
            email: party.contact.email.clone().unwrap_or_default(),
        }
    }
}

impl HistoryRow {
    /// The entry in the words of `t`.
    pub fn new(t: &'static Texts, entry: HistoryView) -> Self {
        let to = TaxInvoiceState::parse(entry.to).map_or(entry.to, |s| t.state_name(s));
        Self {
            at: korean_time(entry.at),
            at_iso: entry
                .at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            to,
            memo: entry.memo,
        }
    }
}

impl WaitingRow {
    /// A waiting document, linked under the link it was reached from.
    pub fn new(token: &str, record: &TaxInvoiceRecord) -> Self {
        Self {
            href: format!("/s/{token}/tax-invoices/{}", record.id),
            write_date: record.document.write_date.to_string(),
            buyer: record.document.buyer.name.clone(),
            total: grouped(record.document.total),
        }
    }
}

/// `2026-12-04 10:30` in Korean time (UTC+9, no daylight saving).
fn korean_time(at: OffsetDateTime) -> String {
    let korean = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
    let local = at.to_offset(korean);
    format!("{} {:02}:{:02}", local.date(), local.hour(), local.minute())
}

/// A decimal with its whole part grouped by thousands (`1234567.5` → `1,234,567.5`).
pub fn grouped(value: Decimal) -> String {
    settle_core::display::plain(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn group(text: &str) -> String {
        grouped(Decimal::from_str(text).unwrap())
    }

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(group("0"), "0");
        assert_eq!(group("999"), "999");
        assert_eq!(group("1000"), "1,000");
        assert_eq!(group("1234567"), "1,234,567");
        assert_eq!(group("-100000"), "-100,000");
        assert_eq!(group("1234.50"), "1,234.5");
    }

    #[test]
    fn times_are_shown_in_korean_time() {
        let at = time::macros::datetime!(2026-12-04 15:30 UTC);
        assert_eq!(korean_time(at), "2026-12-05 00:30");
    }
}
