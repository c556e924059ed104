//! What a charge puts on an invoice line, as charges and invoice lines show it.

use serde::Serialize;
use settle_core::billing::LineItem;
use utoipa::ToSchema;

use super::day;

/// The product and its pricing (a charge's, or an invoice line's).
#[derive(Serialize, ToSchema)]
pub struct ItemView {
    /// The order.
    pub order_id: String,
    /// When it was ordered.
    pub order_date: String,
    /// Product id.
    pub product_id: String,
    /// SKU id.
    pub sku_id: String,
    /// Product name.
    pub product_name: String,
    /// SKU name.
    pub sku_name: Option<String>,
    /// `new`, `adjustment`, `upgrade`, `cycle`, `renewal` or `cancellation`.
    pub charge_type: &'static str,
    /// Legacy (D) grouping: `license`, `usage` or `other`; null on G.
    pub category: Option<&'static str>,
    /// Units (negative on cancellations and notes).
    pub quantity: String,
    /// Price per unit, in the pricing currency.
    pub unit_price: String,
    /// The currency of the price.
    pub pricing_currency: String,
    /// Billing-currency units per pricing unit; null when the currencies are the same.
    pub exchange_rate: Option<String>,
    /// The rate's date.
    pub exchange_rate_date: Option<String>,
    /// Tax rate as a fraction (`"0.10"`).
    pub tax_rate: String,
    /// Publisher of a marketplace product.
    pub publisher_name: Option<String>,
    /// Publisher's address.
    pub publisher_address: Option<String>,
    /// First day charged.
    pub charge_start: String,
    /// Last day charged.
    pub charge_end: String,
}

impl From<&LineItem> for ItemView {
    fn from(item: &LineItem) -> Self {
        Self {
            order_id: item.order_id.clone(),
            order_date: day(item.order_date),
            product_id: item.product_id.clone(),
            sku_id: item.sku_id.clone(),
            product_name: item.product_name.clone(),
            sku_name: item.sku_name.clone(),
            charge_type: item.charge_type.as_str(),
            category: item.category.map(|c| c.as_str()),
            quantity: item.quantity.to_string(),
            unit_price: item.unit_price.to_string(),
            pricing_currency: item.pricing_currency.code().to_owned(),
            exchange_rate: item.exchange_rate.map(|r| r.to_string()),
            exchange_rate_date: item.exchange_rate_date.map(day),
            tax_rate: item.tax_rate.to_string(),
            publisher_name: item.publisher_name.clone(),
            publisher_address: item.publisher_address.clone(),
            charge_start: day(item.charge_start),
            charge_end: day(item.charge_end),
        }
    }
}
