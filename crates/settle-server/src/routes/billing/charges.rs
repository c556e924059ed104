//! `/v1/charges`: record one charge or a list (all or nothing), read and list them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_app::billing as use_case;
use settle_app::pagination::{Page, PageRequest};
use settle_core::billing::ChargeFilter;
use settle_core::billing::{ChargeDetails, ChargeInput, ChargeRecord, Period};
use settle_core::ids::PartnerId;
use settle_core::money::DecimalInput;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::{ItemView, money, query_param};
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, parse_json};

/// A charge as clients send it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeBody {
    /// The partner billed.
    pub partner_id: Option<String>,
    /// The order.
    pub order_id: Option<String>,
    /// When it was ordered (`YYYY-MM-DD`).
    pub order_date: Option<String>,
    /// Product id.
    pub product_id: Option<String>,
    /// SKU id.
    pub sku_id: Option<String>,
    /// Product name.
    pub product_name: Option<String>,
    /// SKU name.
    pub sku_name: Option<String>,
    /// `new`, `adjustment`, `upgrade`, `cycle`, `renewal` or `cancellation`.
    pub charge_type: Option<String>,
    /// Legacy (D) grouping: `license`, `usage` or `other` (default).
    pub category: Option<String>,
    /// Units; negative for cancellations.
    #[schema(value_type = Option<String>)]
    pub quantity: Option<DecimalInput>,
    /// Price per unit in the pricing currency, up to 6 decimals.
    #[schema(value_type = Option<String>)]
    pub unit_price: Option<DecimalInput>,
    /// Discount on the line, in the pricing currency.
    #[schema(value_type = Option<String>)]
    pub discount: Option<DecimalInput>,
    /// The currency of `unit_price`.
    pub pricing_currency: Option<String>,
    /// Which of the partner's billing profiles, by currency (when it has several).
    pub billing_currency: Option<String>,
    /// Billing-currency units per pricing-currency unit; required when they differ.
    #[schema(value_type = Option<String>)]
    pub exchange_rate: Option<DecimalInput>,
    /// The date of the rate.
    pub exchange_rate_date: Option<String>,
    /// Tax rate as a fraction (`"0.10"`).
    #[schema(value_type = Option<String>)]
    pub tax_rate: Option<DecimalInput>,
    /// A third-party (marketplace) product; needs a publisher.
    pub marketplace: Option<bool>,
    /// Publisher of a marketplace product.
    pub publisher_name: Option<String>,
    /// Publisher's address.
    pub publisher_address: Option<String>,
    /// First day charged.
    pub charge_start: Option<String>,
    /// Last day charged.
    pub charge_end: Option<String>,
    /// `G` (new commerce) or `D` (legacy).
    pub series: Option<String>,
    /// Billing period `YYYY-MM` (default: the month of `charge_start`).
    pub period: Option<String>,
    /// Reconciliation identifiers: `customer_id`, `customer_name`, `subscription_id`, …
    #[schema(value_type = Option<Object>)]
    pub details: Option<ChargeDetails>,
}

impl From<ChargeBody> for ChargeInput {
    fn from(b: ChargeBody) -> Self {
        ChargeInput {
            partner_id: b.partner_id,
            order_id: b.order_id,
            order_date: b.order_date,
            product_id: b.product_id,
            sku_id: b.sku_id,
            product_name: b.product_name,
            sku_name: b.sku_name,
            charge_type: b.charge_type,
            category: b.category,
            quantity: b.quantity,
            unit_price: b.unit_price,
            discount: b.discount,
            pricing_currency: b.pricing_currency,
            billing_currency: b.billing_currency,
            exchange_rate: b.exchange_rate,
            exchange_rate_date: b.exchange_rate_date,
            tax_rate: b.tax_rate,
            marketplace: b.marketplace,
            publisher_name: b.publisher_name,
            publisher_address: b.publisher_address,
            charge_start: b.charge_start,
            charge_end: b.charge_end,
            series: b.series,
            period: b.period,
            details: b.details,
        }
    }
}

/// Several charges at once.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeListBody {
    /// 1 to 10 000 charges.
    pub charges: Vec<ChargeBody>,
}

/// A recorded charge.
#[derive(Serialize, ToSchema)]
pub struct ChargeView {
    /// Its id.
    pub id: String,
    /// The partner billed.
    pub partner_id: String,
    /// The billing period, `YYYY-MM`.
    pub period: String,
    /// `G` or `D`.
    pub series: &'static str,
    /// The currency it is billed in (its billing profile's).
    pub billing_currency: String,
    /// Third-party product.
    pub marketplace: bool,
    /// Whether a billing run has put it on an invoice.
    pub billed: bool,
    /// The billing run that billed it.
    pub billing_run_id: Option<String>,
    /// The product and its pricing.
    #[serde(flatten)]
    pub item: ItemView,
    /// Discount on the line, in the pricing currency.
    pub discount: Option<String>,
    /// Reconciliation identifiers.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Recorded at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&ChargeRecord> for ChargeView {
    fn from(record: &ChargeRecord) -> Self {
        let charge = &record.charge;
        let item = &charge.item;
        Self {
            id: record.id.to_string(),
            partner_id: charge.partner_id.to_string(),
            period: charge.period.to_string(),
            series: charge.series.as_str(),
            billing_currency: charge.billing_currency.code().to_owned(),
            marketplace: charge.marketplace,
            billed: record.run_id.is_some(),
            billing_run_id: record.run_id.as_ref().map(ToString::to_string),
            item: item.into(),
            discount: item
                .discount
                .map(|d| money(item.pricing_currency, DecimalInput(d))),
            details: serde_json::to_value(&item.details).unwrap_or_default(),
            created_at: record.created_at,
        }
    }
}

/// Records one charge, or a list `{charges: […]}` (all or nothing; errors name the charge
/// as `charges[3].quantity`).
#[utoipa::path(post, path = "/v1/charges", tag = "partner invoices", security(("api_key" = [])),
    request_body(content = ChargeBody, description = "one charge, or `{charges: [ChargeBody]}` (see ChargeListBody)"),
    responses((status = 201, body = ChargeView, description = "one charge: the charge; a list: `{data: [ChargeView]}`"),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let text = body.to_string();
    let listed = body.get("charges").is_some();
    let inputs = if listed {
        parse_json::<ChargeListBody>(text.as_bytes())?.charges
    } else {
        vec![parse_json::<ChargeBody>(text.as_bytes())?]
    };
    let inputs = inputs.into_iter().map(ChargeInput::from).collect();
    let records = use_case::record_charges(&state.app, &by, inputs, listed).await?;
    let mut views: Vec<ChargeView> = records.iter().map(ChargeView::from).collect();
    let answer = if listed {
        serde_json::json!({ "data": views })
    } else {
        let one = views
            .pop()
            .ok_or_else(|| ApiError(settle_app::AppError::internal("no charge recorded")))?;
        serde_json::to_value(one).map_err(|e| ApiError(settle_app::AppError::internal(e)))?
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// One charge.
#[utoipa::path(get, path = "/v1/charges/{id}", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = ChargeView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ChargeView>> {
    let record = use_case::get_charge(&state.app, &by, &id).await?;
    Ok(Json((&record).into()))
}

/// List filters.
#[derive(Deserialize, IntoParams)]
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
    /// Only billed (`true`) or unbilled (`false`) charges.
    #[param(value_type = Option<bool>)]
    pub billed: Option<String>,
}

/// A page of charges, oldest first.
#[utoipa::path(get, path = "/v1/charges", tag = "partner invoices", security(("api_key" = [])), params(ListQuery),
    responses((status = 200, body = Object, description = "`{data: [ChargeView], next_cursor}`"), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<ChargeView>>> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let filter = ChargeFilter {
        among: None,
        partner_id: query_param(
            "partner_id",
            query.partner_id,
            PartnerId::parse,
            "not a partner id",
        )?,
        period: query_param("period", query.period, Period::parse, "period is YYYY-MM")?,
        billed: query_param(
            "billed",
            query.billed,
            |b| b.parse().ok(),
            "billed is true or false",
        )?,
    };
    let page = use_case::list_charges(&state.app, &by, &filter, &page).await?;
    Ok(Json(Page {
        data: page.data.iter().map(ChargeView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
