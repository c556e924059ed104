//! Which cycles a close settles, and which transfers each holds.
//!
//! A day belongs to the cycle that holds it under the contract in force that day. Closing
//! through a day closes, oldest first, every cycle that holds a transfer and has ended by
//! then; each transfer lands in the first of them ending on or after its date. A transfer
//! dated on or before the partner's last closed cycle arrived late, so it lands in the
//! first cycle closed after it, as a correction of the closed one. Which settlement holds
//! a transfer afterwards is decided by the settlements' [reaches](super::Reach), which
//! give exactly this assignment.

use std::collections::BTreeSet;

use time::{Date, Duration};

use super::{Contract, SettleError, Transfer, in_force};
use crate::ids::PartnerId;

/// A cycle to close: its days and its transfers, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CycleToClose<'a> {
    /// Its first day: the day after the cycle before it, or its contract's cycle start.
    pub start: Date,
    /// Its last day.
    pub end: Date,
    /// The contract in force on its last day (currency, taxation, payout day).
    pub contract: &'a Contract,
    /// Its transfers (late ones included).
    pub transfers: Vec<&'a Transfer>,
}

/// The cycles of `partner` that end by `through`, oldest first, holding its unsettled
/// `transfers`; `last_closed` is the last day of its latest closed cycle. Transfers of
/// cycles still running stay out. A transfer no contract covers fails the plan (the close
/// must not leave it behind silently).
pub fn cycles_to_close<'a>(
    partner: &PartnerId,
    transfers: &'a [Transfer],
    contracts: &'a [Contract],
    last_closed: Option<Date>,
    through: Date,
) -> Result<Vec<CycleToClose<'a>>, SettleError> {
    let after_closed = last_closed.map(|day| day + Duration::days(1));
    let mut ends = BTreeSet::new();
    for transfer in transfers {
        // A late transfer counts on the day after the last closed cycle.
        let day = match after_closed {
            Some(first_open) if transfer.occurred_on < first_open => first_open,
            _ => transfer.occurred_on,
        };
        let contract =
            in_force(contracts, partner, day).ok_or_else(|| SettleError::NoContract {
                external_id: transfer.external_id.clone(),
                date: transfer.occurred_on,
            })?;
        let (_, end) = contract.cycle.period_of(day);
        if end <= through {
            ends.insert(end);
        }
    }
    let mut cycles: Vec<CycleToClose<'a>> = Vec::with_capacity(ends.len());
    let mut previous_end = last_closed;
    for end in ends {
        // Every end came from a contract in force on a day before it, so one is in force.
        let Some(contract) = in_force(contracts, partner, end) else {
            continue;
        };
        let own_start = contract.cycle.period_of(end).0;
        let start = match previous_end {
            Some(day) => own_start.max(day + Duration::days(1)),
            None => own_start,
        };
        cycles.push(CycleToClose {
            start,
            end,
            contract,
            transfers: Vec::new(),
        });
        previous_end = Some(end);
    }
    for transfer in transfers {
        let date = transfer.occurred_on;
        if let Some(cycle) = cycles.iter_mut().find(|c| c.end >= date) {
            cycle.transfers.push(transfer);
        }
    }
    Ok(cycles)
}
