//! The ledger of partner invoicing: how payments and credits settle invoices, what stays
//! outstanding, and a partner's balance. Every amount is [`Money`] in the document's
//! currency, so nothing here mixes currencies or gains decimals.
//!
//! - A payment goes to explicit allocations when given (each at most what is outstanding,
//!   together at most the payment), else to the invoices its reference cites in the order
//!   cited, else to the open invoices oldest first; each takes what it still owes while
//!   the payment lasts. The rest is the partner's credit.
//! - A credit note applies to what is still owed on its invoice; any excess stays on the
//!   note as credit.
//! - The balance is what is outstanding on the documents less the unallocated payments.

use rust_decimal::Decimal;

use super::{Document, DocumentKind, DocumentStatus, PaymentStatus, cited_numbers};
use crate::money::{Money, MoneyError};

/// Where a payment may go: an invoice (identified by `key`), how much of the payment it
/// should take, and what is outstanding on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<K> {
    /// The invoice.
    pub key: K,
    /// How much it should take.
    pub wanted: Money,
    /// What is still owed on it.
    pub outstanding: Money,
}

/// A payment as applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied<K> {
    /// What each invoice received, in the order applied (never zero).
    pub allocations: Vec<(K, Money)>,
    /// What is left as the partner's credit.
    pub unallocated: Money,
}

/// Why explicit allocations cannot be taken as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// Allocation `index` is zero or negative.
    #[error("allocation {index} is not above zero")]
    NotPositive {
        /// Its position.
        index: usize,
    },
    /// Allocation `index` is more than its invoice owes.
    #[error("allocation {index} is more than the {outstanding} outstanding")]
    MoreThanOutstanding {
        /// Its position.
        index: usize,
        /// What the invoice owes.
        outstanding: Money,
    },
    /// Allocation `index` names an invoice an earlier one named.
    #[error("allocation {index} names an invoice twice")]
    Duplicate {
        /// Its position.
        index: usize,
    },
    /// The allocations add up to more than the payment.
    #[error("the allocations add up to {sum}, more than the payment of {payment}")]
    MoreThanPayment {
        /// Their sum.
        sum: Money,
        /// The payment.
        payment: Money,
    },
    /// Amounts of different currencies, or a sum out of range.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Checks explicit allocations of `payment`: each above zero and at most what its invoice
/// owes, each invoice once, together at most the payment.
pub fn check_explicit<K: PartialEq>(
    payment: Money,
    targets: &[Target<K>],
) -> Result<(), AllocationError> {
    let mut sum = Money::zero(payment.currency());
    for (index, target) in targets.iter().enumerate() {
        if target.wanted.amount() <= Decimal::ZERO {
            return Err(AllocationError::NotPositive { index });
        }
        if target.wanted.amount() > target.outstanding.amount() {
            return Err(AllocationError::MoreThanOutstanding {
                index,
                outstanding: target.outstanding,
            });
        }
        if targets[..index].iter().any(|t| t.key == target.key) {
            return Err(AllocationError::Duplicate { index });
        }
        sum = sum.checked_add(&target.wanted)?;
    }
    if sum.amount() > payment.amount() {
        return Err(AllocationError::MoreThanPayment { sum, payment });
    }
    Ok(())
}

/// The targets of a payment without explicit allocations: of the `open` invoices (oldest
/// first, each with its number and what it owes), those `reference` cites in the order
/// cited, or all of them when it cites none; each wants all it owes.
pub fn implicit_targets<K: Clone>(
    reference: &str,
    open: &[(K, Option<&str>, Money)],
) -> Vec<Target<K>> {
    let target = |(key, _, outstanding): &(K, Option<&str>, Money)| Target {
        key: key.clone(),
        wanted: *outstanding,
        outstanding: *outstanding,
    };
    let cited = cited_numbers(reference);
    if cited.is_empty() {
        return open.iter().map(target).collect();
    }
    cited
        .iter()
        .filter_map(|number| open.iter().find(|(_, n, _)| *n == Some(number.as_str())))
        .map(target)
        .collect()
}

/// Applies `payment` to `targets` in order: each takes what it wants, at most what it
/// owes and what is left of the payment.
pub fn apply_payment<K>(payment: Money, targets: Vec<Target<K>>) -> Result<Applied<K>, MoneyError> {
    let mut left = payment;
    let mut allocations = Vec::new();
    for target in targets {
        let amount = smallest(target.wanted, &[target.outstanding, left])?;
        if amount.amount() <= Decimal::ZERO {
            continue;
        }
        left = left.checked_sub(&amount)?;
        allocations.push((target.key, amount));
    }
    Ok(Applied {
        allocations,
        unallocated: left,
    })
}

/// How much of a credit (a positive amount) applies to an invoice that owes `outstanding`:
/// all of it, or what is owed when that is less; never below zero.
pub fn credit_applied(credit: Money, outstanding: Money) -> Result<Money, MoneyError> {
    let applied = smallest(credit, &[outstanding])?;
    Ok(if applied.is_negative() {
        Money::zero(credit.currency())
    } else {
        applied
    })
}

/// What is still owed on an invoice, or still to be applied of a note (negative); nothing
/// on a void document.
pub fn outstanding(
    kind: DocumentKind,
    status: DocumentStatus,
    total: Decimal,
    settled: Decimal,
) -> Decimal {
    if status == DocumentStatus::Void {
        return Decimal::ZERO;
    }
    match kind {
        DocumentKind::Invoice => total - settled,
        _ => total + settled,
    }
}

/// Why an amount cannot settle a document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    /// It would settle more than the document's total.
    #[error("settling {amount} would exceed what is outstanding ({outstanding})")]
    Exceeds {
        /// The amount.
        amount: Decimal,
        /// What is outstanding.
        outstanding: Decimal,
    },
}

/// Adds `amount` (positive: settles; negative: a settlement moved away) to what settles
/// `document`, refusing to settle beyond its total or below nothing.
pub fn settle(document: &mut Document, amount: Decimal) -> Result<(), SettleError> {
    let settled = document.settled + amount;
    let limit = document.totals.total.abs();
    if settled > limit || settled < Decimal::ZERO {
        return Err(SettleError::Exceeds {
            amount,
            outstanding: document.outstanding(),
        });
    }
    document.settled = settled;
    Ok(())
}

/// What a partner owes as of a date, and the part of it past due.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// Outstanding on the documents less unallocated payments (negative: credit).
    pub balance: Decimal,
    /// The outstanding amounts of overdue documents.
    pub overdue: Decimal,
}

impl Balance {
    /// The balance of documents (each with what is outstanding and its payment status) and
    /// what is left unallocated of payments.
    pub fn of(
        documents: impl IntoIterator<Item = (Decimal, PaymentStatus)>,
        unallocated: impl IntoIterator<Item = Decimal>,
    ) -> Balance {
        let mut out = Balance::default();
        for (outstanding, status) in documents {
            out.balance += outstanding;
            if status == PaymentStatus::Overdue {
                out.overdue += outstanding;
            }
        }
        for left in unallocated {
            out.balance -= left;
        }
        out
    }
}

/// When an invoice is voided and rebilled, its payment allocations move to the new invoice,
/// which owes `new_outstanding`: each moves whole while the new invoice still owes, the
/// last moving part of itself; what does not fit becomes unallocated again. Returns the
/// amounts that move, in order (zero where nothing fits).
pub fn move_payments(released: &[Money], new_outstanding: Money) -> Result<Vec<Money>, MoneyError> {
    let mut room = new_outstanding;
    let mut moved = Vec::with_capacity(released.len());
    for amount in released {
        let part = credit_applied(*amount, room)?;
        room = room.checked_sub(&part)?;
        moved.push(part);
    }
    Ok(moved)
}

/// The smallest of `first` and `rest` (all of one currency).
fn smallest(first: Money, rest: &[Money]) -> Result<Money, MoneyError> {
    let mut least = first;
    for amount in rest {
        least.checked_sub(amount)?;
        if amount.amount() < least.amount() {
            least = *amount;
        }
    }
    Ok(least)
}

#[cfg(test)]
mod tests;
