//! `/v1/billing-profiles`: one per partner and billing currency; create, read, list, edit.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_app::billing as use_case;
use settle_app::pagination::{Page, PageRequest};
use settle_core::billing::{
    Address, AddressInput, BillingDetails, BillingProfile, BillingProfileInput,
};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::PartnerPageQuery;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, MergePatch};

/// An address (sold-to, bill-to, ship-to, service-to).
#[derive(Serialize, ToSchema)]
pub struct AddressView {
    /// Company or person.
    pub name: String,
    /// Street, city.
    pub address: String,
    /// ISO 3166 alpha-2 country code.
    pub country: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
}

impl From<&Address> for AddressView {
    fn from(a: &Address) -> Self {
        Self {
            name: a.name.clone(),
            address: a.address.clone(),
            country: a.country.clone(),
            state: a.state.clone(),
            postal_code: a.postal_code.clone(),
        }
    }
}

/// Addresses and terms: a profile's, or the copy an invoice was finalized with.
#[derive(Serialize, ToSchema)]
pub struct DetailsView {
    /// Where the products are sold.
    pub sold_to: AddressView,
    /// Where the invoice goes.
    pub bill_to: AddressView,
    /// Destination.
    pub ship_to: Option<AddressView>,
    /// Where the service is used (legacy invoices).
    pub service_to: Option<AddressView>,
    /// Purchase order number.
    pub po_number: Option<String>,
    /// Days from the document date to the due date.
    pub payment_terms_days: u32,
    /// `lrd` or `non_lrd`.
    pub template: &'static str,
    /// ISO 3166 alpha-2 country of the partner.
    pub country: String,
    /// Customer number.
    pub customer_number: Option<String>,
    /// US FEIN.
    pub us_fein: Option<String>,
    /// Customer service website.
    pub customer_service_url: Option<String>,
    /// How to pay.
    pub payment_instructions: Option<String>,
    /// Whether finalization assigns a per-country tax invoice number.
    pub tax_invoice_required: bool,
}

impl From<&BillingDetails> for DetailsView {
    fn from(d: &BillingDetails) -> Self {
        Self {
            sold_to: (&d.sold_to).into(),
            bill_to: (&d.bill_to).into(),
            ship_to: d.ship_to.as_ref().map(AddressView::from),
            service_to: d.service_to.as_ref().map(AddressView::from),
            po_number: d.po_number.clone(),
            payment_terms_days: d.payment_terms_days,
            template: d.template.as_str(),
            country: d.country.clone(),
            customer_number: d.customer_number.clone(),
            us_fein: d.us_fein.clone(),
            customer_service_url: d.customer_service_url.clone(),
            payment_instructions: d.payment_instructions.clone(),
            tax_invoice_required: d.tax_invoice_required,
        }
    }
}

/// A billing profile.
#[derive(Serialize, ToSchema)]
pub struct ProfileView {
    /// Its id.
    pub id: String,
    /// The partner billed.
    pub partner_id: String,
    /// The currency its invoices are billed in.
    pub billing_currency: String,
    /// Addresses and terms.
    #[serde(flatten)]
    pub details: DetailsView,
    /// Changes with every edit.
    pub version: i64,
    /// Created at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Last changed at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<&BillingProfile> for ProfileView {
    fn from(p: &BillingProfile) -> Self {
        Self {
            id: p.id.to_string(),
            partner_id: p.partner_id.to_string(),
            billing_currency: p.currency.code().to_owned(),
            details: (&p.details).into(),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// An address as clients send it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    /// Company or person (required).
    pub name: Option<String>,
    /// Street, city (required).
    pub address: Option<String>,
    /// ISO 3166 alpha-2 country code.
    pub country: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
}

impl From<AddressBody> for AddressInput {
    fn from(b: AddressBody) -> Self {
        Self {
            name: b.name,
            address: b.address,
            country: b.country,
            state: b.state,
            postal_code: b.postal_code,
        }
    }
}

/// A billing profile as clients send it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// The partner billed.
    pub partner_id: Option<String>,
    /// Where the products are sold (required).
    pub sold_to: Option<AddressBody>,
    /// Where the invoice goes (required).
    pub bill_to: Option<AddressBody>,
    /// Destination.
    pub ship_to: Option<AddressBody>,
    /// Where the service is used (legacy invoices).
    pub service_to: Option<AddressBody>,
    /// Purchase order number.
    pub po_number: Option<String>,
    /// Days from the document date to the due date, 0–365.
    #[serde(default, deserialize_with = "settle_core::whole_number::option")]
    pub payment_terms_days: Option<i64>,
    /// ISO 4217 code; one profile per partner and currency.
    pub billing_currency: Option<String>,
    /// `lrd` or `non_lrd`.
    pub template: Option<String>,
    /// ISO 3166 alpha-2 country of the partner.
    pub country: Option<String>,
    /// Customer number (legacy invoices).
    pub customer_number: Option<String>,
    /// US FEIN (legacy invoices).
    pub us_fein: Option<String>,
    /// Customer service website (legacy invoices).
    pub customer_service_url: Option<String>,
    /// How to pay; invoices add that payments cite their number.
    pub payment_instructions: Option<String>,
    /// Whether the partner's country needs a separately numbered tax invoice.
    pub tax_invoice_required: Option<bool>,
}

impl From<ProfileBody> for BillingProfileInput {
    fn from(b: ProfileBody) -> Self {
        Self {
            partner_id: b.partner_id,
            sold_to: b.sold_to.map(AddressInput::from),
            bill_to: b.bill_to.map(AddressInput::from),
            ship_to: b.ship_to.map(AddressInput::from),
            service_to: b.service_to.map(AddressInput::from),
            po_number: b.po_number,
            payment_terms_days: b.payment_terms_days,
            billing_currency: b.billing_currency,
            template: b.template,
            country: b.country,
            customer_number: b.customer_number,
            us_fein: b.us_fein,
            customer_service_url: b.customer_service_url,
            payment_instructions: b.payment_instructions,
            tax_invoice_required: b.tax_invoice_required,
        }
    }
}

/// Creates a billing profile.
#[utoipa::path(post, path = "/v1/billing-profiles", tag = "partner invoices", security(("api_key" = [])), request_body = ProfileBody,
    responses((status = 201, body = ProfileView), (status = 409, body = ErrorBody, description = "the partner has a profile in that currency"),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<(StatusCode, Json<ProfileView>)> {
    let profile = use_case::create_profile(&state.app, &by, body.into()).await?;
    Ok((StatusCode::CREATED, Json((&profile).into())))
}

/// One billing profile.
#[utoipa::path(get, path = "/v1/billing-profiles/{id}", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = ProfileView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ProfileView>> {
    let profile = use_case::get_profile(&state.app, &by, &id).await?;
    Ok(Json((&profile).into()))
}

/// A page of billing profiles, oldest first.
#[utoipa::path(get, path = "/v1/billing-profiles", tag = "partner invoices", security(("api_key" = [])), params(PartnerPageQuery),
    responses((status = 200, body = Object, description = "`{data: [ProfileView], next_cursor}`"), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<PartnerPageQuery>,
) -> ApiResult<Json<Page<ProfileView>>> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let partner = super::query_param(
        "partner_id",
        query.partner_id,
        settle_core::ids::PartnerId::parse,
        "not a partner id",
    )?;
    let partner = partner.as_ref().map(|p| p.as_str());
    let page = use_case::list_profiles(&state.app, &by, partner, &page).await?;
    Ok(Json(Page {
        data: page.data.iter().map(ProfileView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Edits a billing profile with a JSON merge patch (RFC 7396). The partner and the billing
/// currency cannot change; invoices finalized before keep the details they had.
#[utoipa::path(patch, path = "/v1/billing-profiles/{id}", tag = "partner invoices", security(("api_key" = [])), request_body = ProfileBody,
    params(("id" = String, Path)),
    responses((status = 200, body = ProfileView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    MergePatch(patch): MergePatch,
) -> ApiResult<Json<ProfileView>> {
    let profile = use_case::update_profile(&state.app, &by, &id, patch).await?;
    Ok(Json((&profile).into()))
}
