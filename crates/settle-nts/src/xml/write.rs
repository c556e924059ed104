//! Writes an [`NtsDocument`] as NTS XML: UTF-8, two-space indentation, elements in schema
//! order, optional elements left out when empty.

use rust_decimal::Decimal;
use settle_core::tax_invoice::{InvoiceParty, Purpose, TaxInvoiceLine};
use time::Date;
use time::macros::format_description;

use super::{NTS_NAMESPACE, NTS_SCHEMA_LOCATION, NtsDocument, XSI_NAMESPACE, type_code};

/// The document as unsigned XML.
pub fn write(document: &NtsDocument) -> String {
    let invoice = &document.invoice;
    let mut out = Out::with_capacity(2048 + invoice.lines.len() * 400);
    out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.raw(&format!(
        "<TaxInvoice xmlns=\"{NTS_NAMESPACE}\" xmlns:xsi=\"{XSI_NAMESPACE}\" \
         xsi:schemaLocation=\"{NTS_NAMESPACE} {NTS_SCHEMA_LOCATION}\">\n"
    ));
    out.depth = 1;

    out.open("ExchangedDocument");
    let issued = document
        .issued_at
        .format(format_description!(
            "[year][month][day][hour][minute][second]"
        ))
        .unwrap_or_default();
    out.leaf("IssueDateTime", &issued);
    out.close("ExchangedDocument");

    out.open("TaxInvoiceDocument");
    out.leaf("IssueID", document.approval_number.as_str());
    out.leaf("TypeCode", type_code(invoice));
    for remark in &invoice.remarks {
        out.leaf("DescriptionText", remark);
    }
    out.leaf("IssueDateTime", &ymd(invoice.write_date));
    if let Some(amendment) = &invoice.amendment {
        out.leaf(
            "AmendmentStatusCode",
            &format!("{:02}", amendment.reason.code()),
        );
    }
    out.leaf(
        "PurposeCode",
        match invoice.purpose {
            Purpose::Receipt => "01",
            Purpose::Claim => "02",
        },
    );
    if let Some(amendment) = &invoice.amendment {
        out.leaf("OriginalIssueID", &amendment.original_approval_number);
    }
    out.close("TaxInvoiceDocument");

    out.open("TaxInvoiceTradeSettlement");
    party(
        &mut out,
        "InvoicerParty",
        "DefinedContact",
        &invoice.supplier,
    );
    party(
        &mut out,
        "InvoiceeParty",
        "PrimaryDefinedContact",
        &invoice.buyer,
    );
    out.open("SpecifiedMonetarySummation");
    out.leaf("ChargeTotalAmount", &amount(invoice.supply_total));
    out.leaf("TaxTotalAmount", &amount(invoice.tax_total));
    out.leaf("GrandTotalAmount", &amount(invoice.total));
    out.close("SpecifiedMonetarySummation");
    out.close("TaxInvoiceTradeSettlement");

    for (index, line) in invoice.lines.iter().enumerate() {
        line_item(&mut out, index + 1, line);
    }
    out.raw("</TaxInvoice>\n");
    out.buf
}

fn party(out: &mut Out, element: &str, contact_element: &str, party: &InvoiceParty) {
    out.open(element);
    out.leaf("ID", party.brn.digits());
    out.optional("TypeCode", party.biz_type.as_deref());
    out.leaf("NameText", &party.name);
    out.optional("ClassificationCode", party.biz_item.as_deref());
    if let Some(sub) = &party.sub_business_id {
        out.open("SpecifiedOrganization");
        out.leaf("TaxRegistrationID", sub);
        out.close("SpecifiedOrganization");
    }
    out.open("SpecifiedPerson");
    out.leaf("NameText", &party.ceo_name);
    out.close("SpecifiedPerson");
    let contact = &party.contact;
    if contact.name.is_some() || contact.email.is_some() || contact.phone.is_some() {
        out.open(contact_element);
        out.optional("PersonNameText", contact.name.as_deref());
        out.optional("TelephoneCommunication", contact.phone.as_deref());
        out.optional("URICommunication", contact.email.as_deref());
        out.close(contact_element);
    }
    if let Some(address) = &party.address {
        out.open("SpecifiedAddress");
        out.leaf("LineOneText", address);
        out.close("SpecifiedAddress");
    }
    out.close(element);
}

fn line_item(out: &mut Out, sequence: usize, line: &TaxInvoiceLine) {
    out.open("TaxInvoiceTradeLineItem");
    out.leaf("SequenceNumeric", &sequence.to_string());
    out.optional("DescriptionText", line.remark.as_deref());
    out.leaf("InvoiceAmount", &amount(line.supply_amount));
    if let Some(quantity) = line.quantity {
        out.leaf("ChargeableUnitQuantity", &amount(quantity));
    }
    out.optional("InformationText", line.spec.as_deref());
    out.leaf("NameText", &line.name);
    out.leaf("PurchaseExpiryDateTime", &ymd(line.date));
    out.open("TotalTax");
    out.leaf("CalculatedAmount", &amount(line.tax_amount));
    out.close("TotalTax");
    if let Some(price) = line.unit_price {
        out.open("UnitPrice");
        out.leaf("UnitAmount", &amount(price));
        out.close("UnitPrice");
    }
    out.close("TaxInvoiceTradeLineItem");
}

/// Plain decimal text: no exponent, no trailing zeros.
fn amount(value: Decimal) -> String {
    value.normalize().to_string()
}

pub(super) fn ymd(date: Date) -> String {
    date.format(format_description!("[year][month][day]"))
        .unwrap_or_default()
}

/// An indenting writer; element names are trusted constants, text is escaped.
struct Out {
    buf: String,
    depth: usize,
}

impl Out {
    fn with_capacity(capacity: usize) -> Self {
        Out {
            buf: String::with_capacity(capacity),
            depth: 0,
        }
    }

    fn raw(&mut self, text: &str) {
        self.buf.push_str(text);
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.buf.push_str("  ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        escape_text(&mut self.buf, text);
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn optional(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }
}

/// Escapes character data: `&`, `<`, `>` (the last so `]]>` can never appear), and `\r`
/// (which a parser would otherwise turn into `\n`). This is also exactly C14N's escaping of
/// text nodes.
pub(crate) fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}
