//! A partner's billing profiles (one per billing currency) with the form that adds one,
//! and the charges waiting to be billed or billed, by period.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::billing as use_case;
use settle_app::pagination::PageRequest;
use settle_app::{AppError, ErrorKind};
use settle_core::access::Right;
use settle_core::billing::{AddressInput, BillingProfileInput, ChargeFilter, Period};
use settle_core::ids::PartnerId;
use settle_core::money::DecimalInput;

use super::Staff;
use super::Submitted;
use super::forms::{Input, filled};
use super::invoices::{Cell, TableRow};
use crate::AppState;
use crate::pages::replies::Posted;
use crate::routes::billing::money;

/// The profile form as posted; inputs are named like the API's fields.
#[derive(Deserialize, Default)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    billing_currency: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    payment_terms_days: String,
    #[serde(default)]
    po_number: String,
    #[serde(default, rename = "sold_to.name")]
    sold_to_name: String,
    #[serde(default, rename = "sold_to.address")]
    sold_to_address: String,
    #[serde(default, rename = "bill_to.name")]
    bill_to_name: String,
    #[serde(default, rename = "bill_to.address")]
    bill_to_address: String,
}

impl Posted for ProfileForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl ProfileForm {
    fn input(&self, partner: &str) -> Result<BillingProfileInput, AppError> {
        let country = filled(&self.country).map(|c| c.to_ascii_uppercase());
        let address = |name: &str, line: &str| {
            Some(AddressInput {
                name: filled(name),
                address: filled(line),
                country: country.clone(),
                state: None,
                postal_code: None,
            })
        };
        let days = match filled(&self.payment_terms_days) {
            None => None,
            Some(text) => Some(text.parse::<i64>().map_err(|_| {
                AppError::invalid(
                    "billing_profile.invalid_payment_terms_days",
                    "payment_terms_days",
                    "payment_terms_days is a whole number of days",
                )
            })?),
        };
        Ok(BillingProfileInput {
            partner_id: Some(partner.to_owned()),
            sold_to: address(&self.sold_to_name, &self.sold_to_address),
            bill_to: address(&self.bill_to_name, &self.bill_to_address),
            po_number: filled(&self.po_number),
            payment_terms_days: days,
            billing_currency: filled(&self.billing_currency).map(|c| c.to_ascii_uppercase()),
            template: filled(&self.template),
            country,
            ..BillingProfileInput::default()
        })
    }
}

async fn profiles_page(
    state: &AppState,
    staff: Staff,
    partner: &str,
    form: &ProfileForm,
    status: StatusCode,
    error: Option<&AppError>,
) -> Response {
    if let Some(refusal) = error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let page = PageRequest {
        limit: 100,
        after: None,
    };
    let (app, by) = (&state.app, staff.principal());
    let profiles = match use_case::list_profiles(app, by, Some(partner), &page).await {
        Ok(page) => page.data,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let rows = profiles
        .iter()
        .map(|p| TableRow {
            cells: vec![
                Cell::text(p.currency.code()),
                Cell::text(p.details.template.as_str()),
                Cell::text(p.details.po_number.clone().unwrap_or_default()),
                Cell::text(p.details.payment_terms_days.to_string()),
                Cell::text(format!(
                    "{}, {}",
                    p.details.bill_to.name, p.details.bill_to.address
                )),
            ],
            buttons: Vec::new(),
        })
        .collect();
    let terms = if form.payment_terms_days.is_empty() {
        "30"
    } else {
        &form.payment_terms_days
    };
    let template = if form.template.is_empty() {
        "lrd"
    } else {
        &form.template
    };
    let page = super::billing::Simple {
        intro: w.profile_intro,
        done: None,
        method: "post",
        action: format!("/app/partners/{partner}/billing-profiles"),
        submit: if by.roles.allows(Right::WriteInvoices) {
            w.add_profile
        } else {
            ""
        },
        inputs: vec![
            Input::text("billing_currency", w.currency, &form.billing_currency).required(),
            Input::text("template", w.template, template).required(),
            Input::text("country", w.country, &form.country).required(),
            Input::text("payment_terms_days", w.payment_terms_days, terms).kind("number"),
            Input::text("po_number", w.po_number, &form.po_number),
            Input::text("sold_to.name", w.sold_to_name, &form.sold_to_name).required(),
            Input::text("sold_to.address", w.sold_to_address, &form.sold_to_address).required(),
            Input::text("bill_to.name", w.bill_to_name, &form.bill_to_name).required(),
            Input::text("bill_to.address", w.bill_to_address, &form.bill_to_address).required(),
        ],
        heads: vec![
            w.currency,
            w.template,
            w.po_number,
            w.payment_terms_days,
            w.bill_to,
        ],
        rows,
        empty: w.nothing_found,
    };
    super::billing::simple(staff, w.billing_profiles, status, page, error)
}

/// `GET /app/partners/{id}/billing-profiles`.
pub async fn profiles(
    State(state): State<AppState>,
    Path(partner): Path<String>,
    staff: Staff,
) -> Response {
    profiles_page(
        &state,
        staff,
        &partner,
        &ProfileForm::default(),
        StatusCode::OK,
        None,
    )
    .await
}

/// `POST /app/partners/{id}/billing-profiles`: adds a profile.
pub async fn add_profile(
    State(state): State<AppState>,
    Path(partner): Path<String>,
    Submitted(staff, form): Submitted<ProfileForm>,
) -> Response {
    let created = match form.input(&partner) {
        Ok(input) => use_case::create_profile(&state.app, staff.principal(), input).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(_) => staff.go(&format!("/app/partners/{partner}/billing-profiles")),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            profiles_page(&state, staff, &partner, &form, status, Some(&error)).await
        }
    }
}

/// The charge list's filters.
#[derive(Deserialize, Default)]
pub struct ChargeQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    billed: String,
}

/// `GET /app/charges`: the charges of a period, billed or not.
pub async fn charges(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ChargeQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let invalid =
        |field: &str, message: &str| AppError::invalid("request.invalid_query", field, message);
    let filter = (|| {
        Ok::<_, AppError>(ChargeFilter {
            among: None,
            partner_id: filled(&query.partner_id)
                .map(|p| {
                    PartnerId::parse(&p).ok_or_else(|| invalid("partner_id", "not a partner id"))
                })
                .transpose()?,
            period: filled(&query.period)
                .map(|p| Period::parse(&p).ok_or_else(|| invalid("period", "period is YYYY-MM")))
                .transpose()?,
            billed: match query.billed.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        })
    })();
    let page = PageRequest {
        limit: 500,
        after: None,
    };
    let w = staff.ctx.lang.workspace();
    let (rows, error) = match filter {
        Ok(filter) => match use_case::list_charges(&state.app, staff.principal(), &filter, &page)
            .await
        {
            Ok(found) => {
                let rows = found
                    .data
                    .iter()
                    .map(|record| {
                        let c = &record.charge;
                        TableRow {
                            cells: vec![
                                Cell::text(c.period.to_string()),
                                Cell::link(
                                    c.partner_id.to_string(),
                                    format!("/app/partners/{}", c.partner_id),
                                ),
                                Cell::text(c.item.product_name.clone()),
                                Cell::text(c.item.order_id.clone()),
                                Cell::text(c.item.quantity.to_string()),
                                Cell::text(format!(
                                    "{} {}",
                                    money(c.item.pricing_currency, DecimalInput(c.item.unit_price)),
                                    c.item.pricing_currency.code()
                                )),
                                Cell::text(if record.run_id.is_some() {
                                    w.billed
                                } else {
                                    w.unbilled
                                }),
                            ],
                            buttons: Vec::new(),
                        }
                    })
                    .collect();
                (rows, None)
            }
            Err(error) if error.kind != ErrorKind::Invalid => return staff.refused(&error),
            Err(error) => (Vec::new(), Some(error)),
        },
        Err(error) => (Vec::new(), Some(error)),
    };
    let page = super::billing::Simple {
        intro: w.charges_intro,
        done: None,
        method: "get",
        action: "/app/charges".into(),
        submit: w.search,
        inputs: vec![
            Input::text("period", w.period, &query.period),
            Input::text("partner_id", w.partner_id, &query.partner_id),
        ],
        heads: vec![
            w.period,
            w.partner,
            w.product,
            w.order,
            staff.ctx.texts().quantity,
            w.amount,
            w.billing_state,
        ],
        rows,
        empty: w.nothing_found,
    };
    let status = error
        .as_ref()
        .map_or(StatusCode::OK, |e| crate::error::status_of(e.kind));
    super::billing::simple(staff, w.charge_list, status, page, error.as_ref())
}
