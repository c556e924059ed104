//! Settlement contracts: effective-dated terms per partner.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Weekday};

use crate::currency::Currency;
use crate::ids::PartnerId;

/// How the platform's fee is worked out: a rate of the sales (a product's rate over its
/// category's over the default), plus a fixed amount per order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRule {
    /// The default rate, as a fraction (`0.108`).
    pub rate: Decimal,
    /// Rates by category.
    #[serde(default)]
    pub category_rates: BTreeMap<String, Decimal>,
    /// Rates by product (over its category's).
    #[serde(default)]
    pub product_rates: BTreeMap<String, Decimal>,
    /// A fixed fee per order (returned with a cancellation).
    #[serde(default)]
    pub fixed_per_order: Decimal,
}

impl FeeRule {
    /// The rate of a product in a category.
    pub fn rate_for(&self, product: Option<&str>, category: Option<&str>) -> Decimal {
        product
            .and_then(|p| self.product_rates.get(p))
            .or_else(|| category.and_then(|c| self.category_rates.get(c)))
            .copied()
            .unwrap_or(self.rate)
    }
}

/// When settlements are closed and paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cycle {
    /// Every day, paid `payout_after_days` later.
    Daily {
        /// Days from the cycle's end to payment.
        payout_after_days: u8,
    },
    /// Monday to Sunday, paid on the next `payout_weekday`.
    Weekly {
        /// The day of payment.
        payout_weekday: Weekday,
    },
    /// A calendar month, paid on `payout_day` of the next month (the last day when the
    /// month is shorter).
    Monthly {
        /// Day of the next month, 1 to 31.
        payout_day: u8,
    },
}

impl Cycle {
    /// The first and last day of the cycle that holds `date`.
    pub fn period_of(&self, date: Date) -> (Date, Date) {
        match self {
            Cycle::Daily { .. } => (date, date),
            Cycle::Weekly { .. } => {
                let start =
                    date - Duration::days(i64::from(date.weekday().number_days_from_monday()));
                (start, start + Duration::days(6))
            }
            Cycle::Monthly { .. } => {
                let start = date.replace_day(1).unwrap_or(date);
                let end = date
                    .replace_day(date.month().length(date.year()))
                    .unwrap_or(date);
                (start, end)
            }
        }
    }

    /// The day a cycle ending on `end` is paid.
    pub fn payout_date(&self, end: Date) -> Date {
        match *self {
            Cycle::Daily { payout_after_days } => {
                end + Duration::days(i64::from(payout_after_days))
            }
            Cycle::Weekly { payout_weekday } => {
                let mut day = end + Duration::days(1);
                while day.weekday() != payout_weekday {
                    day += Duration::days(1);
                }
                day
            }
            Cycle::Monthly { payout_day } => {
                let next = end + Duration::days(1);
                let last = next.month().length(next.year());
                next.replace_day(payout_day.clamp(1, last)).unwrap_or(next)
            }
        }
    }
}

/// How a partner is taxed on its settlements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Taxation {
    /// A business partner issues a reverse tax invoice for its supply (the amount owed).
    ReverseTaxInvoice,
    /// A business partner receives the platform's forward tax invoice for the fees.
    ForwardFeeInvoice,
    /// An individual (no BRN): business-income tax is withheld at `income_tax_rate` (3 %
    /// by default) and local income tax at a tenth of it; no tax invoice.
    Withholding {
        /// The income tax rate, as a fraction.
        income_tax_rate: Decimal,
    },
}

/// A partner's settlement terms from `effective_from` until the next contract's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// The partner.
    pub partner_id: PartnerId,
    /// The first day it applies to.
    pub effective_from: Date,
    /// The currency of its amounts and of the transfers it settles.
    pub currency: Currency,
    /// The platform's fee.
    pub fee: FeeRule,
    /// The partner's share of discounts and coupons, as a fraction: 0 when the platform
    /// bears them, 1 when the partner does, between when shared.
    pub partner_discount_share: Decimal,
    /// When settlements close and are paid.
    pub cycle: Cycle,
    /// How the partner is taxed.
    pub taxation: Taxation,
}

/// The contract of `partner` in force on `date`: of its contracts effective by then, the
/// latest.
pub fn in_force<'a>(
    contracts: &'a [Contract],
    partner: &PartnerId,
    date: Date,
) -> Option<&'a Contract> {
    contracts
        .iter()
        .filter(|c| &c.partner_id == partner && c.effective_from <= date)
        .max_by_key(|c| c.effective_from)
}

/// Whether `taxation` fits a partner: an individual (no BRN) cannot issue or receive tax
/// invoices, so it is taxed by withholding; a business is taxed by tax invoice.
pub fn taxation_fits(
    taxation: &Taxation,
    has_brn: bool,
) -> Result<(), crate::validation::FieldError> {
    match (taxation, has_brn) {
        (Taxation::Withholding { .. }, false)
        | (Taxation::ReverseTaxInvoice | Taxation::ForwardFeeInvoice, true) => Ok(()),
        (Taxation::Withholding { .. }, true) => Err(crate::validation::FieldError::new(
            "settlement_contract.business_withholding",
            "taxation",
            "the partner has a business registration number: it is taxed by tax invoice, not withholding",
        )),
        (_, false) => Err(crate::validation::FieldError::new(
            "settlement_contract.individual_tax_invoice",
            "taxation",
            "the partner has no business registration number: an individual is taxed by withholding",
        )),
    }
}
