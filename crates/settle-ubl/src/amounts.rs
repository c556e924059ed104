//! The amounts a UBL document states, from settle's lines: per line its quantity, net
//! amount, price and allowance; per VAT category and rate the taxable amount and the tax;
//! and the document's totals.
//!
//! Everything is in the billing currency and exact: settle's line amounts are already
//! rounded to the currency's decimals, and the only new rounding is the tax of each VAT
//! category (EN 16931: taxable amount × rate, rounded half away from zero).

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use settle_core::billing::{Document, DocumentKind, DocumentLine};

use crate::UblError;

/// A VAT category code of the UNCL5305 list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Category {
    /// Standard rated: any rate above zero.
    Standard,
    /// Zero rated: a rate of zero (settle's tax-exclusive and export lines).
    Zero,
}

impl Category {
    /// The code UBL writes.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Category::Standard => "S",
            Category::Zero => "Z",
        }
    }
}

/// A line's VAT: its category and its rate in percent, as UBL states them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Vat {
    pub(crate) category: Category,
    pub(crate) percent: Decimal,
}

impl Vat {
    fn of(line: &DocumentLine) -> Result<Self, UblError> {
        let rate = line.item.tax_rate;
        if rate.is_sign_negative() && !rate.is_zero() {
            return Err(UblError::NegativeTaxRate {
                line_no: line.line_no,
            });
        }
        let percent = rate
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or(UblError::Overflow)?
            .normalize();
        let category = if percent.is_zero() {
            Category::Zero
        } else {
            Category::Standard
        };
        Ok(Self { category, percent })
    }
}

/// One line as UBL states it, with the sign UBL wants (credit notes state credits as
/// positive amounts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LineAmounts {
    /// Invoiced or credited quantity.
    pub(crate) quantity: Decimal,
    /// The line's net amount (BT-131): settle's amount before tax.
    pub(crate) net: Decimal,
    /// The line's discount as an allowance (BT-136); zero for none.
    pub(crate) allowance: Decimal,
    /// The item's net price (BT-146): the line's gross amount, never negative.
    pub(crate) price: Decimal,
    /// The quantity the price is for (BT-149), above zero.
    pub(crate) base_quantity: Decimal,
    /// Its VAT.
    pub(crate) vat: Vat,
}

/// What the sign of a document's amounts becomes in UBL: an invoice keeps it, a note's
/// negative amounts are stated as positive credits.
pub(crate) fn sign(document: &Document) -> Decimal {
    match document.kind {
        DocumentKind::Invoice => Decimal::ONE,
        DocumentKind::CreditNote | DocumentKind::VoidNote => Decimal::NEGATIVE_ONE,
    }
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, UblError> {
    a.checked_mul(b).ok_or(UblError::Overflow)
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, UblError> {
    a.checked_add(b).ok_or(UblError::Overflow)
}

/// `value` with a positive sign when it is zero (no "-0.00").
fn unsigned_zero(mut value: Decimal) -> Decimal {
    if value.is_zero() {
        value.set_sign_positive(true);
    }
    value
}

impl LineAmounts {
    /// `line` in UBL's terms. settle prices a line once, in the billing currency, from
    /// price × quantity × exchange rate; UBL's price must reproduce the net amount as
    /// quantity × price ÷ base quantity − allowance (PEPPOL-EN16931-R120), and a price is
    /// never negative (BR-27). So the price is the line's whole gross amount and the base
    /// quantity is the line's quantity: the rule then holds exactly, in any currency and
    /// at any exchange rate. A negative line carries a negative quantity. A credit by
    /// amount takes no units; UBL needs a quantity, so it credits one lump sum.
    pub(crate) fn of(line: &DocumentLine, sign: Decimal) -> Result<Self, UblError> {
        let priced = &line.priced;
        let gross = mul(priced.gross, sign)?;
        let net = unsigned_zero(mul(priced.amount, sign)?);
        let allowance = unsigned_zero(gross.checked_sub(net).ok_or(UblError::Overflow)?);
        let units = mul(line.item.quantity, sign)?.abs().normalize();
        let (base_quantity, positive) = if units.is_zero() {
            (Decimal::ONE, !gross.is_sign_negative())
        } else if gross.is_zero() {
            (units, !mul(line.item.quantity, sign)?.is_sign_negative())
        } else {
            (units, !gross.is_sign_negative())
        };
        let quantity = if positive {
            base_quantity
        } else {
            -base_quantity
        };
        Ok(Self {
            quantity,
            net,
            allowance,
            price: gross.abs(),
            base_quantity,
            vat: Vat::of(line)?,
        })
    }
}

/// The tax of one VAT category and rate (BG-23).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Subtotal {
    pub(crate) vat: Vat,
    /// Sum of the net amounts of its lines (BT-116).
    pub(crate) taxable: Decimal,
    /// `taxable × rate`, rounded half away from zero to the currency's decimals (BT-117).
    pub(crate) tax: Decimal,
}

/// The document's tax breakdown and totals (BG-22).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Totals {
    /// Per VAT category and rate, by category then rate.
    pub(crate) subtotals: Vec<Subtotal>,
    /// Sum of the line net amounts (BT-106); with no document-level allowances or
    /// charges also the total without VAT (BT-109).
    pub(crate) lines: Decimal,
    /// Sum of the category taxes (BT-110).
    pub(crate) tax: Decimal,
    /// `lines + tax` (BT-112).
    pub(crate) with_tax: Decimal,
    /// `payable − with_tax` (BT-114).
    pub(crate) rounding: Decimal,
    /// settle's total of the document (BT-115).
    pub(crate) payable: Decimal,
}

/// Rounds `value` to `decimals` places, half away from zero, with exactly that scale.
pub(crate) fn round(value: Decimal, decimals: u32) -> Result<Decimal, UblError> {
    let mut rounded =
        value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(decimals);
    if rounded.scale() != decimals {
        return Err(UblError::Overflow);
    }
    Ok(unsigned_zero(rounded))
}

impl Totals {
    /// The totals of `lines` (already in UBL's terms) for `document`.
    ///
    /// EN 16931 computes VAT per category: the taxable amount of each category and rate
    /// times the rate, rounded (BR-S-09, BR-CO-14). settle computes it per line, rounded
    /// half away from zero, and its document tax is the sum of the rounded line taxes, so
    /// the two can differ by a few cents (three lines of 0.05 at 10% are 3 × 0.01 = 0.03
    /// per line but 0.15 × 10% = 0.02 per category). The partner owes settle's total, so
    /// that stays the amount due (BT-115), and the difference is stated as the rounding
    /// amount (BT-114): total with VAT + rounding = amount due (BR-CO-16).
    pub(crate) fn of(
        document: &Document,
        lines: &[LineAmounts],
        sign: Decimal,
    ) -> Result<Totals, UblError> {
        let decimals = document.currency.decimals();
        let mut taxable: BTreeMap<Vat, Decimal> = BTreeMap::new();
        let mut sum = Decimal::ZERO;
        for line in lines {
            let entry = taxable.entry(line.vat).or_default();
            *entry = add(*entry, line.net)?;
            sum = add(sum, line.net)?;
        }
        let mut subtotals = Vec::with_capacity(taxable.len());
        let mut tax = Decimal::ZERO;
        for (vat, amount) in taxable {
            let rate = vat
                .percent
                .checked_div(Decimal::ONE_HUNDRED)
                .ok_or(UblError::Overflow)?;
            let category_tax = round(mul(amount, rate)?, decimals)?;
            tax = add(tax, category_tax)?;
            subtotals.push(Subtotal {
                vat,
                taxable: round(amount, decimals)?,
                tax: category_tax,
            });
        }
        let lines_total = round(sum, decimals)?;
        let tax = round(tax, decimals)?;
        let with_tax = round(add(lines_total, tax)?, decimals)?;
        let payable = round(mul(document.totals.total, sign)?, decimals)?;
        let rounding = round(
            payable.checked_sub(with_tax).ok_or(UblError::Overflow)?,
            decimals,
        )?;
        Ok(Totals {
            subtotals,
            lines: lines_total,
            tax,
            with_tax,
            rounding,
            payable,
        })
    }
}
