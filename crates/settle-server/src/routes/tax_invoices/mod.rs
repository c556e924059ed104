//! `/v1/tax-invoices`: draft, edit, delete, request, withdraw, file now, read.

pub mod batch;
mod view;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_app::pagination::{Page, PageRequest};
use settle_app::tax_invoices::{self as use_case, HistoryView};
use settle_core::ids::PartnerId;
use settle_core::tax_invoice::TaxInvoiceState;
use settle_core::tax_invoice::{Direction, TaxInvoiceFilter};
use utoipa::{IntoParams, ToSchema};

pub use view::{AmendmentView, LineView, PartyView, TaxInvoiceBody, TaxInvoiceView};

use super::merge_patch;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, MergePatch, parse_json};

fn view(
    state: &AppState,
    record: &settle_core::tax_invoice::TaxInvoiceRecord,
) -> Json<TaxInvoiceView> {
    Json(TaxInvoiceView::new(record, state.app.now()))
}

/// The optional body of action endpoints.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// Why (kept in the history).
    pub memo: Option<String>,
}

/// The body of `resend`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendBody {
    /// Another address to send the request to (default: the partner's contact).
    pub email: Option<String>,
}

/// Drafts a tax invoice (and requests it at once with `"request": true`).
#[utoipa::path(post, path = "/v1/tax-invoices", tag = "tax invoices", security(("api_key" = [])), request_body = TaxInvoiceBody,
    responses((status = 201, body = TaxInvoiceView), (status = 409, body = ErrorBody, description = "duplicate document_key, unlinked partner or tenant"),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<TaxInvoiceBody>,
) -> ApiResult<(StatusCode, Json<TaxInvoiceView>)> {
    let record = use_case::create(&state.app, &by, body.into_input()?).await?;
    Ok((StatusCode::CREATED, view(&state, &record)))
}

/// One tax invoice.
#[utoipa::path(get, path = "/v1/tax-invoices/{document_key}", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)), responses((status = 200, body = TaxInvoiceView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
) -> ApiResult<Json<TaxInvoiceView>> {
    let record = use_case::get(&state.app, &by, &key).await?;
    Ok(view(&state, &record))
}

/// List filters.
#[derive(Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only in this state.
    pub state: Option<String>,
    /// Only of this partner.
    pub partner_id: Option<String>,
    /// Written on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Written on or before (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// `true`: only documents issued (or still unissued) after the 10th of the next month.
    pub late: Option<bool>,
    /// `reverse` (the partner issues) or `forward` (the platform issues for its partner
    /// invoices).
    pub direction: Option<String>,
}

fn invalid_query(field: &str, message: &str) -> settle_app::AppError {
    settle_app::AppError::invalid("request.invalid_query", field, message)
}

impl ListQuery {
    /// The page and the filter asked for (`late` as of `now`); 422
    /// `request.invalid_query` for a bad value.
    pub fn into_request(
        self,
        now: time::OffsetDateTime,
    ) -> Result<(PageRequest, TaxInvoiceFilter), settle_app::AppError> {
        let page = PageRequest::parse(self.limit, self.cursor.as_deref())?;
        let filter = TaxInvoiceFilter {
            among: None,
            state: self
                .state
                .map(|s| {
                    TaxInvoiceState::parse(&s)
                        .ok_or_else(|| invalid_query("state", "unknown state"))
                })
                .transpose()?,
            partner_id: self
                .partner_id
                .map(|p| {
                    PartnerId::parse(&p)
                        .ok_or_else(|| invalid_query("partner_id", "not a partner id"))
                })
                .transpose()?,
            from: date_param("from", self.from)?,
            to: date_param("to", self.to)?,
            late: self.late.map(|late| (late, now)),
            direction: self
                .direction
                .map(|d| {
                    Direction::parse(&d)
                        .ok_or_else(|| invalid_query("direction", "reverse or forward"))
                })
                .transpose()?,
        };
        Ok((page, filter))
    }
}

fn date_param(field: &str, value: Option<String>) -> Result<Option<String>, settle_app::AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match value {
        Some(text) if time::Date::parse(&text, &format).is_err() => {
            Err(invalid_query(field, "dates are YYYY-MM-DD"))
        }
        other => Ok(other),
    }
}

/// A page of tax invoices, oldest first.
#[utoipa::path(get, path = "/v1/tax-invoices", tag = "tax invoices", security(("api_key" = [])), params(ListQuery),
    responses((status = 200, body = Object, description = "`{data: [TaxInvoiceView], next_cursor}`"), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<TaxInvoiceView>>> {
    let (page, filter) = query.into_request(state.app.now())?;
    let page = use_case::list(&state.app, &by, &filter, &page).await?;
    let now = state.app.now();
    let data: Vec<TaxInvoiceView> = page
        .data
        .iter()
        .map(|r| TaxInvoiceView::new(r, now))
        .collect();
    Ok(Json(Page {
        data,
        next_cursor: page.next_cursor,
    }))
}

/// Edits a drafted tax invoice with a JSON merge patch of its body fields.
#[utoipa::path(patch, path = "/v1/tax-invoices/{document_key}", tag = "tax invoices", security(("api_key" = [])), request_body = TaxInvoiceBody,
    params(("document_key" = String, Path)),
    responses((status = 200, body = TaxInvoiceView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
    MergePatch(patch): MergePatch,
) -> ApiResult<Json<TaxInvoiceView>> {
    let current = use_case::get(&state.app, &by, &key).await?;
    let base = TaxInvoiceBody::from_view(&TaxInvoiceView::new(&current, state.app.now()));
    let mut document =
        serde_json::to_value(base).map_err(|e| ApiError(settle_app::AppError::internal(e)))?;
    merge_patch(&mut document, patch);
    let body: TaxInvoiceBody = parse_json(document.to_string().as_bytes())?;
    let record = use_case::update(&state.app, &by, &key, body.into_input()?).await?;
    Ok(view(&state, &record))
}

/// Deletes a drafted, refused or cancelled tax invoice (its document key is free again).
#[utoipa::path(delete, path = "/v1/tax-invoices/{document_key}", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    use_case::delete(&state.app, &by, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks the supplier to issue: emails it a link.
#[utoipa::path(post, path = "/v1/tax-invoices/{document_key}/request", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = TaxInvoiceView), (status = 409, body = ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<TaxInvoiceView>> {
    let record = use_case::request(&state.app, &by, &key, body.memo).await?;
    Ok(view(&state, &record))
}

/// Sends the request email again, to the partner's contact or another address.
#[utoipa::path(post, path = "/v1/tax-invoices/{document_key}/resend", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)), request_body = ResendBody,
    responses((status = 200, body = TaxInvoiceView), (status = 409, body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<ResendBody>,
) -> ApiResult<Json<TaxInvoiceView>> {
    let record = use_case::resend(&state.app, &by, &key, body.email).await?;
    Ok(view(&state, &record))
}

/// Withdraws the request.
#[utoipa::path(post, path = "/v1/tax-invoices/{document_key}/cancel-request", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = TaxInvoiceView), (status = 409, body = ErrorBody)))]
pub async fn cancel_request(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<TaxInvoiceView>> {
    let record = use_case::cancel_request(&state.app, &by, &key, body.memo).await?;
    Ok(view(&state, &record))
}

/// Files an issued invoice now instead of in the next batch.
#[utoipa::path(post, path = "/v1/tax-invoices/{document_key}/send-to-nts", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = TaxInvoiceView, description = "`sent` or `send_failed`"), (status = 409, body = ErrorBody)))]
pub async fn send_to_nts(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
    ApiJson(_body): ApiJson<ActionBody>,
) -> ApiResult<Json<TaxInvoiceView>> {
    let record = settle_app::filing::file_now(&state.app, &by, &key).await?;
    Ok(view(&state, &record))
}

/// The transitions, oldest first.
#[utoipa::path(get, path = "/v1/tax-invoices/{document_key}/history", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)),
    responses((status = 200, body = Object, description = "`{data: [{from, to, actor, at, memo}]}`"), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let entries: Vec<HistoryView> = use_case::history(&state.app, &by, &key).await?;
    Ok(Json(serde_json::json!({ "data": entries })))
}

/// The signed NTS XML (`application/xml`), once issued.
#[utoipa::path(get, path = "/v1/tax-invoices/{document_key}/xml", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)),
    responses((status = 200, content_type = "application/xml", body = String), (status = 409, body = ErrorBody, description = "not issued yet")))]
pub async fn xml(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let xml = use_case::signed_xml(&state.app, &by, &key).await?;
    Ok(([(CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}

/// The body of `amend`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendBody {
    /// NTS reason code: 1 input error, 2 supply amount change, 3 returned goods, 4 contract
    /// cancelled, 5 local L/C opened later, 6 duplicate issue.
    #[schema(minimum = 1, maximum = 6)]
    #[serde(default, deserialize_with = "settle_core::whole_number::option")]
    pub reason_code: Option<u8>,
    /// Key of the (first) amending document; generated when absent.
    pub document_key: Option<String>,
    /// Key of the corrected document (reasons 1 and 5); generated when absent.
    pub corrected_document_key: Option<String>,
    /// Date of the change, return or cancellation (reasons 2–4); default today.
    pub write_date: Option<String>,
    /// Reason 1: the corrected lines; 2: the difference (±); 3: the returned part.
    #[schema(value_type = Option<Vec<Object>>)]
    pub items: Option<Vec<serde_json::Value>>,
}

/// Amends a `sent` invoice: creates the amending documents the reason calls for, as drafts
/// referring to the original's approval number.
#[utoipa::path(post, path = "/v1/tax-invoices/{document_key}/amend", tag = "tax invoices", security(("api_key" = [])),
    params(("document_key" = String, Path)), request_body = AmendBody,
    responses((status = 201, body = Object, description = "`{data: [TaxInvoiceView]}`: the amending documents"),
              (status = 409, body = ErrorBody, description = "not sent"), (status = 422, body = ErrorBody)))]
pub async fn amend(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<AmendBody>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let items = body.items.map(view::line_inputs).transpose()?;
    let input = use_case::AmendInput {
        reason_code: body.reason_code,
        document_key: body.document_key,
        corrected_document_key: body.corrected_document_key,
        write_date: body.write_date,
        items,
    };
    let records = use_case::amend(&state.app, &by, &key, input).await?;
    let now = state.app.now();
    let data: Vec<TaxInvoiceView> = records
        .iter()
        .map(|r| TaxInvoiceView::new(r, now))
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "data": data })),
    ))
}
