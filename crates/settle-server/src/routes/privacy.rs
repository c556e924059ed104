//! `/v1/partners/{id}/personal-data` and `/v1/partners/{id}/erase`: what settle holds about
//! a partner's contact person, and its erasure.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use settle_app::privacy::{self, ErasureReport, PersonalRecord};
use utoipa::{IntoParams, ToSchema};

use super::billing::invalid_query;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::routes::printed::download;

/// Export options.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// One piece of personal data.
#[derive(Serialize, ToSchema)]
pub struct PersonalRecordView {
    /// `partner`, `tax_invoice` or `email`.
    pub source: &'static str,
    /// The partner id, the document key or the email job.
    pub reference: String,
    /// `contact.name`, `contact.email`, `contact.phone` or `to`.
    pub field: &'static str,
    /// The value.
    pub value: String,
    /// The document's or email's state.
    pub state: Option<String>,
}

impl From<PersonalRecord> for PersonalRecordView {
    fn from(r: PersonalRecord) -> Self {
        Self {
            source: r.source,
            reference: r.reference,
            field: r.field,
            value: r.value,
            state: r.state,
        }
    }
}

/// What an erasure did.
#[derive(Serialize, ToSchema)]
pub struct ErasureView {
    /// The partner.
    pub partner_id: String,
    /// Tax invoices whose contact was redacted.
    pub tax_invoices_redacted: usize,
    /// Issued and filed tax invoices kept unchanged (tax records; their document keys).
    pub tax_invoices_kept: Vec<String>,
    /// Queued or sent emails erased.
    pub emails_erased: u64,
    /// Email files removed from the outbox.
    pub outbox_files_removed: usize,
    /// Stored idempotent responses forgotten.
    pub responses_forgotten: u64,
}

impl From<ErasureReport> for ErasureView {
    fn from(r: ErasureReport) -> Self {
        Self {
            partner_id: r.partner_id,
            tax_invoices_redacted: r.tax_invoices_redacted,
            tax_invoices_kept: r.tax_invoices_kept,
            emails_erased: r.emails_erased,
            outbox_files_removed: r.outbox_files_removed,
            responses_forgotten: r.responses_forgotten,
        }
    }
}

/// Everything settle holds about the partner's contact person (name, email, phone) and
/// where: the partner, its tax invoices, the emails sent to it.
#[utoipa::path(get, path = "/v1/partners/{id}/personal-data", tag = "partners", security(("api_key" = [])),
    params(("id" = String, Path), ExportQuery),
    responses((status = 200, description = "`{data: [PersonalRecordView]}`, or CSV",
        content((Object = "application/json"), (String = "text/csv"))),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn personal_data(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let format = query.format.as_deref().unwrap_or("json");
    if !["json", "csv"].contains(&format) {
        return Err(invalid_query("format", "format is json or csv"));
    }
    let records: Vec<PersonalRecordView> = privacy::personal_data(&state.app, &by, &id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    if format == "json" {
        return Ok(Json(serde_json::json!({ "partner_id": id, "data": records })).into_response());
    }
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut rows = vec![["source", "reference", "field", "value", "state"].map(str::to_owned)];
    rows.extend(records.into_iter().map(|r| {
        [
            r.source.to_owned(),
            r.reference,
            r.field.to_owned(),
            r.value,
            r.state.unwrap_or_default(),
        ]
    }));
    for row in rows {
        out.write_record(&row)
            .map_err(settle_app::AppError::internal)?;
    }
    let bytes = out.into_inner().map_err(settle_app::AppError::internal)?;
    Ok(download(
        "text/csv; charset=utf-8",
        "personal-data.csv",
        bytes,
    ))
}

/// Erases the partner's contact person: name, email and phone are blanked in the partner,
/// its unfiled tax invoices, its queued and sent emails and stored responses. Issued and
/// filed tax invoices are tax records and stay unchanged; the answer lists them.
#[utoipa::path(post, path = "/v1/partners/{id}/erase", tag = "partners", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ErasureView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ErasureView>> {
    Ok(Json(privacy::erase(&state.app, &by, &id).await?.into()))
}
