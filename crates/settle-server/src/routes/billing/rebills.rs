//! `/v1/rebill-requests`: read, approve (void note and corrected invoice) or reject.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use settle_app::auth::Principal;
use settle_app::billing as use_case;
use settle_core::billing::RebillRequest;
use settle_core::ids::InvoiceId;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::routes::tax_invoices::ActionBody;

/// A rebill request.
#[derive(Serialize, ToSchema)]
pub struct RebillView {
    /// Its id.
    pub id: String,
    /// The invoice to void and rebill.
    pub invoice_id: String,
    /// That invoice's number.
    pub invoice_number: Option<String>,
    /// The corrections asked for.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    /// Why.
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Who asked.
    pub requested_by: String,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// Once approved: the void note.
    pub void_note_id: Option<String>,
    /// Once approved: the corrected invoice.
    pub new_invoice_id: Option<String>,
    /// Once approved: the void note's number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void_note_number: Option<String>,
    /// Once approved: the corrected invoice's number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_invoice_number: Option<String>,
    /// Asked at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Decided at.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
}

/// The number of the document `id`, if any.
async fn number_of(
    state: &AppState,
    by: &Principal,
    id: Option<&InvoiceId>,
) -> ApiResult<Option<String>> {
    match id {
        Some(id) => Ok(use_case::get_invoice(&state.app, by, id.as_str())
            .await?
            .document
            .number),
        None => Ok(None),
    }
}

/// The view of `request`, with the numbers of the documents it names.
pub(super) async fn rebill_view(
    state: &AppState,
    by: &Principal,
    request: RebillRequest,
) -> ApiResult<RebillView> {
    let invoice_number = number_of(state, by, Some(&request.invoice_id)).await?;
    let void_note_number = number_of(state, by, request.void_note_id.as_ref()).await?;
    let new_invoice_number = number_of(state, by, request.new_invoice_id.as_ref()).await?;
    Ok(RebillView {
        id: request.id.to_string(),
        invoice_id: request.invoice_id.to_string(),
        invoice_number,
        changes: request.changes,
        reason: request.reason,
        status: request.status.as_str().to_owned(),
        requested_by: request.requested_by,
        decided_by: request.decided_by,
        void_note_id: request.void_note_id.map(|id| id.to_string()),
        new_invoice_id: request.new_invoice_id.map(|id| id.to_string()),
        void_note_number,
        new_invoice_number,
        created_at: request.created_at,
        decided_at: request.decided_at,
    })
}

/// One rebill request.
#[utoipa::path(get, path = "/v1/rebill-requests/{id}", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = RebillView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<RebillView>> {
    let request = use_case::get_rebill(&state.app, &by, &id).await?;
    Ok(Json(rebill_view(&state, &by, request).await?))
}

/// Approves a pending request: the original is voided by a void note (`GV…`, its exact
/// negative) and replaced by a corrected invoice with a new number. The requester cannot
/// approve their own request (403 `rebill.self_approval`).
#[utoipa::path(post, path = "/v1/rebill-requests/{id}/approve", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = RebillView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<ActionBody>,
) -> ApiResult<Json<RebillView>> {
    let request = use_case::approve_rebill(&state.app, &by, &id).await?;
    Ok(Json(rebill_view(&state, &by, request).await?))
}

/// Rejects a pending request (or, by its requester, withdraws it).
#[utoipa::path(post, path = "/v1/rebill-requests/{id}/reject", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = RebillView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<ActionBody>,
) -> ApiResult<Json<RebillView>> {
    let request = use_case::reject_rebill(&state.app, &by, &id).await?;
    Ok(Json(rebill_view(&state, &by, request).await?))
}
