//! The workspace's downloads of printed documents: invoice, note and tax-invoice PDFs, and
//! the statement as PDF or CSV, each with the signed-in user's rights.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use settle_app::printed::{self, PrintOptions};

use super::Staff;
use super::billing::StatementQuery;
use crate::AppState;
use crate::routes::printed::{download, pdf};

/// The print options a link may carry.
#[derive(Debug, Default, Deserialize)]
pub struct PrintQuery {
    template: Option<String>,
    lang: Option<String>,
}

/// `GET /app/invoices/{id}/pdf`.
pub async fn invoice_pdf(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
    query: Result<Query<PrintQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let options = PrintOptions {
        template: query.template.as_deref(),
        lang: query.lang.as_deref(),
    };
    match printed::invoice_pdf(&state.app, staff.principal(), &id, &options).await {
        Ok(printed) => pdf(printed),
        Err(error) => staff.refused(&error),
    }
}

/// `GET /app/tax-invoices/{key}/pdf`.
pub async fn tax_invoice_pdf(
    State(state): State<AppState>,
    Path(key): Path<String>,
    staff: Staff,
) -> Response {
    match printed::tax_invoice_pdf(&state.app, staff.principal(), &key).await {
        Ok(printed) => pdf(printed),
        Err(error) => staff.refused(&error),
    }
}

/// `GET /app/partners/{id}/statement/pdf` and `…/csv`.
pub async fn statement_file(
    State(state): State<AppState>,
    Path((id, format)): Path<(String, String)>,
    staff: Staff,
    query: Result<Query<StatementQuery>, QueryRejection>,
) -> Response {
    if !["pdf", "csv"].contains(&format.as_str()) {
        return staff.refused(&settle_app::AppError::not_found("page"));
    }
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let statement = match query.statement(&state, &staff, &id).await {
        Ok(statement) => statement,
        Err(error) => return staff.refused(&error),
    };
    let done = match format.as_str() {
        "pdf" => printed::statement_pdf(
            &state.app,
            staff.principal(),
            statement,
            query.lang.as_deref(),
        )
        .await
        .map(pdf),
        _ => {
            let name = format!(
                "statement-{}-{}.csv",
                statement.currency.code(),
                statement.as_of
            );
            statement
                .to_csv()
                .map(|bytes| download("text/csv; charset=utf-8", &name, bytes))
        }
    };
    done.unwrap_or_else(|error| staff.refused(&error))
}

/// `GET /app/invoices/{id}/ubl`.
pub async fn invoice_ubl(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
) -> Response {
    match settle_app::einvoice::invoice_ubl(&state.app, staff.principal(), &id).await {
        Ok(ubl) => download("application/xml", &ubl.file_name, ubl.xml.into_bytes()),
        Err(error) => staff.refused(&error),
    }
}

/// `GET /app/invoices/{id}/reconciliation`: the invoice's lines and its notes', as CSV.
pub async fn invoice_reconciliation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
) -> Response {
    use settle_app::billing::reconciliation::{self, ExportScope};
    match reconciliation::open(&state.app, staff.principal(), ExportScope::Invoice(&id)).await {
        Ok(export) => {
            crate::routes::reconciliation::stream(export, settle_tabular::write::Format::Csv)
        }
        Err(error) => staff.refused(&error),
    }
}
