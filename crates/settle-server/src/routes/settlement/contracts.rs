//! `/v1/settlement-contracts`: a partner's effective-dated settlement terms.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_core::money::DecimalInput;
use settle_core::settlement::{ContractInput, ContractRecord, Cycle, Taxation};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};

/// A contract as clients send it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractBody {
    /// The partner.
    pub partner_id: Option<String>,
    /// First day it applies to (`YYYY-MM-DD`); after the partner's last closed cycle.
    pub effective_from: Option<String>,
    /// The currency of the partner's transfers.
    pub currency: Option<String>,
    /// The platform's fee rate, a fraction from 0 to 1 (`"0.108"`).
    #[schema(value_type = Option<String>)]
    pub fee_rate: Option<DecimalInput>,
    /// Rates by category (over the default).
    #[schema(value_type = Option<Object>)]
    pub category_fee_rates: Option<BTreeMap<String, DecimalInput>>,
    /// Rates by product (over its category's).
    #[schema(value_type = Option<Object>)]
    pub product_fee_rates: Option<BTreeMap<String, DecimalInput>>,
    /// A fixed fee per order, returned with a cancellation.
    #[schema(value_type = Option<String>)]
    pub fixed_fee_per_order: Option<DecimalInput>,
    /// The partner's share of discounts and coupons, 0 (the platform bears them) to 1.
    #[schema(value_type = Option<String>)]
    pub partner_discount_share: Option<DecimalInput>,
    /// `daily`, `weekly` or `monthly`.
    pub cycle: Option<String>,
    /// Daily: days to payment; weekly: 1 (Monday) to 7; monthly: day of the next month.
    pub payout_day: Option<u8>,
    /// `reverse_tax_invoice` or `forward_fee_invoice` (a business), `withholding` (an
    /// individual).
    pub taxation: Option<String>,
    /// Withholding: the income tax rate (default `"0.03"`; local income tax adds a tenth).
    #[schema(value_type = Option<String>)]
    pub income_tax_rate: Option<DecimalInput>,
}

impl From<ContractBody> for ContractInput {
    fn from(b: ContractBody) -> Self {
        ContractInput {
            partner_id: b.partner_id,
            effective_from: b.effective_from,
            currency: b.currency,
            fee_rate: b.fee_rate,
            category_fee_rates: b.category_fee_rates,
            product_fee_rates: b.product_fee_rates,
            fixed_fee_per_order: b.fixed_fee_per_order,
            partner_discount_share: b.partner_discount_share,
            cycle: b.cycle,
            payout_day: b.payout_day,
            taxation: b.taxation,
            income_tax_rate: b.income_tax_rate,
        }
    }
}

/// A stored contract.
#[derive(Serialize, ToSchema)]
pub struct ContractView {
    /// Its id.
    pub id: String,
    /// The partner.
    pub partner_id: String,
    /// First day it applies to.
    pub effective_from: String,
    /// Currency.
    pub currency: String,
    /// Default fee rate.
    pub fee_rate: String,
    /// Rates by category.
    #[schema(value_type = Object)]
    pub category_fee_rates: BTreeMap<String, String>,
    /// Rates by product.
    #[schema(value_type = Object)]
    pub product_fee_rates: BTreeMap<String, String>,
    /// Fixed fee per order.
    pub fixed_fee_per_order: String,
    /// The partner's share of discounts.
    pub partner_discount_share: String,
    /// `daily`, `weekly` or `monthly`.
    pub cycle: &'static str,
    /// The payout day (see the body).
    pub payout_day: u8,
    /// How the partner is taxed.
    pub taxation: &'static str,
    /// Withholding only: the income tax rate.
    pub income_tax_rate: Option<String>,
    /// Recorded at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&ContractRecord> for ContractView {
    fn from(record: &ContractRecord) -> Self {
        let c = &record.contract;
        let rates = |map: &BTreeMap<String, rust_decimal::Decimal>| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect()
        };
        let (cycle, payout_day) = match c.cycle {
            Cycle::Daily { payout_after_days } => ("daily", payout_after_days),
            Cycle::Weekly { payout_weekday } => ("weekly", payout_weekday.number_from_monday()),
            Cycle::Monthly { payout_day } => ("monthly", payout_day),
        };
        let (taxation, income_tax_rate) = match c.taxation {
            Taxation::ReverseTaxInvoice => ("reverse_tax_invoice", None),
            Taxation::ForwardFeeInvoice => ("forward_fee_invoice", None),
            Taxation::Withholding { income_tax_rate } => {
                ("withholding", Some(income_tax_rate.to_string()))
            }
        };
        ContractView {
            id: record.id.to_string(),
            partner_id: c.partner_id.to_string(),
            effective_from: c.effective_from.to_string(),
            currency: c.currency.code().to_owned(),
            fee_rate: c.fee.rate.to_string(),
            category_fee_rates: rates(&c.fee.category_rates),
            product_fee_rates: rates(&c.fee.product_rates),
            fixed_fee_per_order: c.fee.fixed_per_order.to_string(),
            partner_discount_share: c.partner_discount_share.to_string(),
            cycle,
            payout_day,
            taxation,
            income_tax_rate,
            created_at: record.created_at,
        }
    }
}

/// Records a partner's contract from its first day on (one per partner and day).
#[utoipa::path(post, path = "/v1/settlement-contracts", tag = "settlement", security(("api_key" = [])),
    request_body = ContractBody,
    responses((status = 201, body = ContractView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "a contract from that day exists, or that day is in a closed cycle"),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<ContractBody>,
) -> ApiResult<(StatusCode, Json<ContractView>)> {
    let record = settle_app::settlement::create_contract(&state.app, &by, body.into()).await?;
    Ok((StatusCode::CREATED, Json((&record).into())))
}

/// A partner's contracts.
#[derive(Serialize, ToSchema)]
pub struct ContractList {
    /// Oldest first.
    pub data: Vec<ContractView>,
}

/// A partner's contracts, oldest first.
#[utoipa::path(get, path = "/v1/partners/{id}/settlement-contracts", tag = "settlement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ContractList), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ContractList>> {
    let records = settle_app::settlement::contracts(&state.app, &by, &id).await?;
    Ok(Json(ContractList {
        data: records.iter().map(ContractView::from).collect(),
    }))
}
