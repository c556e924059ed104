//! Closed settlements and their lifecycle.
//!
//! ```text
//! (open: computed from unsettled transfers) ─close─▶ closed ─mark paid─▶ paid
//! closed | paid ─document─▶ the same state, with its tax invoice (once, never for
//! withholding, only when something is owed or charged)
//! ```
//! A closed settlement never changes its amounts; later corrections land in the next
//! cycle.

use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use super::{Settlement, Taxation, Withholding};
use crate::currency::Currency;
use crate::ids::{PartnerId, SettlementId, TaxInvoiceId, TenantId};
use crate::named_enum;
use crate::rounding::{RoundingMode, round};

named_enum!(
    /// Where a closed settlement is.
    SettlementState {
        /// Closed; its amounts are final, the payout is due.
        Closed = "closed",
        /// The platform recorded the payout as made.
        Paid = "paid",
    }
);

/// The sums of a settlement, as closed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Σ sales (net of cancellations and refunds; shipping included).
    pub sales: Decimal,
    /// Σ the platform's fees.
    pub fees: Decimal,
    /// Σ discounts the partner bears.
    pub partner_discounts: Decimal,
    /// Σ discounts the platform bears.
    pub platform_discounts: Decimal,
    /// Σ adjustments.
    pub adjustments: Decimal,
    /// What the platform owes: sales − fees − partner discounts + adjustments.
    pub owed: Decimal,
    /// Withheld income tax and local income tax (individuals).
    pub withholding: Withholding,
    /// What is paid out: owed − withholding.
    pub payout: Decimal,
    /// How many transfers it settles.
    pub transfers: u32,
}

impl From<&Settlement> for Totals {
    fn from(s: &Settlement) -> Self {
        Totals {
            sales: s.sales,
            fees: s.fees,
            partner_discounts: s.partner_discounts,
            platform_discounts: s.platform_discounts,
            adjustments: s.adjustments,
            owed: s.owed,
            withholding: s.withholding,
            payout: s.payout,
            transfers: u32::try_from(s.lines.len()).unwrap_or(u32::MAX),
        }
    }
}

/// How a payout was made, as the platform recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payout {
    /// The day the money left.
    pub paid_on: Date,
    /// The bank's or the platform's reference.
    pub reference: Option<String>,
}

/// A partner's closed settlement of one cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementRecord {
    /// Its id.
    pub id: SettlementId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The partner paid.
    pub partner_id: PartnerId,
    /// The cycle's first day.
    pub period_start: Date,
    /// The cycle's last day.
    pub period_end: Date,
    /// When it is to be paid.
    pub payout_date: Date,
    /// Its currency.
    pub currency: Currency,
    /// How the partner is taxed on it.
    pub taxation: Taxation,
    /// Its sums.
    pub totals: Totals,
    /// Where it is.
    pub state: SettlementState,
    /// Its tax invoice, once documented.
    pub tax_invoice_id: Option<TaxInvoiceId>,
    /// The payout, once paid.
    pub payout: Option<Payout>,
    /// When it was closed.
    pub closed_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// Something done to a closed settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettlementAction {
    /// Draft its tax invoice (reverse for the partner's supply, forward for the fees).
    Document,
    /// Record its payout as made.
    MarkPaid,
}

/// Why an action is refused: a stable code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettlementConflict {
    /// The error code.
    pub code: &'static str,
    /// What happened.
    pub message: String,
}

fn conflict(code: &'static str, message: impl Into<String>) -> SettlementConflict {
    SettlementConflict {
        code,
        message: message.into(),
    }
}

impl SettlementRecord {
    /// Whether `action` may happen now, and why not.
    pub fn check(&self, action: SettlementAction) -> Result<(), SettlementConflict> {
        match action {
            SettlementAction::Document => {
                if let Some(id) = &self.tax_invoice_id {
                    return Err(conflict(
                        "settlement.documented",
                        format!("the settlement has its tax invoice already ({id})"),
                    ));
                }
                let amount = match self.taxation {
                    Taxation::Withholding { .. } => {
                        return Err(conflict(
                            "settlement.withholding",
                            "an individual's settlement has tax withheld instead of a tax invoice",
                        ));
                    }
                    Taxation::ReverseTaxInvoice => self.totals.owed,
                    Taxation::ForwardFeeInvoice => self.totals.fees,
                };
                if amount <= Decimal::ZERO {
                    return Err(conflict(
                        "settlement.nothing_to_invoice",
                        format!("the amount to invoice is {amount}"),
                    ));
                }
                if self.currency != Currency::KRW {
                    return Err(conflict(
                        "settlement.not_won",
                        "Korean tax invoices state won; the settlement is in another currency",
                    ));
                }
                Ok(())
            }
            SettlementAction::MarkPaid => match self.state {
                SettlementState::Paid => Err(conflict(
                    "settlement.paid",
                    "the settlement is recorded as paid already",
                )),
                SettlementState::Closed if self.totals.payout <= Decimal::ZERO => Err(conflict(
                    "settlement.nothing_to_pay",
                    format!("the payout is {}", self.totals.payout),
                )),
                SettlementState::Closed => Ok(()),
            },
        }
    }

    /// The state after `action` (checked first).
    pub fn after(&self, action: SettlementAction) -> Result<SettlementState, SettlementConflict> {
        self.check(action)?;
        Ok(match action {
            SettlementAction::Document => self.state,
            SettlementAction::MarkPaid => SettlementState::Paid,
        })
    }

    /// The amount its tax invoice states, supply and tax (VAT-inclusive amounts split).
    pub fn invoiced(&self) -> VatSplit {
        let total = match self.taxation {
            Taxation::ForwardFeeInvoice => self.totals.fees,
            _ => self.totals.owed,
        };
        vat_split(total, self.currency.decimals())
    }
}

/// A VAT-inclusive amount split into supply and tax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VatSplit {
    /// 공급가액: total ÷ 1.1, rounded half away from zero to the currency.
    pub supply: Decimal,
    /// 세액: the rest, so supply + tax is the total exactly.
    pub tax: Decimal,
}

/// Splits a VAT-inclusive `total` at 10 %: the supply is `total ÷ 1.1` rounded half
/// away from zero, the tax the exact rest (within one unit of 10 % of the supply).
pub fn vat_split(total: Decimal, decimals: u32) -> VatSplit {
    let supply = round(
        // Dividing by 1.1 cannot overflow, unlike multiplying by 10 first.
        total / Decimal::new(11, 1),
        decimals,
        RoundingMode::HalfAwayFromZero,
    );
    VatSplit {
        supply,
        tax: total - supply,
    }
}
