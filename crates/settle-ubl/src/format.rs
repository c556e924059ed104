//! How values are written: amounts with their currency's decimals, quantities and rates
//! without trailing zeros, dates as ISO 8601 calendar dates.

use rust_decimal::Decimal;
use settle_core::currency::Currency;
use time::Date;

use crate::UblError;
use crate::amounts::round;
use crate::xml::Xml;

/// Writes amounts of one currency.
#[derive(Clone, Copy)]
pub(crate) struct Money {
    currency: Currency,
}

impl Money {
    pub(crate) fn new(currency: Currency) -> Self {
        Self { currency }
    }

    /// `value` with exactly the currency's decimals (`1234` in JPY, `1234.50` in USD).
    pub(crate) fn text(&self, value: Decimal) -> Result<String, UblError> {
        Ok(round(value, self.currency.decimals())?.to_string())
    }

    /// `<name currencyID="…">value</name>`.
    pub(crate) fn leaf(
        &self,
        xml: &mut Xml,
        name: &'static str,
        value: Decimal,
    ) -> Result<(), UblError> {
        let text = self.text(value)?;
        xml.leaf_with(name, &[("currencyID", self.currency.code())], &text);
        Ok(())
    }
}

/// A quantity, rate or percentage without trailing zeros (`3`, `1.0825`, `10`).
pub(crate) fn plain(value: Decimal) -> String {
    let mut value = value.normalize();
    if value.is_zero() {
        value.set_sign_positive(true);
    }
    value.to_string()
}

/// `YYYY-MM-DD`.
pub(crate) fn day(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    #[test]
    fn amounts_take_their_currency_s_decimals() {
        assert_eq!(
            Money::new(Currency::USD).text(dec!(1234.5)).unwrap(),
            "1234.50"
        );
        assert_eq!(
            Money::new(Currency::JPY).text(dec!(186868)).unwrap(),
            "186868"
        );
        assert_eq!(Money::new(Currency::USD).text(dec!(-0.00)).unwrap(), "0.00");
        assert_eq!(plain(dec!(10.00)), "10");
        assert_eq!(plain(dec!(-0.0)), "0");
        assert_eq!(day(date!(2026 - 01 - 05)), "2026-01-05");
    }
}
