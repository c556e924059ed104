//! Amounts as people read them on documents: the whole part grouped by thousands, and as
//! many decimals as the currency has. Display only; no arithmetic happens here.

use rust_decimal::Decimal;

use crate::currency::Currency;

/// A decimal with its whole part grouped by thousands and its decimals as given
/// (`1234567.50` → `1,234,567.50`, `-1000` → `-1,000`).
pub fn grouped(value: Decimal) -> String {
    let text = value.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut out = String::with_capacity(text.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// An amount of `currency`, grouped, with exactly the currency's decimals: amounts are
/// stored rounded to them, so this only pads (`12.5` USD → `12.50`, `1200` JPY → `1,200`).
/// A stray finer amount is shown in full rather than silently rounded.
pub fn amount(currency: Currency, value: Decimal) -> String {
    let mut shown = value.normalize();
    if shown.scale() < currency.decimals() {
        shown.rescale(currency.decimals());
    }
    grouped(shown)
}

/// A quantity, rate or price as entered, without trailing zeros, grouped.
pub fn plain(value: Decimal) -> String {
    grouped(value.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn whole_parts_are_grouped_by_thousands() {
        assert_eq!(grouped(d("0")), "0");
        assert_eq!(grouped(d("999")), "999");
        assert_eq!(grouped(d("1000")), "1,000");
        assert_eq!(grouped(d("1234567.50")), "1,234,567.50");
        assert_eq!(grouped(d("-100000")), "-100,000");
    }

    #[test]
    fn amounts_carry_exactly_the_currency_decimals() {
        let usd = Currency::parse("USD").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(amount(usd, d("12.5")), "12.50");
        assert_eq!(amount(usd, d("-1234")), "-1,234.00");
        assert_eq!(amount(jpy, d("1200")), "1,200");
        assert_eq!(amount(jpy, d("1200.00")), "1,200");
        assert_eq!(amount(usd, d("0.125")), "0.125");
    }

    #[test]
    fn plain_numbers_drop_trailing_zeros() {
        assert_eq!(plain(d("3.500000")), "3.5");
        assert_eq!(plain(d("1350.2500")), "1,350.25");
    }
}
