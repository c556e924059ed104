//! Which cycles a close settles, and what a closed settlement allows.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use time::macros::{date, datetime};
use time::{Date, Weekday};

use super::tests::{contract, partner, transfer};
use super::*;
use crate::currency::Currency;
use crate::ids::{SettlementId, TaxInvoiceId, TenantId};

fn monthly() -> Vec<Contract> {
    vec![contract(
        date!(2026 - 01 - 01),
        dec!(0.1),
        Decimal::ZERO,
        Decimal::ZERO,
    )]
}

fn order(id: &str, on: Date) -> Transfer {
    transfer(id, TransferKind::Order, on, 10000, 0)
}

/// (start, end, external ids) of each cycle.
fn shape(cycles: &[CycleToClose<'_>]) -> Vec<(Date, Date, Vec<String>)> {
    cycles
        .iter()
        .map(|c| {
            let ids = c.transfers.iter().map(|t| t.external_id.clone()).collect();
            (c.start, c.end, ids)
        })
        .collect()
}

#[test]
fn closing_through_a_month_end_closes_every_ended_month_oldest_first() {
    let contracts = monthly();
    let transfers = [
        order("nov", date!(2026 - 11 - 05)),
        order("oct", date!(2026 - 10 - 20)),
    ];
    let cycles = cycles_to_close(
        &partner(),
        &transfers,
        &contracts,
        None,
        date!(2026 - 11 - 30),
    )
    .unwrap();
    assert_eq!(
        shape(&cycles),
        vec![
            (
                date!(2026 - 10 - 01),
                date!(2026 - 10 - 31),
                vec!["oct".into()]
            ),
            (
                date!(2026 - 11 - 01),
                date!(2026 - 11 - 30),
                vec!["nov".into()]
            ),
        ]
    );
}

#[test]
fn a_cycle_still_running_is_left_open() {
    let contracts = monthly();
    let transfers = [
        order("oct", date!(2026 - 10 - 20)),
        order("nov", date!(2026 - 11 - 05)),
    ];
    let cycles = cycles_to_close(
        &partner(),
        &transfers,
        &contracts,
        None,
        date!(2026 - 11 - 15),
    )
    .unwrap();
    assert_eq!(
        shape(&cycles),
        vec![(
            date!(2026 - 10 - 01),
            date!(2026 - 10 - 31),
            vec!["oct".into()]
        )]
    );
}

#[test]
fn a_late_transfer_lands_in_the_cycle_after_the_closed_one() {
    let contracts = monthly();
    let transfers = [
        order("late", date!(2026 - 10 - 20)),
        order("nov", date!(2026 - 11 - 05)),
    ];
    let closed = Some(date!(2026 - 10 - 31));
    let cycles = cycles_to_close(
        &partner(),
        &transfers,
        &contracts,
        closed,
        date!(2026 - 11 - 30),
    )
    .unwrap();
    assert_eq!(
        shape(&cycles),
        vec![(
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 30),
            vec!["late".into(), "nov".into()]
        )]
    );
}

#[test]
fn a_late_transfer_waits_while_the_next_cycle_runs() {
    let contracts = monthly();
    let transfers = [order("late", date!(2026 - 10 - 20))];
    let closed = Some(date!(2026 - 10 - 31));
    let cycles = cycles_to_close(
        &partner(),
        &transfers,
        &contracts,
        closed,
        date!(2026 - 11 - 15),
    )
    .unwrap();
    assert!(cycles.is_empty());
}

#[test]
fn weekly_cycles_run_monday_to_sunday() {
    let mut contracts = monthly();
    contracts[0].cycle = Cycle::Weekly {
        payout_weekday: Weekday::Wednesday,
    };
    // 2026-11-04 is a Wednesday, 2026-11-09 the next Monday.
    let transfers = [
        order("a", date!(2026 - 11 - 04)),
        order("b", date!(2026 - 11 - 09)),
    ];
    let cycles = cycles_to_close(
        &partner(),
        &transfers,
        &contracts,
        None,
        date!(2026 - 11 - 15),
    )
    .unwrap();
    assert_eq!(
        shape(&cycles),
        vec![
            (
                date!(2026 - 11 - 02),
                date!(2026 - 11 - 08),
                vec!["a".into()]
            ),
            (
                date!(2026 - 11 - 09),
                date!(2026 - 11 - 15),
                vec!["b".into()]
            ),
        ]
    );
    assert_eq!(
        contracts[0].cycle.payout_date(date!(2026 - 11 - 08)),
        date!(2026 - 11 - 11)
    );
}

#[test]
fn a_transfer_before_any_contract_fails_the_plan() {
    let contracts = monthly();
    let transfers = [order("old", date!(2025 - 12 - 31))];
    let error = cycles_to_close(
        &partner(),
        &transfers,
        &contracts,
        None,
        date!(2026 - 11 - 30),
    )
    .unwrap_err();
    assert!(matches!(error, SettleError::NoContract { external_id, .. } if external_id == "old"));
}

#[test]
fn a_vat_inclusive_amount_splits_into_supply_and_tax_that_add_up() {
    assert_eq!(
        vat_split(dec!(9900), 0),
        VatSplit {
            supply: dec!(9000),
            tax: dec!(900)
        }
    );
    // 115,900 ÷ 1.1 = 105,363.63… → 105,364; the tax is the rest.
    assert_eq!(
        vat_split(dec!(115900), 0),
        VatSplit {
            supply: dec!(105364),
            tax: dec!(10536)
        }
    );
}

fn closed(taxation: Taxation, owed: Decimal) -> SettlementRecord {
    let at = datetime!(2026-12-01 00:00 UTC);
    SettlementRecord {
        id: SettlementId::generate(),
        tenant_id: TenantId::generate(),
        partner_id: partner(),
        period_start: date!(2026 - 11 - 01),
        period_end: date!(2026 - 11 - 30),
        payout_date: date!(2026 - 12 - 10),
        currency: Currency::KRW,
        taxation,
        totals: Totals {
            owed,
            payout: owed,
            fees: dec!(1000),
            ..Totals::default()
        },
        state: SettlementState::Closed,
        tax_invoice_id: None,
        payout: None,
        closed_at: at,
        updated_at: at,
    }
}

#[test]
fn a_settlement_is_documented_once() {
    let mut s = closed(Taxation::ReverseTaxInvoice, dec!(9900));
    assert_eq!(
        s.after(SettlementAction::Document),
        Ok(SettlementState::Closed)
    );
    s.tax_invoice_id = Some(TaxInvoiceId::generate());
    assert_eq!(
        s.check(SettlementAction::Document).unwrap_err().code,
        "settlement.documented"
    );
}

#[test]
fn an_individual_gets_no_tax_invoice() {
    let s = closed(
        Taxation::Withholding {
            income_tax_rate: dec!(0.03),
        },
        dec!(9900),
    );
    assert_eq!(
        s.check(SettlementAction::Document).unwrap_err().code,
        "settlement.withholding"
    );
}

#[test]
fn nothing_owed_is_neither_invoiced_nor_paid() {
    let s = closed(Taxation::ReverseTaxInvoice, dec!(-100));
    assert_eq!(
        s.check(SettlementAction::Document).unwrap_err().code,
        "settlement.nothing_to_invoice"
    );
    assert_eq!(
        s.check(SettlementAction::MarkPaid).unwrap_err().code,
        "settlement.nothing_to_pay"
    );
}

#[test]
fn a_forward_fee_invoice_states_the_fees() {
    let s = closed(Taxation::ForwardFeeInvoice, dec!(9900));
    assert_eq!(s.invoiced().supply + s.invoiced().tax, dec!(1000));
}

#[test]
fn a_settlement_is_paid_once() {
    let mut s = closed(Taxation::ReverseTaxInvoice, dec!(9900));
    s.state = s.after(SettlementAction::MarkPaid).unwrap();
    assert_eq!(s.state, SettlementState::Paid);
    assert_eq!(
        s.check(SettlementAction::MarkPaid).unwrap_err().code,
        "settlement.paid"
    );
}

mod closing_in_steps {
    use proptest::prelude::*;

    use super::super::tests::any_transfer;
    use super::*;

    /// The ends of the cycles closed, and the ids each holds.
    fn close_in_steps(
        transfers: &[Transfer],
        contracts: &[Contract],
        steps: &[Date],
    ) -> Vec<(Date, Vec<String>)> {
        let mut open: Vec<Transfer> = transfers.to_vec();
        let mut last_closed = None;
        let mut closed = Vec::new();
        for &through in steps {
            let cycles = cycles_to_close(&partner(), &open, contracts, last_closed, through)
                .expect("every transfer is covered");
            for cycle in &cycles {
                closed.push((
                    cycle.end,
                    cycle
                        .transfers
                        .iter()
                        .map(|t| t.external_id.clone())
                        .collect::<Vec<_>>(),
                ));
            }
            let settled: Vec<String> = closed.iter().flat_map(|c| c.1.clone()).collect();
            last_closed = cycles.last().map(|c| c.end).or(last_closed);
            open.retain(|t| !settled.contains(&t.external_id));
        }
        closed
    }

    proptest! {
        /// However a month is closed (in one go or step by step, weekly or monthly), each
        /// transfer is settled at most once, all of them once the last cycle has ended,
        /// and the cycles settle as much money as the transfers hold.
        #[test]
        fn every_transfer_is_settled_exactly_once(
            raw in prop::collection::vec(any_transfer(), 1..40),
            weekly in any::<bool>(),
            cuts in prop::collection::vec(0i64..90, 0..4),
        ) {
            let transfers: Vec<Transfer> = raw
                .into_iter()
                .enumerate()
                .map(|(i, t)| Transfer { external_id: format!("t{i}"), ..t })
                .collect();
            let mut contracts = monthly();
            if weekly {
                contracts[0].cycle = Cycle::Weekly { payout_weekday: Weekday::Friday };
            }
            let mut steps: Vec<Date> = cuts
                .iter()
                .map(|d| date!(2026 - 10 - 01) + time::Duration::days(*d))
                .collect();
            steps.sort();
            steps.push(date!(2027 - 01 - 31));
            let closed = close_in_steps(&transfers, &contracts, &steps);
            let mut ids: Vec<String> = closed.iter().flat_map(|c| c.1.clone()).collect();
            ids.sort();
            let mut all: Vec<String> = transfers.iter().map(|t| t.external_id.clone()).collect();
            all.sort();
            prop_assert_eq!(ids, all);
            let ends: Vec<Date> = closed.iter().map(|c| c.0).collect();
            prop_assert!(ends.windows(2).all(|w| w[0] < w[1]), "cycles close in order: {:?}", ends);
            let by_cycle: Decimal = closed
                .iter()
                .map(|(_, ids)| {
                    let held: Vec<&Transfer> =
                        transfers.iter().filter(|t| ids.contains(&t.external_id)).collect();
                    settle(&held, &contracts, Currency::KRW, Taxation::ReverseTaxInvoice)
                        .unwrap()
                        .owed
                })
                .sum();
            let whole = settle(&transfers, &contracts, Currency::KRW, Taxation::ReverseTaxInvoice)
                .unwrap()
                .owed;
            prop_assert_eq!(by_cycle, whole);
        }
    }
}
