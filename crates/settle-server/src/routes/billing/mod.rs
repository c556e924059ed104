//! Partner invoicing: billing profiles, charges, billing runs, invoices and their notes,
//! rebill requests, payments and partner statements. Handlers only translate between HTTP
//! and the use cases of `settle_app::billing`.

pub mod charges;
pub(crate) mod invoice_view;
pub mod invoices;
mod item_view;
pub mod payments;
pub mod profiles;
pub mod rebills;
pub mod runs;
pub mod statement;

pub use invoice_view::{DocumentRef, InvoiceLineView, InvoiceSummary, InvoiceView};
pub use item_view::ItemView;

use serde::Deserialize;
use settle_core::currency::Currency;
use settle_core::money::{DecimalInput, Money};
use time::Date;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};

/// An amount as a decimal string with at least its currency's decimals (`"0.00"`, never
/// `"0"`).
pub(crate) fn money(currency: Currency, amount: DecimalInput) -> String {
    (amount.0 + Money::zero(currency).amount()).to_string()
}

/// A page of a list that can be narrowed to one partner.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerPageQuery {
    /// 1–1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only of this partner.
    pub partner_id: Option<String>,
}

/// Today in Korean time, by the app's clock.
pub(crate) fn today(state: &crate::AppState) -> Date {
    state.app.now().to_offset(settle_core::KST).date()
}

/// A date as `YYYY-MM-DD`.
pub(crate) fn day(date: Date) -> String {
    date.to_string()
}

/// A 422 `request.invalid_query` naming `field`.
pub(crate) fn invalid_query(field: &str, message: impl Into<String>) -> ApiError {
    ApiError(settle_app::AppError::invalid(
        "request.invalid_query",
        field,
        message,
    ))
}

/// Parses an optional query parameter with `parse`; a value it refuses is a 422 naming
/// the parameter.
pub(crate) fn query_param<T>(
    field: &str,
    value: Option<String>,
    parse: impl Fn(&str) -> Option<T>,
    message: &str,
) -> ApiResult<Option<T>> {
    value
        .map(|v| parse(v.trim()).ok_or_else(|| invalid_query(field, message)))
        .transpose()
}
