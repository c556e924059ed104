//! Contracts and transfers as clients send them, and their validation.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Contract, Cycle, FeeRule, Taxation, Transfer, TransferKind};
use crate::currency::Currency;
use crate::ids::PartnerId;
use crate::money::DecimalInput;
use crate::validation::{Checker, FieldError};

/// Longest external id, order, product or category.
pub const MAX_REFERENCE: usize = 100;
/// Default business-income tax withheld from individuals (3 %; local income tax adds a
/// tenth of it, 0.3 %).
pub const DEFAULT_INCOME_TAX_RATE: Decimal = Decimal::from_parts(3, 0, 0, false, 2);

/// A contract as a client sends it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContractInput {
    /// The partner.
    pub partner_id: Option<String>,
    /// First day it applies to, `YYYY-MM-DD`.
    pub effective_from: Option<String>,
    /// The currency of the partner's transfers.
    pub currency: Option<String>,
    /// The fee rate, a fraction (`"0.108"`).
    pub fee_rate: Option<DecimalInput>,
    /// Rates by category.
    pub category_fee_rates: Option<BTreeMap<String, DecimalInput>>,
    /// Rates by product.
    pub product_fee_rates: Option<BTreeMap<String, DecimalInput>>,
    /// A fixed fee per order.
    pub fixed_fee_per_order: Option<DecimalInput>,
    /// The partner's share of discounts, 0 to 1.
    pub partner_discount_share: Option<DecimalInput>,
    /// `daily`, `weekly` or `monthly`.
    pub cycle: Option<String>,
    /// Daily: days to payment; weekly: 1 (Monday) to 7; monthly: day of the next month.
    pub payout_day: Option<u8>,
    /// `reverse_tax_invoice`, `forward_fee_invoice` or `withholding`.
    pub taxation: Option<String>,
    /// Withholding only: the income tax rate (default 0.03).
    pub income_tax_rate: Option<DecimalInput>,
}

/// A transfer as a client sends it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransferInput {
    /// The platform's id of it (a transfer sent twice is recorded once).
    pub external_id: Option<String>,
    /// The partner.
    pub partner_id: Option<String>,
    /// `order`, `cancellation`, `partial_refund`, `shipping_fee` or `adjustment`.
    pub kind: Option<String>,
    /// When it happened, `YYYY-MM-DD`.
    pub occurred_on: Option<String>,
    /// The order.
    pub order_id: Option<String>,
    /// The product.
    pub product_id: Option<String>,
    /// The category.
    pub category: Option<String>,
    /// The amount (negative for cancellations and refunds).
    pub amount: Option<DecimalInput>,
    /// Discounts within it, with its sign.
    pub discount: Option<DecimalInput>,
}

fn rate(check: &mut Checker, field: &str, value: Option<DecimalInput>) -> Option<Decimal> {
    let value = value?.0;
    if value.is_sign_negative() || value > Decimal::ONE {
        check.fail(
            "invalid_rate",
            field,
            format!("{field} is a fraction from 0 to 1"),
        );
        return None;
    }
    Some(value)
}

fn rates(
    check: &mut Checker,
    field: &str,
    value: Option<BTreeMap<String, DecimalInput>>,
) -> BTreeMap<String, Decimal> {
    value
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, r)| {
            Some((
                key.clone(),
                rate(check, &format!("{field}.{key}"), Some(r))?,
            ))
        })
        .collect()
}

fn amount(
    check: &mut Checker,
    field: &str,
    value: Option<DecimalInput>,
    currency: Currency,
) -> Option<Decimal> {
    let value = value?.0;
    if value.normalize().scale() > currency.decimals() {
        check.fail(
            "too_many_decimals",
            field,
            format!(
                "{currency} amounts have at most {} decimals",
                currency.decimals()
            ),
        );
        return None;
    }
    Some(value)
}

impl ContractInput {
    /// Validates the contract for `partner_id`, reporting every problem.
    pub fn validate(self, partner_id: PartnerId) -> Result<Contract, Vec<FieldError>> {
        let mut check = Checker::new("settlement_contract");
        let effective_from = check.date("effective_from", self.effective_from.clone());
        if self.effective_from.is_none() {
            check.fail(
                "missing_field",
                "effective_from",
                "effective_from is required",
            );
        }
        let currency = match self.currency.as_deref().map(Currency::parse) {
            Some(Ok(currency)) => Some(currency),
            Some(Err(e)) => {
                check.fail("unknown_currency", "currency", e.to_string());
                None
            }
            None => {
                check.fail("missing_field", "currency", "currency is required");
                None
            }
        };
        let fee_rate = rate(&mut check, "fee_rate", self.fee_rate).unwrap_or_default();
        let category_rates = rates(&mut check, "category_fee_rates", self.category_fee_rates);
        let product_rates = rates(&mut check, "product_fee_rates", self.product_fee_rates);
        let fixed = match currency {
            Some(c) => amount(
                &mut check,
                "fixed_fee_per_order",
                self.fixed_fee_per_order,
                c,
            ),
            None => None,
        }
        .unwrap_or_default();
        if fixed.is_sign_negative() && !fixed.is_zero() {
            check.fail(
                "invalid_amount",
                "fixed_fee_per_order",
                "the fixed fee is not negative",
            );
        }
        let share = rate(
            &mut check,
            "partner_discount_share",
            self.partner_discount_share,
        )
        .unwrap_or_default();
        let cycle = cycle(&mut check, self.cycle.as_deref(), self.payout_day);
        let taxation = match self.taxation.as_deref() {
            None | Some("reverse_tax_invoice") => Some(Taxation::ReverseTaxInvoice),
            Some("forward_fee_invoice") => Some(Taxation::ForwardFeeInvoice),
            Some("withholding") => Some(Taxation::Withholding {
                income_tax_rate: rate(&mut check, "income_tax_rate", self.income_tax_rate)
                    .unwrap_or(DEFAULT_INCOME_TAX_RATE),
            }),
            Some(_) => {
                check.fail(
                    "invalid_taxation",
                    "taxation",
                    "taxation is reverse_tax_invoice, forward_fee_invoice or withholding",
                );
                None
            }
        };
        let contract = (|| {
            Some(Contract {
                partner_id,
                effective_from: effective_from?,
                currency: currency?,
                fee: FeeRule {
                    rate: fee_rate,
                    category_rates,
                    product_rates,
                    fixed_per_order: fixed,
                },
                partner_discount_share: share,
                cycle: cycle?,
                taxation: taxation?,
            })
        })();
        match (check.finish(()), contract) {
            (Ok(()), Some(contract)) => Ok(contract),
            (Err(errors), _) => Err(errors),
            (Ok(()), None) => Err(vec![FieldError::new(
                "settlement_contract.invalid",
                "settlement_contract",
                "the contract is incomplete",
            )]),
        }
    }
}

fn cycle(check: &mut Checker, kind: Option<&str>, day: Option<u8>) -> Option<Cycle> {
    let invalid = |check: &mut Checker, message: &str| {
        check.fail("invalid_payout_day", "payout_day", message);
        None
    };
    match kind {
        Some("daily") => match day.unwrap_or(1) {
            d @ 0..=60 => Some(Cycle::Daily {
                payout_after_days: d,
            }),
            _ => invalid(check, "a daily cycle pays 0 to 60 days later"),
        },
        Some("weekly") => {
            let day = day.unwrap_or(3);
            if (1..=7).contains(&day) {
                Some(Cycle::Weekly {
                    payout_weekday: time::Weekday::Monday.nth_next(day - 1),
                })
            } else {
                invalid(check, "a weekly cycle pays on day 1 (Monday) to 7 (Sunday)")
            }
        }
        None | Some("monthly") => match day.unwrap_or(10) {
            d @ 1..=31 => Some(Cycle::Monthly { payout_day: d }),
            _ => invalid(
                check,
                "a monthly cycle pays on day 1 to 31 of the next month",
            ),
        },
        Some(_) => {
            check.fail(
                "invalid_cycle",
                "cycle",
                "cycle is daily, weekly or monthly",
            );
            None
        }
    }
}

impl TransferInput {
    /// Validates a transfer for `partner_id`, whose amounts are in `currency`, reporting
    /// every problem.
    pub fn validate(
        self,
        partner_id: PartnerId,
        currency: Currency,
    ) -> Result<Transfer, Vec<FieldError>> {
        let mut check = Checker::new("transfer");
        let external_id = check.required("external_id", self.external_id, MAX_REFERENCE);
        let kind = match self.kind.as_deref() {
            Some(text) => TransferKind::parse(text).or_else(|| {
                check.fail(
                    "invalid_kind",
                    "kind",
                    format!("kind is one of {}", TransferKind::names()),
                );
                None
            }),
            None => {
                check.fail("missing_field", "kind", "kind is required");
                None
            }
        };
        let occurred_on = check.date("occurred_on", self.occurred_on.clone());
        if self.occurred_on.is_none() {
            check.fail("missing_field", "occurred_on", "occurred_on is required");
        }
        let order_id = check.text("order_id", self.order_id, MAX_REFERENCE);
        let product_id = check.text("product_id", self.product_id, MAX_REFERENCE);
        let category = check.text("category", self.category, MAX_REFERENCE);
        let amount_value = amount(&mut check, "amount", self.amount, currency);
        if self.amount.is_none() && !check.has_error_on("amount") {
            check.fail("missing_field", "amount", "amount is required");
        }
        let discount = amount(&mut check, "discount", self.discount, currency).unwrap_or_default();
        if let (Some(kind), Some(value)) = (kind, amount_value) {
            let ok = match kind {
                TransferKind::Order | TransferKind::ShippingFee => value > Decimal::ZERO,
                TransferKind::Cancellation | TransferKind::PartialRefund => value < Decimal::ZERO,
                TransferKind::Adjustment => !value.is_zero(),
            };
            if !ok {
                check.fail(
                    "invalid_amount",
                    "amount",
                    "orders and shipping fees are positive, cancellations and refunds negative, adjustments not zero",
                );
            }
            let within = discount.is_zero()
                || (discount.is_sign_negative() == value.is_sign_negative()
                    && discount.abs() <= value.abs()
                    && !matches!(kind, TransferKind::ShippingFee | TransferKind::Adjustment));
            if !within {
                check.fail(
                    "invalid_discount",
                    "discount",
                    "a discount has the amount's sign, is at most the amount, and only on orders, cancellations and refunds",
                );
            }
        }
        let transfer = (|| {
            Some(Transfer {
                external_id,
                partner_id,
                kind: kind?,
                occurred_on: occurred_on?,
                order_id,
                product_id,
                category,
                amount: amount_value?,
                discount,
            })
        })();
        match (check.finish(()), transfer) {
            (Ok(()), Some(transfer)) => Ok(transfer),
            (Err(errors), _) => Err(errors),
            (Ok(()), None) => Err(vec![FieldError::new(
                "transfer.invalid",
                "transfer",
                "the transfer is incomplete",
            )]),
        }
    }
}
