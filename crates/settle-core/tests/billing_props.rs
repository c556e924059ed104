//! Properties of partner-invoice arithmetic over random lines: an invoice's tax is the sum
//! of its rounded line taxes, its totals are the sums of its lines, and what credit notes
//! take of a line plus what is left of it is the line, to the cent.

use proptest::prelude::*;
use rust_decimal::Decimal;
use settle_core::billing::{
    ChargeDetails, ChargeType, CreditRequest, CreditableLine, LineAmounts, LineItem, PricedLine,
    Series, credit, price, totals,
};
use settle_core::currency::Currency;
use settle_core::rounding::{RoundingMode, round};
use time::macros::date;

fn item(price: Decimal, quantity: Decimal, tax_rate: Decimal, rate: Option<Decimal>) -> LineItem {
    LineItem {
        order_id: "o".into(),
        order_date: date!(2026 - 10 - 01),
        product_id: "p".into(),
        sku_id: "s".into(),
        product_name: "Product".into(),
        sku_name: None,
        charge_type: if quantity.is_sign_negative() {
            ChargeType::Cancellation
        } else {
            ChargeType::New
        },
        category: None,
        quantity,
        unit_price: price,
        discount: None,
        pricing_currency: if rate.is_some() {
            Currency::EUR
        } else {
            Currency::USD
        },
        exchange_rate: rate,
        exchange_rate_date: rate.map(|_| date!(2026 - 10 - 01)),
        tax_rate,
        publisher_name: None,
        publisher_address: None,
        charge_start: date!(2026 - 10 - 01),
        charge_end: date!(2026 - 10 - 31),
        details: ChargeDetails::default(),
    }
}

/// A unit price with up to 6 decimals, a quantity (negative for returns), a tax rate of
/// whole percents and sometimes an exchange rate.
fn line() -> impl Strategy<Value = LineItem> {
    (
        0i64..100_000_000,
        prop_oneof![1i64..50, -5i64..0],
        0u32..25,
        proptest::option::of(1i64..2_000_000),
    )
        .prop_map(|(micros, quantity, percent, rate)| {
            item(
                Decimal::new(micros, 6),
                Decimal::from(quantity),
                Decimal::new(i64::from(percent), 2),
                rate.map(|r| Decimal::new(r, 3)),
            )
        })
}

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::USD),
        Just(Currency::KRW),
        Just(Currency::JPY)
    ]
}

fn mode() -> impl Strategy<Value = RoundingMode> {
    prop_oneof![
        Just(RoundingMode::HalfAwayFromZero),
        Just(RoundingMode::TowardZero)
    ]
}

fn sum(lines: &[PricedLine], field: fn(&PricedLine) -> Decimal) -> Decimal {
    lines.iter().map(field).sum()
}

proptest! {
    #[test]
    fn invoice_tax_is_the_sum_of_rounded_line_taxes_and_totals_are_line_sums(
        items in proptest::collection::vec(line(), 1..30),
        currency in currency(),
        mode in mode(),
    ) {
        let priced: Vec<PricedLine> = items.iter().map(|i| price(i, currency, mode).unwrap()).collect();
        for (item, p) in items.iter().zip(&priced) {
            let exact = item.unit_price * item.quantity * item.exchange_rate.unwrap_or(Decimal::ONE);
            prop_assert_eq!(p.amount, round(exact, currency.decimals(), mode));
            prop_assert_eq!(
                p.tax,
                round(p.amount * item.tax_rate, currency.decimals(), RoundingMode::HalfAwayFromZero)
            );
            prop_assert_eq!(p.total, p.amount + p.tax);
        }
        let amounts = items.iter().zip(&priced).map(|(i, p)| LineAmounts {
            priced: *p,
            tax_rate: i.tax_rate,
            category: None,
        });
        let t = totals(Series::G, amounts, currency).unwrap();
        prop_assert_eq!(t.tax, sum(&priced, |p| p.tax));
        prop_assert_eq!(t.total, sum(&priced, |p| p.total));
        prop_assert_eq!(t.subtotal, sum(&priced, |p| p.amount));
        prop_assert_eq!(t.subtotal, t.charges - t.discount - t.credits);
        prop_assert_eq!(t.total, t.subtotal + t.tax);
        prop_assert_eq!(t.total.scale(), currency.decimals());
    }

    #[test]
    fn credits_and_what_remains_add_up_to_the_line(
        micros in 1i64..100_000_000,
        quantity in 1i64..40,
        percent in 0u32..25,
        currency in currency(),
        parts in proptest::collection::vec((any::<bool>(), 1u32..100), 0..6),
    ) {
        let item = item(
            Decimal::new(micros, 6),
            Decimal::from(quantity),
            Decimal::new(i64::from(percent), 2),
            None,
        );
        let p = price(&item, currency, RoundingMode::HalfAwayFromZero).unwrap();
        prop_assume!(p.amount > Decimal::ZERO);
        let mut line = CreditableLine {
            quantity: item.quantity,
            amount: p.amount,
            tax: p.tax,
            tax_rate: item.tax_rate,
            credited_quantity: Decimal::ZERO,
            credited_amount: Decimal::ZERO,
            credited_tax: Decimal::ZERO,
        };
        // Random partial credits, by quantity or by amount, each a share of what is left.
        for (by_quantity, share) in parts {
            let share = Decimal::from(share) / Decimal::ONE_HUNDRED;
            let request = if by_quantity {
                CreditRequest::Quantity((line.remaining_quantity() * share).floor())
            } else {
                let a = round(line.remaining_amount() * share, currency.decimals(), RoundingMode::TowardZero);
                CreditRequest::Amount(a)
            };
            if let Ok(taken) = credit(&line, request, currency) {
                prop_assert!(taken.amount <= line.remaining_amount());
                prop_assert!(taken.tax <= line.remaining_tax());
                line.credited_quantity += taken.quantity;
                line.credited_amount += taken.amount;
                line.credited_tax += taken.tax;
            }
            prop_assert_eq!(line.credited_amount + line.remaining_amount(), p.amount);
            prop_assert_eq!(line.credited_tax + line.remaining_tax(), p.tax);
            prop_assert!(line.remaining_amount() >= Decimal::ZERO);
            prop_assert!(line.remaining_tax() >= Decimal::ZERO);
        }
        // Crediting the rest leaves exactly nothing, and nothing more can be taken.
        if line.remaining_amount() > Decimal::ZERO {
            let rest = credit(&line, CreditRequest::Amount(line.remaining_amount()), currency).unwrap();
            prop_assert_eq!(rest.amount, line.remaining_amount());
            prop_assert_eq!(rest.tax, line.remaining_tax());
            line.credited_amount += rest.amount;
            line.credited_tax += rest.tax;
        }
        prop_assert_eq!(line.credited_amount, p.amount);
        prop_assert_eq!(line.credited_tax, p.tax);
        let smallest = Decimal::new(1, currency.decimals());
        prop_assert!(credit(&line, CreditRequest::Amount(smallest), currency).is_err());
    }
}
