//! `/v1/payments`: record a payment (applied to the invoices it names or cites, else to
//! the oldest open ones), read and list them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_app::billing::{self as use_case, AllocationInput, PaymentInput};
use settle_app::pagination::{Page, PageRequest};
use settle_core::money::DecimalInput;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{PartnerPageQuery, day, money};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth};

/// One explicit allocation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationBody {
    /// The invoice, by id or number.
    pub invoice: Option<String>,
    /// How much of the payment goes to it.
    #[schema(value_type = Option<String>)]
    pub amount: Option<DecimalInput>,
}

impl From<AllocationBody> for AllocationInput {
    fn from(b: AllocationBody) -> Self {
        Self {
            invoice: b.invoice,
            amount: b.amount,
        }
    }
}

/// A payment as clients send it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// Who paid.
    #[schema(required, nullable = false)]
    pub partner_id: Option<String>,
    /// How much (above zero).
    #[schema(value_type = String, required, nullable = false,
        pattern = "^(?![0.]*$)[0-9]{1,15}(\\.[0-9]{1,6})?$")]
    pub amount: Option<DecimalInput>,
    /// ISO 4217; one the partner is billed in.
    #[schema(required, nullable = false)]
    pub currency: Option<String>,
    /// When, `YYYY-MM-DD`.
    #[schema(required, nullable = false)]
    pub paid_on: Option<String>,
    /// The payer's reference; invoice numbers cited in it receive the payment.
    pub reference: Option<String>,
    /// Where the payment goes, instead of the reference.
    pub allocations: Option<Vec<AllocationBody>>,
}

impl From<PaymentBody> for PaymentInput {
    fn from(b: PaymentBody) -> Self {
        Self {
            partner_id: b.partner_id,
            amount: b.amount,
            currency: b.currency,
            paid_on: b.paid_on,
            reference: b.reference,
            allocations: b
                .allocations
                .map(|list| list.into_iter().map(AllocationInput::from).collect()),
        }
    }
}

/// Where part of a payment went.
#[derive(Serialize, ToSchema)]
pub struct AllocationView {
    /// The invoice.
    pub invoice_id: String,
    /// Its number.
    pub invoice_number: Option<String>,
    /// How much of the payment it took.
    pub amount: String,
}

/// A payment with where it went.
#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    /// Its id.
    pub id: String,
    /// Who paid.
    pub partner_id: String,
    /// How much.
    pub amount: String,
    /// In which currency.
    pub currency: String,
    /// When.
    pub paid_on: String,
    /// The payer's reference.
    pub reference: String,
    /// The invoices it settles.
    pub allocations: Vec<AllocationView>,
    /// What is left as the partner's credit.
    pub unallocated: String,
    /// Recorded at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&use_case::PaymentView> for PaymentView {
    fn from(view: &use_case::PaymentView) -> Self {
        let p = &view.payment;
        let m = |amount| money(p.currency, DecimalInput(amount));
        Self {
            id: p.id.to_string(),
            partner_id: p.partner_id.to_string(),
            amount: m(p.amount),
            currency: p.currency.code().to_owned(),
            paid_on: day(p.paid_on),
            reference: p.reference.clone(),
            allocations: view
                .allocations
                .iter()
                .map(|(a, number)| AllocationView {
                    invoice_id: a.invoice_id.to_string(),
                    invoice_number: number.clone(),
                    amount: m(a.amount),
                })
                .collect(),
            unallocated: m(view.unallocated),
            created_at: p.created_at,
        }
    }
}

/// Records a payment and applies it: to `allocations`, else to the open invoices whose
/// numbers the reference cites, else to the oldest open invoices. The rest is credit.
#[utoipa::path(post, path = "/v1/payments", tag = "partner invoices", security(("api_key" = [])), request_body = PaymentBody,
    responses((status = 201, body = PaymentView), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<PaymentBody>,
) -> ApiResult<(StatusCode, Json<PaymentView>)> {
    let view = use_case::record_payment(&state.app, &by, body.into()).await?;
    Ok((StatusCode::CREATED, Json((&view).into())))
}

/// One payment.
#[utoipa::path(get, path = "/v1/payments/{id}", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentView>> {
    let view = use_case::get_payment(&state.app, &by, &id).await?;
    Ok(Json((&view).into()))
}

/// A page of payments, oldest first.
#[utoipa::path(get, path = "/v1/payments", tag = "partner invoices", security(("api_key" = [])), params(PartnerPageQuery),
    responses((status = 200, body = Object, description = "`{data: [PaymentView], next_cursor}`"), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<PartnerPageQuery>,
) -> ApiResult<Json<Page<PaymentView>>> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let page = use_case::list_payments(&state.app, &by, query.partner_id.as_deref(), &page).await?;
    Ok(Json(Page {
        data: page.data.iter().map(PaymentView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
