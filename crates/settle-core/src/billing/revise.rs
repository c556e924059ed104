//! Corrections a rebill makes to the lines of an invoice: quantity, price, discount, tax
//! rate or exchange rate, checked by the same rules as a new charge.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::LineItem;
use super::charge::{PRICE_DECIMALS, RATE_DECIMALS, check_sign, decimal};
use crate::money::DecimalInput;
use crate::validation::{Checker, FieldError};

/// A change to one line of an invoice being rebilled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LineChange {
    /// The line of the original invoice.
    pub line_id: String,
    /// New quantity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<DecimalInput>,
    /// New unit price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<DecimalInput>,
    /// New discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<DecimalInput>,
    /// New tax rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<DecimalInput>,
    /// New exchange rate (lines priced in another currency only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<DecimalInput>,
}

impl LineChange {
    /// `item` with this change applied, or every problem with it; fields are named
    /// `{prefix}.quantity` and so on.
    pub fn apply(&self, item: &LineItem, prefix: &str) -> Result<LineItem, Vec<FieldError>> {
        let mut check = Checker::new("rebill");
        let field = |name: &str| format!("{prefix}.{name}");
        let mut item = item.clone();
        if let Some(q) = decimal(
            &mut check,
            &field("quantity"),
            self.quantity,
            PRICE_DECIMALS,
        ) {
            item.quantity = q;
        }
        if let Some(p) = decimal(
            &mut check,
            &field("unit_price"),
            self.unit_price,
            PRICE_DECIMALS,
        ) {
            if p.is_sign_negative() && !p.is_zero() {
                check.fail(
                    "negative_price",
                    &field("unit_price"),
                    "unit_price cannot be negative",
                );
            }
            item.unit_price = p;
        }
        if let Some(d) = decimal(
            &mut check,
            &field("discount"),
            self.discount,
            PRICE_DECIMALS,
        ) {
            item.discount = (!d.is_zero()).then_some(d);
        }
        if let Some(r) = decimal(
            &mut check,
            &field("tax_rate"),
            self.tax_rate,
            PRICE_DECIMALS,
        ) {
            if r.is_sign_negative() || r >= Decimal::ONE {
                check.fail(
                    "invalid_tax_rate",
                    &field("tax_rate"),
                    "tax_rate is a fraction from 0 to below 1",
                );
            }
            item.tax_rate = r;
        }
        if let Some(r) = decimal(
            &mut check,
            &field("exchange_rate"),
            self.exchange_rate,
            RATE_DECIMALS,
        ) {
            if item.exchange_rate.is_none() {
                check.fail(
                    "exchange_rate_not_applicable",
                    &field("exchange_rate"),
                    "the line is priced in its billing currency",
                );
            } else if r <= Decimal::ZERO {
                check.fail(
                    "invalid_exchange_rate",
                    &field("exchange_rate"),
                    "exchange_rate is above zero",
                );
            }
            item.exchange_rate = Some(r);
        }
        check_sign(
            &mut check,
            &field("quantity"),
            item.charge_type,
            item.quantity,
        );
        let discount = item.discount.unwrap_or_default();
        if item
            .unit_price
            .checked_mul(item.quantity)
            .is_none_or(|gross| discount > gross.abs())
        {
            check.fail(
                "invalid_discount",
                &field("discount"),
                "discount exceeds the line's price times its quantity",
            );
        }
        check.finish(item)
    }
}
