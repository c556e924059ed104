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
                Cell::link(p.currency.code(), format!("/app/billing-profiles/{}", p.id)),
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
        downloads: Vec::new(),
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
        downloads: Vec::new(),
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

/// The billing-profile edit form: what changes for invoices finalized afterwards.
#[derive(Deserialize, Default)]
pub struct ProfileEditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    po_number: String,
    #[serde(default)]
    payment_terms_days: String,
    #[serde(default, rename = "bill_to.name")]
    bill_to_name: String,
    #[serde(default, rename = "bill_to.address")]
    bill_to_address: String,
}

impl Posted for ProfileEditForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn profile_edit_page(
    state: &AppState,
    staff: Staff,
    id: &str,
    form: Option<&ProfileEditForm>,
    status: StatusCode,
    error: Option<&AppError>,
) -> Response {
    let profile = match use_case::get_profile(&state.app, staff.principal(), id).await {
        Ok(profile) => profile,
        Err(error) => return staff.refused(&error),
    };
    let d = &profile.details;
    let stored = ProfileEditForm {
        csrf: String::new(),
        po_number: d.po_number.clone().unwrap_or_default(),
        payment_terms_days: d.payment_terms_days.to_string(),
        bill_to_name: d.bill_to.name.clone(),
        bill_to_address: d.bill_to.address.clone(),
    };
    let form = form.unwrap_or(&stored);
    let w = staff.ctx.lang.workspace();
    let page = super::billing::Simple {
        downloads: Vec::new(),
        intro: w.profile_intro,
        done: None,
        method: "post",
        action: format!("/app/billing-profiles/{id}"),
        submit: if staff.principal().roles.allows(Right::WriteInvoices) {
            w.save
        } else {
            ""
        },
        inputs: vec![
            Input::text("po_number", w.po_number, &form.po_number),
            Input::text(
                "payment_terms_days",
                w.payment_terms_days,
                &form.payment_terms_days,
            )
            .kind("number"),
            Input::text("bill_to.name", w.bill_to_name, &form.bill_to_name).required(),
            Input::text("bill_to.address", w.bill_to_address, &form.bill_to_address).required(),
        ],
        heads: Vec::new(),
        rows: Vec::new(),
        empty: "",
    };
    let title = w.billing_profiles;
    super::billing::simple(staff, title, status, page, error)
}

/// `GET /app/billing-profiles/{id}`.
pub async fn profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
) -> Response {
    profile_edit_page(&state, staff, &id, None, StatusCode::OK, None).await
}

/// `POST /app/billing-profiles/{id}`: a merge patch of the fields shown.
pub async fn edit_profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, form): Submitted<ProfileEditForm>,
) -> Response {
    let days = match filled(&form.payment_terms_days).map(|d| d.parse::<i64>()) {
        Some(Ok(days)) => serde_json::json!(days),
        Some(Err(_)) => serde_json::json!(form.payment_terms_days),
        None => serde_json::Value::Null,
    };
    let patch = serde_json::json!({
        "po_number": filled(&form.po_number),
        "payment_terms_days": days,
        "bill_to": { "name": form.bill_to_name.trim(), "address": form.bill_to_address.trim() },
    });
    let app = &state.app;
    match use_case::update_profile(app, staff.principal(), &id, patch).await {
        Ok(profile) => staff.go(&format!(
            "/app/partners/{}/billing-profiles",
            profile.partner_id
        )),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            profile_edit_page(&state, staff, &id, Some(&form), status, Some(&error)).await
        }
    }
}

/// The charge form as posted: one charge, its inputs named like the API's fields.
#[derive(Deserialize, Default)]
pub struct ChargeForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

impl Posted for ChargeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The charge form's inputs: (field, words, default).
fn charge_fields(
    w: &super::WorkspaceTexts,
    t: &crate::pages::i18n::Texts,
) -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("partner_id", w.partner_id, ""),
        ("order_id", w.order, ""),
        ("order_date", w.order_date, ""),
        ("product_id", w.product_id, ""),
        ("sku_id", w.sku_id, ""),
        ("product_name", w.product, ""),
        ("charge_type", w.charge_type, "new"),
        ("quantity", t.quantity, ""),
        ("unit_price", t.unit_price, ""),
        ("pricing_currency", w.currency, ""),
        ("tax_rate", w.tax_rate, "0.10"),
        ("charge_start", w.charge_start, ""),
        ("charge_end", w.charge_end, ""),
        ("series", w.series, "G"),
        ("category", w.category, ""),
    ]
}

fn charge_page(
    staff: Staff,
    form: &ChargeForm,
    status: StatusCode,
    error: Option<&AppError>,
    done: Option<String>,
) -> Response {
    let w = staff.ctx.lang.workspace();
    let t = staff.ctx.texts();
    let inputs = charge_fields(w, t)
        .into_iter()
        .map(|(name, label, default)| {
            let value = form
                .fields
                .get(name)
                .cloned()
                .unwrap_or_else(|| default.to_owned());
            let input = Input::text(name, label, value);
            if name.ends_with("date") || name.starts_with("charge_") && name != "charge_type" {
                input.kind("date")
            } else {
                input
            }
        })
        .collect();
    let page = super::billing::Simple {
        downloads: Vec::new(),
        intro: w.charge_intro,
        done,
        method: "post",
        action: "/app/charges/new".into(),
        submit: w.record_charge,
        inputs,
        heads: Vec::new(),
        rows: Vec::new(),
        empty: "",
    };
    super::billing::simple(staff, w.new_charge, status, page, error)
}

/// `GET /app/charges/new`.
pub async fn charge_form(staff: Staff) -> Response {
    if let Err(error) = staff.principal().require(Right::WriteInvoices) {
        return staff.refused(&error);
    }
    charge_page(staff, &ChargeForm::default(), StatusCode::OK, None, None)
}

/// `POST /app/charges/new`: records one charge.
pub async fn record_charge(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<ChargeForm>,
) -> Response {
    let text = |name: &str| form.fields.get(name).and_then(|v| filled(v));
    let decimal = |name: &str| {
        text(name).map(|v| match settle_core::money::parse_decimal(&v) {
            Ok(d) => Ok(DecimalInput(d)),
            Err(_) => Err(AppError::invalid(
                "request.invalid_field",
                name,
                "not a decimal number",
            )),
        })
    };
    let parsed = (|| {
        Ok::<_, AppError>(settle_core::billing::ChargeInput {
            partner_id: text("partner_id"),
            order_id: text("order_id"),
            order_date: text("order_date"),
            product_id: text("product_id"),
            sku_id: text("sku_id"),
            product_name: text("product_name"),
            charge_type: text("charge_type"),
            quantity: decimal("quantity").transpose()?,
            unit_price: decimal("unit_price").transpose()?,
            pricing_currency: text("pricing_currency").map(|c| c.to_ascii_uppercase()),
            tax_rate: decimal("tax_rate").transpose()?,
            charge_start: text("charge_start"),
            charge_end: text("charge_end"),
            series: text("series"),
            category: text("category"),
            ..settle_core::billing::ChargeInput::default()
        })
    })();
    let recorded = match parsed {
        Ok(input) => {
            use_case::record_charges(&state.app, staff.principal(), vec![input], false).await
        }
        Err(error) => Err(error),
    };
    match recorded {
        Ok(records) => {
            let w = staff.ctx.lang.workspace();
            let done = records
                .first()
                .map(|r| format!("{} {}", w.charge_recorded, r.charge.period));
            charge_page(staff, &ChargeForm::default(), StatusCode::OK, None, done)
        }
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            charge_page(staff, &form, status, Some(&error), None)
        }
    }
}
