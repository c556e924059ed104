//! Partner settlement: what a platform owes each partner for a cycle, computed from the
//! partner's transfers (orders, cancellations, refunds, shipping fees, adjustments) and the
//! contract in force on each transfer's date. Pure arithmetic on exact decimals; every
//! rounding step names its mode.
//!
//! For each transfer: `owed = sales − fee − the partner's share of the discount` (an
//! adjustment is owed as it is). Over any set of transfers the money balances exactly:
//! `Σ owed + Σ fees + Σ partner-borne discounts = Σ sales (net of refunds) + Σ adjustments`,
//! and since the customer paid `sales − discount`, `Σ owed + Σ fees − Σ platform-borne
//! discounts = Σ paid + Σ adjustments`. Individuals (no BRN) have income tax withheld from
//! what they are owed instead of a tax invoice.

mod compute;
mod contract;
#[cfg(test)]
mod tests;
mod transfer;

pub use compute::{
    SETTLEMENT_ROUNDING, SettleError, Settlement, SettlementLine, Withholding, settle, withholding,
};
pub use contract::{Contract, Cycle, FeeRule, Taxation, in_force};
pub use transfer::{Transfer, TransferKind};
