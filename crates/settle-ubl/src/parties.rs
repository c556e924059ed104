//! The seller (the tenant), the buyer (the partner) and the delivery address.

use settle_core::billing::{Address, BillingDetails};
use settle_core::brn::Brn;
use settle_core::partner::PartnerData;
use settle_core::tax_invoice::PartyContact;
use settle_core::tenant::Tenant;

use crate::Endpoint;
use crate::xml::Xml;

/// A tenant is a Korean business: its BRN is Korean, so is its country.
const SELLER_COUNTRY: &str = "KR";

/// A postal address in UBL's order (street, postal zone, region, country).
struct PostalAddress<'a> {
    street: Option<&'a str>,
    postal_zone: Option<&'a str>,
    region: Option<&'a str>,
    country: &'a str,
}

impl<'a> PostalAddress<'a> {
    fn of(address: &'a Address, country: &'a str) -> Self {
        Self {
            street: Some(&address.address),
            postal_zone: address.postal_code.as_deref(),
            region: address.state.as_deref(),
            country: address.country.as_deref().unwrap_or(country),
        }
    }

    fn write(&self, xml: &mut Xml, element: &'static str) {
        xml.open(element);
        xml.leaf_opt("cbc:StreetName", self.street);
        xml.leaf_opt("cbc:PostalZone", self.postal_zone);
        xml.leaf_opt("cbc:CountrySubentity", self.region);
        xml.open("cac:Country");
        xml.leaf("cbc:IdentificationCode", self.country);
        xml.close();
        xml.close();
    }
}

fn blank(text: Option<&str>) -> bool {
    text.is_none_or(|t| t.trim().is_empty())
}

/// `cac:Contact`, when any of its parts is given.
fn contact(xml: &mut Xml, name: Option<&str>, phone: Option<&str>, email: Option<&str>) {
    if blank(name) && blank(phone) && blank(email) {
        return;
    }
    xml.open("cac:Contact");
    xml.leaf_opt("cbc:Name", name);
    xml.leaf_opt("cbc:Telephone", phone);
    xml.leaf_opt("cbc:ElectronicMail", email);
    xml.close();
}

/// The party's VAT identifier (BT-31, BT-48): a Korean BRN is the VAT registration
/// number, written with the country prefix EN 16931 requires (BR-CO-09).
fn vat_and_legal_entity(xml: &mut Xml, brn: Option<&Brn>, legal_name: &str) {
    if let Some(brn) = brn {
        xml.open("cac:PartyTaxScheme");
        xml.leaf("cbc:CompanyID", &format!("KR{}", brn.digits()));
        xml.open("cac:TaxScheme");
        xml.leaf("cbc:ID", "VAT");
        xml.close();
        xml.close();
    }
    xml.open("cac:PartyLegalEntity");
    xml.leaf("cbc:RegistrationName", legal_name);
    if let Some(brn) = brn {
        xml.leaf("cbc:CompanyID", brn.digits());
    }
    xml.close();
}

fn endpoint(xml: &mut Xml, endpoint: &Endpoint) {
    xml.leaf_with(
        "cbc:EndpointID",
        &[("schemeID", endpoint.scheme())],
        endpoint.id(),
    );
}

fn party_name(xml: &mut Xml, name: &str) {
    if name.trim().is_empty() {
        return;
    }
    xml.open("cac:PartyName");
    xml.leaf("cbc:Name", name);
    xml.close();
}

/// `cac:AccountingSupplierParty`: the tenant, with its BRN as VAT identifier and legal
/// registration, its address and its contact.
pub(crate) fn seller(xml: &mut Xml, tenant: &Tenant, address: &Endpoint) {
    let profile = &tenant.profile;
    xml.open("cac:AccountingSupplierParty");
    xml.open("cac:Party");
    endpoint(xml, address);
    party_name(xml, &tenant.name);
    PostalAddress {
        street: profile.address.as_deref(),
        postal_zone: None,
        region: None,
        country: SELLER_COUNTRY,
    }
    .write(xml, "cac:PostalAddress");
    vat_and_legal_entity(xml, Some(&tenant.brn), &tenant.name);
    let PartyContact { name, email, phone } = &profile.contact;
    contact(xml, name.as_deref(), phone.as_deref(), email.as_deref());
    xml.close();
    xml.close();
}

/// `cac:AccountingCustomerParty`: the partner as sold to — the sold-to name and address of
/// the billing details (EN 16931 has one buyer address), the partner's legal name and
/// BRN, and its contact person.
pub(crate) fn buyer(
    xml: &mut Xml,
    partner: &PartnerData,
    details: &BillingDetails,
    address: &Endpoint,
) {
    xml.open("cac:AccountingCustomerParty");
    xml.open("cac:Party");
    endpoint(xml, address);
    party_name(xml, &details.sold_to.name);
    PostalAddress::of(&details.sold_to, &details.country).write(xml, "cac:PostalAddress");
    let legal_name = if partner.name.trim().is_empty() {
        &details.sold_to.name
    } else {
        &partner.name
    };
    vat_and_legal_entity(xml, partner.brn.as_ref(), legal_name);
    let c = &partner.contact;
    contact(
        xml,
        Some(&c.name),
        c.phone.as_deref(),
        Some(c.email.as_str()),
    );
    xml.close();
    xml.close();
}

/// `cac:Delivery`: the ship-to address, when the billing details have one.
pub(crate) fn delivery(xml: &mut Xml, details: &BillingDetails) {
    let Some(ship_to) = &details.ship_to else {
        return;
    };
    xml.open("cac:Delivery");
    xml.open("cac:DeliveryLocation");
    PostalAddress::of(ship_to, &details.country).write(xml, "cac:Address");
    xml.close();
    if !ship_to.name.trim().is_empty() {
        xml.open("cac:DeliveryParty");
        party_name(xml, &ship_to.name);
        xml.close();
    }
    xml.close();
}
