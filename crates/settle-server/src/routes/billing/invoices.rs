//! `/v1/invoices`: list and read billing documents, finalize drafts, credit lines, ask for
//! a void and rebill.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use settle_app::billing::{self as use_case, CreditLineInput, CreditNoteInput, RebillInput};
use settle_app::pagination::{Page, PageRequest};
use settle_core::billing::DocumentFilter;
use settle_core::billing::{DocumentKind, DocumentStatus, Period, Series};
use settle_core::ids::{BillingRunId, PartnerId};
use settle_core::money::DecimalInput;
use utoipa::{IntoParams, ToSchema};

use super::rebills::{RebillView, rebill_view};
use super::{InvoiceSummary, InvoiceView, query_param, today};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::routes::tax_invoices::ActionBody;

/// List filters.
#[derive(Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only of this partner.
    pub partner_id: Option<String>,
    /// Only of this billing period (`YYYY-MM`).
    pub period: Option<String>,
    /// `G` or `D`.
    pub series: Option<String>,
    /// `invoice`, `credit_note` or `void_note`.
    pub kind: Option<String>,
    /// `draft`, `open`, `paid` or `void`.
    pub status: Option<String>,
    /// Only drafted by this billing run.
    pub billing_run_id: Option<String>,
}

impl ListQuery {
    /// The page and the filter asked for; 422 `request.invalid_query` for a bad value.
    pub fn into_request(self) -> ApiResult<(PageRequest, DocumentFilter)> {
        let page = PageRequest::parse(self.limit, self.cursor.as_deref())?;
        let filter = DocumentFilter {
            among: None,
            partner_id: query_param(
                "partner_id",
                self.partner_id,
                PartnerId::parse,
                "not a partner id",
            )?,
            period: query_param("period", self.period, Period::parse, "period is YYYY-MM")?,
            series: query_param(
                "series",
                self.series,
                |s| Series::parse(&s.to_ascii_uppercase()),
                "series is G or D",
            )?,
            kind: query_param(
                "kind",
                self.kind,
                DocumentKind::parse,
                "kind is invoice, credit_note or void_note",
            )?,
            status: query_param(
                "status",
                self.status,
                DocumentStatus::parse,
                "status is draft, open, paid or void",
            )?,
            run_id: query_param(
                "billing_run_id",
                self.billing_run_id,
                BillingRunId::parse,
                "not a billing run id",
            )?,
        };
        Ok((page, filter))
    }
}

/// A page of invoices, credit notes and void notes (without lines), oldest first.
#[utoipa::path(get, path = "/v1/invoices", tag = "partner invoices", security(("api_key" = [])), params(ListQuery),
    responses((status = 200, body = Object, description = "`{data: [InvoiceSummary], next_cursor}`"), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<InvoiceSummary>>> {
    let (page, filter) = query.into_request()?;
    let page = use_case::list_invoices(&state.app, &by, &filter, &page).await?;
    Ok(Json(Page {
        data: page
            .data
            .iter()
            .map(|d| InvoiceSummary::new(d, today(&state)))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// The document as `GET` shows it.
async fn read(
    state: &AppState,
    by: &settle_app::auth::Principal,
    key: &str,
) -> ApiResult<Json<InvoiceView>> {
    let detail = use_case::get_invoice(&state.app, by, key).await?;
    Ok(Json(InvoiceView::new(&detail, today(state))))
}

/// One invoice, credit note or void note, by id or number, with its lines.
#[utoipa::path(get, path = "/v1/invoices/{id}", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = InvoiceView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<InvoiceView>> {
    read(&state, &by, &id).await
}

/// Finalizes a draft: the next number of its series, the document and due dates, and a
/// copy of the billing profile's details.
#[utoipa::path(post, path = "/v1/invoices/{id}/finalize", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "id or number")), request_body = ActionBody,
    responses((status = 200, body = InvoiceView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "finalized already")))]
pub async fn finalize(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<ActionBody>,
) -> ApiResult<Json<InvoiceView>> {
    let document = use_case::finalize(&state.app, &by, &id).await?;
    read(&state, &by, document.id.as_str()).await
}

/// One line to credit: by quantity or by amount (before tax).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditLineBody {
    /// The invoice line (`lines[].id`).
    pub line_id: String,
    /// Units returned.
    #[schema(value_type = Option<String>)]
    pub quantity: Option<DecimalInput>,
    /// Amount before tax, in the invoice's currency.
    #[schema(value_type = Option<String>)]
    pub amount: Option<DecimalInput>,
}

impl From<CreditLineBody> for CreditLineInput {
    fn from(b: CreditLineBody) -> Self {
        Self {
            line_id: b.line_id,
            quantity: b.quantity,
            amount: b.amount,
        }
    }
}

/// The body of `credit-notes`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteBody {
    /// The lines to credit.
    #[serde(default)]
    pub lines: Vec<CreditLineBody>,
    /// Why (required, ≤ 500 characters).
    #[schema(required, nullable = false, max_length = 500, pattern = "\\S")]
    pub reason: Option<String>,
}

impl From<CreditNoteBody> for CreditNoteInput {
    fn from(b: CreditNoteBody) -> Self {
        Self {
            lines: b.lines.into_iter().map(CreditLineInput::from).collect(),
            reason: b.reason,
        }
    }
}

/// Credits lines of a finalized invoice on a new, numbered credit note (`GC…`).
#[utoipa::path(post, path = "/v1/invoices/{id}/credit-notes", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "id or number of the invoice")), request_body = CreditNoteBody,
    responses((status = 201, body = InvoiceView, description = "the credit note"), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn credit_note(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreditNoteBody>,
) -> ApiResult<(StatusCode, Json<InvoiceView>)> {
    let note = use_case::create_credit_note(&state.app, &by, &id, body.into()).await?;
    Ok((
        StatusCode::CREATED,
        read(&state, &by, note.id.as_str()).await?,
    ))
}

/// The body of `rebill`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RebillBody {
    /// What to correct: header fields of the billing details (`po_number`, `bill_to`, …, a
    /// merge patch) and `lines: [{line_id, quantity?, unit_price?, …}]`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    /// Why (required, ≤ 500 characters).
    #[schema(required, nullable = false, max_length = 500, pattern = "\\S")]
    pub reason: Option<String>,
}

impl From<RebillBody> for RebillInput {
    fn from(b: RebillBody) -> Self {
        Self {
            changes: b.changes,
            reason: b.reason,
        }
    }
}

/// Asks for a finalized invoice to be voided and rebilled with corrections; a billing
/// admin other than the requester approves.
#[utoipa::path(post, path = "/v1/invoices/{id}/rebill", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path, description = "id or number of the invoice")), request_body = RebillBody,
    responses((status = 201, body = RebillView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rebill(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RebillBody>,
) -> ApiResult<(StatusCode, Json<RebillView>)> {
    let request = use_case::request_rebill(&state.app, &by, &id, body.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(rebill_view(&state, &by, request).await?),
    ))
}
