//! Crediting lines of a finalized invoice. A line can be credited in parts, by quantity or
//! by amount, but never beyond what is left; the part that takes the rest of a line takes
//! exactly the rest of its amount and tax, so a fully credited line nets to zero.

use rust_decimal::Decimal;

use super::pricing::TAX_ROUNDING;
use crate::currency::Currency;
use crate::rounding::{line_tax, try_round};

/// An invoice line as far as crediting it goes. `credited_*` are what earlier credit
/// notes took, as positive numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditableLine {
    /// Units billed.
    pub quantity: Decimal,
    /// Amount billed before tax.
    pub amount: Decimal,
    /// Tax billed.
    pub tax: Decimal,
    /// The line's tax rate.
    pub tax_rate: Decimal,
    /// Units credited so far.
    pub credited_quantity: Decimal,
    /// Amount credited so far.
    pub credited_amount: Decimal,
    /// Tax credited so far.
    pub credited_tax: Decimal,
}

/// What to credit of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditRequest {
    /// Units returned; the amount is their share of the line.
    Quantity(Decimal),
    /// An amount before tax.
    Amount(Decimal),
}

/// What one credit takes off a line, as positive numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditAmounts {
    /// Units credited (zero for a credit by amount that leaves part of the line).
    pub quantity: Decimal,
    /// Amount before tax.
    pub amount: Decimal,
    /// Tax.
    pub tax: Decimal,
}

/// Why a credit was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreditError {
    /// Only lines that charged something can be credited.
    #[error("only lines with a positive amount can be credited")]
    NotCreditable,
    /// Credits are positive quantities or amounts.
    #[error("the quantity or amount to credit must be above zero")]
    NotPositive,
    /// More than what is left of the line.
    #[error("only {remaining} is left to credit on this line")]
    ExceedsRemaining {
        /// What is left (units or amount, as requested).
        remaining: Decimal,
    },
    /// An amount with more decimals than the currency keeps.
    #[error("the amount has more decimals than the currency keeps")]
    TooManyDecimals,
    /// Arithmetic overflow.
    #[error("amount is too large")]
    Overflow,
}

impl CreditError {
    /// Stable code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotCreditable => "credit_note.line_not_creditable",
            Self::NotPositive => "credit_note.invalid_amount",
            Self::ExceedsRemaining { .. } => "credit_note.exceeds_remaining",
            Self::TooManyDecimals => "credit_note.too_many_decimals",
            Self::Overflow => "credit_note.overflow",
        }
    }
}

impl CreditableLine {
    /// Amount not credited yet.
    pub fn remaining_amount(&self) -> Decimal {
        self.amount - self.credited_amount
    }

    /// Tax not credited yet.
    pub fn remaining_tax(&self) -> Decimal {
        self.tax - self.credited_tax
    }

    /// Units not credited yet.
    pub fn remaining_quantity(&self) -> Decimal {
        self.quantity - self.credited_quantity
    }
}

/// Works out one credit on `line` in `currency`.
pub fn credit(
    line: &CreditableLine,
    request: CreditRequest,
    currency: Currency,
) -> Result<CreditAmounts, CreditError> {
    if line.amount <= Decimal::ZERO || line.quantity <= Decimal::ZERO {
        return Err(CreditError::NotCreditable);
    }
    let decimals = currency.decimals();
    let remaining = line.remaining_amount();
    let rest = CreditAmounts {
        quantity: line.remaining_quantity(),
        amount: remaining,
        tax: line.remaining_tax(),
    };
    let (quantity, amount) = match request {
        CreditRequest::Quantity(q) => {
            if q <= Decimal::ZERO {
                return Err(CreditError::NotPositive);
            }
            if q > rest.quantity {
                return Err(CreditError::ExceedsRemaining {
                    remaining: rest.quantity,
                });
            }
            if q == rest.quantity {
                return Ok(rest);
            }
            let share = line
                .amount
                .checked_mul(q)
                .and_then(|a| a.checked_div(line.quantity))
                .ok_or(CreditError::Overflow)?;
            let amount =
                try_round(share, decimals, TAX_ROUNDING).map_err(|_| CreditError::Overflow)?;
            (q, amount.min(remaining))
        }
        CreditRequest::Amount(a) => {
            if a <= Decimal::ZERO {
                return Err(CreditError::NotPositive);
            }
            if a.normalize().scale() > decimals {
                return Err(CreditError::TooManyDecimals);
            }
            if a > remaining {
                return Err(CreditError::ExceedsRemaining { remaining });
            }
            if a == remaining {
                return Ok(rest);
            }
            (Decimal::ZERO, a)
        }
    };
    if amount == remaining {
        return Ok(CreditAmounts { quantity, ..rest });
    }
    let tax = line_tax(amount, line.tax_rate, decimals, TAX_ROUNDING)
        .map_err(|_| CreditError::Overflow)?
        .min(rest.tax);
    Ok(CreditAmounts {
        quantity,
        amount,
        tax,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line() -> CreditableLine {
        CreditableLine {
            quantity: dec!(3),
            amount: dec!(10.00),
            tax: dec!(1.00),
            tax_rate: dec!(0.10),
            credited_quantity: dec!(0),
            credited_amount: dec!(0),
            credited_tax: dec!(0),
        }
    }

    #[test]
    fn partial_credits_then_the_rest_credit_the_line_exactly() {
        let mut l = line();
        let first = credit(&l, CreditRequest::Quantity(dec!(1)), Currency::USD).unwrap();
        assert_eq!((first.amount, first.tax), (dec!(3.33), dec!(0.33)));
        l.credited_quantity += first.quantity;
        l.credited_amount += first.amount;
        l.credited_tax += first.tax;
        let rest = credit(&l, CreditRequest::Quantity(dec!(2)), Currency::USD).unwrap();
        assert_eq!((rest.amount, rest.tax), (dec!(6.67), dec!(0.67)));
        assert_eq!(first.amount + rest.amount, l.amount);
        assert_eq!(first.tax + rest.tax, l.tax);
    }

    #[test]
    fn over_crediting_and_bad_requests_are_refused() {
        let l = line();
        assert_eq!(
            credit(&l, CreditRequest::Amount(dec!(10.01)), Currency::USD),
            Err(CreditError::ExceedsRemaining {
                remaining: dec!(10.00)
            })
        );
        assert_eq!(
            credit(&l, CreditRequest::Quantity(dec!(4)), Currency::USD),
            Err(CreditError::ExceedsRemaining { remaining: dec!(3) })
        );
        assert_eq!(
            credit(&l, CreditRequest::Amount(dec!(0)), Currency::USD),
            Err(CreditError::NotPositive)
        );
        assert_eq!(
            credit(&l, CreditRequest::Amount(dec!(1.001)), Currency::USD),
            Err(CreditError::TooManyDecimals)
        );
        let negative = CreditableLine {
            amount: dec!(-5),
            ..l
        };
        assert_eq!(
            credit(&negative, CreditRequest::Amount(dec!(1)), Currency::USD),
            Err(CreditError::NotCreditable)
        );
    }
}
