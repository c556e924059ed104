//! `POST /v1/tax-invoices/batch`: JSON `{invoices: […]}`, or a CSV/XLSX file.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_app::tax_invoices::batch::{self as use_case, BatchDocument, BatchReport};
use utoipa::{IntoParams, ToSchema};

use super::TaxInvoiceBody;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth, parse_json};
use crate::routes::upload::upload;

/// A JSON batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// Up to 10,000 documents, each as `POST /v1/tax-invoices` takes it (`partner_brn` may
    /// stand for `partner_id`).
    pub invoices: Vec<TaxInvoiceBody>,
}

/// Batch options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// `true`: nothing is created unless every document is valid.
    pub atomic: Option<bool>,
}

/// Creates many tax invoices. Each document is created whole or not at all, and rows with
/// problems are reported; with `?atomic=true` the call is all or nothing (422 with the
/// report when anything is wrong), and it is 422 as well when no document could be created.
/// Files: CSV (UTF-8 or CP949) or XLSX, one row per line item, columns `document_key,
/// partner_brn | partner_id, write_date, tax_type, purpose, request, remark, item_date,
/// item_name, item_spec, quantity, unit_price, supply_amount, tax_amount, item_remark`;
/// consecutive rows with the same `document_key` are one document.
#[utoipa::path(post, path = "/v1/tax-invoices/batch", tag = "tax invoices", security(("api_key" = [])), params(BatchQuery),
    request_body(content = BatchBody, description = "JSON, or multipart `file` (CSV/XLSX), or the file itself"),
    responses((status = 200, body = Object, description = "`{created, failed:[{row, document_key, errors}]}`"),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<BatchQuery>,
    request: Request,
) -> ApiResult<Response> {
    let is_json = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let documents = if is_json {
        let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|e| crate::extract::read_error(&e))?;
        let body: BatchBody = parse_json(&bytes)?;
        json_documents(body)?
    } else {
        let file = upload(request, &state).await?;
        use_case::documents_from_file(&file)?
    };
    let atomic = query.atomic.unwrap_or(false);
    let report = use_case::submit(&state.app, &by, documents, atomic).await?;
    Ok(respond(report, atomic))
}

fn json_documents(body: BatchBody) -> ApiResult<Vec<BatchDocument>> {
    body.invoices
        .into_iter()
        .enumerate()
        .map(|(index, mut invoice)| {
            let partner_brn = invoice.partner_brn.take();
            let draft = invoice.into_input().map_err(|mut e| {
                e.field = e.field.map(|f| format!("invoices[{index}].{f}"));
                ApiError(e)
            })?;
            Ok(BatchDocument {
                row: index + 1,
                line_rows: Vec::new(),
                partner_brn,
                draft,
            })
        })
        .collect()
}

/// 200 with the report when documents were created; 422 with it when nothing was, because
/// the call is atomic or because every document had problems.
fn respond(report: BatchReport, atomic: bool) -> Response {
    if !report.failed.is_empty() && (atomic || report.created == 0) {
        let body = serde_json::json!({
            "error": {
                "code": "tax_invoice.batch_rejected",
                "message": format!("{} rows have problems; nothing was created", report.failed.len()),
            },
            "created": 0,
            "failed": report.failed,
        });
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    }
    Json(report).into_response()
}
