//! Partners: the businesses (and people) a platform settles with. Field limits follow the
//! NTS tax-invoice party fields as the filing services accept them (in characters): company
//! 200, representative 100, address 300, business type and item 100 each, contact name and
//! email 100, phone 20.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::brn::Brn;
use crate::ids::{PartnerId, TenantId};
use crate::language::Language;
use crate::validation::{Checker, FieldError, is_plausible_email, is_plausible_phone};

/// Longest company name.
pub const MAX_NAME: usize = 200;
/// Longest representative (CEO) name.
pub const MAX_CEO_NAME: usize = 100;
/// Longest address.
pub const MAX_ADDRESS: usize = 300;
/// Longest business type (업태) or item (종목).
pub const MAX_BIZ: usize = 100;
/// Longest contact name or email.
pub const MAX_CONTACT: usize = 100;
/// Longest phone number.
pub const MAX_PHONE: usize = 20;
/// Longest platform-side partner id.
pub const MAX_EXTERNAL_ID: usize = 64;
/// Most tags on one partner.
pub const MAX_TAGS: usize = 20;
/// Longest tag.
pub const MAX_TAG: usize = 50;

/// What kind of party a partner is. Only businesses must have a BRN: individuals and
/// foreign partners may have none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerType {
    /// A Korean business with a registration number (the default).
    #[default]
    Business,
    /// A private person.
    Individual,
    /// A business registered abroad.
    Foreign,
}

impl PartnerType {
    /// Every partner type.
    pub const ALL: [PartnerType; 3] = [
        PartnerType::Business,
        PartnerType::Individual,
        PartnerType::Foreign,
    ];

    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerType::Business => "business",
            PartnerType::Individual => "individual",
            PartnerType::Foreign => "foreign",
        }
    }
}

impl fmt::Display for PartnerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PartnerType {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        match text.trim() {
            "business" => Ok(PartnerType::Business),
            "individual" => Ok(PartnerType::Individual),
            "foreign" => Ok(PartnerType::Foreign),
            _ => Err(()),
        }
    }
}

/// The person to write to at a partner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Contact person.
    pub name: String,
    /// Where issuance requests and notices go.
    pub email: String,
    /// Phone number, if given.
    pub phone: Option<String>,
}

/// A partner's validated data: everything the platform can set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerData {
    /// Business registration number; always present for businesses.
    pub brn: Option<Brn>,
    /// 종사업장번호, four digits, for a branch that files on its own.
    pub sub_business_id: Option<String>,
    /// Company (or person's) name.
    pub name: String,
    /// Representative; empty only for non-businesses.
    pub ceo_name: String,
    /// Registered address.
    pub address: String,
    /// 업태; empty only for non-businesses.
    pub biz_type: String,
    /// 종목; empty only for non-businesses.
    pub biz_item: String,
    /// Business, individual or foreign.
    pub partner_type: PartnerType,
    /// The platform's own id for this partner, unique per tenant.
    pub external_id: Option<String>,
    /// Contact person.
    pub contact: Contact,
    /// Free labels for filtering.
    pub tags: Vec<String>,
    /// The language of the documents and messages the partner receives.
    pub language: Language,
}

/// Unvalidated partner data as it arrives from JSON or an import row. Every field is
/// optional here; [`PartnerInput::validate`] decides what is required.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerInput {
    /// See [`PartnerData::brn`].
    pub brn: Option<String>,
    /// See [`PartnerData::sub_business_id`].
    pub sub_business_id: Option<String>,
    /// See [`PartnerData::name`].
    pub name: Option<String>,
    /// See [`PartnerData::ceo_name`].
    pub ceo_name: Option<String>,
    /// See [`PartnerData::address`].
    pub address: Option<String>,
    /// See [`PartnerData::biz_type`].
    pub biz_type: Option<String>,
    /// See [`PartnerData::biz_item`].
    pub biz_item: Option<String>,
    /// See [`PartnerData::partner_type`].
    pub partner_type: Option<String>,
    /// See [`PartnerData::external_id`].
    pub external_id: Option<String>,
    /// Contact person's name.
    pub contact_name: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// See [`PartnerData::tags`].
    pub tags: Option<Vec<String>>,
    /// See [`PartnerData::language`]; `ko` (the default) or `en`.
    pub language: Option<String>,
}

impl PartnerInput {
    /// Checks every field and returns the partner data, or every problem found.
    pub fn validate(self) -> Result<PartnerData, Vec<FieldError>> {
        let mut check = Checker::new("partner");
        let partner_type = match check.text("partner_type", self.partner_type, 20) {
            None => PartnerType::Business,
            Some(text) => text.parse().unwrap_or_else(|()| {
                check.fail(
                    "invalid_partner_type",
                    "partner_type",
                    "partner_type must be business, individual or foreign",
                );
                PartnerType::Business
            }),
        };
        let business = partner_type == PartnerType::Business;
        let brn = match check.text("brn", self.brn, 20) {
            Some(text) => match Brn::parse(&text) {
                Ok(brn) => Some(brn),
                Err(error) => {
                    check.fail("invalid_brn", "brn", format!("brn: {error}"));
                    None
                }
            },
            None if business => {
                check.fail(
                    "missing_field",
                    "brn",
                    "brn is required for a business partner",
                );
                None
            }
            None => None,
        };
        let sub_business_id = check.text("sub_business_id", self.sub_business_id, 4);
        if let Some(id) = &sub_business_id
            && (id.len() != 4 || !id.bytes().all(|b| b.is_ascii_digit()))
        {
            check.fail(
                "invalid_sub_business_id",
                "sub_business_id",
                "sub_business_id must be exactly 4 digits",
            );
        }
        let name = check.required("name", self.name, MAX_NAME);
        let mut business_text = |field: &str, value: Option<String>, max: usize| {
            if business {
                check.required(field, value, max)
            } else {
                check.text(field, value, max).unwrap_or_default()
            }
        };
        let ceo_name = business_text("ceo_name", self.ceo_name, MAX_CEO_NAME);
        let biz_type = business_text("biz_type", self.biz_type, MAX_BIZ);
        let biz_item = business_text("biz_item", self.biz_item, MAX_BIZ);
        let address = check.required("address", self.address, MAX_ADDRESS);
        let external_id = check.text("external_id", self.external_id, MAX_EXTERNAL_ID);
        let contact_name = check.required("contact.name", self.contact_name, MAX_CONTACT);
        let email = check.required("contact.email", self.contact_email, MAX_CONTACT);
        if !email.is_empty() && !is_plausible_email(&email) {
            check.fail(
                "invalid_email",
                "contact.email",
                "contact.email is not an email address",
            );
        }
        let phone = check.text("contact.phone", self.contact_phone, MAX_PHONE);
        if phone.as_deref().is_some_and(|p| !is_plausible_phone(p)) {
            check.fail(
                "invalid_phone",
                "contact.phone",
                "contact.phone is not a phone number",
            );
        }
        let tags = normalize_tags(&mut check, self.tags.unwrap_or_default());
        let language = match check.text("language", self.language, 10) {
            None => Language::Ko,
            Some(text) => Language::parse(&text).unwrap_or_else(|| {
                check.fail(
                    "invalid_language",
                    "language",
                    format!("language is one of {}", Language::names()),
                );
                Language::Ko
            }),
        };
        check.finish(PartnerData {
            brn,
            sub_business_id,
            name,
            ceo_name,
            address,
            biz_type,
            biz_item,
            partner_type,
            external_id,
            contact: Contact {
                name: contact_name,
                email,
                phone,
            },
            tags,
            language,
        })
    }
}

/// Trims and deduplicates the tags; the limit counts the tags as sent, so that it is one a
/// schema can state (`maxItems`).
fn normalize_tags(check: &mut Checker, tags: Vec<String>) -> Vec<String> {
    if tags.len() > MAX_TAGS {
        check.fail("too_many_tags", "tags", format!("at most {MAX_TAGS} tags"));
    }
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        if let Some(tag) = check.text("tags", Some(tag), MAX_TAG)
            && !out.contains(&tag)
        {
            out.push(tag);
        }
    }
    out
}

impl From<PartnerData> for PartnerInput {
    fn from(data: PartnerData) -> Self {
        Self {
            brn: data.brn.map(|brn| brn.to_string()),
            sub_business_id: data.sub_business_id,
            name: Some(data.name),
            ceo_name: Some(data.ceo_name),
            address: Some(data.address),
            biz_type: Some(data.biz_type),
            biz_item: Some(data.biz_item),
            partner_type: Some(data.partner_type.as_str().to_owned()),
            external_id: data.external_id,
            contact_name: Some(data.contact.name),
            contact_email: Some(data.contact.email),
            contact_phone: data.contact.phone,
            tags: Some(data.tags),
            language: Some(data.language.as_str().to_owned()),
        }
    }
}

impl PartnerData {
    /// Whether `other` differs in the business data that the NTS link registered (identity,
    /// names, address, business type and item). Contact and tags may change while linked.
    pub fn business_data_differs(&self, other: &PartnerData) -> bool {
        self.brn != other.brn
            || self.sub_business_id != other.sub_business_id
            || self.name != other.name
            || self.ceo_name != other.ceo_name
            || self.address != other.address
            || self.biz_type != other.biz_type
            || self.biz_item != other.biz_item
            || self.partner_type != other.partner_type
    }
}

/// Whether a partner is registered with the filing service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NtsLink {
    /// Not registered: cannot receive issuance requests.
    Unlinked,
    /// Registered at `linked_at`.
    Linked {
        /// When the link was made.
        #[serde(with = "time::serde::rfc3339")]
        linked_at: OffsetDateTime,
    },
}

/// A stored partner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partner {
    /// Its id.
    pub id: PartnerId,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// Its data.
    pub data: PartnerData,
    /// Its link with the filing service.
    pub nts_link: NtsLink,
    /// Counts every change; optimistic concurrency key.
    pub version: i64,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

impl Partner {
    /// A new, unlinked partner of `tenant_id`, created at `now`.
    pub fn new(tenant_id: TenantId, data: PartnerData, now: OffsetDateTime) -> Self {
        Self {
            id: PartnerId::generate(),
            tenant_id,
            data,
            nts_link: NtsLink::Unlinked,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Filters for listing partners; every one given must hold.
#[derive(Clone, Debug, Default)]
pub struct PartnerFilter {
    /// Exact BRN (10 digits).
    pub brn: Option<String>,
    /// Exact platform id.
    pub external_id: Option<String>,
    /// Linked (true) or unlinked (false) with the filing service.
    pub linked: Option<bool>,
    /// Carries this tag.
    pub tag: Option<String>,
    /// Name contains this text.
    pub name_contains: Option<String>,
    /// Only of these partners (a sales agent's assigned ones); `None`: any.
    pub among: Option<Vec<crate::ids::PartnerId>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_input() -> PartnerInput {
        PartnerInput {
            brn: Some("220-81-62517".into()),
            name: Some("주식회사 가나".into()),
            ceo_name: Some("홍길동".into()),
            address: Some("서울특별시 강남구 테헤란로 1".into()),
            biz_type: Some("서비스".into()),
            biz_item: Some("소프트웨어".into()),
            contact_name: Some("김담당".into()),
            contact_email: Some("tax@gana.example".into()),
            ..PartnerInput::default()
        }
    }

    fn codes(input: PartnerInput) -> Vec<(String, String)> {
        input
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.code, e.field))
            .collect()
    }

    #[test]
    fn a_complete_business_partner_validates_and_normalizes_the_brn() {
        let data = valid_input().validate().unwrap();
        assert_eq!(data.brn.unwrap().to_string(), "2208162517");
        assert_eq!(data.partner_type, PartnerType::Business);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let input = PartnerInput {
            brn: Some("220-81-62518".into()),
            name: None,
            contact_email: Some("not-an-email".into()),
            sub_business_id: Some("12a".into()),
            ..valid_input()
        };
        let found = codes(input);
        assert!(found.contains(&("partner.invalid_brn".into(), "brn".into())));
        assert!(found.contains(&("partner.missing_field".into(), "name".into())));
        assert!(found.contains(&("partner.invalid_email".into(), "contact.email".into())));
        assert!(found.contains(&(
            "partner.invalid_sub_business_id".into(),
            "sub_business_id".into()
        )));
    }

    #[test]
    fn individuals_need_no_brn_nor_business_fields() {
        let input = PartnerInput {
            brn: None,
            ceo_name: None,
            biz_type: None,
            biz_item: None,
            partner_type: Some("individual".into()),
            ..valid_input()
        };
        assert_eq!(input.validate().unwrap().brn, None);
    }

    #[test]
    fn limits_are_enforced_in_characters() {
        let input = PartnerInput {
            name: Some("가".repeat(MAX_NAME)),
            ..valid_input()
        };
        assert!(input.validate().is_ok());
        let input = PartnerInput {
            name: Some("가".repeat(MAX_NAME + 1)),
            ..valid_input()
        };
        assert_eq!(codes(input), [("partner.too_long".into(), "name".into())]);
    }

    #[test]
    fn unknown_partner_type_and_bad_tags_fail() {
        let input = PartnerInput {
            partner_type: Some("alien".into()),
            tags: Some((0..=MAX_TAGS).map(|i| format!("t{i}")).collect()),
            ..valid_input()
        };
        let found = codes(input);
        assert!(found.contains(&("partner.invalid_partner_type".into(), "partner_type".into())));
        assert!(found.contains(&("partner.too_many_tags".into(), "tags".into())));
    }

    #[test]
    fn round_trip_through_input_is_identity() {
        let data = valid_input().validate().unwrap();
        assert_eq!(PartnerInput::from(data.clone()).validate().unwrap(), data);
    }

    #[test]
    fn business_data_change_is_detected_but_contact_change_is_not() {
        let data = valid_input().validate().unwrap();
        let mut other = data.clone();
        other.contact.email = "new@gana.example".into();
        assert!(!data.business_data_differs(&other));
        other.address = "부산".into();
        assert!(data.business_data_differs(&other));
    }
}
