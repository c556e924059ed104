//! Tax invoices in the workspace: the list with filters, one invoice in the standard form
//! with the buttons its state allows (the core's lifecycle decides), the drafting form
//! (totals computed by the server before saving), and the CSV/XLSX bulk upload.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_app::pagination::PageRequest;
use settle_app::tax_invoices::{self as use_case, DraftInput};
use settle_app::{AppError, ErrorKind};
use settle_core::KST;
use settle_core::access::Right;
use settle_core::partner::PartnerFilter;
use settle_core::tax_invoice::{TaxInvoiceAction, TaxInvoiceRecord};
use settle_core::upload::UploadKind;

use super::Submitted;
use super::forms::{FieldErrors, Input, encode, filled, path_segment};
use super::lines;
use super::{Frame, Staff, WorkspaceTexts};
use crate::AppState;
use crate::pages::i18n::Texts;
use crate::pages::replies::Posted;
use crate::pages::views::{HistoryRow, InvoiceForm, grouped as won};
use crate::routes::tax_invoices::ListQuery;

/// The list page.
#[derive(Template)]
#[template(path = "workspace/tax_invoices.html")]
struct ListPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    state: String,
    partner_id: String,
    partner_options: Vec<(String, String)>,
    from: String,
    to: String,
    late: String,
    state_options: Vec<(&'static str, &'static str)>,
    late_options: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    next: Option<String>,
    errors: FieldErrors,
    can_write: bool,
}

/// An invoice in the list.
struct Row {
    key: String,
    key_path: String,
    write_date: String,
    supplier: String,
    supply: String,
    tax: String,
    total: String,
    state: &'static str,
    late: bool,
}

/// The list's filters as the form sends them (blank means any).
#[derive(Deserialize, Default)]
pub struct ListForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    late: String,
    cursor: Option<String>,
}

/// `GET /app/tax-invoices`.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ListForm>, QueryRejection>,
) -> Response {
    let form = query.map(|Query(form)| form).unwrap_or_default();
    let now = state.app.now();
    let asked = ListQuery {
        state: filled(&form.state),
        partner_id: filled(&form.partner_id),
        from: filled(&form.from),
        to: filled(&form.to),
        late: filled(&form.late).map(|late| late == "true"),
        cursor: form.cursor.clone(),
        ..ListQuery::default()
    };
    let found = match asked.into_request(now) {
        Ok((page, filter)) => use_case::list(&state.app, staff.principal(), &filter, &page).await,
        Err(error) => Err(error),
    };
    let (rows, next, errors) = match found {
        Ok(page) => {
            let t = staff.ctx.texts();
            let today = now.to_offset(KST).date();
            let rows = page.data.iter().map(|r| row(t, r, today)).collect();
            let next = page.next_cursor.map(|cursor| {
                let query = [
                    ("state", form.state.as_str()),
                    ("partner_id", form.partner_id.as_str()),
                    ("from", form.from.as_str()),
                    ("to", form.to.as_str()),
                    ("late", form.late.as_str()),
                    ("cursor", cursor.as_str()),
                ];
                format!("/app/tax-invoices?{}", encode(&query))
            });
            (rows, next, FieldErrors::none())
        }
        Err(error) if error.kind == ErrorKind::Invalid => {
            (Vec::new(), None, FieldErrors::of(&error).place(&mut []))
        }
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let mut partner_options = vec![(String::new(), w.any.to_owned())];
    partner_options.extend(partner_choices(&state, &staff).await);
    let f = staff.frame(w.tax_invoices);
    let t = f.t;
    let mut state_options = vec![("", w.any)];
    state_options.extend(
        settle_core::tax_invoice::ALL_STATES
            .iter()
            .map(|s| (s.as_str(), t.state_name(*s))),
    );
    let page = ListPage {
        t,
        title: f.title,
        state_options,
        late_options: vec![("", w.any), ("true", w.late), ("false", w.on_time)],
        state: form.state,
        partner_id: form.partner_id,
        partner_options,
        from: form.from,
        to: form.to,
        late: form.late,
        rows,
        next,
        errors,
        can_write: staff.principal().roles.allows(Right::WriteTaxInvoices),
        f,
    };
    let status = if page.errors.general.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    staff.respond(status, &page)
}

/// The partners the principal sees (the first 1,000), as (id, "name (BRN)") choices.
async fn partner_choices(state: &AppState, staff: &Staff) -> Vec<(String, String)> {
    let page = PageRequest {
        limit: settle_app::pagination::MAX_LIMIT,
        after: None,
    };
    let filter = PartnerFilter::default();
    let found = settle_app::partners::list(&state.app, staff.principal(), &filter, &page).await;
    found
        .map(|page| page.data)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let brn = p
                .data
                .brn
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            (p.id.to_string(), format!("{} ({brn})", p.data.name))
        })
        .collect()
}

fn row(t: &'static Texts, record: &TaxInvoiceRecord, today: time::Date) -> Row {
    let document = &record.document;
    Row {
        key: record.document_key.to_string(),
        key_path: path_segment(record.document_key.as_str()),
        write_date: document.write_date.to_string(),
        supplier: document.supplier.name.clone(),
        supply: won(document.supply_total),
        tax: won(document.tax_total),
        total: won(document.total),
        state: t.state_name(record.state),
        late: record.is_late(today),
    }
}

/// One invoice with its buttons.
#[derive(Template)]
#[template(path = "workspace/tax_invoice.html")]
struct ShowPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    key: String,
    invoice: InvoiceForm,
    history: Vec<HistoryRow>,
    buttons: Vec<Button>,
    amend: Option<String>,
    edit: Option<String>,
    xml: Option<String>,
    pdf: String,
}

/// A button that posts an action.
struct Button {
    action: String,
    label: &'static str,
    with_email: bool,
}

/// The actions the workspace offers, by the slug in their path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Act {
    Request,
    CancelRequest,
    Resend,
    SendToNts,
    Delete,
}

const ACTS: [Act; 5] = [
    Act::Request,
    Act::CancelRequest,
    Act::Resend,
    Act::SendToNts,
    Act::Delete,
];

impl Act {
    fn slug(self) -> &'static str {
        match self {
            Act::Request => "request",
            Act::CancelRequest => "cancel-request",
            Act::Resend => "resend",
            Act::SendToNts => "send-to-nts",
            Act::Delete => "delete",
        }
    }

    fn parse(slug: &str) -> Option<Act> {
        ACTS.into_iter().find(|act| act.slug() == slug)
    }

    /// The core's action it takes (sending to the NTS starts filing).
    fn core(self) -> TaxInvoiceAction {
        match self {
            Act::Request => TaxInvoiceAction::Request,
            Act::CancelRequest => TaxInvoiceAction::CancelRequest,
            Act::Resend => TaxInvoiceAction::Resend,
            Act::SendToNts => TaxInvoiceAction::StartFiling,
            Act::Delete => TaxInvoiceAction::Delete,
        }
    }

    fn label(self, w: &WorkspaceTexts) -> &'static str {
        match self {
            Act::Request => w.request,
            Act::CancelRequest => w.cancel_request,
            Act::Resend => w.resend,
            Act::SendToNts => w.send_to_nts,
            Act::Delete => w.delete,
        }
    }
}

/// `GET /app/tax-invoices/{key}`.
pub async fn show(
    State(state): State<AppState>,
    Path(key): Path<String>,
    staff: Staff,
) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let read = async {
        let record = use_case::get(app, by, &key).await?;
        let history = use_case::history(app, by, &key).await?;
        Ok::<_, AppError>((record, history))
    };
    let (record, history) = match read.await {
        Ok(read) => read,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let f = staff.frame(w.tax_invoice);
    let t = f.t;
    let base = format!("/app/tax-invoices/{}", path_segment(&key));
    let can_write = by.roles.allows(Right::WriteTaxInvoices);
    let buttons = ACTS
        .into_iter()
        .filter(|act| can_write && act.core().allowed_from().contains(&record.state))
        .map(|act| Button {
            action: format!("{base}/{}", act.slug()),
            label: act.label(w),
            with_email: act == Act::Resend,
        })
        .collect();
    let amend = (can_write
        && TaxInvoiceAction::Amend
            .allowed_from()
            .contains(&record.state))
    .then(|| format!("{base}/amend"));
    let edit = (can_write
        && TaxInvoiceAction::Edit
            .allowed_from()
            .contains(&record.state))
    .then(|| format!("{base}/edit"));
    let page = ShowPage {
        t,
        title: f.title,
        amend,
        edit,
        key: record.document_key.to_string(),
        invoice: InvoiceForm::new(t, &record),
        history: history.into_iter().map(|e| HistoryRow::new(t, e)).collect(),
        buttons,
        pdf: format!("{base}/pdf"),
        xml: record
            .approval_number
            .as_ref()
            .map(|_| format!("{base}/xml")),
        f,
    };
    staff.respond(StatusCode::OK, &page)
}

/// An action's form: the CSRF token, and an address for a resend.
#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

impl Posted for ActForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /app/tax-invoices/{key}/{action}`: does it, then shows the invoice (or the list
/// after a delete).
pub async fn act(
    State(state): State<AppState>,
    Path((key, slug)): Path<(String, String)>,
    Submitted(staff, form): Submitted<ActForm>,
) -> Response {
    let Some(act) = Act::parse(&slug) else {
        return staff.refused(&AppError::not_found("action"));
    };
    let (app, by) = (&state.app, staff.principal());
    let done = match act {
        Act::Request => use_case::request(app, by, &key, None).await.map(|_| ()),
        Act::CancelRequest => use_case::cancel_request(app, by, &key, None)
            .await
            .map(|_| ()),
        Act::Resend => use_case::resend(app, by, &key, filled(&form.email))
            .await
            .map(|_| ()),
        Act::SendToNts => settle_app::filing::file_now(app, by, &key)
            .await
            .map(|_| ()),
        Act::Delete => use_case::delete(app, by, &key).await,
    };
    match done {
        Ok(()) if act == Act::Delete => staff.go("/app/tax-invoices"),
        Ok(()) => staff.go(&format!("/app/tax-invoices/{}", path_segment(&key))),
        Err(error) => staff.refused(&error),
    }
}

/// `GET /app/tax-invoices/{key}/xml`: the signed NTS XML.
pub async fn xml(State(state): State<AppState>, Path(key): Path<String>, staff: Staff) -> Response {
    match use_case::signed_xml(&state.app, staff.principal(), &key).await {
        Ok(xml) => {
            let name = format!("attachment; filename=\"{}.xml\"", path_segment(&key));
            (
                [
                    (CONTENT_TYPE, "application/xml; charset=utf-8".to_owned()),
                    (CONTENT_DISPOSITION, name),
                ],
                xml,
            )
                .into_response()
        }
        Err(error) => staff.refused(&error),
    }
}

/// The drafting form.
#[derive(Template)]
#[template(path = "workspace/tax_invoice_form.html")]
struct DraftPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    action: String,
    partner_id: String,
    partner_options: Vec<(String, String)>,
    partner_error: Option<String>,
    purpose: String,
    purpose_options: Vec<(&'static str, &'static str)>,
    inputs: Vec<Input>,
    lines: Vec<Vec<Input>>,
    totals: Option<(String, String, String)>,
    errors: FieldErrors,
}

/// The drafting form as posted: `items[i].field` for the rows.
#[derive(Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    document_key: String,
    #[serde(default)]
    write_date: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    remarks: String,
    #[serde(flatten)]
    cells: std::collections::HashMap<String, String>,
}

impl Posted for DraftForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl DraftForm {
    /// The form of a stored draft.
    fn of(record: &TaxInvoiceRecord) -> Self {
        let document = &record.document;
        let mut cells = std::collections::HashMap::new();
        for (i, line) in document.lines.iter().enumerate() {
            let mut put = |field: &str, value: String| {
                cells.insert(format!("items[{i}].{field}"), value);
            };
            put("date", line.date.to_string());
            put("name", line.name.clone());
            put("spec", line.spec.clone().unwrap_or_default());
            put(
                "quantity",
                line.quantity.map(|q| q.to_string()).unwrap_or_default(),
            );
            put(
                "unit_price",
                line.unit_price.map(|p| p.to_string()).unwrap_or_default(),
            );
            put("supply_amount", line.supply_amount.to_string());
            put("tax_amount", line.tax_amount.to_string());
        }
        Self {
            csrf: String::new(),
            op: String::new(),
            partner_id: record.partner_id.to_string(),
            document_key: record.document_key.to_string(),
            write_date: document.write_date.to_string(),
            purpose: document.purpose.as_str().to_owned(),
            remarks: document.remarks.first().cloned().unwrap_or_default(),
            cells,
        }
    }

    /// The API's draft input.
    fn input(&self) -> Result<DraftInput, AppError> {
        let mut invoice = serde_json::json!({
            "tax_type": "taxable",
            "purpose": filled(&self.purpose).unwrap_or_else(|| "claim".into()),
            "items": lines::items(&self.cells),
        });
        if let Some(date) = filled(&self.write_date) {
            invoice["write_date"] = date.into();
        }
        if let Some(remark) = filled(&self.remarks) {
            invoice["remarks"] = serde_json::json!([remark]);
        }
        let invoice = serde_json::from_value(invoice)
            .map_err(|e| AppError::invalid("request.invalid_field", "items", e.to_string()))?;
        Ok(DraftInput {
            document_key: filled(&self.document_key),
            partner_id: filled(&self.partner_id),
            invoice,
            request: self.op == "request",
            memo: None,
        })
    }
}

/// `GET /app/tax-invoices/new`.
pub async fn new_form(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(error) = staff.principal().require(Right::WriteTaxInvoices) {
        return staff.refused(&error);
    }
    let today = state.app.now().to_offset(KST).date();
    let form = DraftForm {
        write_date: today.to_string(),
        purpose: "claim".into(),
        ..DraftForm::default()
    };
    draft_page(&state, staff, &form, NEW, StatusCode::OK, None, None).await
}

/// Where the new-draft form posts.
const NEW: &str = "/app/tax-invoices";

async fn draft_page(
    state: &AppState,
    staff: Staff,
    form: &DraftForm,
    action: &str,
    status: StatusCode,
    error: Option<&AppError>,
    totals: Option<&TaxInvoiceRecord>,
) -> Response {
    if let Some(refusal) = error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let linked = PartnerFilter {
        linked: Some(true),
        ..PartnerFilter::default()
    };
    let page = PageRequest {
        limit: settle_app::pagination::MAX_LIMIT,
        after: None,
    };
    let partners =
        match settle_app::partners::list(&state.app, staff.principal(), &linked, &page).await {
            Ok(partners) => partners.data,
            Err(error) => return staff.refused(&error),
        };
    let w = staff.ctx.lang.workspace();
    let f = staff.frame(w.new_tax_invoice);
    let t = f.t;
    let mut inputs = vec![
        Input::text("document_key", w.document_key, &form.document_key).required(),
        Input::text("write_date", t.write_date, &form.write_date)
            .kind("date")
            .required(),
        Input::text("remarks", t.remarks, &form.remarks),
    ];
    let mut partner_input = [Input::text("partner_id", t.supplier, &form.partner_id)];
    let errors = error.map_or_else(FieldErrors::none, FieldErrors::of);
    let (lines, errors) = lines::rows(t, w, &form.cells, errors.place(&mut inputs));
    let errors = errors.place(&mut partner_input);
    let [partner_input] = partner_input;
    let mut partner_options = vec![(String::new(), w.choose_partner.to_owned())];
    partner_options.extend(partners.iter().map(|p| {
        let brn = p
            .data
            .brn
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        (p.id.to_string(), format!("{} ({brn})", p.data.name))
    }));
    let page = DraftPage {
        t,
        title: f.title,
        action: action.to_owned(),
        partner_id: form.partner_id.clone(),
        partner_options,
        partner_error: partner_input.error,
        purpose: form.purpose.clone(),
        purpose_options: vec![("claim", t.claim), ("receipt", t.receipt)],
        inputs,
        lines,
        totals: totals.map(|r| {
            let d = &r.document;
            (won(d.supply_total), won(d.tax_total), won(d.total))
        }),
        errors,
        f,
    };
    staff.respond(status, &page)
}

/// `POST /app/tax-invoices`: computes the totals (`op=preview`), saves a draft
/// (`op=draft`) or saves and requests (`op=request`).
pub async fn create(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<DraftForm>,
) -> Response {
    save(state, staff, form, None).await
}

/// `GET /app/tax-invoices/{key}/edit`: a drafted invoice in the drafting form.
pub async fn edit_form(
    State(state): State<AppState>,
    Path(key): Path<String>,
    staff: Staff,
) -> Response {
    let record = match use_case::get(&state.app, staff.principal(), &key).await {
        Ok(record) => record,
        Err(error) => return staff.refused(&error),
    };
    let action = format!("/app/tax-invoices/{}/edit", path_segment(&key));
    let form = DraftForm::of(&record);
    draft_page(&state, staff, &form, &action, StatusCode::OK, None, None).await
}

/// `POST /app/tax-invoices/{key}/edit`: like [`create`], on the drafted invoice `key`.
pub async fn edit(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Submitted(staff, form): Submitted<DraftForm>,
) -> Response {
    save(state, staff, form, Some(key)).await
}

/// Previews, or saves (as a new draft, or over draft `key`) and requests with
/// `op=request`; errors go back to the form next to their fields.
async fn save(state: AppState, staff: Staff, form: DraftForm, key: Option<String>) -> Response {
    let action = match &key {
        Some(key) => format!("/app/tax-invoices/{}/edit", path_segment(key)),
        None => NEW.to_owned(),
    };
    let (app, by) = (&state.app, staff.principal());
    let saved = async {
        let input = form.input()?;
        if form.op == "preview" {
            return use_case::preview(app, by, input).await.map(|r| (r, true));
        }
        let record = match &key {
            None => use_case::create(app, by, input).await?,
            Some(key) => {
                let request = input.request;
                let updated = use_case::update(app, by, key, input).await?;
                if request {
                    use_case::request(app, by, key, None).await?
                } else {
                    updated
                }
            }
        };
        Ok::<_, AppError>((record, false))
    };
    match saved.await {
        Ok((record, true)) => {
            draft_page(
                &state,
                staff,
                &form,
                &action,
                StatusCode::OK,
                None,
                Some(&record),
            )
            .await
        }
        Ok((record, false)) => staff.go(&format!(
            "/app/tax-invoices/{}",
            path_segment(record.document_key.as_str())
        )),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            draft_page(&state, staff, &form, &action, status, Some(&error), None).await
        }
    }
}

/// `GET /app/tax-invoices/upload`.
pub async fn upload_form(staff: Staff) -> Response {
    super::uploads::form(staff, UploadKind::TaxInvoices, StatusCode::OK, None)
}

/// `POST /app/tax-invoices/upload`: stores the file and shows its progress.
pub async fn upload(State(state): State<AppState>, staff: Staff, request: Request) -> Response {
    super::uploads::send(state, staff, request, UploadKind::TaxInvoices).await
}
