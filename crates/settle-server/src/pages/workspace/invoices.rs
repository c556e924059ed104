//! Partner invoices in the workspace: the list with filters, one document with its lines
//! and the documents that refer to it, finalization, the credit-note form (quantity or
//! amount per line) and the rebill request (a new PO number, with a reason).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::billing::{self as use_case, CreditLineInput, CreditNoteInput, RebillInput};
use settle_app::{AppError, ErrorKind};
use settle_core::access::Right;
use settle_core::billing::{Document, DocumentKind, DocumentStatus};
use settle_core::money::DecimalInput;

use super::Submitted;
use super::forms::{ButtonForm, FieldErrors, Input, encode, filled};
use super::partners::SavedQuery;
use super::{Frame, Staff, WorkspaceTexts};
use crate::AppState;
use crate::pages::i18n::Texts;
use crate::pages::replies::Posted;
use crate::routes::billing::invoice_view::InvoiceView;
use crate::routes::billing::invoices::ListQuery;
use crate::routes::billing::today;

/// The list page.
#[derive(Template)]
#[template(path = "workspace/invoices.html")]
struct ListPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    period: String,
    series: String,
    kind: String,
    status: String,
    series_options: Vec<(&'static str, &'static str)>,
    kind_options: Vec<(&'static str, &'static str)>,
    status_options: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    next: Option<String>,
    errors: FieldErrors,
}

/// A document in the list.
struct Row {
    id: String,
    number: String,
    kind: &'static str,
    partner: String,
    period: String,
    document_date: String,
    due_date: String,
    total: String,
    currency: String,
    due: String,
    status: &'static str,
}

/// The list's filters as the form sends them (blank means any).
#[derive(Deserialize, Default)]
pub struct ListForm {
    #[serde(default)]
    period: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    cursor: Option<String>,
}

/// The words of a document kind.
fn kind_name(w: &WorkspaceTexts, kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => w.kind_invoice,
        DocumentKind::CreditNote => w.kind_credit_note,
        DocumentKind::VoidNote => w.kind_void_note,
    }
}

/// The words of a document status, or of its payment status when it is open.
fn status_name(w: &WorkspaceTexts, status: DocumentStatus, payment: Option<&str>) -> &'static str {
    match (status, payment) {
        (DocumentStatus::Draft, _) => w.status_draft,
        (DocumentStatus::Void, _) => w.status_void,
        (DocumentStatus::Paid, _) | (_, Some("paid")) => w.status_paid,
        (_, Some("overdue")) => w.status_overdue,
        _ => w.status_open,
    }
}

/// `GET /app/invoices`.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ListForm>, QueryRejection>,
) -> Response {
    let form = query.map(|Query(form)| form).unwrap_or_default();
    let asked = ListQuery {
        period: filled(&form.period),
        series: filled(&form.series),
        kind: filled(&form.kind),
        status: filled(&form.status),
        cursor: form.cursor.clone(),
        ..ListQuery::default()
    };
    let found = match asked.into_request() {
        Ok((page, filter)) => {
            use_case::list_invoices(&state.app, staff.principal(), &filter, &page).await
        }
        Err(error) => Err(error.0),
    };
    let w = staff.ctx.lang.workspace();
    let today = today(&state);
    let (rows, next, errors) = match found {
        Ok(page) => {
            let names = partner_names(&state, &staff, &page.data).await;
            let rows = page
                .data
                .iter()
                .map(|d| {
                    let view = crate::routes::billing::invoice_view::InvoiceSummary::new(d, today);
                    Row {
                        id: d.id.to_string(),
                        number: d
                            .number
                            .clone()
                            .unwrap_or_else(|| w.status_draft.to_owned()),
                        kind: kind_name(w, d.kind),
                        partner: names(d),
                        period: view.billing_period,
                        document_date: view.document_date.unwrap_or_default(),
                        due_date: view.due_date.unwrap_or_default(),
                        total: view.total,
                        currency: view.currency,
                        due: view.amount_due,
                        status: status_name(w, d.status, view.payment_status),
                    }
                })
                .collect();
            let next = page.next_cursor.map(|cursor| {
                let query = [
                    ("period", form.period.as_str()),
                    ("series", form.series.as_str()),
                    ("kind", form.kind.as_str()),
                    ("status", form.status.as_str()),
                    ("cursor", cursor.as_str()),
                ];
                format!("/app/invoices?{}", encode(&query))
            });
            (rows, next, FieldErrors::none())
        }
        Err(error) if error.kind == ErrorKind::Invalid => {
            (Vec::new(), None, FieldErrors::of(&error).place(&mut []))
        }
        Err(error) => return staff.refused(&error),
    };
    let f = staff.frame(w.invoices);
    let page = ListPage {
        t: f.t,
        title: f.title,
        series_options: vec![("", w.any), ("G", "G"), ("D", "D")],
        kind_options: vec![
            ("", w.any),
            ("invoice", w.kind_invoice),
            ("credit_note", w.kind_credit_note),
            ("void_note", w.kind_void_note),
        ],
        status_options: vec![
            ("", w.any),
            ("draft", w.status_draft),
            ("open", w.status_open),
            ("paid", w.status_paid),
            ("void", w.status_void),
        ],
        period: form.period,
        series: form.series,
        kind: form.kind,
        status: form.status,
        rows,
        next,
        errors,
        f,
    };
    let status = if page.errors.general.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    staff.respond(status, &page)
}

/// A lookup of the partners' names of `documents` (their ids where a name cannot be read).
async fn partner_names(
    state: &AppState,
    staff: &Staff,
    documents: &[Document],
) -> impl Fn(&Document) -> String {
    let mut names = std::collections::HashMap::new();
    for document in documents {
        let id = document.partner_id.to_string();
        if names.contains_key(&id) {
            continue;
        }
        let name = settle_app::partners::get(&state.app, staff.principal(), &id)
            .await
            .map(|p| p.data.name)
            .unwrap_or_else(|_| id.clone());
        names.insert(id, name);
    }
    move |d: &Document| {
        names
            .get(d.partner_id.as_str())
            .cloned()
            .unwrap_or_default()
    }
}

/// One document.
#[derive(Template)]
#[template(path = "workspace/invoice.html")]
struct ShowPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    v: InvoiceView,
    number: String,
    kind: &'static str,
    status: &'static str,
    partner: String,
    document_date: String,
    due_date: String,
    buttons: Vec<Button>,
    related: Vec<(String, String, String)>,
    saved: bool,
}

/// An action on the document: a link to a form, or a button that posts.
struct Button {
    href: String,
    label: &'static str,
    post: bool,
}

/// `GET /app/invoices/{id}` (id or number).
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Response {
    let saved = query.is_ok_and(|Query(q)| q.is_saved());
    let detail = match use_case::get_invoice(&state.app, staff.principal(), &id).await {
        Ok(detail) => detail,
        Err(error) => return staff.refused(&error),
    };
    let document = &detail.document;
    let view = InvoiceView::new(&detail, today(&state));
    let w = staff.ctx.lang.workspace();
    let partner = settle_app::partners::get(
        &state.app,
        staff.principal(),
        view.summary.partner_id.as_str(),
    )
    .await
    .map(|p| p.data.name)
    .unwrap_or_default();
    let base = format!("/app/invoices/{}", document.id);
    let roles = &staff.principal().roles;
    let invoice = document.kind == DocumentKind::Invoice;
    let mut buttons = Vec::new();
    if roles.allows(Right::WriteInvoices) && invoice {
        match document.status {
            DocumentStatus::Draft => buttons.push(Button {
                href: format!("{base}/finalize"),
                label: w.finalize,
                post: true,
            }),
            DocumentStatus::Open | DocumentStatus::Paid => {
                buttons.push(Button {
                    href: format!("{base}/credit-note"),
                    label: w.create_credit_note,
                    post: false,
                });
                buttons.push(Button {
                    href: format!("{base}/rebill"),
                    label: w.request_rebill,
                    post: false,
                });
            }
            DocumentStatus::Void => {}
        }
    }
    if document.status != DocumentStatus::Draft {
        for (path, label) in [
            ("pdf", w.download_pdf),
            ("ubl", w.download_ubl),
            ("reconciliation", w.download_reconciliation),
        ] {
            buttons.push(Button {
                href: format!("{base}/{path}"),
                label,
                post: false,
            });
        }
    }
    if let Some(record) = &detail.tax_invoice {
        buttons.push(Button {
            href: format!("/app/tax-invoices/{}", record.document_key),
            label: w.korean_tax_invoice,
            post: false,
        });
    }
    if invoice && document.status != DocumentStatus::Draft {
        buttons.push(Button {
            href: format!("/app/partners/{}/statement", document.partner_id),
            label: w.statement,
            post: false,
        });
    }
    let related = detail
        .related
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                r.number.clone().unwrap_or_default(),
                kind_name(w, r.kind).to_owned(),
            )
        })
        .collect();
    let f = staff.frame(w.invoice);
    let page = ShowPage {
        t: f.t,
        title: f.title,
        number: document
            .number
            .clone()
            .unwrap_or_else(|| w.status_draft.to_owned()),
        kind: kind_name(w, document.kind),
        status: status_name(w, document.status, view.summary.payment_status),
        partner,
        document_date: view.summary.document_date.clone().unwrap_or_default(),
        due_date: view.summary.due_date.clone().unwrap_or_default(),
        v: view,
        buttons,
        related,
        saved,
        f,
    };
    staff.respond(StatusCode::OK, &page)
}

/// `POST /app/invoices/{id}/finalize`.
pub async fn finalize(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, _): Submitted<ButtonForm>,
) -> Response {
    match use_case::finalize(&state.app, staff.principal(), &id).await {
        Ok(document) => staff.go(&format!("/app/invoices/{}?saved=1", document.id)),
        Err(error) => staff.refused(&error),
    }
}

/// The credit-note form.
#[derive(Template)]
#[template(path = "workspace/credit_note.html")]
struct CreditPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    lines: Vec<CreditRow>,
    inputs: Vec<Input>,
    errors: FieldErrors,
}

/// A line of the invoice with its two inputs (quantity, amount).
struct CreditRow {
    no: i64,
    product: String,
    quantity: String,
    amount: String,
    inputs: Vec<Input>,
}

/// The credit-note form as posted: `lines[i].quantity`, `lines[i].amount`, `reason`.
#[derive(Deserialize, Default)]
pub struct CreditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    cells: std::collections::HashMap<String, String>,
}

impl Posted for CreditForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `GET /app/invoices/{id}/credit-note`.
pub async fn credit_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
) -> Response {
    credit_page(
        &state,
        staff,
        &id,
        &CreditForm::default(),
        StatusCode::OK,
        None,
    )
    .await
}

async fn credit_page(
    state: &AppState,
    staff: Staff,
    id: &str,
    form: &CreditForm,
    status: StatusCode,
    error: Option<&AppError>,
) -> Response {
    if let Some(refusal) = error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let detail = match use_case::get_invoice(&state.app, staff.principal(), id).await {
        Ok(detail) => detail,
        Err(error) => return staff.refused(&error),
    };
    let view = InvoiceView::new(&detail, today(state));
    let w = staff.ctx.lang.workspace();
    let f = staff.frame(w.create_credit_note);
    let mut cells: Vec<Input> = (0..view.lines.len())
        .flat_map(|i| {
            [("quantity", w.credit_quantity), ("amount", w.credit_amount)].map(|(field, label)| {
                let name = format!("lines[{i}].{field}");
                let value = form.cells.get(&name).cloned().unwrap_or_default();
                Input::text(name, label, value)
            })
        })
        .collect();
    let mut inputs = vec![Input::text("reason", w.reason, &form.reason).required()];
    let errors = error
        .map_or_else(FieldErrors::none, FieldErrors::of)
        .place(&mut cells)
        .place(&mut inputs);
    let mut cells = cells.into_iter();
    let lines = view
        .lines
        .iter()
        .map(|line| CreditRow {
            no: line.line_no,
            product: line.item.product_name.clone(),
            quantity: line.item.quantity.clone(),
            amount: line.amount.clone(),
            inputs: cells.by_ref().take(2).collect(),
        })
        .collect();
    let page = CreditPage {
        t: f.t,
        title: f.title,
        lines,
        inputs,
        errors,
        f,
    };
    staff.respond(status, &page)
}

/// `POST /app/invoices/{id}/credit-note`: credits the lines filled in.
pub async fn credit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, form): Submitted<CreditForm>,
) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let detail = match use_case::get_invoice(app, by, &id).await {
        Ok(detail) => detail,
        Err(error) => return staff.refused(&error),
    };
    let mut lines = Vec::new();
    for (i, line) in detail.lines.iter().enumerate() {
        let cell = |field: &str| {
            form.cells
                .get(&format!("lines[{i}].{field}"))
                .and_then(|v| filled(v))
        };
        let (quantity, amount) = (cell("quantity"), cell("amount"));
        if quantity.is_none() && amount.is_none() {
            continue;
        }
        let decimal = |field: &str, text: Option<String>| match text {
            None => Ok(None),
            Some(text) => settle_core::money::parse_decimal(&text)
                .map(|d| Some(DecimalInput(d)))
                .map_err(|_| {
                    AppError::invalid(
                        "request.invalid_field",
                        &format!("lines[{i}].{field}"),
                        "not a decimal number",
                    )
                }),
        };
        let parsed =
            decimal("quantity", quantity).and_then(|q| Ok((q, decimal("amount", amount)?)));
        match parsed {
            Ok((quantity, amount)) => lines.push(CreditLineInput {
                line_id: line.id.to_string(),
                quantity,
                amount,
            }),
            Err(error) => {
                let status = crate::error::status_of(error.kind);
                return credit_page(&state, staff, &id, &form, status, Some(&error)).await;
            }
        }
    }
    let input = CreditNoteInput {
        lines,
        reason: filled(&form.reason),
    };
    match use_case::create_credit_note(app, by, &id, input).await {
        Ok(note) => staff.go(&format!("/app/invoices/{}?saved=1", note.id)),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            credit_page(&state, staff, &id, &form, status, Some(&error)).await
        }
    }
}

/// The rebill request form.
#[derive(Template)]
#[template(path = "workspace/simple_form.html")]
pub(super) struct SimplePage {
    pub t: &'static Texts,
    pub title: &'static str,
    pub f: Frame,
    pub intro: &'static str,
    pub done: Option<String>,
    pub method: &'static str,
    pub action: String,
    pub submit: &'static str,
    pub inputs: Vec<Input>,
    pub errors: FieldErrors,
    pub heads: Vec<&'static str>,
    pub rows: Vec<TableRow>,
    pub empty: &'static str,
    pub downloads: Vec<(String, &'static str)>,
}

/// A row of a simple page's table: cells (with links) and buttons that post.
pub(super) struct TableRow {
    pub cells: Vec<Cell>,
    pub buttons: Vec<(String, &'static str)>,
}

/// A table cell, linked or not.
pub(super) struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    /// A plain cell.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: None,
        }
    }

    /// A linked cell.
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: Some(href.into()),
        }
    }
}

/// The rebill form as posted.
#[derive(Deserialize, Default)]
pub struct RebillForm {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "changes.po_number")]
    po_number: String,
    #[serde(default)]
    reason: String,
}

impl Posted for RebillForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `GET /app/invoices/{id}/rebill`.
pub async fn rebill_form(Path(id): Path<String>, staff: Staff) -> Response {
    rebill_page(staff, &id, &RebillForm::default(), StatusCode::OK, None)
}

fn rebill_page(
    staff: Staff,
    id: &str,
    form: &RebillForm,
    status: StatusCode,
    error: Option<&AppError>,
) -> Response {
    if let Some(refusal) = error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let w = staff.ctx.lang.workspace();
    let f = staff.frame(w.request_rebill);
    let mut inputs = vec![
        Input::text("changes.po_number", w.po_number, &form.po_number).required(),
        Input::text("reason", w.reason, &form.reason).required(),
    ];
    let errors = error
        .map_or_else(FieldErrors::none, FieldErrors::of)
        .place(&mut inputs);
    let page = SimplePage {
        downloads: Vec::new(),
        t: f.t,
        title: f.title,
        intro: w.rebill_intro,
        done: None,
        method: "post",
        action: format!("/app/invoices/{id}/rebill"),
        submit: w.request_rebill,
        inputs,
        errors,
        heads: Vec::new(),
        rows: Vec::new(),
        empty: "",
        f,
    };
    staff.respond(status, &page)
}

/// `POST /app/invoices/{id}/rebill`: asks for a void and rebill with the new PO number.
pub async fn rebill(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, form): Submitted<RebillForm>,
) -> Response {
    let input = RebillInput {
        changes: serde_json::json!({ "po_number": form.po_number.trim() }),
        reason: filled(&form.reason),
    };
    match use_case::request_rebill(&state.app, staff.principal(), &id, input).await {
        Ok(_) => staff.go("/app/rebill-requests"),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            rebill_page(staff, &id, &form, status, Some(&error))
        }
    }
}
