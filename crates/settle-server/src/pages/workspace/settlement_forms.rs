//! One closed settlement in the workspace, explained line by line, with its tax invoice and
//! its payout; and the upload of a file of transfers, recorded as a whole or refused with
//! every problem by row.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::AppError;
use settle_app::settlement::{self as use_case, ExplainedLine, TransferReport};
use settle_core::access::Right;
use settle_core::settlement::SettlementAction;

use super::forms::{ButtonForm, Input, filled};
use super::invoices::{Cell, TableRow};
use super::partners::SavedQuery;
use super::sections::{
    Fact, LINE_AMOUNTS, PageForm, Section, line_heads, line_row, partner_names, period, render,
    state_name, tax_invoice_cell, tax_invoice_keys, taxation_name, total_facts,
};
use super::{Staff, Submitted};
use crate::AppState;
use crate::pages::replies::Posted;

/// The contract form as posted; inputs are named like the API's fields.
/// The payout form as posted.
#[derive(Deserialize, Default)]
pub struct PaidForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    reference: String,
}

impl Posted for PaidForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn detail_page(
    state: &AppState,
    staff: Staff,
    id: &str,
    saved: bool,
    paid: &PaidForm,
    failed: Option<(&'static str, &AppError)>,
) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let detail = match use_case::get(app, by, id).await {
        Ok(detail) => detail,
        Err(error) => return staff.refused(&error),
    };
    let record = &detail.record;
    let w = staff.ctx.lang.workspace();
    let s = &w.settlements;
    let names = partner_names(state, &staff, std::slice::from_ref(&record.partner_id)).await;
    let keys = tax_invoice_keys(state, &staff, std::slice::from_ref(record)).await;
    let mut facts = vec![
        Fact::link(
            w.partner,
            names
                .get(record.partner_id.as_str())
                .cloned()
                .unwrap_or_default(),
            format!("/app/partners/{}/settlement", record.partner_id),
        ),
        Fact::new(s.period, period(record.period_start, record.period_end)),
        Fact::new(s.payout_date, record.payout_date.to_string()),
        Fact::new(w.currency, record.currency.code()),
        Fact::new(s.taxation, taxation_name(s, record.taxation)),
        Fact::new(staff.ctx.texts().state, state_name(s, record.state)),
    ];
    facts.extend(total_facts(w, record));
    let invoice = tax_invoice_cell(record, &keys);
    if !invoice.text.is_empty() {
        facts.push(Fact {
            label: w.tax_invoice,
            value: invoice.text,
            href: invoice.href,
        });
    }
    if let Some(payout) = &record.payout {
        facts.push(Fact::new(s.paid_on, payout.paid_on.to_string()));
        if let Some(reference) = &payout.reference {
            facts.push(Fact::new(w.reference, reference.clone()));
        }
    }
    let base = format!("/app/settlements/{}", record.id);
    let mut forms = Vec::new();
    if by.roles.allows(Right::WriteTaxInvoices) && record.check(SettlementAction::Document).is_ok()
    {
        forms.push(PageForm::post(
            "tax-invoice",
            format!("{base}/tax-invoice"),
            s.make_tax_invoice,
        ));
    }
    let payable =
        by.roles.allows(Right::WriteInvoices) && record.check(SettlementAction::MarkPaid).is_ok();
    if payable {
        let paid_on = if paid.paid_on.is_empty() {
            use_case::today(app).to_string()
        } else {
            paid.paid_on.clone()
        };
        let mut form = PageForm::post("paid", format!("{base}/paid"), s.mark_paid);
        form.inputs = vec![
            Input::text("paid_on", s.paid_on, paid_on)
                .kind("date")
                .required(),
            Input::text("reference", w.reference, &paid.reference),
        ];
        forms.push(form);
    }
    let rows = detail
        .lines
        .iter()
        .map(
            |ExplainedLine {
                 transfer,
                 line,
                 corrects,
                 ..
             }| {
                line_row(
                    s,
                    record.currency,
                    transfer,
                    line,
                    corrects.as_ref().map(|c| c.as_str()),
                )
            },
        )
        .collect();
    let mut sections = vec![Section {
        facts,
        ..Section::default()
    }];
    if !forms.is_empty() {
        sections.push(Section {
            intro: if payable { s.mark_paid_intro } else { "" },
            forms,
            ..Section::default()
        });
    }
    sections.push(Section {
        heads: line_heads(w),
        rows,
        numeric: LINE_AMOUNTS.to_vec(),
        empty: w.nothing_found,
        ..Section::titled("lines", s.lines)
    });
    let status = failed.map_or(StatusCode::OK, |(_, e)| crate::error::status_of(e.kind));
    let done = saved.then(|| w.saved.to_owned());
    render(staff, s.settlement, status, done, sections, failed)
}

/// `GET /app/settlements/{id}`: the settlement explained line by line.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Response {
    let saved = query.is_ok_and(|Query(q)| q.is_saved());
    detail_page(&state, staff, &id, saved, &PaidForm::default(), None).await
}

/// `POST /app/settlements/{id}/tax-invoice`: makes its reverse or forward tax invoice.
pub async fn document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, _): Submitted<ButtonForm>,
) -> Response {
    match use_case::document(&state.app, staff.principal(), &id).await {
        Ok((record, _)) => staff.go(&format!("/app/settlements/{}?saved=1", record.id)),
        Err(error) => {
            let failed = Some(("tax-invoice", &error));
            detail_page(&state, staff, &id, false, &PaidForm::default(), failed).await
        }
    }
}

/// `POST /app/settlements/{id}/paid`: records the payout as made.
pub async fn mark_paid(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, form): Submitted<PaidForm>,
) -> Response {
    let paid = use_case::mark_paid(
        &state.app,
        staff.principal(),
        &id,
        filled(&form.paid_on),
        filled(&form.reference),
    )
    .await;
    match paid {
        Ok(record) => staff.go(&format!("/app/settlements/{}?saved=1", record.id)),
        Err(error) => detail_page(&state, staff, &id, false, &form, Some(("paid", &error))).await,
    }
}

/// A refusal's field split into its row and the field within it (`rows[3].amount` → `3`,
/// `amount`); a field of no row is kept whole.
fn row_and_field(field: &str) -> (String, String) {
    field
        .strip_prefix("rows[")
        .and_then(|rest| rest.split_once(']'))
        .map_or_else(
            || (String::new(), field.to_owned()),
            |(row, rest)| (row.to_owned(), rest.trim_start_matches('.').to_owned()),
        )
}

fn upload_page(
    staff: Staff,
    status: StatusCode,
    report: Option<&TransferReport>,
    error: Option<&AppError>,
) -> Response {
    let w = staff.ctx.lang.workspace();
    let s = &w.settlements;
    let mut main = Section {
        intro: s.upload_intro,
        links: vec![("/app/settlements".to_owned(), s.title)],
        ..Section::default()
    };
    if staff.principal().roles.allows(Right::WriteInvoices) {
        let mut form = PageForm::post("upload", "/app/transfers/upload", w.upload);
        form.multipart = true;
        form.inputs = vec![Input::text("file", w.file, "").kind("file").required()];
        main.forms.push(form);
    }
    let mut placed = None;
    match error {
        Some(error) if !error.errors.is_empty() => {
            main.heads = vec![w.row, w.field, w.problem];
            main.rows = error
                .errors
                .iter()
                .map(|e| {
                    let (row, field) = row_and_field(&e.field);
                    TableRow {
                        cells: vec![
                            Cell::text(row),
                            Cell::text(field),
                            Cell::text(format!("{} ({})", e.message, e.code)),
                        ],
                        buttons: Vec::new(),
                    }
                })
                .collect();
        }
        Some(error) => placed = Some(("upload", error)),
        None => {}
    }
    let mut sections = vec![main];
    let done = report.map(|r| {
        s.upload_summary
            .replace("{recorded}", &r.recorded.to_string())
            .replace("{already}", &r.already_recorded.len().to_string())
    });
    if let Some(report) = report.filter(|r| !r.already_recorded.is_empty()) {
        sections.push(Section {
            heads: vec![s.transfer_id],
            rows: report
                .already_recorded
                .iter()
                .map(|id| TableRow {
                    cells: vec![Cell::text(id.clone())],
                    buttons: Vec::new(),
                })
                .collect(),
            ..Section::titled("already-recorded", s.already_recorded)
        });
    }
    render(staff, s.upload_transfers, status, done, sections, placed)
}

/// `GET /app/transfers/upload`.
pub async fn upload_form(staff: Staff) -> Response {
    upload_page(staff, StatusCode::OK, None, None)
}

/// `POST /app/transfers/upload`: records the file's transfers, or shows every problem.
pub async fn upload(State(state): State<AppState>, staff: Staff, request: Request) -> Response {
    let recorded = async {
        let file = super::upload::file(&state, &staff, request).await?;
        use_case::import_transfers(&state.app, staff.principal(), &file).await
    };
    match recorded.await {
        Ok(report) => upload_page(staff, StatusCode::OK, Some(&report), None),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            upload_page(staff, status, None, Some(&error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::row_and_field;

    #[test]
    fn a_row_field_is_split_into_its_row_and_field() {
        assert_eq!(
            row_and_field("rows[3].amount"),
            ("3".to_owned(), "amount".to_owned())
        );
        assert_eq!(row_and_field("file"), (String::new(), "file".to_owned()));
    }
}
