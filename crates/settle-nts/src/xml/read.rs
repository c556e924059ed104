//! Reads NTS XML back into an [`NtsDocument`], checking it with the same rules as any
//! other tax-invoice input (totals against lines, whole won, 99 lines…).

use roxmltree::{Document, Node, ParsingOptions};
use settle_core::money::{DecimalInput, parse_decimal};
use settle_core::tax_invoice::{
    AmendmentInput, ContactInput, PartyInput, TaxInvoiceInput, TaxInvoiceLineInput, TaxPolicy,
};
use time::macros::format_description;
use time::{Date, PrimitiveDateTime};

use super::{MAX_DEPTH, MAX_NODES, NTS_NAMESPACE, NtsDocument};
use crate::error::XmlError;

/// Parses XML safely: no DTD, bounded size and depth.
pub fn parse_document(xml: &str) -> Result<Document<'_>, XmlError> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    let document = Document::parse_with_options(xml, options)
        .map_err(|e| XmlError::Malformed(e.to_string()))?;
    let too_deep = document
        .descendants()
        .any(|node| node.is_element() && node.ancestors().count() > MAX_DEPTH + 1);
    if too_deep {
        return Err(XmlError::Malformed(format!(
            "elements nest deeper than {MAX_DEPTH} levels"
        )));
    }
    Ok(document)
}

/// Reads an NTS tax invoice (signed or not).
pub fn read(xml: &str) -> Result<NtsDocument, XmlError> {
    let document = parse_document(xml)?;
    let root = document.root_element();
    if !root.has_tag_name((NTS_NAMESPACE, "TaxInvoice")) {
        return Err(XmlError::Structure(format!(
            "the root element must be TaxInvoice in {NTS_NAMESPACE}"
        )));
    }
    let exchanged = required(root, "ExchangedDocument")?;
    let issued_at = parse_timestamp(&required_text(exchanged, "IssueDateTime")?)?;
    let header = required(root, "TaxInvoiceDocument")?;
    let approval_number = required_text(header, "IssueID")?
        .parse()
        .map_err(|e: crate::approval::ApprovalError| XmlError::Structure(e.to_string()))?;
    let type_code = required_text(header, "TypeCode")?;
    let (amended, tax_type) = match type_code.as_str() {
        "0101" => (false, "taxable"),
        "0102" => (false, "zero_rated"),
        "0201" => (true, "taxable"),
        "0202" => (true, "zero_rated"),
        other => {
            return Err(XmlError::Structure(format!(
                "TypeCode {other} is not a tax invoice settle handles"
            )));
        }
    };
    let purpose = match required_text(header, "PurposeCode")?.as_str() {
        "01" => "receipt",
        "02" => "claim",
        other => {
            return Err(XmlError::Structure(format!(
                "PurposeCode {other} is unknown"
            )));
        }
    };
    let amendment = amended.then(|| AmendmentInput {
        reason_code: text(header, "AmendmentStatusCode").and_then(|code| code.parse().ok()),
        original_approval_number: text(header, "OriginalIssueID"),
    });
    let settlement = required(root, "TaxInvoiceTradeSettlement")?;
    let summation = required(settlement, "SpecifiedMonetarySummation")?;
    let lines = children(root, "TaxInvoiceTradeLineItem")
        .map(read_line)
        .collect::<Result<Vec<_>, _>>()?;
    let input = TaxInvoiceInput {
        write_date: Some(iso_date(&required_text(header, "IssueDateTime")?)?),
        tax_type: Some(tax_type.into()),
        purpose: Some(purpose.into()),
        supplier: Some(read_party(
            required(settlement, "InvoicerParty")?,
            "DefinedContact",
        )),
        buyer: Some(read_party(
            required(settlement, "InvoiceeParty")?,
            "PrimaryDefinedContact",
        )),
        items: Some(lines),
        remarks: Some(children(header, "DescriptionText").map(node_text).collect()),
        amendment,
        supply_total: decimal(summation, "ChargeTotalAmount")?,
        tax_total: decimal(summation, "TaxTotalAmount")?,
        total: decimal(summation, "GrandTotalAmount")?,
        approval_number: None,
    };
    let invoice = input
        .validate(&TaxPolicy::default())
        .map_err(XmlError::Invalid)?;
    Ok(NtsDocument {
        approval_number,
        issued_at,
        invoice,
    })
}

fn read_party(node: Node, contact_element: &'static str) -> PartyInput {
    let contact = child(node, contact_element).map(|contact| ContactInput {
        name: text(contact, "PersonNameText"),
        email: text(contact, "URICommunication"),
        phone: text(contact, "TelephoneCommunication"),
    });
    PartyInput {
        brn: text(node, "ID"),
        sub_business_id: child(node, "SpecifiedOrganization")
            .and_then(|org| text(org, "TaxRegistrationID")),
        name: text(node, "NameText"),
        ceo_name: child(node, "SpecifiedPerson").and_then(|p| text(p, "NameText")),
        address: child(node, "SpecifiedAddress").and_then(|a| text(a, "LineOneText")),
        biz_type: text(node, "TypeCode"),
        biz_item: text(node, "ClassificationCode"),
        contact,
    }
}

fn read_line(node: Node) -> Result<TaxInvoiceLineInput, XmlError> {
    let date = text(node, "PurchaseExpiryDateTime")
        .map(|d| iso_date(&d))
        .transpose()?;
    Ok(TaxInvoiceLineInput {
        date,
        name: text(node, "NameText"),
        spec: text(node, "InformationText"),
        quantity: decimal(node, "ChargeableUnitQuantity")?,
        unit_price: child(node, "UnitPrice")
            .map(|price| decimal(price, "UnitAmount"))
            .transpose()?
            .flatten(),
        supply_amount: decimal(node, "InvoiceAmount")?,
        tax_amount: child(node, "TotalTax")
            .map(|tax| decimal(tax, "CalculatedAmount"))
            .transpose()?
            .flatten(),
        remark: text(node, "DescriptionText"),
    })
}

fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |child| child.has_tag_name((NTS_NAMESPACE, name)))
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &'static str) -> Option<Node<'a, 'input>> {
    children(node, name).next()
}

fn required<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> Result<Node<'a, 'input>, XmlError> {
    child(node, name)
        .ok_or_else(|| XmlError::Structure(format!("{} has no {name}", node.tag_name().name())))
}

fn node_text(node: Node) -> String {
    node.text().unwrap_or_default().to_owned()
}

fn text(node: Node, name: &'static str) -> Option<String> {
    child(node, name).map(node_text)
}

fn required_text(node: Node, name: &'static str) -> Result<String, XmlError> {
    required(node, name).map(|n| node_text(n).trim().to_owned())
}

fn decimal(node: Node, name: &'static str) -> Result<Option<DecimalInput>, XmlError> {
    text(node, name)
        .map(|value| {
            parse_decimal(value.trim())
                .map(DecimalInput)
                .map_err(|e| XmlError::Structure(format!("{name}: {e}")))
        })
        .transpose()
}

fn iso_date(yyyymmdd: &str) -> Result<String, XmlError> {
    Date::parse(yyyymmdd.trim(), format_description!("[year][month][day]"))
        .map(|date| date.to_string())
        .map_err(|_| XmlError::Structure(format!("{yyyymmdd:?} is not a date yyyyMMdd")))
}

fn parse_timestamp(text: &str) -> Result<PrimitiveDateTime, XmlError> {
    PrimitiveDateTime::parse(
        text,
        format_description!("[year][month][day][hour][minute][second]"),
    )
    .map_err(|_| XmlError::Structure(format!("{text:?} is not a timestamp yyyyMMddHHmmss")))
}
