//! Amounts of money, strict decimal parsing and currency conversion.
//!
//! A [`Money`] always carries exactly its currency's decimals, so two amounts in
//! the same currency compare, add and print without surprises. Anything with
//! more precision (a unit price times a quantity, a converted amount) stays a
//! plain [`Decimal`] until it is rounded with an explicit [`RoundingMode`].

use std::fmt;
use std::ops::Neg;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::currency::Currency;
use crate::rounding::{RoundingMode, try_round};

/// Most significant digits an API decimal may carry; every such number fits a
/// [`Decimal`] exactly, so parsing never rounds.
const MAX_SIGNIFICANT_DIGITS: usize = 28;

/// Longest input echoed back in an [`MoneyError::InvalidDecimal`].
const MAX_ECHO_CHARS: usize = 40;

/// Why an amount, a sum or a conversion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The result does not fit a decimal at the currency's precision.
    #[error("amount is too large")]
    Overflow,
    /// The amount has more decimals than the currency keeps; round it first.
    #[error("{currency} amounts allow at most {decimals} decimal places")]
    TooManyDecimals {
        /// The currency of the refused amount.
        currency: Currency,
        /// How many decimals that currency keeps.
        decimals: u32,
    },
    /// Two amounts, or an amount and a rate, are in different currencies.
    #[error("currency mismatch: {left} and {right}")]
    CurrencyMismatch {
        /// Currency of the left-hand amount.
        left: Currency,
        /// Currency of the right-hand amount or rate.
        right: Currency,
    },
    /// The text is not a plain decimal such as `1234.50` or `-0.5`.
    #[error("invalid decimal {0:?}: expected digits with an optional leading '-' and '.'")]
    InvalidDecimal(String),
    /// An exchange rate must be greater than zero.
    #[error("exchange rate must be greater than zero")]
    InvalidRate,
}

impl MoneyError {
    /// Stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Overflow => "money.overflow",
            Self::TooManyDecimals { .. } => "money.too_many_decimals",
            Self::CurrencyMismatch { .. } => "money.currency_mismatch",
            Self::InvalidDecimal(_) => "money.invalid_decimal",
            Self::InvalidRate => "money.invalid_rate",
        }
    }
}

/// An amount in a currency, always at exactly that currency's decimals.
///
/// Serialized as `{"amount":"12.50","currency":"USD"}`; the amount is a string
/// so no JSON client turns it into a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MoneyRepr", into = "MoneyRepr")]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An exact amount. Refuses more decimals than the currency keeps (trailing
    /// zeros aside) instead of rounding silently; 1 USD becomes `1.00`.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let decimals = currency.decimals();
        if amount.normalize().scale() > decimals {
            return Err(MoneyError::TooManyDecimals { currency, decimals });
        }
        Money::from_rounded(amount, currency, RoundingMode::TowardZero)
    }

    /// Rounds `value` to the currency's decimals with `mode`.
    pub fn from_rounded(
        value: Decimal,
        currency: Currency,
        mode: RoundingMode,
    ) -> Result<Money, MoneyError> {
        let amount = try_round(value, currency.decimals(), mode)?;
        Ok(Money { amount, currency })
    }

    /// Zero in `currency`, e.g. `0.00 USD`.
    pub fn zero(currency: Currency) -> Money {
        let mut amount = Decimal::ZERO;
        amount.rescale(currency.decimals());
        Money { amount, currency }
    }

    /// The amount, at exactly the currency's decimals.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// `self + other`; both must be in the same currency.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        let sum = self.same_currency(other)?.amount.checked_add(other.amount);
        self.with_amount(sum)
    }

    /// `self - other`; both must be in the same currency.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        let difference = self.same_currency(other)?.amount.checked_sub(other.amount);
        self.with_amount(difference)
    }

    /// True for zero in any currency.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// True for amounts below zero (credit notes, refunds).
    pub fn is_negative(&self) -> bool {
        self.amount < Decimal::ZERO
    }

    fn same_currency(&self, other: &Money) -> Result<&Money, MoneyError> {
        if self.currency == other.currency {
            Ok(self)
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// Wraps an arithmetic result, refusing overflow and any loss of scale
    /// (Decimal rounds a sum too large for its scale instead of failing).
    fn with_amount(&self, amount: Option<Decimal>) -> Result<Money, MoneyError> {
        match amount {
            Some(amount) if amount.scale() == self.currency.decimals() => Ok(Money {
                amount,
                currency: self.currency,
            }),
            _ => Err(MoneyError::Overflow),
        }
    }
}

impl Neg for Money {
    type Output = Money;

    /// Negation never overflows: Decimal's range is symmetric.
    fn neg(self) -> Money {
        let mut amount = -self.amount;
        if amount.is_zero() {
            amount.set_sign_positive(true);
        }
        Money { amount, ..self }
    }
}

impl fmt::Display for Money {
    /// Plain `1234.50 USD`: no grouping, so logs and CSVs parse back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Wire form of [`Money`]; deserializing goes through the strict parser and
/// [`Money::new`].
#[derive(Serialize, Deserialize)]
struct MoneyRepr {
    amount: String,
    currency: Currency,
}

impl From<Money> for MoneyRepr {
    fn from(money: Money) -> Self {
        MoneyRepr {
            amount: money.amount.to_string(),
            currency: money.currency,
        }
    }
}

impl TryFrom<MoneyRepr> for Money {
    type Error = MoneyError;

    fn try_from(repr: MoneyRepr) -> Result<Self, Self::Error> {
        Money::new(parse_decimal(&repr.amount)?, repr.currency)
    }
}

/// Parses an API decimal strictly: an optional leading `-`, digits, and
/// optionally `.` followed by digits. No exponent, sign `+`, spaces,
/// thousands separators or bare `.5`/`5.`, and at most 28 significant digits,
/// so a value is either taken exactly or refused.
pub fn parse_decimal(s: &str) -> Result<Decimal, MoneyError> {
    let invalid = || MoneyError::InvalidDecimal(s.chars().take(MAX_ECHO_CHARS).collect());
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (unsigned, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !frac.is_none_or(all_digits) {
        return Err(invalid());
    }
    let digits = int.bytes().chain(frac.unwrap_or_default().bytes());
    let significant = digits.skip_while(|&b| b == b'0').count();
    if significant > MAX_SIGNIFICANT_DIGITS {
        return Err(invalid());
    }
    let mut value = Decimal::from_str_exact(s).map_err(|_| invalid())?;
    if value.is_zero() {
        value.set_sign_positive(true);
    }
    Ok(value)
}

/// A rate to convert `from` into `to`, as published on `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExchangeRate {
    rate: Decimal,
    date: Date,
    from: Currency,
    to: Currency,
}

impl ExchangeRate {
    /// One `from` unit is worth `rate` `to` units; `rate` must be positive.
    pub fn new(
        rate: Decimal,
        date: Date,
        from: Currency,
        to: Currency,
    ) -> Result<Self, MoneyError> {
        if rate <= Decimal::ZERO {
            return Err(MoneyError::InvalidRate);
        }
        Ok(ExchangeRate {
            rate,
            date,
            from,
            to,
        })
    }

    /// Target units per source unit.
    pub fn rate(&self) -> Decimal {
        self.rate
    }

    /// The date the rate applies to.
    pub fn date(&self) -> Date {
        self.date
    }

    /// Source currency.
    pub fn from(&self) -> Currency {
        self.from
    }

    /// Target currency.
    pub fn to(&self) -> Currency {
        self.to
    }
}

/// The record of one conversion: everything needed to show how the converted
/// amount was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    /// The amount converted, unrounded (it may carry more decimals than its
    /// currency keeps, e.g. a unit price times a quantity).
    pub source_amount: Decimal,
    /// The currency of `source_amount`.
    pub source_currency: Currency,
    /// The rate applied.
    pub rate: Decimal,
    /// The date of the rate applied.
    pub rate_date: Date,
    /// The result, rounded to the target currency's decimals.
    pub converted: Money,
    /// How the result was rounded.
    pub mode: RoundingMode,
}

/// Converts `source` with `rate`, rounding once to the target's decimals.
/// `source` must be in the rate's source currency.
pub fn convert(
    source: &Money,
    rate: &ExchangeRate,
    mode: RoundingMode,
) -> Result<Conversion, MoneyError> {
    if source.currency() != rate.from {
        return Err(MoneyError::CurrencyMismatch {
            left: source.currency(),
            right: rate.from,
        });
    }
    convert_amount(source.amount(), rate, mode)
}

/// Converts an unrounded `amount` in the rate's source currency, so a line
/// total is rounded only once, in the target currency.
pub fn convert_amount(
    amount: Decimal,
    rate: &ExchangeRate,
    mode: RoundingMode,
) -> Result<Conversion, MoneyError> {
    let product = amount.checked_mul(rate.rate).ok_or(MoneyError::Overflow)?;
    Ok(Conversion {
        source_amount: amount,
        source_currency: rate.from,
        rate: rate.rate,
        rate_date: rate.date,
        converted: Money::from_rounded(product, rate.to, mode)?,
        mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoundingMode::{Ceiling, HalfAwayFromZero, TowardZero};
    use rust_decimal_macros::dec;
    use time::macros::date;

    fn usd(amount: Decimal) -> Money {
        Money::new(amount, Currency::USD).unwrap()
    }

    #[test]
    fn new_rescales_and_refuses_extra_decimals() {
        assert_eq!(usd(dec!(1)).to_string(), "1.00 USD");
        assert_eq!(usd(dec!(1.5)).amount().to_string(), "1.50");
        assert_eq!(
            Money::new(dec!(1.005), Currency::USD),
            Err(MoneyError::TooManyDecimals {
                currency: Currency::USD,
                decimals: 2
            })
        );
        assert_eq!(
            Money::new(dec!(100), Currency::KRW).unwrap().to_string(),
            "100 KRW"
        );
        assert_eq!(
            Money::new(dec!(100.00), Currency::KRW).unwrap().to_string(),
            "100 KRW"
        );
        let err = Money::new(dec!(100.5), Currency::KRW).unwrap_err();
        assert_eq!(err.code(), "money.too_many_decimals");
        assert_eq!(
            err.to_string(),
            "KRW amounts allow at most 0 decimal places"
        );
    }

    #[test]
    fn from_rounded_uses_the_mode() {
        let round = |mode| Money::from_rounded(dec!(1.005), Currency::USD, mode).unwrap();
        assert_eq!(round(HalfAwayFromZero).amount(), dec!(1.01));
        assert_eq!(round(TowardZero).amount(), dec!(1.00));
        assert_eq!(round(Ceiling).amount(), dec!(1.01));
        let krw = Money::from_rounded(dec!(-1234.5), Currency::KRW, HalfAwayFromZero).unwrap();
        assert_eq!(krw.to_string(), "-1235 KRW");
        assert!(krw.is_negative());
    }

    #[test]
    fn arithmetic_and_sign() {
        let a = usd(dec!(10.25));
        let b = usd(dec!(0.75));
        assert_eq!(a.checked_add(&b).unwrap().to_string(), "11.00 USD");
        assert_eq!(b.checked_sub(&a).unwrap().to_string(), "-9.50 USD");
        assert_eq!((-a).amount(), dec!(-10.25));
        assert!(!a.is_negative() && !a.is_zero());
        let zero = Money::zero(Currency::USD);
        assert!(zero.is_zero() && !zero.is_negative());
        assert_eq!(zero.to_string(), "0.00 USD");
        assert_eq!((-zero).to_string(), "0.00 USD");
        assert_eq!(Money::zero(Currency::KRW).to_string(), "0 KRW");
    }

    #[test]
    fn mismatch_and_overflow() {
        let krw = Money::new(dec!(1000), Currency::KRW).unwrap();
        let err = usd(dec!(1)).checked_add(&krw).unwrap_err();
        assert_eq!(
            err,
            MoneyError::CurrencyMismatch {
                left: Currency::USD,
                right: Currency::KRW
            }
        );
        assert_eq!(err.code(), "money.currency_mismatch");
        let big = Money::new(Decimal::MAX, Currency::KRW).unwrap();
        assert_eq!(big.checked_add(&krw), Err(MoneyError::Overflow));
        assert_eq!((-big).checked_sub(&krw), Err(MoneyError::Overflow));
        assert_eq!(
            Money::new(Decimal::MAX, Currency::USD),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn serde_amount_is_a_string() {
        let money = usd(dec!(12.5));
        let json = serde_json::to_string(&money).unwrap();
        assert_eq!(json, r#"{"amount":"12.50","currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
        for bad in [
            r#"{"amount":12.5,"currency":"USD"}"#,
            r#"{"amount":"1.005","currency":"USD"}"#,
            r#"{"amount":"1e3","currency":"USD"}"#,
            r#"{"amount":"1","currency":"XYZ"}"#,
        ] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usd_to_krw() {
        let rate = ExchangeRate::new(
            dec!(1385.5),
            date!(2024 - 03 - 15),
            Currency::USD,
            Currency::KRW,
        )
        .unwrap();
        let conversion = convert(&usd(dec!(12.34)), &rate, HalfAwayFromZero).unwrap();
        assert_eq!(conversion.converted.to_string(), "17097 KRW");
        assert_eq!(conversion.source_amount, dec!(12.34));
        assert_eq!(conversion.source_currency, Currency::USD);
        assert_eq!(conversion.rate, dec!(1385.5));
        assert_eq!(conversion.rate_date, date!(2024 - 03 - 15));
        assert_eq!(conversion.mode, HalfAwayFromZero);
    }

    #[test]
    fn jpy_to_usd_rounds_to_cents() {
        let rate = ExchangeRate::new(
            dec!(0.006667),
            date!(2024 - 03 - 15),
            Currency::JPY,
            Currency::USD,
        )
        .unwrap();
        let yen = Money::new(dec!(1500), Currency::JPY).unwrap();
        // 1500 × 0.006667 = 10.0005
        let up = convert(&yen, &rate, HalfAwayFromZero).unwrap();
        assert_eq!(up.converted.to_string(), "10.00 USD");
        let ceiling = convert(&yen, &rate, Ceiling).unwrap();
        assert_eq!(ceiling.converted.to_string(), "10.01 USD");
        // Unrounded source: 3 × 333.333333 JPY = 999.999999 JPY → 6.666999... USD.
        let raw = convert_amount(dec!(999.999999), &rate, HalfAwayFromZero).unwrap();
        assert_eq!(raw.converted.to_string(), "6.67 USD");
        assert_eq!(raw.source_amount, dec!(999.999999));
    }

    #[test]
    fn conversion_errors() {
        let day = date!(2024 - 01 - 02);
        for bad in [dec!(0), dec!(-1)] {
            let err = ExchangeRate::new(bad, day, Currency::USD, Currency::KRW).unwrap_err();
            assert_eq!(err, MoneyError::InvalidRate);
            assert_eq!(err.code(), "money.invalid_rate");
        }
        let rate = ExchangeRate::new(dec!(1385.5), day, Currency::USD, Currency::KRW).unwrap();
        let eur = Money::new(dec!(1), Currency::EUR).unwrap();
        assert_eq!(
            convert(&eur, &rate, TowardZero),
            Err(MoneyError::CurrencyMismatch {
                left: Currency::EUR,
                right: Currency::USD
            })
        );
        assert_eq!(
            convert_amount(Decimal::MAX, &rate, TowardZero),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn parse_decimal_accepts_plain_numbers() {
        assert_eq!(parse_decimal("1234.50").unwrap().to_string(), "1234.50");
        assert_eq!(parse_decimal("-0.5").unwrap(), dec!(-0.5));
        assert_eq!(parse_decimal("0").unwrap(), dec!(0));
        assert_eq!(parse_decimal("-0").unwrap().to_string(), "0");
        assert_eq!(
            parse_decimal("9999999999999999999999999999").unwrap(),
            Decimal::from_i128_with_scale(9_999_999_999_999_999_999_999_999_999, 0)
        );
        assert_eq!(
            parse_decimal("0.0000000000000000000000000001").unwrap(),
            Decimal::from_i128_with_scale(1, 28)
        );
    }

    #[test]
    fn parse_decimal_rejects_everything_else() {
        for bad in [
            "1e3",
            "1,000",
            "",
            ".",
            "1.2.3",
            " 1",
            "1 ",
            "-",
            "+1",
            "--1",
            ".5",
            "5.",
            "1_000",
            "١٢",
            "99999999999999999999999999999",
            "0.00000000000000000000000000001",
        ] {
            let err = parse_decimal(bad).unwrap_err();
            assert_eq!(err, MoneyError::InvalidDecimal(bad.to_owned()), "{bad:?}");
            assert_eq!(err.code(), "money.invalid_decimal");
        }
        let long = "x".repeat(100);
        assert_eq!(
            parse_decimal(&long),
            Err(MoneyError::InvalidDecimal("x".repeat(MAX_ECHO_CHARS)))
        );
    }
}

/// A decimal as API input: a string (`"1234.50"`, taken exactly by [`parse_decimal`]) or a
/// JSON number. Numbers are read through their shortest decimal form, which is exact for the
/// values people write; strings are the exact form for anything longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalInput(pub Decimal);

impl Serialize for DecimalInput {
    /// As the exact decimal string.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DecimalInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = DecimalInput;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal string such as \"1234.50\" or a number")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<DecimalInput, E> {
                parse_decimal(text.trim())
                    .map(DecimalInput)
                    .map_err(E::custom)
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<DecimalInput, E> {
                Ok(DecimalInput(Decimal::from(n)))
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<DecimalInput, E> {
                Ok(DecimalInput(Decimal::from(n)))
            }

            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<DecimalInput, E> {
                // `{}` prints the shortest text that reads back as the same f64.
                let text = format!("{n}");
                parse_decimal(&text).map(DecimalInput).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
