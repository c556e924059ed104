//! `GET /v1/partners/{id}/statement`: a partner's account in one currency as of a date.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use settle_app::billing::{self as use_case, Statement};
use settle_app::printed;
use settle_core::money::DecimalInput;
use utoipa::{IntoParams, ToSchema};

use super::{day, invalid_query, money};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::routes::printed::{download, pdf};

/// Statement options.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// ISO 4217; default: the partner's only billing currency.
    pub currency: Option<String>,
    /// `YYYY-MM-DD`; default: today in Korea.
    pub as_of: Option<String>,
    /// `json` (default), `pdf` or `csv`.
    pub format: Option<String>,
    /// The PDF's language, `ko` or `en`; default: the partner's.
    pub lang: Option<String>,
}

/// A document on a statement.
#[derive(Serialize, ToSchema)]
pub struct StatementDocumentView {
    /// Its id.
    pub id: String,
    /// Its number.
    pub number: Option<String>,
    /// `invoice` or `credit_note`.
    pub kind: &'static str,
    /// Date of issue.
    pub document_date: Option<String>,
    /// Payment due.
    pub due_date: Option<String>,
    /// Its total.
    pub total: String,
    /// Outstanding as of the statement date (negative: credit not yet used).
    pub outstanding: String,
    /// `paid`, `due` or `overdue`.
    pub payment_status: &'static str,
}

/// A payment on a statement.
#[derive(Serialize, ToSchema)]
pub struct StatementPaymentView {
    /// Its id.
    pub id: String,
    /// When it was received.
    pub paid_on: String,
    /// How much.
    pub amount: String,
    /// The payer's reference.
    pub reference: String,
    /// What of it is not applied to an invoice.
    pub unallocated: String,
}

/// A partner's statement.
#[derive(Serialize, ToSchema)]
pub struct StatementView {
    /// The partner.
    pub partner_id: String,
    /// The currency.
    pub currency: String,
    /// The date it is drawn up on.
    pub as_of: String,
    /// Finalized, unvoided documents dated up to `as_of`, oldest first.
    pub documents: Vec<StatementDocumentView>,
    /// Payments received up to `as_of`.
    pub payments: Vec<StatementPaymentView>,
    /// What the partner owes (negative: its credit).
    pub balance: String,
    /// The part of the balance that is past due.
    pub overdue: String,
}

impl From<&Statement> for StatementView {
    fn from(s: &Statement) -> Self {
        let m = |amount| money(s.currency, DecimalInput(amount));
        Self {
            partner_id: s.partner_id.to_string(),
            currency: s.currency.code().to_owned(),
            as_of: day(s.as_of),
            documents: s
                .documents
                .iter()
                .map(|line| {
                    let d = &line.document;
                    StatementDocumentView {
                        id: d.id.to_string(),
                        number: d.number.clone(),
                        kind: d.kind.as_str(),
                        document_date: d.document_date.map(day),
                        due_date: d.due_date.map(day),
                        total: m(d.totals.total),
                        outstanding: m(line.outstanding),
                        payment_status: line.payment_status.as_str(),
                    }
                })
                .collect(),
            payments: s
                .payments
                .iter()
                .map(|(p, unallocated)| StatementPaymentView {
                    id: p.id.to_string(),
                    paid_on: day(p.paid_on),
                    amount: m(p.amount),
                    reference: p.reference.clone(),
                    unallocated: m(*unallocated),
                })
                .collect(),
            balance: m(s.balance),
            overdue: m(s.overdue),
        }
    }
}

/// The partner's statement: every finalized document with what is outstanding on it and
/// whether it is paid, due or overdue, the payments with what is left of them, and the
/// balance, all as of a date.
#[utoipa::path(get, path = "/v1/partners/{id}/statement", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path), StatementQuery),
    responses((status = 200, description = "JSON, or the PDF or CSV the format asks for",
            content((StatementView = "application/json"), (Vec<u8> = "application/pdf"), (String = "text/csv"))),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn statement(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<StatementQuery>,
) -> ApiResult<Response> {
    let format = query.format.as_deref().unwrap_or("json");
    if !["json", "pdf", "csv"].contains(&format) {
        return Err(invalid_query("format", "format is json, pdf or csv"));
    }
    let statement = use_case::statement(
        &state.app,
        &by,
        &id,
        query.currency.as_deref(),
        query.as_of.as_deref(),
    )
    .await?;
    Ok(match format {
        "pdf" => {
            pdf(printed::statement_pdf(&state.app, &by, statement, query.lang.as_deref()).await?)
        }
        "csv" => {
            let name = format!(
                "statement-{}-{}.csv",
                statement.currency.code(),
                statement.as_of
            );
            download("text/csv; charset=utf-8", &name, statement.to_csv()?)
        }
        _ => Json(StatementView::from(&statement)).into_response(),
    })
}
