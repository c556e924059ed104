//! Invoices, credit notes and void notes as the API shows them: the summary that lists
//! carry, and the whole document with its lines and the documents that refer to it.

use serde::Serialize;
use settle_app::billing::InvoiceDetail;
use settle_core::billing::{Document, DocumentKind, DocumentLine, DocumentStatus, Series};
use settle_core::money::DecimalInput;
use settle_core::tax_invoice::TaxInvoiceRecord;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::profiles::DetailsView;
use super::{ItemView, day, money};

/// A billing document without its lines.
#[derive(Serialize, ToSchema)]
pub struct InvoiceSummary {
    /// Its id.
    pub id: String,
    /// `G000000001`, `GC…`, `GV…`; null while a draft.
    pub number: Option<String>,
    /// `G` or `D`.
    pub series: &'static str,
    /// `invoice`, `credit_note` or `void_note`.
    pub kind: &'static str,
    /// `draft`, `open`, `paid` or `void`.
    pub status: &'static str,
    /// The partner billed.
    pub partner_id: String,
    /// The billing profile it is billed under.
    pub billing_profile_id: String,
    /// Third-party (marketplace) products only.
    pub marketplace: bool,
    /// Date of issue (set at finalization).
    pub document_date: Option<String>,
    /// Payment due.
    pub due_date: Option<String>,
    /// The billing period, `YYYY-MM`.
    pub billing_period: String,
    /// Its first day.
    pub billing_period_start: String,
    /// Its last day.
    pub billing_period_end: String,
    /// The billing currency.
    pub currency: String,
    /// Sum of the positive lines before discounts.
    pub charges: String,
    /// Sum of the discounts of the positive lines.
    pub discount: String,
    /// Sum of the negative lines, as a positive number.
    pub credits: String,
    /// Series D: tax-exclusive credits, as a positive number.
    pub other_credits: String,
    /// `charges - discount - credits`.
    pub subtotal: String,
    /// Tax.
    pub tax: String,
    /// `subtotal + tax - other_credits` (negative on notes).
    pub total: String,
    /// `paid`, `due` or `overdue` today (Korean time); null on drafts and void invoices.
    pub payment_status: Option<&'static str>,
    /// Invoices: what payments and credits settled; null on notes.
    pub amount_paid: Option<String>,
    /// Notes: how much has been applied to invoices; null on invoices.
    pub amount_applied: Option<String>,
    /// What is still owed (invoices), or still to apply (notes, negative).
    pub amount_due: String,
    /// The invoice a note or a rebilled invoice refers to.
    pub original_invoice_id: Option<String>,
    /// That invoice's number.
    pub original_invoice_number: Option<String>,
    /// Per-country tax invoice number, where the profile asks for one.
    pub tax_invoice_number: Option<String>,
    /// The tax invoice's date (the document date).
    pub tax_invoice_date: Option<String>,
    /// Why a note or rebill was made.
    pub reason: Option<String>,
    /// The billing run that drafted it.
    pub billing_run_id: Option<String>,
    /// Series D: license-based charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_based: Option<String>,
    /// Series D: usage-based charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_based: Option<String>,
    /// Series D: other charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_charges: Option<String>,
    /// The billing profile's details as of finalization (null on drafts).
    pub billing_profile: Option<DetailsView>,
    /// How to pay, citing the invoice number (invoices once finalized).
    pub payment_instructions: Option<String>,
    /// Number of lines.
    pub line_count: i64,
    /// Changes with every change.
    pub version: i64,
    /// Created at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Last changed at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl InvoiceSummary {
    /// The summary of `document`, with its payment status on `today`.
    pub fn new(document: &Document, today: Date) -> Self {
        let c = document.currency;
        let m = |amount| money(c, DecimalInput(amount));
        let t = &document.totals;
        let legacy = |amount| (document.series == Series::D).then(|| m(amount));
        let invoice = document.kind == DocumentKind::Invoice;
        Self {
            id: document.id.to_string(),
            number: document.number.clone(),
            series: document.series.as_str(),
            kind: document.kind.as_str(),
            status: document.status.as_str(),
            partner_id: document.partner_id.to_string(),
            billing_profile_id: document.profile_id.to_string(),
            marketplace: document.marketplace,
            document_date: document.document_date.map(day),
            due_date: document.due_date.map(day),
            billing_period: document.period.to_string(),
            billing_period_start: day(document.period.start()),
            billing_period_end: day(document.period.end()),
            currency: c.code().to_owned(),
            charges: m(t.charges),
            discount: m(t.discount),
            credits: m(t.credits),
            other_credits: m(t.other_credits),
            subtotal: m(t.subtotal),
            tax: m(t.tax),
            total: m(t.total),
            payment_status: matches!(document.status, DocumentStatus::Open | DocumentStatus::Paid)
                .then(|| document.payment_status(today).as_str()),
            amount_paid: invoice.then(|| m(document.settled)),
            amount_applied: (!invoice).then(|| m(document.settled)),
            amount_due: m(document.outstanding()),
            original_invoice_id: document.original_id.as_ref().map(ToString::to_string),
            original_invoice_number: document.original_number.clone(),
            tax_invoice_number: document.tax_invoice_number.clone(),
            tax_invoice_date: document
                .tax_invoice_number
                .as_ref()
                .and(document.document_date)
                .map(day),
            reason: document.reason.clone(),
            billing_run_id: document.run_id.as_ref().map(ToString::to_string),
            license_based: legacy(t.license_based),
            usage_based: legacy(t.usage_based),
            other_charges: legacy(t.other_charges),
            billing_profile: document.details.as_ref().map(DetailsView::from),
            payment_instructions: document.payment_instructions(|number| {
                format!("Cite invoice number {number} with your payment.")
            }),
            line_count: document.line_count,
            version: document.version,
            created_at: document.created_at,
            updated_at: document.updated_at,
        }
    }
}

/// Another document, as a reference.
#[derive(Serialize, ToSchema)]
pub struct DocumentRef {
    /// Its id.
    pub id: String,
    /// Its number.
    pub number: Option<String>,
    /// Its date.
    pub document_date: Option<String>,
    /// Its total.
    pub total: String,
}

impl From<&Document> for DocumentRef {
    fn from(d: &Document) -> Self {
        Self {
            id: d.id.to_string(),
            number: d.number.clone(),
            document_date: d.document_date.map(day),
            total: money(d.currency, DecimalInput(d.totals.total)),
        }
    }
}

/// A line of a document.
#[derive(Serialize, ToSchema)]
pub struct InvoiceLineView {
    /// Its id (credit notes name it as `line_id`).
    pub id: String,
    /// 1, 2, … within the document.
    pub line_no: i64,
    /// The charge billed on it.
    pub charge_id: Option<String>,
    /// On notes: the invoice line it takes back.
    pub credits_line_id: Option<String>,
    /// The product and its pricing.
    #[serde(flatten)]
    pub item: ItemView,
    /// Discount in the pricing currency, as charged.
    pub discount_in_pricing_currency: Option<String>,
    /// Price times quantity, billing currency.
    pub gross: String,
    /// Discount, billing currency.
    pub discount: String,
    /// Before tax.
    pub amount: String,
    /// Tax.
    pub tax: String,
    /// Amount plus tax.
    pub total: String,
    /// Invoices: the amount (before tax) credited so far; null on notes.
    pub credited_amount: Option<String>,
    /// Invoices: the tax credited so far; null on notes.
    pub credited_tax: Option<String>,
}

/// The whole document: the summary, its lines and the documents that refer to it.
#[derive(Serialize, ToSchema)]
pub struct InvoiceView {
    /// Everything a list shows.
    #[serde(flatten)]
    pub summary: InvoiceSummary,
    /// Credit notes on this invoice, oldest first.
    pub credit_notes: Vec<DocumentRef>,
    /// The void note, once voided.
    pub void_note: Option<DocumentRef>,
    /// The invoice that replaced it through void and rebill.
    pub rebilled_as: Option<DocumentRef>,
    /// The lines, in order.
    pub lines: Vec<InvoiceLineView>,
    /// The Korean tax invoice the platform issued for this document (정발행: Korean won
    /// invoices whose profile asks for one), once issued.
    pub korean_tax_invoice: Option<KoreanTaxInvoiceRef>,
}

/// A forward-issued Korean tax invoice, as its partner invoice names it.
#[derive(Serialize, ToSchema)]
pub struct KoreanTaxInvoiceRef {
    /// Its key (`GET /v1/tax-invoices/{document_key}`).
    pub document_key: String,
    /// Where it is (`issued`, `sending`, `sent`, `send_failed`).
    pub state: &'static str,
    /// The 24-digit NTS approval number.
    pub nts_approval_number: Option<String>,
    /// 작성일자.
    pub write_date: String,
    /// Supply amount (negative on amendments).
    pub supply_total: String,
    /// Tax.
    pub tax_total: String,
}

impl From<&TaxInvoiceRecord> for KoreanTaxInvoiceRef {
    fn from(record: &TaxInvoiceRecord) -> Self {
        Self {
            document_key: record.document_key.to_string(),
            state: record.state.as_str(),
            nts_approval_number: record.approval_number.clone(),
            write_date: record.document.write_date.to_string(),
            supply_total: record.document.supply_total.to_string(),
            tax_total: record.document.tax_total.to_string(),
        }
    }
}

impl InvoiceView {
    /// The view of `detail`, with its payment status on `today`.
    pub fn new(detail: &InvoiceDetail, today: Date) -> Self {
        let document = &detail.document;
        let related = |kind: DocumentKind| {
            detail
                .related
                .iter()
                .filter(move |d| d.kind == kind)
                .map(DocumentRef::from)
        };
        Self {
            summary: InvoiceSummary::new(document, today),
            credit_notes: related(DocumentKind::CreditNote).collect(),
            void_note: related(DocumentKind::VoidNote).next(),
            rebilled_as: related(DocumentKind::Invoice).next(),
            lines: detail.lines.iter().map(|l| line(detail, l)).collect(),
            korean_tax_invoice: detail.tax_invoice.as_ref().map(KoreanTaxInvoiceRef::from),
        }
    }
}

fn line(detail: &InvoiceDetail, line: &DocumentLine) -> InvoiceLineView {
    let c = detail.document.currency;
    let m = |amount| money(c, DecimalInput(amount));
    let credited = (detail.document.kind == DocumentKind::Invoice)
        .then(|| detail.credited.get(&line.id).copied().unwrap_or_default());
    let item = &line.item;
    InvoiceLineView {
        id: line.id.to_string(),
        line_no: line.line_no,
        charge_id: line.charge_id.as_ref().map(ToString::to_string),
        credits_line_id: line.credits_line_id.as_ref().map(ToString::to_string),
        item: item.into(),
        discount_in_pricing_currency: item
            .discount
            .map(|d| money(item.pricing_currency, DecimalInput(d))),
        gross: m(line.priced.gross),
        discount: m(line.priced.discount),
        amount: m(line.priced.amount),
        tax: m(line.priced.tax),
        total: m(line.priced.total),
        credited_amount: credited.map(|(amount, _)| m(amount)),
        credited_tax: credited.map(|(_, tax)| m(tax)),
    }
}
