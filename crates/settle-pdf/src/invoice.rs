//! Partner invoices, credit memos and void notes, in the LRD template (billing summary,
//! commercial invoice, credit memos) or the non-LRD one (invoice summary, detailed charges
//! by charge type), G or D series, Korean or English.

use serde::Serialize;
use settle_core::billing::{
    ChargeType, Document, DocumentKind, DocumentLine, Series, Template, Totals,
};
use settle_core::display::{amount, plain};
use settle_core::language::Language;
use settle_core::tenant::Tenant;

use crate::texts::{Texts, texts};
use crate::views::{Field, Issuer, Party, address_lines, day, range};

/// Everything an invoice, credit memo or void note PDF is made of.
pub struct InvoiceSource<'a> {
    /// The document; finalized (it carries the billing details of its profile).
    pub document: &'a Document,
    /// Its lines, in order.
    pub lines: &'a [DocumentLine],
    /// The notes referring to an invoice (the LRD template lists them as credit memos).
    pub notes: &'a [Document],
    /// The platform that issues it.
    pub issuer: &'a Tenant,
    /// Which template.
    pub template: Template,
    /// Which language.
    pub language: Language,
}

/// A line as printed.
#[derive(Debug, Serialize)]
pub(crate) struct LineView {
    no: i64,
    product: String,
    order: String,
    charge_type: &'static str,
    publisher: Option<String>,
    publisher_address: Option<String>,
    pricing_currency: String,
    exchange_rate: Option<String>,
    date_range: String,
    quantity: String,
    unit_price: String,
    amount: String,
    tax: String,
    total: String,
}

/// The lines of one charge type (non-LRD detailed charges).
#[derive(Debug, Serialize)]
struct Group {
    title: &'static str,
    lines: Vec<LineView>,
    subtotal: String,
}

/// A credit memo or void note listed on an LRD invoice.
#[derive(Debug, Serialize)]
struct MemoView {
    number: String,
    date: String,
    original: String,
    subtotal: String,
    tax: String,
    total: String,
}

/// A summary row; `strong` rows are totals.
#[derive(Debug, Serialize)]
struct SummaryRow {
    label: &'static str,
    value: String,
    strong: bool,
}

/// The invoice as its template reads it.
#[derive(Debug, Serialize)]
pub(crate) struct InvoiceView {
    t: &'static Texts,
    lrd: bool,
    title: &'static str,
    summary_heading: &'static str,
    lines_heading: &'static str,
    issuer: Issuer,
    fields: Vec<Field>,
    parties: Vec<Party>,
    period: String,
    currency: String,
    summary: Vec<SummaryRow>,
    instructions: Option<String>,
    service_url: Option<String>,
    lines: Vec<LineView>,
    groups: Vec<Group>,
    memos: Option<Vec<MemoView>>,
}

/// `charge_type`'s heading in the detailed charges.
fn charge_type_name(t: &'static Texts, charge_type: ChargeType) -> &'static str {
    let names = &t.charge_types;
    match charge_type {
        ChargeType::New => names.new,
        ChargeType::Adjustment => names.adjustment,
        ChargeType::Upgrade => names.upgrade,
        ChargeType::Cycle => names.cycle,
        ChargeType::Renewal => names.renewal,
        ChargeType::Cancellation => names.cancellation,
    }
}

fn line_view(t: &'static Texts, document: &Document, line: &DocumentLine) -> LineView {
    let item = &line.item;
    let money = |value| amount(document.currency, value);
    let product = match &item.sku_name {
        Some(sku) => format!("{} — {sku} ({})", item.product_name, item.sku_id),
        None => format!("{} ({})", item.product_name, item.sku_id),
    };
    LineView {
        no: line.line_no,
        product,
        order: item.order_id.clone(),
        charge_type: charge_type_name(t, item.charge_type),
        publisher: item.publisher_name.clone(),
        publisher_address: item.publisher_address.clone(),
        pricing_currency: item.pricing_currency.code().to_owned(),
        exchange_rate: item
            .exchange_rate
            .map(|rate| match item.exchange_rate_date {
                Some(date) => format!("{} ({})", plain(rate), day(date)),
                None => plain(rate),
            }),
        date_range: range(item.charge_start, item.charge_end),
        quantity: plain(item.quantity),
        unit_price: amount(item.pricing_currency, item.unit_price),
        amount: money(line.priced.amount),
        tax: money(line.priced.tax),
        total: money(line.priced.total),
    }
}

/// The header fields, in the order the seed lists them, each only where it applies.
fn fields(t: &'static Texts, source: &InvoiceSource<'_>) -> Vec<Field> {
    let d = source.document;
    let details = d.details.as_ref();
    let lrd = source.template == Template::Lrd;
    let mut fields = Vec::new();
    let mut push = |label: &'static str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            fields.push(Field { label, value });
        }
    };
    let (number_label, date_label) = match d.kind {
        DocumentKind::Invoice if lrd => (t.billing_number, t.document_date),
        DocumentKind::Invoice => (t.invoice_number, t.document_date),
        DocumentKind::CreditNote => (t.credit_memo_number, t.credit_memo_date),
        DocumentKind::VoidNote => (t.void_note_number, t.void_note_date),
    };
    push(number_label, d.number.clone());
    push(date_label, d.document_date.map(day));
    push(t.original_invoice_number, d.original_number.clone());
    push(t.reason, d.reason.clone());
    if d.kind == DocumentKind::Invoice {
        push(
            t.payment_terms,
            details.map(|x| {
                t.days_net
                    .replace("{days}", &x.payment_terms_days.to_string())
            }),
        );
        push(t.due_date, d.due_date.map(day));
    }
    push(t.billing_profile, Some(d.profile_id.to_string()));
    push(t.po_number, details.and_then(|x| x.po_number.clone()));
    let ship_to = details.and_then(|x| x.ship_to.as_ref());
    push(t.ship_to_state, ship_to.and_then(|a| a.state.clone()));
    push(t.ship_to_code, ship_to.and_then(|a| a.postal_code.clone()));
    if let Some(number) = &d.tax_invoice_number {
        push(t.tax_invoice_number, Some(number.clone()));
        push(t.tax_invoice_date, d.document_date.map(day));
    }
    if d.series == Series::D {
        push(
            t.customer_number,
            details.and_then(|x| x.customer_number.clone()),
        );
        push(t.us_fein, details.and_then(|x| x.us_fein.clone()));
    }
    push(
        t.total_amount,
        Some(format!(
            "{} {}",
            d.currency.code(),
            amount(d.currency, d.totals.total)
        )),
    );
    fields
}

fn parties(t: &'static Texts, document: &Document) -> Vec<Party> {
    let Some(details) = document.details.as_ref() else {
        return Vec::new();
    };
    let mut parties = vec![
        Party::new(t.sold_to, address_lines(&details.sold_to)),
        Party::new(t.bill_to, address_lines(&details.bill_to)),
    ];
    if let Some(ship_to) = &details.ship_to {
        parties.push(Party::new(t.ship_to, address_lines(ship_to)));
    }
    if document.series == Series::D
        && let Some(service_to) = &details.service_to
    {
        parties.push(Party::new(t.service_to, address_lines(service_to)));
    }
    parties
}

/// Charges to total: the new-commerce rows, or the legacy ones with their categories.
fn summary(t: &'static Texts, document: &Document) -> Vec<SummaryRow> {
    let money = |value| amount(document.currency, value);
    let row = |label, value, strong| SummaryRow {
        label,
        value: money(value),
        strong,
    };
    let Totals {
        charges,
        discount,
        credits,
        other_credits,
        subtotal,
        tax,
        total,
        license_based,
        usage_based,
        other_charges,
    } = document.totals;
    match document.series {
        Series::G => {
            let mut rows = vec![row(t.charges, charges, false)];
            if !discount.is_zero() {
                rows.push(row(t.discount, discount, false));
            }
            rows.extend([
                row(t.credits, credits, false),
                row(t.subtotal, subtotal, false),
                row(t.tax, tax, false),
                row(t.total, total, true),
            ]);
            rows
        }
        Series::D => vec![
            row(t.license_based, license_based, false),
            row(t.usage_based, usage_based, false),
            row(t.other_charges, other_charges, false),
            row(t.discount, discount, false),
            row(t.credits, credits, false),
            row(t.subtotal, subtotal, false),
            row(t.tax, tax, false),
            row(t.other_credits, other_credits, false),
            row(t.current_total, total, true),
        ],
    }
}

fn memo_view(note: &Document) -> MemoView {
    let money = |value| amount(note.currency, value);
    MemoView {
        number: note.number.clone().unwrap_or_default(),
        date: note.document_date.map(day).unwrap_or_default(),
        original: note.original_number.clone().unwrap_or_default(),
        subtotal: money(note.totals.subtotal),
        tax: money(note.totals.tax),
        total: money(note.totals.total),
    }
}

/// The view of `source` its template prints.
pub(crate) fn view(source: &InvoiceSource<'_>) -> InvoiceView {
    let t = texts(source.language);
    let d = source.document;
    let lrd = source.template == Template::Lrd;
    let all_lines = || source.lines.iter().map(|line| line_view(t, d, line));
    let groups = if lrd {
        Vec::new()
    } else {
        ChargeType::ALL
            .iter()
            .filter_map(|&charge_type| {
                let of_type: Vec<&DocumentLine> = source
                    .lines
                    .iter()
                    .filter(|l| l.item.charge_type == charge_type)
                    .collect();
                (!of_type.is_empty()).then(|| Group {
                    title: charge_type_name(t, charge_type),
                    subtotal: amount(d.currency, of_type.iter().map(|l| l.priced.total).sum()),
                    lines: of_type.iter().map(|l| line_view(t, d, l)).collect(),
                })
            })
            .collect()
    };
    let memos = (lrd && d.kind == DocumentKind::Invoice).then(|| {
        source
            .notes
            .iter()
            .filter(|n| n.kind.is_note() && n.number.is_some())
            .map(memo_view)
            .collect()
    });
    InvoiceView {
        t,
        lrd,
        title: match d.kind {
            DocumentKind::Invoice => t.invoice,
            DocumentKind::CreditNote => t.credit_memo,
            DocumentKind::VoidNote => t.void_note,
        },
        summary_heading: match (d.kind, lrd) {
            (DocumentKind::Invoice, true) => t.billing_summary,
            (DocumentKind::Invoice, false) => t.invoice_summary,
            _ => t.summary,
        },
        lines_heading: match (d.kind, lrd) {
            (DocumentKind::Invoice, true) => t.commercial_invoice,
            (DocumentKind::Invoice, false) => t.detailed_charges,
            (DocumentKind::CreditNote, _) => t.credited_lines,
            (DocumentKind::VoidNote, _) => t.voided_lines,
        },
        issuer: Issuer::of(source.issuer),
        fields: fields(t, source),
        parties: parties(t, d),
        period: range(d.period.start(), d.period.end()),
        currency: d.currency.code().to_owned(),
        summary: summary(t, d),
        instructions: d.payment_instructions(|number| t.cite_number.replace("{number}", number)),
        service_url: (d.series == Series::D)
            .then(|| d.details.as_ref()?.customer_service_url.clone())
            .flatten(),
        lines: if lrd {
            all_lines().collect()
        } else {
            Vec::new()
        },
        groups,
        memos,
    }
}
