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

mod bank;
#[cfg(test)]
mod close_tests;
mod closed;
mod compute;
mod contract;
mod cycles;
mod input;
mod reach;
#[cfg(test)]
mod tests;
mod transfer;

pub use bank::{BankAccount, BankAccountInput, MAX_HOLDER};
pub use closed::{
    Payout, SettlementAction, SettlementConflict, SettlementRecord, SettlementState, Totals,
    VatSplit, vat_split,
};
pub use compute::{
    SETTLEMENT_ROUNDING, SettleError, Settlement, SettlementLine, Withholding, settle, withholding,
};
pub use contract::{Contract, Cycle, FeeRule, Taxation, in_force, taxation_fits};
pub use cycles::{CycleToClose, cycles_to_close};
pub use input::{ContractInput, DEFAULT_INCOME_TAX_RATE, MAX_REFERENCE, TransferInput};
pub use reach::{Reach, holder};
pub use transfer::{Transfer, TransferKind};

use time::OffsetDateTime;

use crate::ids::{SettlementContractId, TenantId, TransferId};

/// A stored contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractRecord {
    /// Its id.
    pub id: SettlementContractId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The terms.
    pub contract: Contract,
    /// Recorded.
    pub created_at: OffsetDateTime,
}

/// A stored transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferRecord {
    /// Its id.
    pub id: TransferId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The transfer.
    pub transfer: Transfer,
    /// Recorded.
    pub created_at: OffsetDateTime,
}
