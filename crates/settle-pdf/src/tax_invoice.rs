//! The Korean tax invoice (전자세금계산서) in the standard form layout: the title and
//! approval number, the supplier and buyer boxes, the summary row with the amendment
//! reason, four item rows (more continue on the next sheets), the total and how it is paid.
//! Always Korean; amounts in whole won, negative ones printed negative.

use serde::Serialize;
use settle_core::display::{grouped, plain};
use settle_core::tax_invoice::{InvoiceParty, Purpose, TaxInvoiceLine, TaxInvoiceRecord, TaxType};

use crate::views::day;

/// Item rows on the form's first sheet.
pub const FORM_ROWS: usize = 4;

/// Everything a tax invoice PDF is made of.
pub struct TaxInvoiceSource<'a> {
    /// The tax invoice, in any state (before issue it prints without an approval number).
    pub record: &'a TaxInvoiceRecord,
}

#[derive(Debug, Serialize)]
struct PartyView {
    brn: String,
    sub_business_id: String,
    name: String,
    ceo_name: String,
    address: String,
    biz_type: String,
    biz_item: String,
    email: String,
}

impl From<&InvoiceParty> for PartyView {
    fn from(p: &InvoiceParty) -> Self {
        PartyView {
            brn: p.brn.formatted(),
            sub_business_id: p.sub_business_id.clone().unwrap_or_default(),
            name: p.name.clone(),
            ceo_name: p.ceo_name.clone(),
            address: p.address.clone().unwrap_or_default(),
            biz_type: p.biz_type.clone().unwrap_or_default(),
            biz_item: p.biz_item.clone().unwrap_or_default(),
            email: p.contact.email.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Default, Serialize)]
struct ItemRow {
    month: String,
    day: String,
    name: String,
    spec: String,
    quantity: String,
    unit_price: String,
    supply: String,
    tax: String,
    remark: String,
}

impl From<&TaxInvoiceLine> for ItemRow {
    fn from(line: &TaxInvoiceLine) -> Self {
        ItemRow {
            month: u8::from(line.date.month()).to_string(),
            day: line.date.day().to_string(),
            name: line.name.clone(),
            spec: line.spec.clone().unwrap_or_default(),
            quantity: line.quantity.map(plain).unwrap_or_default(),
            unit_price: line.unit_price.map(plain).unwrap_or_default(),
            supply: grouped(line.supply_amount),
            tax: grouped(line.tax_amount),
            remark: line.remark.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Serialize)]
struct AmendmentView {
    reason: String,
    original: String,
}

/// The tax invoice as its template reads it.
#[derive(Debug, Serialize)]
pub(crate) struct TaxInvoiceView {
    title: &'static str,
    approval_number: String,
    document_key: String,
    write_date: String,
    supplier: PartyView,
    buyer: PartyView,
    supply_total: String,
    tax_total: String,
    total: String,
    amendment: Option<AmendmentView>,
    remarks: String,
    rows: Vec<ItemRow>,
    more_rows: Vec<ItemRow>,
    purpose: &'static str,
}

/// The view of `source` its template prints.
pub(crate) fn view(source: &TaxInvoiceSource<'_>) -> TaxInvoiceView {
    let record = source.record;
    let doc = &record.document;
    let title = match (doc.amendment.is_some(), doc.tax_type) {
        (false, TaxType::Taxable) => "전자세금계산서",
        (false, TaxType::ZeroRated) => "전자세금계산서(영세율)",
        (true, TaxType::Taxable) => "수정전자세금계산서",
        (true, TaxType::ZeroRated) => "수정전자세금계산서(영세율)",
    };
    let mut rows: Vec<ItemRow> = doc.lines.iter().map(ItemRow::from).collect();
    let more_rows = rows.split_off(rows.len().min(FORM_ROWS));
    rows.resize_with(FORM_ROWS, ItemRow::default);
    TaxInvoiceView {
        title,
        approval_number: record.approval_number.clone().unwrap_or_default(),
        document_key: record.document_key.as_str().to_owned(),
        write_date: day(doc.write_date),
        supplier: (&doc.supplier).into(),
        buyer: (&doc.buyer).into(),
        supply_total: grouped(doc.supply_total),
        tax_total: grouped(doc.tax_total),
        total: grouped(doc.total),
        amendment: doc.amendment.as_ref().map(|a| AmendmentView {
            reason: format!("{} {}", a.reason.code(), a.reason.korean_name()),
            original: a.original_approval_number.clone(),
        }),
        remarks: doc.remarks.join(" / "),
        rows,
        more_rows,
        purpose: match doc.purpose {
            Purpose::Receipt => "영수",
            Purpose::Claim => "청구",
        },
    }
}
