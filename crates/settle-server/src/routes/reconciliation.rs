//! Reconciliation files, streamed: the response starts with the first lines while the
//! database is still being read, so a period of a million lines needs no more memory than
//! a few chunks.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use settle_app::billing::reconciliation::{self, CheckReport, ExportScope, ReconciliationExport};
use settle_app::{AppError, ErrorKind};
use settle_tabular::write::Format;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};

/// Chunks in flight between the database reader and the client.
const IN_FLIGHT: usize = 8;

/// The file format of a reconciliation file.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// `csv` (default; UTF-8 with a byte-order mark), `xlsx` or `jsonl`.
    pub format: Option<String>,
}

/// A billing period's reconciliation file.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodFileQuery {
    /// The billing period, `YYYY-MM`.
    pub period: String,
    /// `csv` (default; UTF-8 with a byte-order mark), `xlsx` or `jsonl`.
    pub format: Option<String>,
}

/// The line items of a finalized invoice and of its credit and void notes (negative), in
/// Partner Center's new-commerce reconciliation layout.
#[utoipa::path(get, path = "/v1/invoices/{id}/reconciliation", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "id or number"), FileQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "a draft"), (status = 422, body = ErrorBody)))]
pub async fn invoice_file(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<FileQuery>,
) -> ApiResult<Response> {
    let format = reconciliation::parse_format(query.format.as_deref())?;
    let export = reconciliation::open(&state.app, &by, ExportScope::Invoice(&id)).await?;
    Ok(stream(export, format))
}

/// Every line of a billing period's finalized documents (credit and void notes made in the
/// period as negative lines), in document-number order.
#[utoipa::path(get, path = "/v1/reconciliation", tag = "partner invoices", security(("api_key" = [])),
    params(PeriodFileQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = ErrorBody)))]
pub async fn period_file(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<PeriodFileQuery>,
) -> ApiResult<Response> {
    let format = reconciliation::parse_format(query.format.as_deref())?;
    let export = reconciliation::open(&state.app, &by, ExportScope::Period(&query.period)).await?;
    Ok(stream(export, format))
}

/// Starts writing `export` on its own task and answers with what it writes as it comes. A
/// failure after the first bytes cannot change the status any more: it ends the body
/// abruptly, so the client sees an incomplete transfer rather than a short file.
pub(crate) fn stream(export: ReconciliationExport, format: Format) -> Response {
    let file_name = format!("{}.{}", export.file_stem, format.extension());
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, AppError>>(IN_FLIGHT);
    tokio::spawn(async move {
        let chunks = sender.clone();
        let written = export
            .write(
                format,
                |chunk| {
                    let chunks = chunks.clone();
                    async move {
                        chunks.send(Ok(Bytes::from(chunk))).await.map_err(|_| {
                            AppError::new(ErrorKind::Conflict, "client.gone", "the client left")
                        })
                    }
                },
                &|_| {},
            )
            .await;
        if let Err(error) = written {
            tracing::warn!(%error, "reconciliation file ended early");
            let _ = sender.send(Err(error)).await;
        }
    });
    let body = futures::stream::unfold(receiver, |mut receiver| async move {
        let next = receiver.recv().await?;
        Some((
            next.map_err(|e| std::io::Error::other(e.to_string())),
            receiver,
        ))
    });
    (
        [
            (CONTENT_TYPE, format.content_type().to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The billing period to check.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChecksQuery {
    /// The billing period, `YYYY-MM`.
    pub period: String,
}

/// One disagreement found by the checks.
#[derive(Serialize, ToSchema)]
pub struct FindingView {
    /// `line_inconsistent`, `totals_mismatch`, `credit_note_mismatch`,
    /// `credit_exceeds_line`, `void_note_not_negation`, `tax_invoice_missing` or
    /// `tax_invoice_mismatch`.
    pub code: &'static str,
    /// The documents involved, by number.
    pub documents: Vec<String>,
    /// The amount the rule expects.
    pub expected: String,
    /// The amount stored.
    pub found: String,
    /// What disagrees.
    pub message: String,
}

/// What the checks of a period found.
#[derive(Serialize, ToSchema)]
pub struct CheckReportView {
    /// The billing period.
    pub period: String,
    /// Finalized documents checked.
    pub documents_checked: u64,
    /// Their lines.
    pub lines_checked: u64,
    /// Whether nothing disagrees.
    pub clean: bool,
    /// Every disagreement, in document-number order.
    pub findings: Vec<FindingView>,
}

impl From<CheckReport> for CheckReportView {
    fn from(report: CheckReport) -> Self {
        Self {
            period: report.period,
            documents_checked: report.documents_checked,
            lines_checked: report.lines_checked,
            clean: report.clean,
            findings: report
                .findings
                .into_iter()
                .map(|f| FindingView {
                    code: f.code.as_str(),
                    documents: f.documents,
                    expected: f.expected.to_string(),
                    found: f.found.to_string(),
                    message: f.message,
                })
                .collect(),
        }
    }
}

/// Checks a period: every document's totals against its lines, every credit note against
/// the invoice lines it takes back, every void note against the invoice it voids.
#[utoipa::path(get, path = "/v1/reconciliation/checks", tag = "partner invoices", security(("api_key" = [])),
    params(ChecksQuery),
    responses((status = 200, body = CheckReportView), (status = 422, body = ErrorBody)))]
pub async fn checks(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<ChecksQuery>,
) -> ApiResult<Json<CheckReportView>> {
    let report = reconciliation::check_period(&state.app, &by, &query.period).await?;
    Ok(Json(report.into()))
}
