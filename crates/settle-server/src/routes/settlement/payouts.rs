//! Payouts: partners' bank accounts, the payout file for a bank's bulk transfer, and
//! payouts made imported from a file.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use settle_app::settlement::{self as use_case, BankAccountView};
use settle_core::settlement::BankAccountInput;
use utoipa::{IntoParams, ToSchema};

use super::date_param;
use super::settlements::SettlementView;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::routes::billing::invalid_query;
use crate::routes::upload::upload;

/// A bank account as clients send it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankAccountBody {
    /// The bank's three-digit code (e.g. `004`).
    pub bank_code: Option<String>,
    /// The account number (6–20 digits, hyphens allowed).
    pub account: Option<String>,
    /// The account holder.
    pub holder: Option<String>,
}

/// A bank account as shown: the number stays sealed, only its last four digits show.
#[derive(Serialize, ToSchema)]
pub struct BankAccountResponse {
    /// The partner.
    pub partner_id: String,
    /// Bank code.
    pub bank_code: String,
    /// Holder.
    pub holder: String,
    /// The account's last four digits.
    pub account_last4: String,
}

impl From<BankAccountView> for BankAccountResponse {
    fn from(v: BankAccountView) -> Self {
        BankAccountResponse {
            partner_id: v.partner_id,
            bank_code: v.bank_code,
            holder: v.holder,
            account_last4: v.account_last4,
        }
    }
}

/// Sets where a partner's payouts go (the number is sealed at rest).
#[utoipa::path(put, path = "/v1/partners/{id}/bank-account", tag = "settlement", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = BankAccountBody,
    responses((status = 200, body = BankAccountResponse), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "no SETTLE_SECRET_KEY"), (status = 422, body = ErrorBody)))]
pub async fn put_bank_account(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BankAccountBody>,
) -> ApiResult<Json<BankAccountResponse>> {
    let input = BankAccountInput {
        bank_code: body.bank_code,
        account: body.account,
        holder: body.holder,
    };
    let view = use_case::set_bank_account(&state.app, &by, &id, input).await?;
    Ok(Json(view.into()))
}

/// A partner's bank account, the number masked.
#[utoipa::path(get, path = "/v1/partners/{id}/bank-account", tag = "settlement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = BankAccountResponse), (status = 404, body = ErrorBody)))]
pub async fn get_bank_account(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<BankAccountResponse>> {
    Ok(Json(
        use_case::bank_account(&state.app, &by, &id).await?.into(),
    ))
}

/// Which payouts.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PayoutFileQuery {
    /// Unpaid settlements due by this day (`YYYY-MM-DD`).
    pub payout_date: Option<String>,
}

/// The payout file: a CSV row per unpaid settlement due by `payout_date` with something to
/// pay (`bank_code, account, holder, amount, memo, settlement_id`). Add `paid_on` (and
/// `reference`) and import it back once paid.
#[utoipa::path(get, path = "/v1/payouts/file", tag = "settlement", security(("api_key" = [])),
    params(PayoutFileQuery),
    responses((status = 200, content_type = "text/csv", body = String),
              (status = 409, body = ErrorBody, description = "a partner without a bank account, or no SETTLE_SECRET_KEY"),
              (status = 422, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<PayoutFileQuery>,
) -> ApiResult<Response> {
    let day = date_param("payout_date", query.payout_date)?
        .ok_or_else(|| invalid_query("payout_date", "payout_date is required (YYYY-MM-DD)"))?;
    let (bytes, _, _) = use_case::payout_file(&state.app, &by, day).await?;
    let name = format!("attachment; filename=\"payouts-{day}.csv\"");
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

/// Payouts recorded.
#[derive(Serialize, ToSchema)]
pub struct PaidList {
    /// The settlements now paid.
    pub paid: Vec<SettlementView>,
}

/// Records the payouts of a file (`settlement_id`, `paid_on`, `reference`; a payout file
/// with `paid_on` added will do), all or nothing; errors name `rows[N].field`.
#[utoipa::path(post, path = "/v1/payouts/import", tag = "settlement", security(("api_key" = [])),
    request_body(content_type = "multipart/form-data", description = "field `file`: CSV or XLSX"),
    responses((status = 200, body = PaidList), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Auth(by): Auth,
    request: Request,
) -> ApiResult<Json<PaidList>> {
    let bytes = upload(request, &state).await?;
    let paid = use_case::import_paid(&state.app, &by, &bytes).await?;
    Ok(Json(PaidList {
        paid: paid.iter().map(SettlementView::from).collect(),
    }))
}
