//! Charges: what a partner is billed for, one order line at a time, before a billing run
//! puts them on an invoice.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{ChargeCategory, ChargeType, Period, Series, iso_date};
use crate::currency::Currency;
use crate::ids::{BillingRunId, ChargeId, PartnerId, TenantId};
use crate::money::DecimalInput;
use crate::validation::{Checker, FieldError};

/// Longest order, product or SKU id, in characters.
pub const MAX_ID: usize = 100;
/// Longest product, SKU or publisher name (and detail text), in characters.
pub const MAX_NAME: usize = 200;
/// Longest publisher address, in characters.
pub const MAX_ADDRESS: usize = 500;

/// Most decimals of a unit price, a quantity or a discount.
pub const PRICE_DECIMALS: u32 = 6;
/// Most decimals of an exchange rate.
pub const RATE_DECIMALS: u32 = 10;

/// Identifiers that reconciliation files carry per line; free text, all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChargeDetails {
    /// The end customer's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// The end customer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// The end customer's domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_domain: Option<String>,
    /// The end customer's country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_country: Option<String>,
    /// Partner program id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mpn_id: Option<String>,
    /// Reseller program id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reseller_mpn_id: Option<String>,
    /// Availability id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_id: Option<String>,
    /// Publisher id (marketplace products).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher_id: Option<String>,
    /// Subscription id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// Subscription description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_description: Option<String>,
    /// Term and billing cycle, e.g. "1 year, monthly".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term_and_billing_cycle: Option<String>,
    /// Billing frequency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_frequency: Option<String>,
    /// Unit type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_type: Option<String>,
    /// Why the price was adjusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_adjustment_description: Option<String>,
    /// Why a credit was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_reason_code: Option<String>,
    /// The platform's own reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    /// What a usage meter measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meter_description: Option<String>,
    /// Reservation order id (reserved capacity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_order_id: Option<String>,
    /// Product qualifiers, e.g. "Education".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_qualifiers: Option<String>,
    /// The promotion applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
    /// The product's category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_category: Option<String>,
    /// First day of the subscription, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_start_date: Option<String>,
    /// Last day of the subscription, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_end_date: Option<String>,
}

impl ChargeDetails {
    fn validate(self, check: &mut Checker) -> Self {
        let subscription_start_date = iso_date_text(
            check,
            "subscription_start_date",
            self.subscription_start_date,
        );
        let subscription_end_date =
            iso_date_text(check, "subscription_end_date", self.subscription_end_date);
        let mut text = |field: &str, value: Option<String>| check.text(field, value, MAX_NAME);
        ChargeDetails {
            customer_id: text("customer_id", self.customer_id),
            customer_name: text("customer_name", self.customer_name),
            customer_domain: text("customer_domain", self.customer_domain),
            customer_country: text("customer_country", self.customer_country),
            mpn_id: text("mpn_id", self.mpn_id),
            reseller_mpn_id: text("reseller_mpn_id", self.reseller_mpn_id),
            availability_id: text("availability_id", self.availability_id),
            publisher_id: text("publisher_id", self.publisher_id),
            subscription_id: text("subscription_id", self.subscription_id),
            subscription_description: text(
                "subscription_description",
                self.subscription_description,
            ),
            term_and_billing_cycle: text("term_and_billing_cycle", self.term_and_billing_cycle),
            billing_frequency: text("billing_frequency", self.billing_frequency),
            unit_type: text("unit_type", self.unit_type),
            price_adjustment_description: text(
                "price_adjustment_description",
                self.price_adjustment_description,
            ),
            credit_reason_code: text("credit_reason_code", self.credit_reason_code),
            reference_id: text("reference_id", self.reference_id),
            meter_description: text("meter_description", self.meter_description),
            reservation_order_id: text("reservation_order_id", self.reservation_order_id),
            product_qualifiers: text("product_qualifiers", self.product_qualifiers),
            promotion_id: text("promotion_id", self.promotion_id),
            product_category: text("product_category", self.product_category),
            subscription_start_date,
            subscription_end_date,
        }
    }
}

/// A charge as sent by a client (`POST /v1/charges`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChargeInput {
    /// The partner billed.
    pub partner_id: Option<String>,
    /// The order.
    pub order_id: Option<String>,
    /// When it was ordered.
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
    pub quantity: Option<DecimalInput>,
    /// Price per unit in the pricing currency, up to 6 decimals.
    pub unit_price: Option<DecimalInput>,
    /// Discount on the line, in the pricing currency.
    pub discount: Option<DecimalInput>,
    /// The currency of `unit_price`.
    pub pricing_currency: Option<String>,
    /// Which of the partner's billing profiles (by currency); needed only when it has
    /// several and none is in the pricing currency.
    pub billing_currency: Option<String>,
    /// Billing-currency units per pricing-currency unit.
    pub exchange_rate: Option<DecimalInput>,
    /// The date of the rate.
    pub exchange_rate_date: Option<String>,
    /// Tax rate as a fraction (`"0.10"`).
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
    /// Reconciliation identifiers.
    pub details: Option<ChargeDetails>,
}

/// What a charge puts on an invoice line: the product and how its price was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// The order.
    pub order_id: String,
    /// When it was ordered.
    #[serde(with = "iso_date")]
    pub order_date: Date,
    /// Product id.
    pub product_id: String,
    /// SKU id.
    pub sku_id: String,
    /// Product name.
    pub product_name: String,
    /// SKU name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_name: Option<String>,
    /// Kind of charge.
    pub charge_type: ChargeType,
    /// Legacy grouping (D series only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<ChargeCategory>,
    /// Units.
    pub quantity: Decimal,
    /// Price per unit, pricing currency.
    pub unit_price: Decimal,
    /// Discount on the line, pricing currency (not negative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Decimal>,
    /// The currency of the price.
    pub pricing_currency: Currency,
    /// Billing-currency units per pricing unit; `None` when the currencies are the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<Decimal>,
    /// The rate's date.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "iso_date::option"
    )]
    pub exchange_rate_date: Option<Date>,
    /// Tax rate as a fraction.
    pub tax_rate: Decimal,
    /// Publisher of a marketplace product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher_name: Option<String>,
    /// Publisher's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher_address: Option<String>,
    /// First day charged.
    #[serde(with = "iso_date")]
    pub charge_start: Date,
    /// Last day charged.
    #[serde(with = "iso_date")]
    pub charge_end: Date,
    /// Reconciliation identifiers.
    #[serde(default)]
    pub details: ChargeDetails,
}

/// A validated charge, ready to be billed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// The partner billed.
    pub partner_id: PartnerId,
    /// The month it is billed in.
    pub period: Period,
    /// Its invoice series.
    pub series: Series,
    /// The currency it is billed in (its billing profile's).
    pub billing_currency: Currency,
    /// Third-party product (billed on a separate invoice).
    pub marketplace: bool,
    /// What goes on the invoice line.
    pub item: LineItem,
}

/// A stored charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeRecord {
    /// Its id.
    pub id: ChargeId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The charge.
    pub charge: Charge,
    /// The billing run that billed it, once billed.
    pub run_id: Option<BillingRunId>,
    /// Recorded.
    pub created_at: OffsetDateTime,
}

/// Reads a decimal field with at most `decimals` places.
pub(super) fn decimal(
    check: &mut Checker,
    field: &str,
    value: Option<DecimalInput>,
    decimals: u32,
) -> Option<Decimal> {
    let value = value?.0;
    // Trailing zeros are kept ("0.10" stays "0.10") unless they exceed the limit.
    let value = if value.scale() > decimals {
        value.normalize()
    } else {
        value
    };
    if value.scale() > decimals {
        check.fail(
            "too_many_decimals",
            field,
            format!("{field} has at most {decimals} decimal places"),
        );
        return None;
    }
    Some(value)
}

fn currency(check: &mut Checker, field: &str, value: Option<String>) -> Option<Currency> {
    let code = check.text(field, value, 3);
    if code.is_none() && !check.has_error_on(field) {
        check.fail("missing_field", field, format!("{field} is required"));
    }
    Currency::parse(&code?)
        .map_err(|e| check.fail("unknown_currency", field, e.to_string()))
        .ok()
}

fn required<T>(check: &mut Checker, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() && !check.has_error_on(field) {
        check.fail("missing_field", field, format!("{field} is required"));
    }
    value
}

impl ChargeInput {
    /// The pricing currency named, if it is a known one (used to pick a billing profile
    /// before validating).
    pub fn pricing_currency(&self) -> Option<Currency> {
        Currency::parse(self.pricing_currency.as_deref()?).ok()
    }

    /// The billing currency named, if it is a known one.
    pub fn billing_currency(&self) -> Option<Currency> {
        Currency::parse(self.billing_currency.as_deref()?).ok()
    }

    /// Validates the charge for `partner_id`, billed in `billing_currency` (resolved by the
    /// caller from the partner's profiles). Reports every problem.
    pub fn validate(
        self,
        partner_id: PartnerId,
        billing_currency: Currency,
    ) -> Result<Charge, Vec<FieldError>> {
        let mut check = Checker::new("charge");
        let order_id = check.required("order_id", self.order_id, MAX_ID);
        let order_date = check_date(&mut check, "order_date", self.order_date);
        let order_date = required(&mut check, "order_date", order_date);
        let product_id = check.required("product_id", self.product_id, MAX_ID);
        let sku_id = check.required("sku_id", self.sku_id, MAX_ID);
        let product_name = check.required("product_name", self.product_name, MAX_NAME);
        let sku_name = check.text("sku_name", self.sku_name, MAX_NAME);
        let charge_type = match self.charge_type.as_deref().map(str::trim) {
            None | Some("") => required(&mut check, "charge_type", None),
            Some(text) => ChargeType::parse(text).or_else(|| {
                check.fail(
                    "invalid_charge_type",
                    "charge_type",
                    format!("charge_type is one of {}", ChargeType::names()),
                );
                None
            }),
        };
        let series = match self.series.as_deref().map(str::trim) {
            None | Some("") => required(&mut check, "series", None),
            Some(text) => Series::parse(&text.to_ascii_uppercase()).or_else(|| {
                check.fail("invalid_series", "series", "series is G or D");
                None
            }),
        };
        let category = match (self.category.as_deref().map(str::trim), series) {
            (None | Some(""), Some(Series::D)) => Some(ChargeCategory::Other),
            (None | Some(""), _) => None,
            (Some(_), Some(Series::G)) => {
                check.fail(
                    "category_not_applicable",
                    "category",
                    "only legacy (D) charges have a category",
                );
                None
            }
            (Some(text), _) => ChargeCategory::parse(text).or_else(|| {
                check.fail(
                    "invalid_category",
                    "category",
                    format!("category is one of {}", ChargeCategory::names()),
                );
                None
            }),
        };
        let quantity = decimal(&mut check, "quantity", self.quantity, PRICE_DECIMALS);
        let quantity = required(&mut check, "quantity", quantity);
        if let (Some(quantity), Some(charge_type)) = (quantity, charge_type) {
            check_sign(&mut check, "quantity", charge_type, quantity);
        }
        let unit_price = decimal(&mut check, "unit_price", self.unit_price, PRICE_DECIMALS);
        let unit_price = required(&mut check, "unit_price", unit_price);
        if unit_price.is_some_and(|p| p.is_sign_negative() && !p.is_zero()) {
            check.fail(
                "negative_price",
                "unit_price",
                "unit_price cannot be negative; returns have a negative quantity",
            );
        }
        let discount = decimal(&mut check, "discount", self.discount, PRICE_DECIMALS);
        if let (Some(discount), Some(price), Some(quantity)) = (discount, unit_price, quantity)
            && (discount.is_sign_negative()
                || price
                    .checked_mul(quantity)
                    .is_none_or(|gross| discount > gross.abs()))
        {
            check.fail(
                "invalid_discount",
                "discount",
                "discount is between zero and the line's price times its quantity",
            );
        }
        let pricing_currency = currency(&mut check, "pricing_currency", self.pricing_currency);
        let rate = decimal(
            &mut check,
            "exchange_rate",
            self.exchange_rate,
            RATE_DECIMALS,
        );
        let rate_date = check_date(&mut check, "exchange_rate_date", self.exchange_rate_date);
        let (exchange_rate, exchange_rate_date) = exchange(
            &mut check,
            pricing_currency,
            billing_currency,
            rate,
            rate_date,
        );
        let tax_rate = decimal(&mut check, "tax_rate", self.tax_rate, PRICE_DECIMALS);
        let tax_rate = required(&mut check, "tax_rate", tax_rate);
        if tax_rate.is_some_and(|r| r.is_sign_negative() || r >= Decimal::ONE) {
            check.fail(
                "invalid_tax_rate",
                "tax_rate",
                "tax_rate is a fraction from 0 to below 1, e.g. \"0.10\"",
            );
        }
        let marketplace = self.marketplace.unwrap_or(false);
        let publisher_name = check.text("publisher_name", self.publisher_name, MAX_NAME);
        let publisher_address =
            check.text("publisher_address", self.publisher_address, MAX_ADDRESS);
        if marketplace && (publisher_name.is_none() || publisher_address.is_none()) {
            check.fail(
                "publisher_required",
                if publisher_name.is_none() {
                    "publisher_name"
                } else {
                    "publisher_address"
                },
                "marketplace charges name their publisher and its address",
            );
        }
        let charge_start = check_date(&mut check, "charge_start", self.charge_start);
        let charge_start = required(&mut check, "charge_start", charge_start);
        let charge_end = check_date(&mut check, "charge_end", self.charge_end);
        let charge_end = required(&mut check, "charge_end", charge_end);
        if let (Some(start), Some(end)) = (charge_start, charge_end)
            && end < start
        {
            check.fail(
                "invalid_charge_period",
                "charge_end",
                "charge_end is before charge_start",
            );
        }
        let period = match self.period.as_deref() {
            Some(text) => Period::parse(text).or_else(|| {
                check.fail("invalid_period", "period", "period is YYYY-MM");
                None
            }),
            None => charge_start.map(Period::of),
        };
        let details = self.details.unwrap_or_default().validate(&mut check);
        let item = (|| {
            Some(LineItem {
                order_id,
                order_date: order_date?,
                product_id,
                sku_id,
                product_name,
                sku_name,
                charge_type: charge_type?,
                category,
                quantity: quantity?,
                unit_price: unit_price?,
                discount: discount.filter(|d| !d.is_zero()),
                pricing_currency: pricing_currency?,
                exchange_rate,
                exchange_rate_date,
                tax_rate: tax_rate?,
                publisher_name,
                publisher_address,
                charge_start: charge_start?,
                charge_end: charge_end?,
                details,
            })
        })();
        let charge = item
            .zip(period)
            .zip(series)
            .map(|((item, period), series)| Charge {
                partner_id,
                period,
                series,
                billing_currency,
                marketplace,
                item,
            });
        match (check.finish(()), charge) {
            (Ok(()), Some(charge)) => Ok(charge),
            (Err(errors), _) => Err(errors),
            (Ok(()), None) => Err(vec![FieldError::new(
                "charge.invalid",
                "charge",
                "the charge is incomplete",
            )]),
        }
    }
}

/// A date given as text, kept as `YYYY-MM-DD`.
fn iso_date_text(check: &mut Checker, field: &str, value: Option<String>) -> Option<String> {
    check_date(check, field, value).map(|date| date.to_string())
}

fn check_date(check: &mut Checker, field: &str, value: Option<String>) -> Option<Date> {
    check.date(field, value)
}

/// Returns and cancellations are negative; purchases, upgrades, cycles and renewals are
/// positive; adjustments go either way but are never zero.
pub(super) fn check_sign(
    check: &mut Checker,
    field: &str,
    charge_type: ChargeType,
    quantity: Decimal,
) {
    let ok = match charge_type {
        ChargeType::Cancellation => quantity < Decimal::ZERO,
        ChargeType::Adjustment => !quantity.is_zero(),
        _ => quantity > Decimal::ZERO,
    };
    if !ok {
        let message = match charge_type {
            ChargeType::Cancellation => "a cancellation has a negative quantity".to_owned(),
            ChargeType::Adjustment => "an adjustment has a non-zero quantity".to_owned(),
            other => format!("a {other} charge has a positive quantity"),
        };
        check.fail("invalid_quantity", field, message);
    }
}

/// The rate to record: required when the currencies differ, absent (or 1) otherwise.
fn exchange(
    check: &mut Checker,
    pricing: Option<Currency>,
    billing: Currency,
    rate: Option<Decimal>,
    date: Option<Date>,
) -> (Option<Decimal>, Option<Date>) {
    let Some(pricing) = pricing else {
        return (None, None);
    };
    if pricing == billing {
        if rate.is_some_and(|r| r != Decimal::ONE) {
            check.fail(
                "exchange_rate_not_applicable",
                "exchange_rate",
                format!("the charge is priced in its billing currency {billing}; it takes no rate"),
            );
        }
        return (None, None);
    }
    match (rate, date) {
        (None, _) if !check.has_error_on("exchange_rate") => {
            check.fail(
                "exchange_rate_required",
                "exchange_rate",
                format!("priced in {pricing} and billed in {billing}: give exchange_rate and exchange_rate_date"),
            );
            (None, None)
        }
        (Some(rate), _) if rate <= Decimal::ZERO => {
            check.fail(
                "invalid_exchange_rate",
                "exchange_rate",
                "exchange_rate is above zero",
            );
            (None, None)
        }
        (Some(_), None) if !check.has_error_on("exchange_rate_date") => {
            check.fail(
                "exchange_rate_date_required",
                "exchange_rate_date",
                "exchange_rate_date is required with exchange_rate",
            );
            (None, None)
        }
        (rate, date) => (rate, date),
    }
}
