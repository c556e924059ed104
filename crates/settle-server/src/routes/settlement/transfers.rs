//! `/v1/transfers`: the money events settlements are made of, by API or file.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_app::settlement::TransferReport;
use settle_core::money::DecimalInput;
use settle_core::settlement::TransferInput;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::routes::upload::upload;

/// A transfer as clients send it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// The platform's id of it; a transfer sent again is recorded once.
    pub external_id: Option<String>,
    /// The partner.
    pub partner_id: Option<String>,
    /// `order`, `cancellation`, `partial_refund`, `shipping_fee` or `adjustment`.
    pub kind: Option<String>,
    /// When it happened (`YYYY-MM-DD`); the contract in force that day applies.
    pub occurred_on: Option<String>,
    /// The order.
    pub order_id: Option<String>,
    /// The product (for product fee rates).
    pub product_id: Option<String>,
    /// The category (for category fee rates).
    pub category: Option<String>,
    /// Sales before discounts (negative for cancellations and refunds); an adjustment's
    /// amount owed.
    #[schema(value_type = Option<String>)]
    pub amount: Option<DecimalInput>,
    /// Discounts and coupons within the amount, with its sign.
    #[schema(value_type = Option<String>)]
    pub discount: Option<DecimalInput>,
}

impl From<TransferBody> for TransferInput {
    fn from(b: TransferBody) -> Self {
        TransferInput {
            external_id: b.external_id,
            partner_id: b.partner_id,
            kind: b.kind,
            occurred_on: b.occurred_on,
            order_id: b.order_id,
            product_id: b.product_id,
            category: b.category,
            amount: b.amount,
            discount: b.discount,
        }
    }
}

/// Up to 10,000 transfers.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferListBody {
    /// The transfers.
    pub transfers: Vec<TransferBody>,
}

/// What recording transfers did.
#[derive(Serialize, ToSchema)]
pub struct TransferReportView {
    /// Transfers stored now.
    pub recorded: usize,
    /// External ids recorded before (nothing changed for them).
    pub already_recorded: Vec<String>,
}

impl From<TransferReport> for TransferReportView {
    fn from(r: TransferReport) -> Self {
        TransferReportView {
            recorded: r.recorded,
            already_recorded: r.already_recorded,
        }
    }
}

/// Records up to 10,000 transfers, all or nothing; errors name the transfer
/// (`transfers[3].amount`).
#[utoipa::path(post, path = "/v1/transfers", tag = "settlement", security(("api_key" = [])),
    request_body = TransferListBody,
    responses((status = 201, body = TransferReportView), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<TransferListBody>,
) -> ApiResult<(StatusCode, Json<TransferReportView>)> {
    let inputs = body
        .transfers
        .into_iter()
        .map(TransferInput::from)
        .collect();
    let report = settle_app::settlement::record_transfers(&state.app, &by, inputs).await?;
    Ok((StatusCode::CREATED, Json(report.into())))
}

/// Records the transfers of a CSV (UTF-8 or CP949) or XLSX file like one API call (all or
/// nothing; errors name `rows[N].field`).
#[utoipa::path(post, path = "/v1/transfers/import", tag = "settlement", security(("api_key" = [])),
    request_body(content_type = "multipart/form-data", description = "field `file`: CSV or XLSX with a header row of the JSON field names"),
    responses((status = 201, body = TransferReportView), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Auth(by): Auth,
    request: Request,
) -> ApiResult<(StatusCode, Json<TransferReportView>)> {
    let file = upload(request, &state).await?;
    let report = settle_app::settlement::import_transfers(&state.app, &by, &file).await?;
    Ok((StatusCode::CREATED, Json(report.into())))
}
