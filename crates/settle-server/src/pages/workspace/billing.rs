//! Billing work in the workspace: billing runs and their finalization, the queue of rebill
//! requests where a second billing admin approves or rejects, payments with their
//! allocations, and the partner statement.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::billing::{self as use_case, PaymentInput};
use settle_app::pagination::PageRequest;
use settle_app::{AppError, ErrorKind};
use settle_core::access::Right;
use settle_core::billing::DocumentFilter;
use settle_core::money::DecimalInput;

use super::Staff;
use super::Submitted;
use super::forms::{ButtonForm, FieldErrors, Input, encode, filled};
use super::invoices::{Cell, SimplePage, TableRow};
use crate::AppState;
use crate::pages::replies::Posted;
use crate::routes::billing::{day, money, today};

/// What a simple page shows besides its title.
pub(super) struct Simple {
    pub intro: &'static str,
    pub done: Option<String>,
    pub method: &'static str,
    pub action: String,
    pub submit: &'static str,
    pub inputs: Vec<Input>,
    pub heads: Vec<&'static str>,
    pub rows: Vec<TableRow>,
    pub empty: &'static str,
    /// Files to download (href, label), shown under the summary.
    pub downloads: Vec<(String, &'static str)>,
}

impl Simple {
    pub(super) fn table(
        heads: Vec<&'static str>,
        rows: Vec<TableRow>,
        empty: &'static str,
    ) -> Self {
        Self {
            intro: "",
            done: None,
            method: "post",
            action: String::new(),
            submit: "",
            inputs: Vec::new(),
            heads,
            rows,
            empty,
            downloads: Vec::new(),
        }
    }
}

pub(super) fn simple(
    staff: Staff,
    title: &'static str,
    status: StatusCode,
    page: Simple,
    error: Option<&AppError>,
) -> Response {
    if let Some(refusal) = error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let mut inputs = page.inputs;
    let errors = error
        .map_or_else(FieldErrors::none, FieldErrors::of)
        .place(&mut inputs);
    let f = staff.frame(title);
    let page = SimplePage {
        t: f.t,
        title: f.title,
        intro: page.intro,
        done: page.done,
        method: page.method,
        action: page.action,
        submit: page.submit,
        inputs,
        errors,
        heads: page.heads,
        rows: page.rows,
        downloads: page.downloads,
        empty: page.empty,
        f,
    };
    staff.respond(status, &page)
}

/// The billing-run form as posted.
#[derive(Deserialize, Default)]
pub struct RunForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
}

impl Posted for RunForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn run_form(staff: Staff, period: &str, status: StatusCode, error: Option<&AppError>) -> Response {
    let w = staff.ctx.lang.workspace();
    let page = Simple {
        intro: w.run_intro,
        action: "/app/billing-runs".into(),
        submit: w.run_billing,
        inputs: vec![Input::text("period", w.period, period).required()],
        ..Simple::table(Vec::new(), Vec::new(), "")
    };
    simple(staff, w.billing_runs, status, page, error)
}

/// `GET /app/billing-runs`.
pub async fn runs(staff: Staff) -> Response {
    run_form(staff, "", StatusCode::OK, None)
}

/// `POST /app/billing-runs`: bills the period's unbilled charges into drafts.
pub async fn run(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<RunForm>,
) -> Response {
    match use_case::run_billing(&state.app, staff.principal(), form.period.trim()).await {
        Ok(run) => staff.go(&format!("/app/billing-runs/{}", run.id)),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            run_form(staff, &form.period, status, Some(&error))
        }
    }
}

/// `GET /app/billing-runs/{id}`: what the run drafted, and its finalization.
pub async fn show_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let read = async {
        let run = use_case::get_run(app, by, &id).await?;
        let filter = DocumentFilter {
            run_id: Some(run.id.clone()),
            ..DocumentFilter::default()
        };
        let page = PageRequest {
            limit: settle_app::pagination::MAX_LIMIT,
            after: None,
        };
        let drafts = use_case::list_invoices(app, by, &filter, &page).await?;
        Ok::<_, AppError>((run, drafts.data))
    };
    let (run, documents) = match read.await {
        Ok(read) => read,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let rows = documents
        .iter()
        .map(|d| TableRow {
            cells: vec![
                Cell::link(
                    d.number
                        .clone()
                        .unwrap_or_else(|| w.status_draft.to_owned()),
                    format!("/app/invoices/{}", d.id),
                ),
                Cell::text(d.series.as_str()),
                Cell::text(money(d.currency, DecimalInput(d.totals.total))),
                Cell::text(d.currency.code()),
            ],
            buttons: Vec::new(),
        })
        .collect();
    let done = w
        .run_summary
        .replace("{period}", &run.period.to_string())
        .replace("{billed}", &run.charges_billed.to_string())
        .replace("{created}", &run.invoices_created.to_string())
        .replace("{extended}", &run.invoices_extended.to_string());
    let can_finalize =
        by.roles.allows(Right::WriteInvoices) && documents.iter().any(|d| d.number.is_none());
    let page = Simple {
        done: Some(done),
        action: format!("/app/billing-runs/{}/finalize", run.id),
        submit: if can_finalize { w.finalize_run } else { "" },
        ..Simple::table(
            vec![w.number, w.series, w.total_amount, w.currency],
            rows,
            w.nothing_found,
        )
    };
    simple(staff, w.billing_runs, StatusCode::OK, page, None)
}

/// `POST /app/billing-runs/{id}/finalize`: numbers every draft of the run.
pub async fn finalize_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, _): Submitted<ButtonForm>,
) -> Response {
    match use_case::finalize_run(&state.app, staff.principal(), &id).await {
        Ok(_) => staff.go(&format!("/app/billing-runs/{id}")),
        Err(error) => staff.refused(&error),
    }
}

/// `GET /app/rebill-requests`: the requests waiting for a decision.
pub async fn rebills(State(state): State<AppState>, staff: Staff) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let pending = match use_case::pending_rebills(app, by).await {
        Ok(pending) => pending,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let can_decide = by.roles.allows(Right::ApproveRebills);
    let rows = pending
        .iter()
        .map(|r| {
            let base = format!("/app/rebill-requests/{}", r.id);
            TableRow {
                cells: vec![
                    Cell::link(
                        r.invoice_id.to_string(),
                        format!("/app/invoices/{}", r.invoice_id),
                    ),
                    Cell::text(r.changes.to_string()),
                    Cell::text(r.reason.clone()),
                    Cell::text(r.requested_by.clone()),
                ],
                buttons: if can_decide {
                    vec![
                        (format!("{base}/approve"), w.approve),
                        (format!("{base}/reject"), w.reject),
                    ]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let mut heads = vec![w.invoice, w.changes, w.reason, w.requested_by];
    if can_decide {
        heads.push(w.decision);
    }
    let page = Simple {
        intro: w.rebill_queue_intro,
        ..Simple::table(heads, rows, w.nothing_found)
    };
    simple(staff, w.rebill_queue, StatusCode::OK, page, None)
}

/// `POST /app/rebill-requests/{id}/{decision}`: approves or rejects (not one's own).
pub async fn decide(
    State(state): State<AppState>,
    Path((id, decision)): Path<(String, String)>,
    Submitted(staff, _): Submitted<ButtonForm>,
) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let decided = match decision.as_str() {
        "approve" => use_case::approve_rebill(app, by, &id).await,
        "reject" => use_case::reject_rebill(app, by, &id).await,
        _ => Err(AppError::not_found("decision")),
    };
    match decided {
        Ok(request) => match request.new_invoice_id {
            Some(new) => staff.go(&format!("/app/invoices/{new}?saved=1")),
            None => staff.go("/app/rebill-requests"),
        },
        Err(error) => staff.refused(&error),
    }
}

/// The payment form as posted.
#[derive(Deserialize, Default)]
pub struct PaymentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    reference: String,
}

impl Posted for PaymentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn payments_page(
    state: &AppState,
    staff: Staff,
    form: &PaymentForm,
    status: StatusCode,
    error: Option<&AppError>,
) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let page = PageRequest {
        limit: 200,
        after: None,
    };
    let payments = match use_case::list_payments(app, by, None, &page).await {
        Ok(page) => page.data,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let rows = payments
        .iter()
        .rev()
        .map(|view| {
            let p = &view.payment;
            let allocated: Vec<String> = view
                .allocations
                .iter()
                .map(|(a, number)| {
                    let to = number.clone().unwrap_or_else(|| a.invoice_id.to_string());
                    format!("{to} {}", money(p.currency, DecimalInput(a.amount)))
                })
                .collect();
            TableRow {
                cells: vec![
                    Cell::text(day(p.paid_on)),
                    Cell::link(
                        p.partner_id.to_string(),
                        format!("/app/partners/{}/statement", p.partner_id),
                    ),
                    Cell::text(format!(
                        "{} {}",
                        money(p.currency, DecimalInput(p.amount)),
                        p.currency.code()
                    )),
                    Cell::text(p.reference.clone()),
                    Cell::text(allocated.join(", ")),
                ],
                buttons: Vec::new(),
            }
        })
        .collect();
    let today = today(state).to_string();
    let paid_on = if form.paid_on.is_empty() {
        today
    } else {
        form.paid_on.clone()
    };
    let can_write = by.roles.allows(Right::WriteInvoices);
    let page = Simple {
        intro: w.payment_intro,
        action: "/app/payments".into(),
        submit: if can_write { w.record_payment } else { "" },
        inputs: vec![
            Input::text("partner_id", w.partner_id, &form.partner_id).required(),
            Input::text("amount", w.amount, &form.amount).required(),
            Input::text("currency", w.currency, &form.currency).required(),
            Input::text("paid_on", w.paid_on, paid_on)
                .kind("date")
                .required(),
            Input::text("reference", w.reference, &form.reference),
        ],
        ..Simple::table(
            vec![w.paid_on, w.partner, w.amount, w.reference, w.allocations],
            rows,
            w.nothing_found,
        )
    };
    simple(staff, w.payments, status, page, error)
}

/// `GET /app/payments`.
pub async fn payments(State(state): State<AppState>, staff: Staff) -> Response {
    payments_page(&state, staff, &PaymentForm::default(), StatusCode::OK, None).await
}

/// `POST /app/payments`: records a payment; the ledger allocates it.
pub async fn pay(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<PaymentForm>,
) -> Response {
    let amount = match filled(&form.amount) {
        None => None,
        Some(text) => match settle_core::money::parse_decimal(&text.replace(',', "")) {
            Ok(value) => Some(DecimalInput(value)),
            Err(_) => {
                let error =
                    AppError::invalid("payment.invalid_amount", "amount", "not a decimal number");
                return payments_page(
                    &state,
                    staff,
                    &form,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&error),
                )
                .await;
            }
        },
    };
    let input = PaymentInput {
        partner_id: filled(&form.partner_id),
        amount,
        currency: filled(&form.currency).map(|c| c.to_ascii_uppercase()),
        paid_on: filled(&form.paid_on),
        reference: filled(&form.reference),
        allocations: None,
    };
    match use_case::record_payment(&state.app, staff.principal(), input).await {
        Ok(_) => staff.go("/app/payments"),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            payments_page(&state, staff, &form, status, Some(&error)).await
        }
    }
}

/// The statement's query (the downloads add the PDF's language).
#[derive(Deserialize, Default)]
pub struct StatementQuery {
    currency: Option<String>,
    as_of: Option<String>,
    /// `ko` or `en` for the PDF.
    pub(super) lang: Option<String>,
}

impl StatementQuery {
    /// The partner's statement as this query asks for it (blank fields are defaults).
    pub(super) async fn statement(
        &self,
        state: &AppState,
        staff: &Staff,
        partner: &str,
    ) -> Result<settle_app::billing::Statement, AppError> {
        let currency = self.currency.as_deref().and_then(filled);
        let as_of = self.as_of.as_deref().and_then(filled);
        use_case::statement(
            &state.app,
            staff.principal(),
            partner,
            currency.as_deref(),
            as_of.as_deref(),
        )
        .await
    }
}

/// `GET /app/partners/{id}/statement`: every finalized document with what is outstanding,
/// the payments, and the balance.
pub async fn statement(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
    query: Result<Query<StatementQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let currency = query.currency.as_deref().and_then(filled);
    let as_of = query.as_of.as_deref().and_then(filled);
    let s = match query.statement(&state, &staff, &id).await {
        Ok(statement) => statement,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let m = |amount| money(s.currency, DecimalInput(amount));
    let mut rows: Vec<TableRow> = s
        .documents
        .iter()
        .map(|line| {
            let d = &line.document;
            TableRow {
                cells: vec![
                    Cell::link(
                        d.number.clone().unwrap_or_default(),
                        format!("/app/invoices/{}", d.id),
                    ),
                    Cell::text(d.document_date.map(day).unwrap_or_default()),
                    Cell::text(d.due_date.map(day).unwrap_or_default()),
                    Cell::text(m(d.totals.total)),
                    Cell::text(m(line.outstanding)),
                    Cell::text(match line.payment_status.as_str() {
                        "paid" => w.status_paid,
                        "overdue" => w.status_overdue,
                        _ => w.status_open,
                    }),
                ],
                buttons: Vec::new(),
            }
        })
        .collect();
    rows.extend(s.payments.iter().map(|(payment, unallocated)| TableRow {
        cells: vec![
            Cell::text(format!("{} {}", w.payment, payment.reference)),
            Cell::text(day(payment.paid_on)),
            Cell::text(""),
            Cell::text(m(-payment.amount)),
            Cell::text(m(-*unallocated)),
            Cell::text(""),
        ],
        buttons: Vec::new(),
    }));
    let done = w
        .statement_summary
        .replace("{as_of}", &day(s.as_of))
        .replace(
            "{balance}",
            &format!("{} {}", m(s.balance), s.currency.code()),
        )
        .replace("{overdue}", &m(s.overdue));
    let options = format!(
        "?{}",
        encode(&[("currency", s.currency.code()), ("as_of", &day(s.as_of))])
    );
    let page = Simple {
        done: Some(done),
        downloads: vec![
            (
                format!("/app/partners/{id}/statement/pdf{options}"),
                w.download_pdf,
            ),
            (
                format!("/app/partners/{id}/statement/csv{options}"),
                w.download_csv,
            ),
        ],
        method: "get",
        action: format!("/app/partners/{id}/statement"),
        submit: w.search,
        inputs: vec![
            Input::text("currency", w.currency, currency.unwrap_or_default()),
            Input::text("as_of", w.as_of, as_of.unwrap_or_default()).kind("date"),
        ],
        ..Simple::table(
            vec![
                w.number,
                w.document_date,
                w.due_date,
                w.total_amount,
                w.outstanding,
                w.payment_status,
            ],
            rows,
            w.nothing_found,
        )
    };
    simple(staff, w.statement, StatusCode::OK, page, None)
}
