//! Transfers: the money events a settlement is made of.

use rust_decimal::Decimal;
use time::Date;

use crate::ids::PartnerId;
use crate::named_enum;

named_enum!(
    /// What a transfer records.
    TransferKind {
        /// A sale (positive amount).
        Order = "order",
        /// A whole order cancelled (negative amount); its fixed fee is returned.
        Cancellation = "cancellation",
        /// Part of an order refunded (negative amount).
        PartialRefund = "partial_refund",
        /// Shipping the partner charged through the platform; passed on without a fee.
        ShippingFee = "shipping_fee",
        /// A correction either way, owed as it is (e.g. a change to a closed settlement).
        Adjustment = "adjustment",
    }
);

/// One transfer of a partner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The platform's id for it; a second transfer with the same id is the same transfer.
    pub external_id: String,
    /// The partner.
    pub partner_id: PartnerId,
    /// What it records.
    pub kind: TransferKind,
    /// When it happened; the contract in force that day applies.
    pub occurred_on: Date,
    /// The order it belongs to.
    pub order_id: Option<String>,
    /// The product, for product fee rates.
    pub product_id: Option<String>,
    /// The category, for category fee rates.
    pub category: Option<String>,
    /// The sales amount before discounts (negative for cancellations and refunds); for an
    /// adjustment, the amount owed.
    pub amount: Decimal,
    /// Discounts and coupons within `amount`, with its sign.
    pub discount: Decimal,
}
