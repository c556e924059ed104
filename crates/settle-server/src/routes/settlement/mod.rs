//! Settlement: contracts, transfers, closed settlements, their tax invoices and payouts.

pub mod contracts;
pub mod payouts;
pub mod settlements;
pub mod transfers;

use settle_core::currency::Currency;
use settle_core::money::DecimalInput;
use time::Date;

use super::billing::{money, query_param};
use crate::error::ApiResult;

/// A settlement amount as a decimal string with its currency's decimals.
pub(crate) fn amount(currency: Currency, value: rust_decimal::Decimal) -> String {
    money(currency, DecimalInput(value))
}

/// A `YYYY-MM-DD` query parameter.
pub(crate) fn date_param(field: &str, value: Option<String>) -> ApiResult<Option<Date>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    query_param(
        field,
        value,
        |text| Date::parse(text, format).ok(),
        "a date YYYY-MM-DD",
    )
}
