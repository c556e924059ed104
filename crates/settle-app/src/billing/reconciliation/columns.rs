//! The reconciliation file's columns: Partner Center's new-commerce line-item layout, in its
//! order, and what each holds of a settle line.

use settle_core::billing::{DocumentKind, effective_unit_price};
use settle_store::billing::reconciliation::{ReconciliationDocument, ReconciliationLine};
use settle_tabular::write::Cell;

/// The columns, in file order.
pub const COLUMNS: [&str; 47] = [
    "PartnerId",
    "CustomerId",
    "CustomerName",
    "CustomerDomainName",
    "CustomerCountry",
    "InvoiceNumber",
    "MpnId",
    "ResellerMpnId",
    "OrderId",
    "OrderDate",
    "ProductId",
    "SkuId",
    "AvailabilityId",
    "SkuName",
    "ProductName",
    "ChargeType",
    "UnitPrice",
    "Quantity",
    "Subtotal",
    "TaxTotal",
    "Total",
    "Currency",
    "PriceAdjustmentDescription",
    "PublisherName",
    "PublisherId",
    "SubscriptionDescription",
    "SubscriptionId",
    "ChargeStartDate",
    "ChargeEndDate",
    "TermAndBillingCycle",
    "EffectiveUnitPrice",
    "UnitType",
    "AlternateId",
    "BillableQuantity",
    "BillingFrequency",
    "PricingCurrency",
    "PCToBCExchangeRate",
    "PCToBCExchangeRateDate",
    "MeterDescription",
    "ReservationOrderId",
    "CreditReasonCode",
    "SubscriptionStartDate",
    "SubscriptionEndDate",
    "ReferenceId",
    "ProductQualifiers",
    "PromotionId",
    "ProductCategory",
];

/// The cells of `line` of `document`, one per column. Credit and void lines carry their negative quantity
/// and amounts; `AlternateId` is settle's line id; the exchange rate is 1 when the line was
/// priced in its billing currency; a note's line without a credit reason code gives the
/// note's reason.
pub fn cells<'a>(
    document: &'a ReconciliationDocument,
    line: &'a ReconciliationLine,
) -> [Cell<'a>; 47] {
    fn text(value: &Option<String>) -> Cell<'_> {
        Cell::text(value.as_deref())
    }
    let item = &line.item;
    let details = &item.details;
    let credit_reason = match (&details.credit_reason_code, document.kind) {
        (Some(code), _) => Some(code.as_str()),
        (None, DocumentKind::Invoice) => None,
        (None, _) => document.reason.as_deref(),
    };
    let category = details
        .product_category
        .as_deref()
        .or(item.category.map(|c| c.as_str()));
    [
        Cell::Text(document.partner_id.as_str()),
        text(&details.customer_id),
        text(&details.customer_name),
        text(&details.customer_domain),
        text(&details.customer_country),
        Cell::Text(&document.number),
        text(&details.mpn_id),
        text(&details.reseller_mpn_id),
        Cell::Text(&item.order_id),
        Cell::Date(item.order_date),
        Cell::Text(&item.product_id),
        Cell::Text(&item.sku_id),
        text(&details.availability_id),
        text(&item.sku_name),
        Cell::Text(&item.product_name),
        Cell::Text(item.charge_type.as_str()),
        Cell::Decimal(item.unit_price),
        Cell::Decimal(item.quantity),
        Cell::Decimal(line.priced.amount),
        Cell::Decimal(line.priced.tax),
        Cell::Decimal(line.priced.total),
        Cell::Text(document.currency.code()),
        text(&details.price_adjustment_description),
        text(&item.publisher_name),
        text(&details.publisher_id),
        text(&details.subscription_description),
        text(&details.subscription_id),
        Cell::Date(item.charge_start),
        Cell::Date(item.charge_end),
        text(&details.term_and_billing_cycle),
        Cell::decimal(effective_unit_price(item)),
        text(&details.unit_type),
        Cell::Text(line.line_id.as_str()),
        Cell::Decimal(item.quantity),
        text(&details.billing_frequency),
        Cell::Text(item.pricing_currency.code()),
        Cell::Decimal(item.exchange_rate.unwrap_or(rust_decimal::Decimal::ONE)),
        Cell::date(item.exchange_rate_date),
        text(&details.meter_description),
        text(&details.reservation_order_id),
        Cell::text(credit_reason),
        text(&details.subscription_start_date),
        text(&details.subscription_end_date),
        text(&details.reference_id),
        text(&details.product_qualifiers),
        text(&details.promotion_id),
        Cell::text(category),
    ]
}
