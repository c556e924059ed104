//! Billing profiles: who is billed, where, in which currency and on which terms. The
//! [`BillingDetails`] are copied onto an invoice when it is finalized, so later profile
//! changes never touch finalized invoices.

use serde::{Deserialize, Serialize};

use super::Template;
use crate::currency::Currency;
use crate::ids::{BillingProfileId, PartnerId, TenantId};
use crate::validation::{Checker, FieldError};
use time::OffsetDateTime;

/// Longest payment term accepted, in days.
pub const MAX_PAYMENT_TERMS_DAYS: i64 = 365;

/// An address as sent by a client; every field optional until validated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddressInput {
    /// Company or person.
    pub name: Option<String>,
    /// Street, city.
    pub address: Option<String>,
    /// ISO 3166 alpha-2 country code.
    pub country: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
}

/// A structured address (sold-to, bill-to, ship-to, service-to).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Company or person.
    pub name: String,
    /// Street, city.
    pub address: String,
    /// ISO 3166 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// State or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
}

impl From<&Address> for AddressInput {
    fn from(a: &Address) -> Self {
        AddressInput {
            name: Some(a.name.clone()),
            address: Some(a.address.clone()),
            country: a.country.clone(),
            state: a.state.clone(),
            postal_code: a.postal_code.clone(),
        }
    }
}

/// Longest address name (company or person), in characters.
pub const MAX_ADDRESS_NAME: usize = 200;
/// Longest address line, in characters.
pub const MAX_ADDRESS_LINE: usize = 500;
/// Longest state or province, in characters.
pub const MAX_STATE: usize = 100;
/// Longest postal code, in characters.
pub const MAX_POSTAL_CODE: usize = 20;
/// Longest purchase order number, in characters.
pub const MAX_PO_NUMBER: usize = 100;
/// Longest customer number, in characters.
pub const MAX_CUSTOMER_NUMBER: usize = 50;
/// Longest US FEIN, in characters.
pub const MAX_US_FEIN: usize = 20;
/// Longest customer service website, in characters.
pub const MAX_SERVICE_URL: usize = 300;
/// Longest payment instructions, in characters.
pub const MAX_PAYMENT_INSTRUCTIONS: usize = 1000;
/// The fields a profile keeps for life: another currency or partner is another profile.
pub const IMMUTABLE_FIELDS: [&str; 2] = ["partner_id", "billing_currency"];

/// A billing profile as sent by a client (`POST /v1/billing-profiles`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BillingProfileInput {
    /// The partner billed.
    pub partner_id: Option<String>,
    /// Where the products are sold.
    pub sold_to: Option<AddressInput>,
    /// Where the invoice goes.
    pub bill_to: Option<AddressInput>,
    /// Destination (its state and code print on the invoice).
    pub ship_to: Option<AddressInput>,
    /// Where the service is used (legacy invoices).
    pub service_to: Option<AddressInput>,
    /// Purchase order number.
    pub po_number: Option<String>,
    /// Days from the document date to the due date.
    #[serde(default, deserialize_with = "crate::whole_number::option")]
    pub payment_terms_days: Option<i64>,
    /// The currency invoices are billed in.
    pub billing_currency: Option<String>,
    /// `lrd` or `non_lrd`.
    pub template: Option<String>,
    /// ISO 3166 alpha-2 country of the partner.
    pub country: Option<String>,
    /// Customer number (legacy invoices).
    pub customer_number: Option<String>,
    /// US federal employer identification number (legacy invoices).
    pub us_fein: Option<String>,
    /// Customer service website (legacy invoices).
    pub customer_service_url: Option<String>,
    /// How to pay; the invoice adds that payments must cite its number.
    pub payment_instructions: Option<String>,
    /// Whether the partner's country needs a separately numbered tax invoice.
    pub tax_invoice_required: Option<bool>,
}

/// The validated billing details of a profile, as copied onto finalized invoices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingDetails {
    /// Where the products are sold.
    pub sold_to: Address,
    /// Where the invoice goes.
    pub bill_to: Address,
    /// Destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Address>,
    /// Where the service is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_to: Option<Address>,
    /// Purchase order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    /// Days from document date to due date.
    pub payment_terms_days: u32,
    /// PDF template.
    pub template: Template,
    /// ISO 3166 alpha-2 country.
    pub country: String,
    /// Customer number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<String>,
    /// US FEIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us_fein: Option<String>,
    /// Customer service website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_service_url: Option<String>,
    /// How to pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_instructions: Option<String>,
    /// Whether a per-country tax invoice number is assigned at finalization.
    #[serde(default)]
    pub tax_invoice_required: bool,
}

impl BillingDetails {
    /// The details as an input, so that a merge patch can be applied and validated again.
    pub fn to_input(&self, partner_id: &str, currency: Currency) -> BillingProfileInput {
        BillingProfileInput {
            partner_id: Some(partner_id.to_owned()),
            sold_to: Some(AddressInput::from(&self.sold_to)),
            bill_to: Some(AddressInput::from(&self.bill_to)),
            ship_to: self.ship_to.as_ref().map(AddressInput::from),
            service_to: self.service_to.as_ref().map(AddressInput::from),
            po_number: self.po_number.clone(),
            payment_terms_days: Some(i64::from(self.payment_terms_days)),
            billing_currency: Some(currency.code().to_owned()),
            template: Some(self.template.as_str().to_owned()),
            country: Some(self.country.clone()),
            customer_number: self.customer_number.clone(),
            us_fein: self.us_fein.clone(),
            customer_service_url: self.customer_service_url.clone(),
            payment_instructions: self.payment_instructions.clone(),
            tax_invoice_required: Some(self.tax_invoice_required),
        }
    }
}

/// A partner's billing profile in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingProfile {
    /// Its id.
    pub id: BillingProfileId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The partner billed.
    pub partner_id: PartnerId,
    /// The billing currency (one profile per partner and currency).
    pub currency: Currency,
    /// Addresses and terms.
    pub details: BillingDetails,
    /// Bumped by every change.
    pub version: i64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

/// Checks an ISO 3166 alpha-2 code (two letters, uppercased).
fn country(check: &mut Checker, field: &str, value: Option<String>) -> Option<String> {
    let text = check.text(field, value, 2)?.to_ascii_uppercase();
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase()) {
        Some(text)
    } else {
        check.fail(
            "invalid_country",
            field,
            format!("{field} must be an ISO 3166 two-letter country code"),
        );
        None
    }
}

fn address(check: &mut Checker, field: &str, input: Option<AddressInput>) -> Option<Address> {
    let input = input?;
    Some(Address {
        name: check.required(&format!("{field}.name"), input.name, MAX_ADDRESS_NAME),
        address: check.required(&format!("{field}.address"), input.address, MAX_ADDRESS_LINE),
        country: country(check, &format!("{field}.country"), input.country),
        state: check.text(&format!("{field}.state"), input.state, MAX_STATE),
        postal_code: check.text(
            &format!("{field}.postal_code"),
            input.postal_code,
            MAX_POSTAL_CODE,
        ),
    })
}

impl BillingProfileInput {
    /// The billing currency and details, or every problem with them. The partner id is
    /// resolved by the caller.
    pub fn validate(self) -> Result<(Currency, BillingDetails), Vec<FieldError>> {
        let mut check = Checker::new("billing_profile");
        let sold_to = address(&mut check, "sold_to", self.sold_to);
        if sold_to.is_none() && !check.has_error_on("sold_to") {
            check.fail("missing_field", "sold_to", "sold_to is required");
        }
        let bill_to = address(&mut check, "bill_to", self.bill_to);
        if bill_to.is_none() && !check.has_error_on("bill_to") {
            check.fail("missing_field", "bill_to", "bill_to is required");
        }
        let ship_to = address(&mut check, "ship_to", self.ship_to);
        let service_to = address(&mut check, "service_to", self.service_to);
        let terms = match self.payment_terms_days {
            Some(days) if (0..=MAX_PAYMENT_TERMS_DAYS).contains(&days) => days as u32,
            Some(_) => {
                check.fail(
                    "invalid_payment_terms",
                    "payment_terms_days",
                    format!("payment_terms_days must be 0 to {MAX_PAYMENT_TERMS_DAYS}"),
                );
                0
            }
            None => {
                check.fail(
                    "missing_field",
                    "payment_terms_days",
                    "payment_terms_days is required",
                );
                0
            }
        };
        let currency = match check.text("billing_currency", self.billing_currency, 3) {
            Some(code) => Currency::parse(&code)
                .map_err(|e| check.fail("unknown_currency", "billing_currency", e.to_string()))
                .ok(),
            None => {
                check.fail(
                    "missing_field",
                    "billing_currency",
                    "billing_currency is required",
                );
                None
            }
        };
        let template = match check.text("template", self.template, 20).as_deref() {
            None if check.has_error_on("template") => None,
            None => {
                check.fail(
                    "missing_field",
                    "template",
                    "template is required (lrd or non_lrd)",
                );
                None
            }
            Some(text) => Template::parse(text).or_else(|| {
                check.fail("invalid_template", "template", "template is lrd or non_lrd");
                None
            }),
        };
        let country_code = country(&mut check, "country", self.country);
        if country_code.is_none() && !check.has_error_on("country") {
            check.fail("missing_field", "country", "country is required");
        }
        let details = BillingDetails {
            sold_to: sold_to.unwrap_or_else(empty_address),
            bill_to: bill_to.unwrap_or_else(empty_address),
            ship_to,
            service_to,
            po_number: check.text("po_number", self.po_number, MAX_PO_NUMBER),
            payment_terms_days: terms,
            template: template.unwrap_or(Template::NonLrd),
            country: country_code.unwrap_or_default(),
            customer_number: check.text(
                "customer_number",
                self.customer_number,
                MAX_CUSTOMER_NUMBER,
            ),
            us_fein: check.text("us_fein", self.us_fein, MAX_US_FEIN),
            customer_service_url: check.text(
                "customer_service_url",
                self.customer_service_url,
                MAX_SERVICE_URL,
            ),
            payment_instructions: check.text(
                "payment_instructions",
                self.payment_instructions,
                MAX_PAYMENT_INSTRUCTIONS,
            ),
            tax_invoice_required: self.tax_invoice_required.unwrap_or(false),
        };
        let result = check.finish(details)?;
        match currency {
            Some(currency) => Ok((currency, result)),
            None => Err(Vec::new()),
        }
    }
}

fn empty_address() -> Address {
    Address {
        name: String::new(),
        address: String::new(),
        country: None,
        state: None,
        postal_code: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(name: &str) -> Option<AddressInput> {
        Some(AddressInput {
            name: Some(name.into()),
            address: Some("1 Main St, Seattle".into()),
            country: Some("us".into()),
            state: Some("WA".into()),
            postal_code: Some("98101".into()),
        })
    }

    #[test]
    fn a_complete_profile_validates_and_round_trips_through_its_input() {
        let input = BillingProfileInput {
            partner_id: Some("par_x".into()),
            sold_to: address("Contoso"),
            bill_to: address("Contoso AP"),
            payment_terms_days: Some(30),
            billing_currency: Some("usd".into()),
            template: Some("lrd".into()),
            country: Some("US".into()),
            ..BillingProfileInput::default()
        };
        let (currency, details) = input.validate().unwrap();
        assert_eq!(currency, Currency::USD);
        assert_eq!(details.sold_to.country.as_deref(), Some("US"));
        let again = details.to_input("par_x", currency).validate().unwrap();
        assert_eq!(again.1, details);
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = BillingProfileInput {
            bill_to: Some(AddressInput::default()),
            payment_terms_days: Some(-1),
            billing_currency: Some("XXX".into()),
            template: Some("fancy".into()),
            country: Some("USA".into()),
            ..BillingProfileInput::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "sold_to",
            "bill_to.name",
            "bill_to.address",
            "payment_terms_days",
            "billing_currency",
            "template",
            "country",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
    }
}
