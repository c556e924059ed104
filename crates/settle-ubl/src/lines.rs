//! Invoice and credit note lines.

use rust_decimal::Decimal;
use settle_core::billing::DocumentLine;
use settle_core::currency::Currency;

use crate::amounts::LineAmounts;
use crate::format::{Money, day, plain};
use crate::xml::Xml;

/// The unit of every quantity: "one" (UN/ECE Recommendation 20), as licences, seats and
/// usage units are counted.
const UNIT: &str = "C62";
/// UNCL5189: discount.
const DISCOUNT: &str = "95";

/// The element names of a line, which differ between invoices and credit notes.
#[derive(Clone, Copy)]
pub(crate) struct LineNames {
    pub(crate) line: &'static str,
    pub(crate) quantity: &'static str,
}

fn property(xml: &mut Xml, name: &'static str, value: Option<&str>) {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return;
    };
    xml.open("cac:AdditionalItemProperty");
    xml.leaf("cbc:Name", name);
    xml.leaf("cbc:Value", value);
    xml.close();
}

/// `cac:TaxCategory` or `cac:ClassifiedTaxCategory` of a VAT category and rate.
pub(crate) fn tax_category(xml: &mut Xml, element: &'static str, code: &str, percent: Decimal) {
    xml.open(element);
    xml.leaf("cbc:ID", code);
    xml.leaf("cbc:Percent", &plain(percent));
    xml.open("cac:TaxScheme");
    xml.leaf("cbc:ID", "VAT");
    xml.close();
    xml.close();
}

/// What settle knows of a line beyond its amounts, as item properties: the order, the
/// charge type, the price in the pricing currency with its exchange rate, and a
/// marketplace product's publisher.
fn item_properties(xml: &mut Xml, line: &DocumentLine) {
    let item = &line.item;
    property(xml, "Order", Some(&item.order_id));
    property(xml, "Order date", Some(&day(item.order_date)));
    property(xml, "Charge type", Some(item.charge_type.as_str()));
    property(
        xml,
        "Unit price",
        Some(&format!(
            "{} {}",
            item.pricing_currency.code(),
            plain(item.unit_price)
        )),
    );
    if let Some(discount) = item.discount.filter(|d| !d.is_zero()) {
        property(
            xml,
            "Discount",
            Some(&format!(
                "{} {}",
                item.pricing_currency.code(),
                plain(discount)
            )),
        );
    }
    property(
        xml,
        "Exchange rate",
        item.exchange_rate.map(plain).as_deref(),
    );
    property(
        xml,
        "Exchange rate date",
        item.exchange_rate_date.map(day).as_deref(),
    );
    property(xml, "Publisher", item.publisher_name.as_deref());
    property(xml, "Publisher address", item.publisher_address.as_deref());
}

/// One `cac:InvoiceLine` or `cac:CreditNoteLine`.
pub(crate) fn line(
    xml: &mut Xml,
    names: LineNames,
    currency: Currency,
    line: &DocumentLine,
    amounts: &LineAmounts,
) -> Result<(), crate::UblError> {
    let money = Money::new(currency);
    let item = &line.item;
    xml.open(names.line);
    xml.leaf("cbc:ID", &line.line_no.to_string());
    xml.leaf_with(
        names.quantity,
        &[("unitCode", UNIT)],
        &plain(amounts.quantity),
    );
    money.leaf(xml, "cbc:LineExtensionAmount", amounts.net)?;
    xml.open("cac:InvoicePeriod");
    xml.leaf("cbc:StartDate", &day(item.charge_start));
    xml.leaf("cbc:EndDate", &day(item.charge_end));
    xml.close();
    if !amounts.allowance.is_zero() {
        xml.open("cac:AllowanceCharge");
        xml.leaf("cbc:ChargeIndicator", "false");
        xml.leaf("cbc:AllowanceChargeReasonCode", DISCOUNT);
        xml.leaf("cbc:AllowanceChargeReason", "Discount");
        money.leaf(xml, "cbc:Amount", amounts.allowance)?;
        xml.close();
    }
    xml.open("cac:Item");
    xml.leaf_opt("cbc:Description", item.sku_name.as_deref());
    xml.leaf("cbc:Name", &item.product_name);
    xml.open("cac:SellersItemIdentification");
    xml.leaf("cbc:ID", &format!("{}:{}", item.product_id, item.sku_id));
    xml.close();
    tax_category(
        xml,
        "cac:ClassifiedTaxCategory",
        amounts.vat.category.code(),
        amounts.vat.percent,
    );
    item_properties(xml, line);
    xml.close();
    xml.open("cac:Price");
    money.leaf(xml, "cbc:PriceAmount", amounts.price)?;
    xml.leaf_with(
        "cbc:BaseQuantity",
        &[("unitCode", UNIT)],
        &plain(amounts.base_quantity),
    );
    xml.close();
    xml.close();
    Ok(())
}
