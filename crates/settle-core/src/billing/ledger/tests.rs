//! The ledger's rules on examples, and its invariants over random invoices and payments.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::billing::fixtures::document;
use crate::currency::Currency;

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::USD).unwrap()
}

fn target(key: usize, wanted: i64, outstanding: i64) -> Target<usize> {
    Target {
        key,
        wanted: usd(wanted),
        outstanding: usd(outstanding),
    }
}

#[test]
fn a_payment_pays_in_order_and_keeps_the_rest_as_credit() {
    let applied = apply_payment(
        usd(10_000),
        vec![
            target(0, 3_000, 3_000),
            target(1, 9_000, 9_000),
            target(2, 500, 500),
        ],
    )
    .unwrap();
    assert_eq!(applied.allocations, vec![(0, usd(3_000)), (1, usd(7_000))]);
    assert_eq!(applied.unallocated, usd(0));
    let over = apply_payment(usd(5_000), vec![target(0, 3_000, 3_000)]).unwrap();
    assert_eq!(over.unallocated, usd(2_000));
}

#[test]
fn cited_numbers_choose_the_invoices_in_the_order_cited() {
    let open = [
        (0, Some("G000000001"), usd(100)),
        (1, Some("G000000002"), usd(200)),
        (2, Some("G000000003"), usd(300)),
    ];
    let keys = |targets: Vec<Target<usize>>| targets.into_iter().map(|t| t.key).collect::<Vec<_>>();
    assert_eq!(
        keys(implicit_targets("pays G000000003 and G000000001", &open)),
        vec![2, 0]
    );
    assert_eq!(keys(implicit_targets("thanks", &open)), vec![0, 1, 2]);
    assert!(implicit_targets("G000000009", &open).is_empty());
}

#[test]
fn explicit_allocations_never_exceed_the_invoice_or_the_payment() {
    assert_eq!(
        check_explicit(usd(1_000), &[target(0, 500, 800), target(1, 500, 500)]),
        Ok(())
    );
    assert_eq!(
        check_explicit(usd(1_000), &[target(0, 900, 800)]),
        Err(AllocationError::MoreThanOutstanding {
            index: 0,
            outstanding: usd(800)
        })
    );
    assert_eq!(
        check_explicit(usd(1_000), &[target(0, 600, 800), target(1, 600, 800)]),
        Err(AllocationError::MoreThanPayment {
            sum: usd(1_200),
            payment: usd(1_000)
        })
    );
    assert_eq!(
        check_explicit(usd(1_000), &[target(7, 100, 800), target(7, 100, 800)]),
        Err(AllocationError::Duplicate { index: 1 })
    );
    assert_eq!(
        check_explicit(usd(1_000), &[target(0, 0, 800)]),
        Err(AllocationError::NotPositive { index: 0 })
    );
}

#[test]
fn a_credit_applies_up_to_what_is_owed() {
    assert_eq!(credit_applied(usd(300), usd(1_000)).unwrap(), usd(300));
    assert_eq!(credit_applied(usd(300), usd(100)).unwrap(), usd(100));
    assert_eq!(credit_applied(usd(300), usd(0)).unwrap(), usd(0));
    assert!(credit_applied(usd(300), Money::zero(Currency::KRW)).is_err());
}

#[test]
fn settling_beyond_the_total_is_refused_and_changes_nothing() {
    let mut invoice = document(DocumentKind::Invoice, DocumentStatus::Open, 100, 60);
    assert!(settle(&mut invoice, Decimal::from(41)).is_err());
    assert_eq!(invoice.settled, Decimal::from(60));
    settle(&mut invoice, Decimal::from(40)).unwrap();
    assert!(invoice.outstanding().is_zero());
    assert!(settle(&mut invoice, Decimal::from(-101)).is_err());
}

#[test]
fn the_balance_is_what_is_owed_less_unused_payments() {
    let balance = Balance::of(
        [
            (Decimal::from(100), PaymentStatus::Overdue),
            (Decimal::from(50), PaymentStatus::Due),
            (Decimal::from(-20), PaymentStatus::Due),
        ],
        [Decimal::from(30)],
    );
    assert_eq!(balance.balance, Decimal::from(100));
    assert_eq!(balance.overdue, Decimal::from(100));
}

/// Invoice totals and payments in cents.
fn book() -> impl Strategy<Value = (Vec<i64>, Vec<i64>)> {
    (
        prop::collection::vec(1i64..2_000_000, 1..12),
        prop::collection::vec(1i64..3_000_000, 0..8),
    )
}

/// Pays `payments` oldest invoice first; returns what each invoice still owes and what of
/// each payment is left.
fn pay_all(totals: &[i64], payments: &[i64]) -> (Vec<Money>, Vec<Money>) {
    let mut owed: Vec<Money> = totals.iter().map(|t| usd(*t)).collect();
    let mut left = Vec::new();
    for payment in payments {
        let open: Vec<(usize, Option<&str>, Money)> = owed
            .iter()
            .enumerate()
            .map(|(i, o)| (i, None, *o))
            .collect();
        let applied = apply_payment(usd(*payment), implicit_targets("", &open)).unwrap();
        for (index, amount) in applied.allocations {
            owed[index] = owed[index].checked_sub(&amount).unwrap();
        }
        left.push(applied.unallocated);
    }
    (owed, left)
}

fn balance_of(owed: &[Money], left: &[Money]) -> Decimal {
    Balance::of(
        owed.iter().map(|o| (o.amount(), PaymentStatus::Due)),
        left.iter().map(Money::amount),
    )
    .balance
}

proptest! {
    #[test]
    fn allocations_and_the_rest_add_up_to_the_payment(
        payment in 0i64..5_000_000,
        wanted in prop::collection::vec((0i64..2_000_000, 0i64..2_000_000), 0..10),
    ) {
        let targets: Vec<Target<usize>> = wanted
            .iter()
            .enumerate()
            .map(|(i, (w, o))| target(i, *w, *o))
            .collect();
        let applied = apply_payment(usd(payment), targets.clone()).unwrap();
        let mut sum = applied.unallocated;
        for (index, amount) in &applied.allocations {
            prop_assert!(amount.amount() > Decimal::ZERO);
            prop_assert!(amount.amount() <= targets[*index].wanted.amount());
            prop_assert!(amount.amount() <= targets[*index].outstanding.amount());
            sum = sum.checked_add(amount).unwrap();
        }
        prop_assert!(!applied.unallocated.is_negative());
        prop_assert_eq!(sum, usd(payment));
    }

    #[test]
    fn settled_never_exceeds_the_total(total in 1i64..1_000_000, steps in prop::collection::vec(-500_000i64..800_000, 0..20)) {
        let mut invoice = document(DocumentKind::Invoice, DocumentStatus::Open, 0, 0);
        invoice.totals.total = Decimal::new(total, 2);
        for step in steps {
            let before = invoice.settled;
            if settle(&mut invoice, Decimal::new(step, 2)).is_err() {
                prop_assert_eq!(invoice.settled, before);
            }
            prop_assert!(invoice.settled <= invoice.totals.total);
            prop_assert!(invoice.outstanding() >= Decimal::ZERO);
        }
    }

    #[test]
    fn the_balance_is_what_was_billed_less_what_was_paid((totals, payments) in book()) {
        let (owed, left) = pay_all(&totals, &payments);
        let billed: i64 = totals.iter().sum();
        let paid: i64 = payments.iter().sum();
        prop_assert_eq!(balance_of(&owed, &left), Decimal::new(billed - paid, 2));
        for o in &owed {
            prop_assert!(!o.is_negative());
        }
    }

    #[test]
    fn moving_payments_on_rebill_keeps_the_balance_but_for_the_change_in_total(
        (totals, payments) in book(),
        new_total in 1i64..2_000_000,
    ) {
        // The first invoice is voided and rebilled at `new_total`: the payments it received
        // move to the new invoice as far as it owes; the rest is unallocated again.
        let (mut owed, mut left) = pay_all(&totals, &payments);
        let before = balance_of(&owed, &left);
        let received = usd(totals[0]).checked_sub(&owed[0]).unwrap();
        let moved = move_payments(&[received], usd(new_total)).unwrap();
        let moved_total = moved[0];
        owed[0] = usd(new_total).checked_sub(&moved_total).unwrap();
        left.push(received.checked_sub(&moved_total).unwrap());
        let after = balance_of(&owed, &left);
        prop_assert_eq!(after - before, Decimal::new(new_total - totals[0], 2));
        prop_assert!(!owed[0].is_negative());
    }
}
