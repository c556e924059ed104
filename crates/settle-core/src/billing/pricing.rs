//! Line amounts and invoice totals. A line's amount is its price times its quantity,
//! converted to the billing currency and rounded once; its tax is rounded per line, half
//! away from zero; an invoice's tax is the sum of its rounded line taxes.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{ChargeCategory, LineItem, Series};
use crate::currency::Currency;
use crate::money::MoneyError;
use crate::rounding::{RoundingMode, line_tax, try_round};

/// How line taxes are rounded: half away from zero, the seed's rule (0.975 → 0.98).
pub const TAX_ROUNDING: RoundingMode = RoundingMode::HalfAwayFromZero;

/// The amounts of one line in the billing currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// Price × quantity, converted and rounded.
    pub gross: Decimal,
    /// The discount, converted and rounded, with the sign of `gross`.
    pub discount: Decimal,
    /// `gross - discount`: what the line charges before tax.
    pub amount: Decimal,
    /// `amount × tax rate`, rounded half away from zero.
    pub tax: Decimal,
    /// `amount + tax`.
    pub total: Decimal,
}

fn overflow<T>(value: Option<T>) -> Result<T, MoneyError> {
    value.ok_or(MoneyError::Overflow)
}

/// Prices `item` in `billing`: `conversion` rounds price × quantity × rate (half away from
/// zero by default; truncation for tenants that chose it), tax is rounded per line.
pub fn price(
    item: &LineItem,
    billing: Currency,
    conversion: RoundingMode,
) -> Result<PricedLine, MoneyError> {
    let decimals = billing.decimals();
    let rate = item.exchange_rate.unwrap_or(Decimal::ONE);
    let gross = overflow(item.unit_price.checked_mul(item.quantity))?;
    let gross = try_round(overflow(gross.checked_mul(rate))?, decimals, conversion)?;
    let discount = overflow(item.discount.unwrap_or_default().checked_mul(rate))?;
    let mut discount = try_round(discount, decimals, conversion)?;
    if gross.is_sign_negative() && !discount.is_zero() {
        discount = -discount;
    }
    let amount = overflow(gross.checked_sub(discount))?;
    priced(gross, discount, amount, item.tax_rate, decimals)
}

fn priced(
    gross: Decimal,
    discount: Decimal,
    amount: Decimal,
    tax_rate: Decimal,
    decimals: u32,
) -> Result<PricedLine, MoneyError> {
    let tax = line_tax(amount, tax_rate, decimals, TAX_ROUNDING)?;
    let total = overflow(amount.checked_add(tax))?;
    Ok(PricedLine {
        gross,
        discount,
        amount,
        tax,
        total,
    })
}

impl PricedLine {
    /// The exact negative of this line (a void note's line).
    pub fn negated(&self) -> PricedLine {
        let neg = |d: Decimal| if d.is_zero() { d } else { -d };
        PricedLine {
            gross: neg(self.gross),
            discount: neg(self.discount),
            amount: neg(self.amount),
            tax: neg(self.tax),
            total: neg(self.total),
        }
    }
}

/// The unit price after the line's discount, in the pricing currency: `unit price −
/// discount ÷ |quantity|`, rounded half away from zero to the decimals prices keep.
pub fn effective_unit_price(item: &LineItem) -> Option<Decimal> {
    let discount = item.discount.unwrap_or_default();
    let per_unit = discount.checked_div(item.quantity.abs())?;
    let price = item.unit_price.checked_sub(per_unit)?;
    try_round(price, super::charge::PRICE_DECIMALS, TAX_ROUNDING).ok()
}

/// What totals need of a line.
#[derive(Clone, Copy, Debug)]
pub struct LineAmounts {
    /// The line's amounts.
    pub priced: PricedLine,
    /// Its tax rate (tax-exclusive credits have none).
    pub tax_rate: Decimal,
    /// Its legacy grouping.
    pub category: Option<ChargeCategory>,
}

/// The totals of a document, in its currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of the positive lines before discount.
    pub charges: Decimal,
    /// Sum of the discounts of the positive lines.
    pub discount: Decimal,
    /// Sum of the negative lines (as a positive number).
    pub credits: Decimal,
    /// Legacy: tax-exclusive credits (negative lines without tax), after tax.
    pub other_credits: Decimal,
    /// `charges - discount - credits`.
    pub subtotal: Decimal,
    /// Sum of the rounded line taxes.
    pub tax: Decimal,
    /// `subtotal + tax - other_credits`, which is also the sum of the line totals.
    pub total: Decimal,
    /// Legacy: positive license-based charges.
    pub license_based: Decimal,
    /// Legacy: positive usage-based charges.
    pub usage_based: Decimal,
    /// Legacy: other positive charges.
    pub other_charges: Decimal,
}

impl Totals {
    /// All zero, at `currency`'s decimals.
    pub fn zero(currency: Currency) -> Totals {
        let mut zero = Decimal::ZERO;
        zero.rescale(currency.decimals());
        Totals {
            charges: zero,
            discount: zero,
            credits: zero,
            other_credits: zero,
            subtotal: zero,
            tax: zero,
            total: zero,
            license_based: zero,
            usage_based: zero,
            other_charges: zero,
        }
    }

    /// The totals of a document holding the lines of both: every total is a sum, so the
    /// totals of two sets of lines add up field by field.
    pub fn plus(&self, other: &Totals) -> Result<Totals, MoneyError> {
        let add = |a: Decimal, b: Decimal| overflow(a.checked_add(b));
        Ok(Totals {
            charges: add(self.charges, other.charges)?,
            discount: add(self.discount, other.discount)?,
            credits: add(self.credits, other.credits)?,
            other_credits: add(self.other_credits, other.other_credits)?,
            subtotal: add(self.subtotal, other.subtotal)?,
            tax: add(self.tax, other.tax)?,
            total: add(self.total, other.total)?,
            license_based: add(self.license_based, other.license_based)?,
            usage_based: add(self.usage_based, other.usage_based)?,
            other_charges: add(self.other_charges, other.other_charges)?,
        })
    }
}

/// Adds `lines` up for a document of `series` in `currency`.
pub fn totals(
    series: Series,
    lines: impl IntoIterator<Item = LineAmounts>,
    currency: Currency,
) -> Result<Totals, MoneyError> {
    let mut t = Totals::zero(currency);
    let add = |sum: &mut Decimal, value: Decimal| -> Result<(), MoneyError> {
        *sum = overflow(sum.checked_add(value))?;
        Ok(())
    };
    for line in lines {
        let p = line.priced;
        add(&mut t.tax, p.tax)?;
        if p.gross > Decimal::ZERO {
            add(&mut t.charges, p.gross)?;
            add(&mut t.discount, p.discount)?;
            let bucket = match line.category {
                Some(ChargeCategory::License) => &mut t.license_based,
                Some(ChargeCategory::Usage) => &mut t.usage_based,
                Some(ChargeCategory::Other) => &mut t.other_charges,
                None => continue,
            };
            add(bucket, p.gross)?;
        } else if series == Series::D && line.tax_rate.is_zero() {
            add(&mut t.other_credits, -p.amount)?;
        } else {
            add(&mut t.credits, -p.amount)?;
        }
    }
    t.subtotal = overflow(
        t.charges
            .checked_sub(t.discount)
            .and_then(|s| s.checked_sub(t.credits)),
    )?;
    t.total = overflow(
        t.subtotal
            .checked_add(t.tax)
            .and_then(|s| s.checked_sub(t.other_credits)),
    )?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{ChargeDetails, ChargeType};
    use rust_decimal_macros::dec;
    use time::macros::date;

    pub(crate) fn item(price: Decimal, quantity: Decimal, tax_rate: Decimal) -> LineItem {
        LineItem {
            order_id: "o".into(),
            order_date: date!(2026 - 10 - 01),
            product_id: "p".into(),
            sku_id: "s".into(),
            product_name: "Product".into(),
            sku_name: None,
            charge_type: ChargeType::New,
            category: None,
            quantity,
            unit_price: price,
            discount: None,
            pricing_currency: Currency::USD,
            exchange_rate: None,
            exchange_rate_date: None,
            tax_rate,
            publisher_name: None,
            publisher_address: None,
            charge_start: date!(2026 - 10 - 01),
            charge_end: date!(2026 - 10 - 31),
            details: ChargeDetails::default(),
        }
    }

    fn amounts(line: PricedLine) -> LineAmounts {
        LineAmounts {
            priced: line,
            tax_rate: dec!(0.10),
            category: None,
        }
    }

    #[test]
    fn the_seed_example_taxes_each_line_then_sums() {
        let a = price(
            &item(dec!(9.75), dec!(1), dec!(0.10)),
            Currency::USD,
            TAX_ROUNDING,
        )
        .unwrap();
        let b = price(
            &item(dec!(10.25), dec!(1), dec!(0.10)),
            Currency::USD,
            TAX_ROUNDING,
        )
        .unwrap();
        assert_eq!((a.tax, b.tax), (dec!(0.98), dec!(1.03)));
        let t = totals(Series::G, [amounts(a), amounts(b)], Currency::USD).unwrap();
        assert_eq!(t.subtotal.to_string(), "20.00");
        assert_eq!(t.tax.to_string(), "2.01");
        assert_eq!(t.total.to_string(), "22.01");
    }

    #[test]
    fn conversion_rounds_once_in_the_billing_currency_with_the_chosen_mode() {
        let mut line = item(dec!(0.123456), dec!(3), dec!(0.10));
        line.exchange_rate = Some(dec!(1385.5));
        // 0.370368 × 1385.5 = 513.144864 KRW
        let half = price(&line, Currency::KRW, RoundingMode::HalfAwayFromZero).unwrap();
        assert_eq!(half.amount.to_string(), "513");
        line.exchange_rate = Some(dec!(1386.9));
        // 0.370368 × 1386.9 = 513.6633... → 514 half up, 513 truncated
        assert_eq!(
            price(&line, Currency::KRW, RoundingMode::HalfAwayFromZero)
                .unwrap()
                .amount,
            dec!(514)
        );
        assert_eq!(
            price(&line, Currency::KRW, RoundingMode::TowardZero)
                .unwrap()
                .amount,
            dec!(513)
        );
    }

    #[test]
    fn returns_are_credits_and_discounts_reduce_the_subtotal() {
        let mut bought = item(dec!(100), dec!(2), dec!(0.10));
        bought.discount = Some(dec!(20));
        let mut returned = item(dec!(100), dec!(-1), dec!(0.10));
        returned.charge_type = ChargeType::Cancellation;
        let a = price(&bought, Currency::USD, TAX_ROUNDING).unwrap();
        let b = price(&returned, Currency::USD, TAX_ROUNDING).unwrap();
        assert_eq!((a.amount, a.tax), (dec!(180.00), dec!(18.00)));
        assert_eq!((b.amount, b.tax), (dec!(-100.00), dec!(-10.00)));
        let t = totals(Series::G, [amounts(a), amounts(b)], Currency::USD).unwrap();
        assert_eq!(
            (t.charges, t.discount, t.credits, t.subtotal, t.tax, t.total),
            (dec!(200), dec!(20), dec!(100), dec!(80), dec!(8), dec!(88))
        );
        assert_eq!(t.total, a.total + b.total);
    }
}
