//! The pieces the settlement pages are made of: sections (facts, links, forms, a table)
//! drawn by `workspace/sections.html`, since one page holds several forms; the names of
//! states, taxations and kinds; a settlement's lines and totals as rows and facts.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use settle_app::pagination::PageRequest;
use settle_app::{AppError, ErrorKind};
use settle_core::currency::Currency;
use settle_core::display::{amount, plain};
use settle_core::ids::PartnerId;
use settle_core::settlement::{
    SettlementLine, SettlementRecord, SettlementState, Taxation, Transfer, TransferKind,
};
use settle_core::tax_invoice::TaxInvoiceFilter;
use time::Date;

use super::forms::{FieldErrors, Input};
use super::invoices::{Cell, TableRow};
use super::texts::SettlementTexts;
use super::{Frame, Staff};
use crate::AppState;
use crate::pages::i18n::Texts;

/// A page of sections.
#[derive(Template)]
#[template(path = "workspace/sections.html")]
struct SectionsPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    done: Option<String>,
    errors: FieldErrors,
    sections: Vec<Section>,
}

/// A part of a page: facts, links, forms and a table, each shown when it has something.
#[derive(Default)]
pub(super) struct Section {
    /// Its heading's element id, after `h-` (unique on the page; input ids never start so).
    pub id: String,
    pub heading: String,
    pub intro: &'static str,
    pub facts: Vec<Fact>,
    pub links: Vec<(String, &'static str)>,
    pub forms: Vec<PageForm>,
    pub heads: Vec<&'static str>,
    pub rows: Vec<TableRow>,
    /// The columns that hold amounts (right-aligned).
    pub numeric: Vec<usize>,
    pub empty: &'static str,
    /// Links under the table (the next page).
    pub after: Vec<(String, &'static str)>,
}

impl Section {
    /// A section under `heading`, its element id `id`.
    pub fn titled(id: &str, heading: impl Into<String>) -> Self {
        Self {
            id: id.to_owned(),
            heading: heading.into(),
            ..Self::default()
        }
    }

    fn is_num(&self, column: &usize) -> bool {
        self.numeric.contains(column)
    }
}

/// A labelled value, linked or not.
pub(super) struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

impl Fact {
    pub fn new(label: &'static str, value: impl Into<String>) -> Self {
        Self {
            label,
            value: value.into(),
            href: None,
        }
    }

    pub fn link(label: &'static str, value: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            label,
            value: value.into(),
            href: Some(href.into()),
        }
    }
}

/// A form of a page: its inputs' element ids start with the form's id, so two forms on a
/// page may have fields of the same name.
pub(super) struct PageForm {
    pub id: &'static str,
    pub method: &'static str,
    pub action: String,
    pub multipart: bool,
    pub inputs: Vec<Input>,
    /// The inputs drawn as a choice: (name, [(value, words)]).
    pub choices: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    pub submit: &'static str,
}

impl PageForm {
    /// A form that posts to `action`.
    pub fn post(id: &'static str, action: impl Into<String>, submit: &'static str) -> Self {
        Self {
            id,
            method: "post",
            action: action.into(),
            multipart: false,
            inputs: Vec::new(),
            choices: Vec::new(),
            submit,
        }
    }

    /// A form that reads `action` with its inputs as the query.
    pub fn get(id: &'static str, action: impl Into<String>, submit: &'static str) -> Self {
        Self {
            method: "get",
            ..Self::post(id, action, submit)
        }
    }

    fn field_id(&self, name: &str) -> String {
        format!("{}-{name}", self.id)
    }

    fn options(&self, name: &str) -> &[(&'static str, &'static str)] {
        self.choices
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, options)| options.as_slice())
    }
}

/// Answers a page of `sections` titled `title`. A refusal of one form's fields goes next
/// to them (`error` names the form's id); a 403 is the refusal page.
pub(super) fn render(
    staff: Staff,
    title: &'static str,
    status: StatusCode,
    done: Option<String>,
    mut sections: Vec<Section>,
    error: Option<(&str, &AppError)>,
) -> Response {
    if let Some((_, refusal)) = error.filter(|(_, e)| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let errors = match error {
        None => FieldErrors::none(),
        Some((form, error)) => {
            let inputs = sections
                .iter_mut()
                .flat_map(|s| s.forms.iter_mut())
                .find(|f| f.id == form)
                .map(|f| f.inputs.as_mut_slice());
            FieldErrors::of(error).place(inputs.unwrap_or(&mut []))
        }
    };
    let f = staff.frame(title);
    let page = SectionsPage {
        t: f.t,
        title: f.title,
        done,
        errors,
        sections,
        f,
    };
    staff.respond(status, &page)
}

/// The words of a closed settlement's state.
pub(super) fn state_name(s: &SettlementTexts, state: SettlementState) -> &'static str {
    match state {
        SettlementState::Closed => s.unpaid,
        SettlementState::Paid => s.paid,
    }
}

/// The words of a way of taxing.
pub(super) fn taxation_name(s: &SettlementTexts, taxation: Taxation) -> &'static str {
    match taxation {
        Taxation::ReverseTaxInvoice => s.taxations[0],
        Taxation::ForwardFeeInvoice => s.taxations[1],
        Taxation::Withholding { .. } => s.taxations[2],
    }
}

fn kind_name(s: &SettlementTexts, kind: TransferKind) -> &'static str {
    let index = TransferKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default();
    s.transfer_kinds[index]
}

/// A cycle's days.
pub(super) fn period(start: Date, end: Date) -> String {
    format!("{start} ~ {end}")
}

/// The heads of a lines table.
pub(super) fn line_heads(w: &'static super::WorkspaceTexts) -> Vec<&'static str> {
    let s = &w.settlements;
    vec![
        s.transfer_id,
        w.kind,
        w.item_date,
        w.order,
        s.sales,
        s.fee_rate,
        s.fee,
        s.partner_discount,
        s.platform_discount,
        s.adjustment,
        s.owed,
        s.corrects,
    ]
}

/// The amount columns of a lines table.
pub(super) const LINE_AMOUNTS: [usize; 7] = [4, 5, 6, 7, 8, 9, 10];

/// One line: the transfer and what it added; the settlement it corrects, linked.
pub(super) fn line_row(
    s: &SettlementTexts,
    currency: Currency,
    transfer: &Transfer,
    line: &SettlementLine,
    corrects: Option<&str>,
) -> TableRow {
    let m = |value| Cell::text(amount(currency, value));
    TableRow {
        cells: vec![
            Cell::text(transfer.external_id.clone()),
            Cell::text(kind_name(s, transfer.kind)),
            Cell::text(transfer.occurred_on.to_string()),
            Cell::text(transfer.order_id.clone().unwrap_or_default()),
            m(line.sales),
            Cell::text(plain(line.fee_rate)),
            m(line.fee),
            m(line.partner_discount),
            m(line.platform_discount),
            m(line.adjustment),
            m(line.owed),
            match corrects {
                Some(id) => Cell::link(id, format!("/app/settlements/{id}")),
                None => Cell::text(""),
            },
        ],
        buttons: Vec::new(),
    }
}

/// The sums of a settlement as facts: what it adds up to, and the withholding when an
/// individual's.
pub(super) fn total_facts(
    w: &'static super::WorkspaceTexts,
    record: &SettlementRecord,
) -> Vec<Fact> {
    let s = &w.settlements;
    let (c, t) = (record.currency, &record.totals);
    let mut facts = vec![
        Fact::new(s.transfers, t.transfers.to_string()),
        Fact::new(s.sales, amount(c, t.sales)),
        Fact::new(s.fee, amount(c, t.fees)),
        Fact::new(s.partner_discount, amount(c, t.partner_discounts)),
        Fact::new(s.platform_discount, amount(c, t.platform_discounts)),
        Fact::new(s.adjustment, amount(c, t.adjustments)),
        Fact::new(s.owed, format!("{} {}", amount(c, t.owed), c.code())),
    ];
    let withheld = t.withholding.income_tax + t.withholding.local_income_tax;
    if matches!(record.taxation, Taxation::Withholding { .. }) || !withheld.is_zero() {
        facts.push(Fact::new(s.income_tax, amount(c, t.withholding.income_tax)));
        facts.push(Fact::new(
            s.local_income_tax,
            amount(c, t.withholding.local_income_tax),
        ));
    }
    facts.push(Fact::new(
        s.payout,
        format!("{} {}", amount(c, t.payout), c.code()),
    ));
    facts
}

/// The names of `partners` the caller may read (their ids otherwise).
pub(super) async fn partner_names(
    state: &AppState,
    staff: &Staff,
    partners: &[PartnerId],
) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for id in partners {
        if names.contains_key(id.as_str()) {
            continue;
        }
        let name = settle_app::partners::get(&state.app, staff.principal(), id.as_str())
            .await
            .map_or_else(|_| id.to_string(), |p| p.data.name);
        names.insert(id.to_string(), name);
    }
    names
}

/// The document keys of the settlements' tax invoices the caller may read. A settlement's
/// tax invoice is its partner's, written on the cycle's last day.
pub(super) async fn tax_invoice_keys(
    state: &AppState,
    staff: &Staff,
    records: &[SettlementRecord],
) -> HashMap<String, String> {
    let mut keys = HashMap::new();
    let mut asked = Vec::new();
    for record in records.iter().filter(|r| r.tax_invoice_id.is_some()) {
        let day = record.period_end.to_string();
        if asked.contains(&(&record.partner_id, record.period_end)) {
            continue;
        }
        asked.push((&record.partner_id, record.period_end));
        let filter = TaxInvoiceFilter {
            partner_id: Some(record.partner_id.clone()),
            from: Some(day.clone()),
            to: Some(day),
            ..TaxInvoiceFilter::default()
        };
        let page = PageRequest {
            limit: settle_app::pagination::MAX_LIMIT,
            after: None,
        };
        let found =
            settle_app::tax_invoices::list(&state.app, staff.principal(), &filter, &page).await;
        for invoice in found.map(|p| p.data).unwrap_or_default() {
            keys.insert(invoice.id.to_string(), invoice.document_key.to_string());
        }
    }
    keys
}

/// The tax invoice of a settlement as a cell: its key linked to its page, or its id when
/// the key cannot be read.
pub(super) fn tax_invoice_cell(record: &SettlementRecord, keys: &HashMap<String, String>) -> Cell {
    match &record.tax_invoice_id {
        None => Cell::text(""),
        Some(id) => match keys.get(id.as_str()) {
            Some(key) => Cell::link(
                key.clone(),
                format!("/app/tax-invoices/{}", super::forms::path_segment(key)),
            ),
            None => Cell::text(id.to_string()),
        },
    }
}
