//! What each request body accepts, property by property, written into its component schema:
//! free-text limits (read from the core's constants, where they are enforced), required
//! fields, choices, and the requirements that depend on another field. The checks
//! themselves stay in the core; this module only states them, in the form
//! `Checker::text` gives them: at most N characters, none a control character, and blank
//! (only whitespace) read as absent.

use serde_json::{Map, Value, json};
use settle_core::access::MAX_KEY_NAME;
use settle_core::billing::profile::{
    self, MAX_ADDRESS_LINE, MAX_ADDRESS_NAME, MAX_CUSTOMER_NUMBER, MAX_PAYMENT_INSTRUCTIONS,
    MAX_PAYMENT_TERMS_DAYS, MAX_PO_NUMBER, MAX_POSTAL_CODE, MAX_SERVICE_URL, MAX_STATE,
    MAX_US_FEIN,
};
use settle_core::billing::{ChargeCategory, ChargeType, Series, Template, charge};
use settle_core::language::Language;
use settle_core::partner::{
    MAX_ADDRESS, MAX_BIZ, MAX_CEO_NAME, MAX_CONTACT, MAX_EXTERNAL_ID, MAX_NAME, MAX_PHONE, MAX_TAG,
    MAX_TAGS, PartnerType,
};
use settle_core::tax_invoice::{
    MAX_ITEM_NAME, MAX_ITEM_SPEC, MAX_LINES, MAX_REMARK, MAX_REMARKS, Purpose, TaxType,
};
use settle_core::user::MAX_EMAIL;
use settle_core::webhook::MAX_URL;

/// Control characters (Unicode category Cc), refused anywhere in a text.
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";
/// The longest choice (`partner_type`, `template`…) the checker reads.
const MAX_CHOICE: usize = 20;

/// What one property accepts.
#[derive(Clone)]
enum Accepts {
    /// Text of at most N characters; blank reads as absent.
    Text(usize),
    /// Text of at most N characters that is not blank: a required field.
    Filled(usize),
    /// One of these words (blanks around it allowed), or blank for the default.
    Choice(Vec<String>),
    /// One of these words: a required choice.
    FilledChoice(Vec<String>),
    /// An email address of at most N characters, or blank.
    Email(usize),
    /// An email address of at most N characters.
    FilledEmail(usize),
    /// A phone number of at most N characters (digits, `+-() `, two digits at least), or
    /// blank.
    Phone(usize),
    /// An ISO 3166 alpha-2 code, or blank.
    Country,
    /// An ISO 3166 alpha-2 code.
    FilledCountry,
    /// Exactly N ASCII digits, or blank.
    Digits(usize),
    /// A business registration number (ten digits, or 3-2-5 with hyphens), or blank.
    Brn,
    /// At most `max_items` texts of at most `max_chars` characters each.
    Texts { max_items: usize, max_chars: usize },
    /// A whole number from 0 to N.
    Count(i64),
    /// Anything but null: a required field that is not text.
    Present,
}

impl Accepts {
    /// Whether the property must be given (and not null).
    fn is_required(&self) -> bool {
        matches!(
            self,
            Accepts::Filled(_)
                | Accepts::FilledChoice(_)
                | Accepts::FilledEmail(_)
                | Accepts::FilledCountry
                | Accepts::Present
        )
    }

    /// The keywords that state it (besides `required`).
    fn keywords(&self) -> Value {
        let blank = blank();
        match self {
            Accepts::Text(max) => {
                json!({ "maxLength": max, "pattern": format!("^[^{CONTROL}]*$") })
            }
            Accepts::Filled(max) => json!({ "maxLength": max, "pattern": filled() }),
            Accepts::Choice(words) => json!({
                "maxLength": MAX_CHOICE,
                "enum": null,
                "pattern": format!("^{blank}*(?:{})?{blank}*$", words.join("|")),
            }),
            Accepts::FilledChoice(words) => json!({
                "maxLength": MAX_CHOICE,
                "enum": null,
                "pattern": format!("^{blank}*(?:{}){blank}*$", words.join("|")),
            }),
            Accepts::Email(max) => json!({
                "maxLength": max,
                "format": null,
                "anyOf": [{ "format": "email" }, { "pattern": format!("^{blank}*$") }],
            }),
            Accepts::FilledEmail(max) => json!({ "maxLength": max, "format": "email" }),
            Accepts::Phone(max) => json!({
                "maxLength": max,
                "pattern": format!("^{blank}*(?:{PHONE})?{blank}*$"),
            }),
            Accepts::Country => {
                json!({ "maxLength": 2, "pattern": format!("^(?:[A-Za-z]{{2}}|{blank}*)$") })
            }
            Accepts::FilledCountry => json!({ "maxLength": 2, "pattern": "^[A-Za-z]{2}$" }),
            Accepts::Digits(n) => {
                json!({ "maxLength": n, "pattern": format!("^(?:[0-9]{{{n}}}|{blank}*)$") })
            }
            Accepts::Brn => json!({
                "maxLength": MAX_CHOICE,
                "format": "brn",
                "pattern": format!("^{blank}*(?:{BRN})?{blank}*$"),
            }),
            Accepts::Texts {
                max_items,
                max_chars,
            } => json!({
                "maxItems": max_items,
                "items": Accepts::Text(*max_chars).keywords(),
            }),
            Accepts::Count(max) => json!({ "minimum": 0, "maximum": max }),
            Accepts::Present => json!({}),
        }
    }
}

/// A phone number once trimmed: two digits at least, among `+-() ` and spaces.
const PHONE: &str = "[ +()-]*[0-9][ +()-]*[0-9][0-9 +()-]*";
/// A business registration number once trimmed (the check digit is `format: brn`).
const BRN: &str = "[0-9]{10}|[0-9]{3}-[0-9]{2}-[0-9]{5}";

/// One whitespace character that is not a control character: what trimming removes.
fn blank() -> String {
    format!(r"[^\S{CONTROL}]")
}

/// Text with at least one character that is neither whitespace nor control.
fn filled() -> String {
    format!(r"^[^{CONTROL}]*[^\s{CONTROL}][^{CONTROL}]*$")
}

/// Words a choice accepts.
fn words(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The request bodies and what each property accepts. A body not listed accepts what its
/// derived schema says.
fn bodies() -> Vec<(&'static str, Vec<(&'static str, Accepts)>)> {
    use Accepts::*;
    let partner_types = words(&PartnerType::ALL.map(PartnerType::as_str));
    // The series is read in either case.
    let series: Vec<String> = Series::NAMES
        .iter()
        .flat_map(|s| [s.to_string(), s.to_ascii_lowercase()])
        .collect();
    vec![
        (
            "ContactBody",
            vec![
                ("name", Text(MAX_CONTACT)),
                ("email", Email(MAX_CONTACT)),
                ("phone", Phone(MAX_PHONE)),
            ],
        ),
        (
            "PartnerContactBody",
            vec![
                ("name", Filled(MAX_CONTACT)),
                ("email", FilledEmail(MAX_CONTACT)),
                ("phone", Phone(MAX_PHONE)),
            ],
        ),
        (
            "PartnerBody",
            vec![
                ("brn", Brn),
                ("sub_business_id", Digits(4)),
                ("name", Filled(MAX_NAME)),
                ("ceo_name", Text(MAX_CEO_NAME)),
                ("address", Filled(MAX_ADDRESS)),
                ("biz_type", Text(MAX_BIZ)),
                ("biz_item", Text(MAX_BIZ)),
                ("partner_type", Choice(partner_types)),
                ("external_id", Text(MAX_EXTERNAL_ID)),
                ("contact", Present),
                (
                    "tags",
                    Texts {
                        max_items: MAX_TAGS,
                        max_chars: MAX_TAG,
                    },
                ),
                ("language", Choice(words(Language::NAMES))),
            ],
        ),
        (
            "TenantPatchBody",
            vec![
                ("name", Text(MAX_NAME)),
                ("ceo_name", Text(MAX_CEO_NAME)),
                ("address", Text(MAX_ADDRESS)),
                ("biz_type", Text(MAX_BIZ)),
                ("biz_item", Text(MAX_BIZ)),
            ],
        ),
        ("KeyBody", vec![("name", Text(MAX_KEY_NAME))]),
        ("WebhookEndpointBody", vec![("url", Filled(MAX_URL))]),
        ("UserBody", vec![("email", FilledEmail(MAX_EMAIL))]),
        (
            "AddressBody",
            vec![
                ("name", Filled(MAX_ADDRESS_NAME)),
                ("address", Filled(MAX_ADDRESS_LINE)),
                ("country", Country),
                ("state", Text(MAX_STATE)),
                ("postal_code", Text(MAX_POSTAL_CODE)),
            ],
        ),
        (
            "ProfileBody",
            vec![
                ("partner_id", Present),
                ("sold_to", Present),
                ("bill_to", Present),
                ("po_number", Text(MAX_PO_NUMBER)),
                ("payment_terms_days", Count(MAX_PAYMENT_TERMS_DAYS)),
                ("payment_terms_days", Present),
                ("billing_currency", Present),
                ("template", FilledChoice(words(Template::NAMES))),
                ("country", FilledCountry),
                ("customer_number", Text(MAX_CUSTOMER_NUMBER)),
                ("us_fein", Text(MAX_US_FEIN)),
                ("customer_service_url", Text(MAX_SERVICE_URL)),
                ("payment_instructions", Text(MAX_PAYMENT_INSTRUCTIONS)),
            ],
        ),
        (
            "ChargeBody",
            vec![
                ("partner_id", Present),
                ("order_id", Filled(charge::MAX_ID)),
                ("order_date", Present),
                ("product_id", Filled(charge::MAX_ID)),
                ("sku_id", Filled(charge::MAX_ID)),
                ("product_name", Filled(charge::MAX_NAME)),
                ("sku_name", Text(charge::MAX_NAME)),
                ("charge_type", FilledChoice(words(ChargeType::NAMES))),
                ("category", Choice(words(ChargeCategory::NAMES))),
                ("quantity", Present),
                ("unit_price", Present),
                ("pricing_currency", Present),
                ("tax_rate", Present),
                ("publisher_name", Text(charge::MAX_NAME)),
                ("publisher_address", Text(charge::MAX_ADDRESS)),
                ("charge_start", Present),
                ("charge_end", Present),
                ("series", FilledChoice(series)),
            ],
        ),
        (
            "TaxInvoiceBody",
            vec![
                ("write_date", Present),
                (
                    "tax_type",
                    FilledChoice(words(&TaxType::ALL.map(TaxType::as_str))),
                ),
                (
                    "purpose",
                    FilledChoice(words(&Purpose::ALL.map(Purpose::as_str))),
                ),
                (
                    "remarks",
                    Texts {
                        max_items: MAX_REMARKS,
                        max_chars: MAX_REMARK,
                    },
                ),
            ],
        ),
        (
            "TaxInvoiceLineBody",
            vec![
                ("name", Filled(MAX_ITEM_NAME)),
                ("spec", Text(MAX_ITEM_SPEC)),
                ("remark", Text(MAX_REMARK)),
            ],
        ),
    ]
}

/// Writes every body's rules into `schemas` (the document's component schemas), adds the
/// schemas derived from them, and points the PATCH operations of `paths` at their patch
/// schemas.
pub fn document(schemas: &mut Map<String, Value>, paths: &mut Map<String, Value>) {
    if let Some(contact) = schemas.get("ContactBody").cloned() {
        schemas.insert("PartnerContactBody".into(), contact);
        if let Some(property) = schemas
            .get_mut("PartnerBody")
            .and_then(|b| property(b, "contact"))
        {
            *property = reference("PartnerContactBody");
        }
    }
    if let Some(line) = schemas.get("LineView").map(line_body) {
        schemas.insert("TaxInvoiceLineBody".into(), line);
        for body in ["TaxInvoiceBody", "AmendBody"] {
            if let Some(items) = schemas.get_mut(body).and_then(|b| property(b, "items")) {
                items["items"] = reference("TaxInvoiceLineBody");
                items["maxItems"] = json!(MAX_LINES);
            }
        }
    }
    for (name, properties) in bodies() {
        let Some(schema) = schemas.get_mut(name) else {
            continue;
        };
        for (field, accepts) in properties {
            apply(schema, field, &accepts);
        }
    }
    if let Some(partner) = schemas.get_mut("PartnerBody") {
        partner["anyOf"] = business_fields();
    }
    if let Some(invoice) = schemas.get_mut("TaxInvoiceBody") {
        invoice["anyOf"] = json!([
            { "required": ["partner_id"], "properties": { "partner_id": { "type": "string" } } },
            { "required": ["partner_brn"], "properties": { "partner_brn": { "type": "string" } } },
        ]);
    }
    if let Some(line) = schemas.get_mut("CreditLineBody") {
        line["oneOf"] = json!([
            {
                "required": ["quantity"],
                "properties": { "quantity": { "type": "string" }, "amount": { "type": "null" } },
            },
            {
                "required": ["amount"],
                "properties": { "amount": { "type": "string" }, "quantity": { "type": "null" } },
            },
        ]);
    }
    for (body, patch) in PATCHES {
        if let Some(schema) = schemas.get(body) {
            let derived = patch_schema(schema);
            schemas.insert(patch.into(), derived);
        }
    }
    if let Some(properties) = schemas
        .get_mut("ProfilePatch")
        .and_then(|p| p["properties"].as_object_mut())
    {
        for fixed in profile::IMMUTABLE_FIELDS {
            properties.remove(fixed);
        }
    }
    for (path, form) in forms() {
        if let Some(body) = paths
            .get_mut(path)
            .and_then(|p| p.pointer_mut("/post/requestBody"))
        {
            body["required"] = json!(true);
            body["content"]["multipart/form-data"]["schema"] = form;
        }
    }
    for (path, patch) in [
        ("/v1/partners/{id}", "PartnerPatch"),
        ("/v1/billing-profiles/{id}", "ProfilePatch"),
    ] {
        let pointer = "/patch/requestBody/content/application~1json/schema";
        if let Some(schema) = paths.get_mut(path).and_then(|p| p.pointer_mut(pointer)) {
            *schema = reference(patch);
        }
    }
}

/// The multipart forms: the fields each upload reads (other fields are ignored).
fn forms() -> [(&'static str, Value); 5] {
    let file = |description: &str| json!({ "type": "string", "format": "binary", "description": description });
    let certificate = json!({
        "type": "object",
        "required": ["password"],
        "properties": {
            "password": { "type": "string", "description": "The certificate's password." },
            "sign_cert": file("signCert.der"),
            "sign_key": file("signPri.key"),
            "pfx": file("A PKCS #12 file instead of the pair."),
        },
        "additionalProperties": false,
        "oneOf": [{ "required": ["pfx"] }, { "required": ["sign_cert", "sign_key"] }],
    });
    let import = json!({
        "type": "object",
        "required": ["file"],
        "additionalProperties": false,
        "properties": { "file": file("CSV (UTF-8 or CP949) or XLSX.") },
    });
    [
        ("/v1/partners/import", import.clone()),
        ("/v1/transfers/import", import.clone()),
        ("/v1/payouts/import", import),
        ("/v1/tenant/nts-link", certificate.clone()),
        ("/v1/supplier/certificates", certificate),
    ]
}

/// The bodies that PATCH operations merge into the stored value, and their patch schemas.
const PATCHES: [(&str, &str); 4] = [
    ("PartnerContactBody", "PartnerContactPatch"),
    ("AddressBody", "AddressPatch"),
    ("PartnerBody", "PartnerPatch"),
    ("ProfileBody", "ProfilePatch"),
];

/// A `$ref` to component schema `name`.
fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The schema of one tax invoice line as clients send it: the fields of its view, each
/// optional (the supply date defaults to the write date, the tax is computed) but the name.
fn line_body(view: &Value) -> Value {
    let mut line = view.clone();
    if let Some(properties) = line["properties"].as_object_mut() {
        for property in properties.values_mut() {
            if property["type"] == "string" {
                property["type"] = json!(["string", "null"]);
            }
        }
    }
    line["description"] = json!("One line of a tax invoice as clients send it.");
    line["properties"]["date"]["format"] = json!("date");
    line["required"] = json!([]);
    line["additionalProperties"] = json!(false);
    line
}

/// A business partner needs its BRN, representative, business type and item; individuals
/// and foreign partners need none of them.
fn business_fields() -> Value {
    let blank = blank();
    let exempt = [PartnerType::Individual, PartnerType::Foreign].map(PartnerType::as_str);
    json!([
        {
            "required": ["partner_type"],
            "properties": { "partner_type": {
                "type": "string",
                "pattern": format!("^{blank}*(?:{}){blank}*$", exempt.join("|")),
            } },
        },
        {
            "required": ["brn", "ceo_name", "biz_type", "biz_item"],
            "properties": {
                "brn": { "type": "string", "pattern": format!("^{blank}*(?:{BRN}){blank}*$") },
                "ceo_name": { "type": "string", "pattern": filled() },
                "biz_type": { "type": "string", "pattern": filled() },
                "biz_item": { "type": "string", "pattern": filled() },
            },
        },
    ])
}

/// The schema of a JSON merge patch of a body: nothing is required, and what the body
/// requires may not be null (null removes a field).
fn patch_schema(body: &Value) -> Value {
    let mut patch = body.clone();
    let required: Vec<String> = patch
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(map) = patch.as_object_mut() {
        map.remove("required");
        map.remove("anyOf");
    }
    for field in required {
        if let Some(property) = property(&mut patch, &field) {
            not_null(property);
            // A patch merges into what is stored: a required object is patched, not given
            // whole.
            let body = property["$ref"].as_str().and_then(|r| r.rsplit('/').next());
            if let Some((_, nested)) = PATCHES.iter().find(|(b, _)| Some(*b) == body) {
                *property = reference(nested);
            }
        }
    }
    patch
}

/// The schema of property `field` of an object schema.
fn property<'a>(schema: &'a mut Value, field: &str) -> Option<&'a mut Value> {
    schema.get_mut("properties")?.get_mut(field)
}

/// Writes what `field` accepts into the object schema `schema`.
fn apply(schema: &mut Value, field: &str, accepts: &Accepts) {
    let Some(target) = property(schema, field) else {
        return;
    };
    if let (Some(target), Value::Object(add)) = (target.as_object_mut(), accepts.keywords()) {
        for (key, value) in add {
            // A null keyword removes one that a recurring rule wrote.
            if value.is_null() {
                target.remove(&key);
            } else {
                target.insert(key, value);
            }
        }
    }
    if accepts.is_required() {
        not_null(target);
        let required = schema
            .as_object_mut()
            .map(|m| m.entry("required").or_insert_with(|| json!([])));
        if let Some(Value::Array(required)) = required
            && !required.iter().any(|r| r == field)
        {
            required.push(json!(field));
        }
    }
}

/// Removes `null` from what a property schema admits.
fn not_null(schema: &mut Value) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types[0].clone();
            schema["type"] = only;
        }
    }
    let branch = schema
        .get("oneOf")
        .and_then(Value::as_array)
        .and_then(|branches| {
            let rest: Vec<&Value> = branches.iter().filter(|b| b["type"] != "null").collect();
            (rest.len() == 1).then(|| rest[0].clone())
        });
    if let Some(branch) = branch {
        *schema = branch;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented() -> Map<String, Value> {
        let doc = crate::openapi::openapi();
        doc["components"]["schemas"].as_object().unwrap().clone()
    }

    #[test]
    fn required_text_is_required_and_never_null() {
        let schemas = documented();
        let partner = &schemas["PartnerBody"];
        assert!(
            partner["required"]
                .as_array()
                .unwrap()
                .contains(&json!("name"))
        );
        assert_eq!(partner["properties"]["name"]["type"], "string");
        assert_eq!(partner["properties"]["name"]["maxLength"], MAX_NAME);
        assert_eq!(partner["properties"]["name"]["pattern"], filled());
    }

    #[test]
    fn optional_text_states_its_limit_and_stays_nullable() {
        let schemas = documented();
        let ceo = &schemas["TenantPatchBody"]["properties"]["ceo_name"];
        assert_eq!(ceo["maxLength"], MAX_CEO_NAME);
        assert!(ceo["type"].as_array().unwrap().contains(&json!("null")));
    }

    #[test]
    fn a_patch_requires_nothing_and_cannot_null_a_required_field() {
        let schemas = documented();
        let patch = &schemas["ProfilePatch"];
        assert!(patch.get("required").is_none());
        assert_eq!(
            patch["properties"]["sold_to"]["$ref"],
            "#/components/schemas/AddressPatch"
        );
        assert_eq!(patch["properties"]["template"]["type"], "string");
    }

    #[test]
    fn a_profile_patch_omits_the_fields_a_profile_keeps_for_life() {
        let schemas = documented();
        for fixed in profile::IMMUTABLE_FIELDS {
            assert!(schemas["ProfilePatch"]["properties"].get(fixed).is_none());
            assert!(schemas["ProfileBody"]["properties"].get(fixed).is_some());
        }
    }

    #[test]
    fn business_partners_need_their_business_fields() {
        let schemas = documented();
        let branches = schemas["PartnerBody"]["anyOf"].as_array().unwrap();
        assert_eq!(
            branches[1]["required"],
            json!(["brn", "ceo_name", "biz_type", "biz_item"])
        );
    }
}
