//! The arithmetic of a settlement.

use std::borrow::Borrow;

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Contract, Taxation, Transfer, TransferKind, in_force};
use crate::currency::Currency;
use crate::money::MoneyError;
use crate::rounding::{RoundingMode, try_round};

/// How fees and discount shares are rounded to the currency: half away from zero.
pub const SETTLEMENT_ROUNDING: RoundingMode = RoundingMode::HalfAwayFromZero;

/// What one transfer adds to a settlement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettlementLine {
    /// The transfer's id.
    pub external_id: String,
    /// Its kind.
    pub kind: TransferKind,
    /// Sales (negative for cancellations and refunds); zero for adjustments.
    pub sales: Decimal,
    /// The platform's fee on it (negative when returned).
    pub fee: Decimal,
    /// The fee rate applied.
    pub fee_rate: Decimal,
    /// The partner's share of the discount.
    pub partner_discount: Decimal,
    /// The platform's share of the discount.
    pub platform_discount: Decimal,
    /// An adjustment's amount.
    pub adjustment: Decimal,
    /// What the platform owes the partner for it.
    pub owed: Decimal,
}

/// Tax withheld from an individual's settlement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Withholding {
    /// Business-income tax (소득세).
    pub income_tax: Decimal,
    /// Local income tax (지방소득세), a tenth of the income tax.
    pub local_income_tax: Decimal,
}

/// A settlement: its lines and their sums.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Settlement {
    /// One per transfer, in the order given.
    pub lines: Vec<SettlementLine>,
    /// Σ sales.
    pub sales: Decimal,
    /// Σ fees.
    pub fees: Decimal,
    /// Σ partner-borne discounts.
    pub partner_discounts: Decimal,
    /// Σ platform-borne discounts.
    pub platform_discounts: Decimal,
    /// Σ adjustments.
    pub adjustments: Decimal,
    /// Σ owed: sales − fees − partner-borne discounts + adjustments.
    pub owed: Decimal,
    /// Tax withheld (individuals only).
    pub withholding: Withholding,
    /// What is paid out: owed − withholding.
    pub payout: Decimal,
}

/// Why a settlement cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    /// No contract of the transfer's partner, in the settlement's currency, was in force on
    /// its date.
    #[error("no contract is in force on {date} for transfer {external_id}")]
    NoContract {
        /// The transfer.
        external_id: String,
        /// Its date.
        date: time::Date,
    },
    /// A transfer's amount has more decimals than the currency, or the sums overflow.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

fn overflow(value: Option<Decimal>) -> Result<Decimal, MoneyError> {
    value.ok_or(MoneyError::Overflow)
}

/// `value` as given, refused when it has more decimals than `currency` keeps.
fn exact(value: Decimal, currency: Currency) -> Result<Decimal, MoneyError> {
    let decimals = currency.decimals();
    if value.normalize().scale() > decimals {
        return Err(MoneyError::TooManyDecimals { currency, decimals });
    }
    Ok(value)
}

/// The line of `transfer` under `contract`.
fn line(transfer: &Transfer, contract: &Contract) -> Result<SettlementLine, MoneyError> {
    let currency = contract.currency;
    let decimals = currency.decimals();
    let round = |value: Option<Decimal>| try_round(overflow(value)?, decimals, SETTLEMENT_ROUNDING);
    let mut out = SettlementLine {
        external_id: transfer.external_id.clone(),
        kind: transfer.kind,
        sales: Decimal::ZERO,
        fee: Decimal::ZERO,
        fee_rate: Decimal::ZERO,
        partner_discount: Decimal::ZERO,
        platform_discount: Decimal::ZERO,
        adjustment: Decimal::ZERO,
        owed: Decimal::ZERO,
    };
    match transfer.kind {
        TransferKind::Adjustment => {
            out.adjustment = exact(transfer.amount, currency)?;
            out.owed = out.adjustment;
            return Ok(out);
        }
        TransferKind::ShippingFee => {
            out.sales = exact(transfer.amount, currency)?;
            out.owed = out.sales;
            return Ok(out);
        }
        TransferKind::Order | TransferKind::Cancellation | TransferKind::PartialRefund => {}
    }
    out.sales = exact(transfer.amount, currency)?;
    let rate = contract
        .fee
        .rate_for(transfer.product_id.as_deref(), transfer.category.as_deref());
    out.fee_rate = rate;
    let fixed = match transfer.kind {
        TransferKind::Order => contract.fee.fixed_per_order,
        TransferKind::Cancellation => -contract.fee.fixed_per_order,
        _ => Decimal::ZERO,
    };
    out.fee = overflow(round(out.sales.checked_mul(rate))?.checked_add(fixed))?;
    let discount = exact(transfer.discount, currency)?;
    out.partner_discount = round(discount.checked_mul(contract.partner_discount_share))?;
    out.platform_discount = overflow(discount.checked_sub(out.partner_discount))?;
    out.owed = overflow(
        out.sales
            .checked_sub(out.fee)
            .and_then(|v| v.checked_sub(out.partner_discount)),
    )?;
    Ok(out)
}

/// Settles `transfers` (in the contract currency) under `contracts`, each transfer under
/// its partner's contract in force on its date; `taxation` is the cycle's contract's. An
/// amount with more decimals than the currency keeps is refused, not rounded.
pub fn settle<T: Borrow<Transfer>>(
    transfers: &[T],
    contracts: &[Contract],
    currency: Currency,
    taxation: Taxation,
) -> Result<Settlement, SettleError> {
    let mut lines = Vec::with_capacity(transfers.len());
    for transfer in transfers {
        let transfer = transfer.borrow();
        let contract = in_force(contracts, &transfer.partner_id, transfer.occurred_on)
            .filter(|c| c.currency == currency)
            .ok_or_else(|| SettleError::NoContract {
                external_id: transfer.external_id.clone(),
                date: transfer.occurred_on,
            })?;
        lines.push(line(transfer, contract)?);
    }
    let sum = |field: fn(&SettlementLine) -> Decimal| -> Result<Decimal, MoneyError> {
        lines
            .iter()
            .try_fold(Decimal::ZERO, |acc, l| overflow(acc.checked_add(field(l))))
    };
    let owed = sum(|l| l.owed)?;
    let withholding = match taxation {
        Taxation::Withholding { income_tax_rate } => withholding(owed, income_tax_rate, currency)?,
        _ => Withholding::default(),
    };
    let payout = overflow(
        owed.checked_sub(withholding.income_tax)
            .and_then(|v| v.checked_sub(withholding.local_income_tax)),
    )?;
    Ok(Settlement {
        sales: sum(|l| l.sales)?,
        fees: sum(|l| l.fee)?,
        partner_discounts: sum(|l| l.partner_discount)?,
        platform_discounts: sum(|l| l.platform_discount)?,
        adjustments: sum(|l| l.adjustment)?,
        owed,
        withholding,
        payout,
        lines,
    })
}

/// The tax withheld from paying `owed` to an individual, as Korean practice computes it:
/// income tax = `owed × rate`, then local income tax = a tenth of that, each rounded down
/// to the currency's unit (원 미만 절사). Nothing is withheld from nothing owed.
pub fn withholding(
    owed: Decimal,
    income_tax_rate: Decimal,
    currency: Currency,
) -> Result<Withholding, MoneyError> {
    if owed <= Decimal::ZERO {
        return Ok(Withholding::default());
    }
    let decimals = currency.decimals();
    let income_tax = try_round(
        overflow(owed.checked_mul(income_tax_rate))?,
        decimals,
        RoundingMode::TowardZero,
    )?;
    let local_income_tax = try_round(
        overflow(income_tax.checked_mul(Decimal::new(1, 1)))?,
        decimals,
        RoundingMode::TowardZero,
    )?;
    Ok(Withholding {
        income_tax,
        local_income_tax,
    })
}
