use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use time::macros::date;
use time::{Date, Weekday};

use super::*;
use crate::currency::Currency;
use crate::ids::PartnerId;
use crate::money::MoneyError;

/// The one partner of these tests.
pub(super) fn partner() -> PartnerId {
    PartnerId::from_trusted("ptn_01settlementtestpartner0".into())
}

pub(super) fn contract(from: Date, rate: Decimal, fixed: Decimal, share: Decimal) -> Contract {
    Contract {
        partner_id: partner(),
        effective_from: from,
        currency: Currency::KRW,
        fee: FeeRule {
            rate,
            category_rates: BTreeMap::new(),
            product_rates: BTreeMap::new(),
            fixed_per_order: fixed,
        },
        partner_discount_share: share,
        cycle: Cycle::Monthly { payout_day: 10 },
        taxation: Taxation::ReverseTaxInvoice,
    }
}

pub(super) fn transfer(
    id: &str,
    kind: TransferKind,
    on: Date,
    amount: i64,
    discount: i64,
) -> Transfer {
    Transfer {
        external_id: id.into(),
        partner_id: partner(),
        kind,
        occurred_on: on,
        order_id: Some(format!("O-{id}")),
        product_id: None,
        category: None,
        amount: Decimal::from(amount),
        discount: Decimal::from(discount),
    }
}

fn settle_krw(transfers: &[Transfer], contracts: &[Contract]) -> Settlement {
    settle(
        transfers,
        contracts,
        Currency::KRW,
        Taxation::ReverseTaxInvoice,
    )
    .unwrap()
}

#[test]
fn a_fee_by_rate_is_rounded_half_away_from_zero_to_the_won() {
    let c = contract(
        date!(2026 - 01 - 01),
        dec!(0.108),
        Decimal::ZERO,
        Decimal::ZERO,
    );
    let s = settle_krw(
        &[transfer(
            "1",
            TransferKind::Order,
            date!(2026 - 11 - 03),
            12345,
            0,
        )],
        &[c],
    );
    // 12,345 × 10.8 % = 1,333.26 → 1,333.
    assert_eq!((s.fees, s.owed), (dec!(1333), dec!(11012)));
}

#[test]
fn a_fixed_fee_per_order_is_returned_with_a_cancellation_but_not_a_partial_refund() {
    let c = contract(
        date!(2026 - 01 - 01),
        Decimal::ZERO,
        dec!(500),
        Decimal::ZERO,
    );
    let on = date!(2026 - 11 - 03);
    let s = settle_krw(
        &[
            transfer("1", TransferKind::Order, on, 10000, 0),
            transfer("2", TransferKind::PartialRefund, on, -2000, 0),
            transfer("3", TransferKind::Order, on, 5000, 0),
            transfer("4", TransferKind::Cancellation, on, -5000, 0),
        ],
        &[c],
    );
    assert_eq!(s.fees, dec!(500));
    assert_eq!(s.owed, dec!(7500));
}

#[test]
fn a_mixed_fee_adds_the_rate_and_the_fixed_amount() {
    let c = contract(date!(2026 - 01 - 01), dec!(0.05), dec!(300), Decimal::ZERO);
    let s = settle_krw(
        &[transfer(
            "1",
            TransferKind::Order,
            date!(2026 - 11 - 03),
            20000,
            0,
        )],
        &[c],
    );
    assert_eq!(s.lines[0].fee, dec!(1300));
}

#[test]
fn product_rates_override_category_rates_which_override_the_default() {
    let mut c = contract(
        date!(2026 - 01 - 01),
        dec!(0.10),
        Decimal::ZERO,
        Decimal::ZERO,
    );
    c.fee.category_rates.insert("books".into(), dec!(0.05));
    c.fee.product_rates.insert("P-9".into(), dec!(0.02));
    assert_eq!(c.fee.rate_for(Some("P-9"), Some("books")), dec!(0.02));
    assert_eq!(c.fee.rate_for(Some("P-1"), Some("books")), dec!(0.05));
    assert_eq!(c.fee.rate_for(None, None), dec!(0.10));
}

#[test]
fn a_shared_discount_is_split_by_the_ratio_and_the_platform_takes_the_rest() {
    let c = contract(date!(2026 - 01 - 01), dec!(0.10), Decimal::ZERO, dec!(0.3));
    let s = settle_krw(
        &[transfer(
            "1",
            TransferKind::Order,
            date!(2026 - 11 - 03),
            10000,
            1005,
        )],
        &[c],
    );
    // 1,005 × 30 % = 301.5 → 302 for the partner; 703 for the platform.
    assert_eq!(
        (s.partner_discounts, s.platform_discounts),
        (dec!(302), dec!(703))
    );
    assert_eq!(s.owed, dec!(10000) - dec!(1000) - dec!(302));
}

#[test]
fn each_transfer_takes_the_contract_in_force_on_its_date() {
    let old = contract(
        date!(2026 - 01 - 01),
        dec!(0.10),
        Decimal::ZERO,
        Decimal::ZERO,
    );
    let new = contract(
        date!(2026 - 11 - 15),
        dec!(0.05),
        Decimal::ZERO,
        Decimal::ZERO,
    );
    let s = settle_krw(
        &[
            transfer("1", TransferKind::Order, date!(2026 - 11 - 14), 10000, 0),
            transfer("2", TransferKind::Order, date!(2026 - 11 - 15), 10000, 0),
        ],
        &[new, old],
    );
    assert_eq!((s.lines[0].fee, s.lines[1].fee), (dec!(1000), dec!(500)));
    let none = settle(
        &[transfer(
            "3",
            TransferKind::Order,
            date!(2025 - 12 - 31),
            1,
            0,
        )],
        &[contract(
            date!(2026 - 01 - 01),
            dec!(0.1),
            Decimal::ZERO,
            Decimal::ZERO,
        )],
        Currency::KRW,
        Taxation::ReverseTaxInvoice,
    );
    assert!(matches!(none, Err(SettleError::NoContract { .. })));
}

#[test]
fn shipping_passes_through_and_adjustments_are_owed_as_given() {
    let c = contract(date!(2026 - 01 - 01), dec!(0.10), dec!(100), dec!(1));
    let on = date!(2026 - 11 - 03);
    let s = settle_krw(
        &[
            transfer("1", TransferKind::ShippingFee, on, 3000, 0),
            transfer("2", TransferKind::Adjustment, on, -1234, 0),
        ],
        &[c],
    );
    assert_eq!(
        (s.fees, s.adjustments, s.owed),
        (dec!(0), dec!(-1234), dec!(1766))
    );
}

#[test]
fn an_individual_has_income_tax_and_local_income_tax_withheld_rounded_down_to_the_won() {
    // 1,234,567 × 3 % = 37,037.01 → 37,037; a tenth of that = 3,703.7 → 3,703.
    let w = withholding(dec!(1234567), dec!(0.03), Currency::KRW).unwrap();
    assert_eq!(
        (w.income_tax, w.local_income_tax),
        (dec!(37037), dec!(3703))
    );
    assert_eq!(
        withholding(dec!(-10), dec!(0.03), Currency::KRW).unwrap(),
        Withholding::default()
    );
    let c = contract(
        date!(2026 - 01 - 01),
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
    );
    let s = settle(
        &[transfer(
            "1",
            TransferKind::Order,
            date!(2026 - 11 - 03),
            1234567,
            0,
        )],
        &[c],
        Currency::KRW,
        Taxation::Withholding {
            income_tax_rate: dec!(0.03),
        },
    )
    .unwrap();
    assert_eq!(s.payout, dec!(1234567) - dec!(37037) - dec!(3703));
}

#[test]
fn cycles_give_their_period_and_payout_day() {
    let monthly = Cycle::Monthly { payout_day: 31 };
    assert_eq!(
        monthly.period_of(date!(2026 - 02 - 14)),
        (date!(2026 - 02 - 01), date!(2026 - 02 - 28))
    );
    assert_eq!(
        monthly.payout_date(date!(2026 - 01 - 31)),
        date!(2026 - 02 - 28)
    );
    let weekly = Cycle::Weekly {
        payout_weekday: Weekday::Wednesday,
    };
    let (start, end) = weekly.period_of(date!(2026 - 12 - 06));
    assert_eq!((start, end), (date!(2026 - 11 - 30), date!(2026 - 12 - 06)));
    assert_eq!(weekly.payout_date(end), date!(2026 - 12 - 09));
    let daily = Cycle::Daily {
        payout_after_days: 2,
    };
    assert_eq!(
        daily.payout_date(date!(2026 - 12 - 31)),
        date!(2027 - 01 - 02)
    );
}

fn kind() -> impl Strategy<Value = TransferKind> {
    prop::sample::select(TransferKind::ALL.to_vec())
}

prop_compose! {
    pub(super) fn any_transfer()(
        kind in kind(),
        amount in 1i64..5_000_000,
        discount_permille in 0i64..500,
        day in 0i64..60,
    ) -> Transfer {
        let sign = match kind {
            TransferKind::Cancellation | TransferKind::PartialRefund => -1,
            _ => 1,
        };
        let discount = match kind {
            TransferKind::ShippingFee | TransferKind::Adjustment => 0,
            _ => amount * discount_permille / 1000,
        };
        transfer(
            "t",
            kind,
            date!(2026 - 10 - 01) + time::Duration::days(day),
            sign * amount,
            sign * discount,
        )
    }
}

proptest! {
    /// Whatever the transfers and contracts, the money balances to the won.
    #[test]
    fn settlements_fees_and_discounts_add_up_to_the_sales(
        transfers in prop::collection::vec(any_transfer(), 0..60),
        rate_a in 0u32..300, rate_b in 0u32..300,
        share_a in 0u32..=100, share_b in 0u32..=100,
        fixed in 0i64..2_000,
    ) {
        let contracts = [
            contract(date!(2026 - 01 - 01), Decimal::new(rate_a.into(), 3), Decimal::from(fixed), Decimal::new(share_a.into(), 2)),
            contract(date!(2026 - 11 - 01), Decimal::new(rate_b.into(), 3), Decimal::ZERO, Decimal::new(share_b.into(), 2)),
        ];
        let s = settle_krw(&transfers, &contracts);
        let sales: Decimal = transfers
            .iter()
            .filter(|t| t.kind != TransferKind::Adjustment)
            .map(|t| t.amount)
            .sum();
        let adjustments: Decimal = transfers
            .iter()
            .filter(|t| t.kind == TransferKind::Adjustment)
            .map(|t| t.amount)
            .sum();
        let paid: Decimal = transfers
            .iter()
            .filter(|t| t.kind != TransferKind::Adjustment)
            .map(|t| t.amount - t.discount)
            .sum();
        prop_assert_eq!(s.owed + s.fees + s.partner_discounts, sales + adjustments);
        prop_assert_eq!(s.owed + s.fees - s.platform_discounts, paid + adjustments);
        prop_assert_eq!(s.lines.iter().map(|l| l.owed).sum::<Decimal>(), s.owed);
        prop_assert!(s.lines.iter().all(|l| l.fee.scale() == 0 && l.partner_discount.scale() == 0));
    }
}

#[test]
fn amounts_finer_than_the_currency_are_refused_and_other_partners_contracts_ignored() {
    let c = contract(
        date!(2026 - 01 - 01),
        dec!(0.1),
        Decimal::ZERO,
        Decimal::ZERO,
    );
    let mut fine = transfer("1", TransferKind::Order, date!(2026 - 11 - 03), 100, 0);
    fine.amount = dec!(100.5);
    let refused = settle(
        &[fine],
        std::slice::from_ref(&c),
        Currency::KRW,
        Taxation::ReverseTaxInvoice,
    );
    assert!(matches!(
        refused,
        Err(SettleError::Money(MoneyError::TooManyDecimals { .. }))
    ));
    let mut other = transfer("2", TransferKind::Order, date!(2026 - 11 - 03), 100, 0);
    other.partner_id = PartnerId::from_trusted("ptn_01someoneelse00000000000".into());
    let refused = settle(&[other], &[c], Currency::KRW, Taxation::ReverseTaxInvoice);
    assert!(matches!(refused, Err(SettleError::NoContract { .. })));
}
