//! Unvalidated tax-invoice input (JSON, files) and the checks that turn it into a
//! [`TaxInvoice`], reporting every problem at once with the field path that has it.

use rust_decimal::Decimal;
use serde::Deserialize;
use time::Date;

use super::{
    Amendment, AmendmentReason, InvoiceParty, MAX_ITEM_NAME, MAX_ITEM_SPEC, MAX_LINES, MAX_REMARK,
    MAX_REMARKS, PartyContact, Purpose, TaxInvoice, TaxInvoiceLine, TaxType,
};
use crate::brn::Brn;
use crate::money::DecimalInput;
use crate::partner::{MAX_ADDRESS, MAX_BIZ, MAX_CEO_NAME, MAX_CONTACT, MAX_NAME, MAX_PHONE};
use crate::rounding::{RoundingMode, line_tax};
use crate::validation::{Checker, FieldError, is_plausible_email, is_plausible_phone};

/// Largest amount accepted on a line or in a total: a thousand trillion won.
const MAX_AMOUNT: Decimal = Decimal::from_parts(0x4A40_0000, 0x0003_8D7E, 0, false, 0);

/// How line taxes are computed when the input leaves them out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaxPolicy {
    /// Rounding of `supply × rate` to whole won.
    pub rounding: RoundingMode,
}

impl Default for TaxPolicy {
    /// Truncation below one won, the common Korean practice (and the NTS default).
    fn default() -> Self {
        TaxPolicy {
            rounding: RoundingMode::TowardZero,
        }
    }
}

/// A party as it arrives.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    /// Business registration number.
    pub brn: Option<String>,
    /// 종사업장번호.
    pub sub_business_id: Option<String>,
    /// Company name.
    pub name: Option<String>,
    /// Representative.
    pub ceo_name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// 업태.
    pub biz_type: Option<String>,
    /// 종목.
    pub biz_item: Option<String>,
    /// Contact person.
    pub contact: Option<ContactInput>,
}

/// A party's contact as it arrives.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// Name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// One line as it arrives.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxInvoiceLineInput {
    /// Supply date; the write date when absent.
    pub date: Option<String>,
    /// Item name.
    pub name: Option<String>,
    /// Specification.
    pub spec: Option<String>,
    /// Quantity.
    pub quantity: Option<DecimalInput>,
    /// Unit price.
    pub unit_price: Option<DecimalInput>,
    /// Supply amount, whole won.
    pub supply_amount: Option<DecimalInput>,
    /// Tax, whole won; computed by the policy when absent.
    pub tax_amount: Option<DecimalInput>,
    /// Line remark.
    pub remark: Option<String>,
}

/// An amendment as it arrives.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    /// NTS reason code 1–6.
    pub reason_code: Option<u8>,
    /// The original's approval number.
    pub original_approval_number: Option<String>,
}

/// A tax invoice as it arrives (the `settle nts xml` input and the core of the API body).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxInvoiceInput {
    /// 작성일자, `YYYY-MM-DD`.
    pub write_date: Option<String>,
    /// `taxable` or `zero_rated`.
    pub tax_type: Option<String>,
    /// `receipt` or `claim`.
    pub purpose: Option<String>,
    /// The seller.
    pub supplier: Option<PartyInput>,
    /// The buyer.
    pub buyer: Option<PartyInput>,
    /// The lines.
    pub items: Option<Vec<TaxInvoiceLineInput>>,
    /// Up to three remarks.
    pub remarks: Option<Vec<String>>,
    /// Amended invoices only.
    pub amendment: Option<AmendmentInput>,
    /// Expected supply total; checked against the lines when given.
    pub supply_total: Option<DecimalInput>,
    /// Expected tax total; checked against the lines when given.
    pub tax_total: Option<DecimalInput>,
    /// Expected grand total; checked against the lines when given.
    pub total: Option<DecimalInput>,
    /// An approval number already assigned (24 digits); not part of the document's content.
    pub approval_number: Option<String>,
}

/// Whether `text` is an NTS approval number: exactly 24 ASCII digits.
pub fn is_approval_number(text: &str) -> bool {
    text.len() == 24 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A whole-won amount: no fraction, within range.
fn won(check: &mut Checker, field: &str, value: Option<DecimalInput>) -> Option<Decimal> {
    let value = value?.0;
    if !value.fract().is_zero() {
        check.fail(
            "fractional_won",
            field,
            format!("{field} must be whole won (KRW has no decimals), got {value}"),
        );
        return None;
    }
    if value.abs() > MAX_AMOUNT {
        check.fail(
            "amount_too_large",
            field,
            format!("{field} is larger than {MAX_AMOUNT} won"),
        );
        return None;
    }
    Some(value.trunc().normalize())
}

fn bounded(check: &mut Checker, field: &str, value: Option<DecimalInput>) -> Option<Decimal> {
    let value = value?.0;
    if value.abs() > MAX_AMOUNT {
        check.fail("amount_too_large", field, format!("{field} is too large"));
        return None;
    }
    Some(value.normalize())
}

impl PartyInput {
    /// The party, or `None` when its BRN is missing or invalid (an error is recorded).
    fn validate(
        self,
        check: &mut Checker,
        role: &str,
        address_required: bool,
    ) -> Option<InvoiceParty> {
        let field = |name: &str| format!("{role}.{name}");
        let brn_field = field("brn");
        let brn = match check.text(&brn_field, self.brn, 20) {
            None => {
                check.fail(
                    "missing_field",
                    &brn_field,
                    format!("{brn_field} is required"),
                );
                None
            }
            Some(text) => match Brn::parse(&text) {
                Ok(brn) => Some(brn),
                Err(error) => {
                    check.fail("invalid_brn", &brn_field, format!("{brn_field}: {error}"));
                    None
                }
            },
        };
        let sub_field = field("sub_business_id");
        let sub_business_id = check.text(&sub_field, self.sub_business_id, 4);
        if sub_business_id
            .as_deref()
            .is_some_and(|s| s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()))
        {
            check.fail(
                "invalid_sub_business_id",
                &sub_field,
                format!("{sub_field} must be four digits"),
            );
        }
        let name = check.required(&field("name"), self.name, MAX_NAME);
        let ceo_name = check.required(&field("ceo_name"), self.ceo_name, MAX_CEO_NAME);
        let address = if address_required {
            Some(check.required(&field("address"), self.address, MAX_ADDRESS))
        } else {
            check.text(&field("address"), self.address, MAX_ADDRESS)
        };
        let biz_type = check.text(&field("biz_type"), self.biz_type, MAX_BIZ);
        let biz_item = check.text(&field("biz_item"), self.biz_item, MAX_BIZ);
        let contact = self.contact.unwrap_or_default();
        let contact = PartyContact {
            name: check.text(&field("contact.name"), contact.name, MAX_CONTACT),
            email: check.text(&field("contact.email"), contact.email, MAX_CONTACT),
            phone: check.text(&field("contact.phone"), contact.phone, MAX_PHONE),
        };
        if contact
            .email
            .as_deref()
            .is_some_and(|e| !is_plausible_email(e))
        {
            let email_field = field("contact.email");
            check.fail(
                "invalid_email",
                &email_field,
                format!("{email_field} is not an email address"),
            );
        }
        if contact
            .phone
            .as_deref()
            .is_some_and(|p| !is_plausible_phone(p))
        {
            let phone_field = field("contact.phone");
            check.fail(
                "invalid_phone",
                &phone_field,
                format!("{phone_field} is not a phone number"),
            );
        }
        Some(InvoiceParty {
            brn: brn?,
            sub_business_id,
            name,
            ceo_name,
            address,
            biz_type,
            biz_item,
            contact,
        })
    }
}

struct LineContext<'a> {
    index: usize,
    write_date: Option<Date>,
    tax_type: Option<TaxType>,
    policy: &'a TaxPolicy,
}

impl TaxInvoiceLineInput {
    fn validate(self, check: &mut Checker, ctx: &LineContext) -> TaxInvoiceLine {
        let field = |name: &str| format!("items[{}].{name}", ctx.index);
        let date_field = field("date");
        let date = check.date(&date_field, self.date).or(ctx.write_date);
        if let (Some(date), Some(write_date)) = (date, ctx.write_date)
            && (date.year(), date.month()) != (write_date.year(), write_date.month())
        {
            check.fail(
                "item_date_outside_month",
                &date_field,
                format!("{date_field} must be in the month of write_date"),
            );
        }
        let name = check.required(&field("name"), self.name, MAX_ITEM_NAME);
        let spec = check.text(&field("spec"), self.spec, MAX_ITEM_SPEC);
        let remark = check.text(&field("remark"), self.remark, MAX_REMARK);
        let quantity = bounded(check, &field("quantity"), self.quantity);
        let unit_price = bounded(check, &field("unit_price"), self.unit_price);
        let supply_field = field("supply_amount");
        let supply_missing = self.supply_amount.is_none();
        let supply_amount = won(check, &supply_field, self.supply_amount);
        if supply_missing {
            check.fail(
                "missing_field",
                &supply_field,
                format!("{supply_field} is required"),
            );
        }
        let tax_field = field("tax_amount");
        let given_tax = won(check, &tax_field, self.tax_amount);
        let tax_amount = match (supply_amount, ctx.tax_type) {
            (Some(supply), Some(tax_type)) => {
                line_tax_checked(check, &tax_field, supply, tax_type, given_tax, ctx.policy)
            }
            _ => Decimal::ZERO,
        };
        TaxInvoiceLine {
            date: date.unwrap_or(Date::MIN),
            name,
            spec,
            quantity,
            unit_price,
            supply_amount: supply_amount.unwrap_or_default(),
            tax_amount,
            remark,
        }
    }
}

/// The line's tax: the given one if it is `supply × rate` rounded some legitimate way (it
/// differs from the exact value by less than one won), otherwise computed by the policy.
fn line_tax_checked(
    check: &mut Checker,
    field: &str,
    supply: Decimal,
    tax_type: TaxType,
    given: Option<Decimal>,
    policy: &TaxPolicy,
) -> Decimal {
    let rate = tax_type.rate();
    let computed = line_tax(supply, rate, 0, policy.rounding)
        .unwrap_or_default()
        .normalize();
    let Some(given) = given else {
        return computed;
    };
    let exact = supply * rate;
    let acceptable = match tax_type {
        TaxType::ZeroRated => given.is_zero(),
        TaxType::Taxable => (given - exact).abs() < Decimal::ONE,
    };
    if !acceptable {
        check.fail(
            "tax_mismatch",
            field,
            format!(
                "{field} is {given}, but {} of {supply} is {exact}",
                match tax_type {
                    TaxType::Taxable => "10%",
                    TaxType::ZeroRated => "0%",
                }
            ),
        );
    }
    given
}

fn check_total(check: &mut Checker, field: &str, given: Option<Decimal>, computed: Decimal) {
    if let Some(given) = given
        && given != computed
    {
        check.fail(
            "totals_mismatch",
            field,
            format!("{field} is {given}, but the lines add up to {computed}"),
        );
    }
}

impl TaxInvoiceInput {
    /// Checks everything and returns the tax invoice, or every problem found (codes
    /// `tax_invoice.*`, fields as JSON paths such as `items[3].supply_amount`).
    pub fn validate(self, policy: &TaxPolicy) -> Result<TaxInvoice, Vec<FieldError>> {
        let mut check = Checker::new("tax_invoice");
        let write_date = check.date("write_date", self.write_date.clone());
        if self
            .write_date
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            check.fail("missing_field", "write_date", "write_date is required");
        }
        let tax_type = match check.text("tax_type", self.tax_type, 20).as_deref() {
            Some("taxable") => Some(TaxType::Taxable),
            Some("zero_rated") => Some(TaxType::ZeroRated),
            Some("tax_free" | "exempt" | "tax_exempt") => {
                check.fail(
                    "tax_exempt_not_allowed",
                    "tax_type",
                    "tax-exempt sales are not documented by tax invoices (use a 계산서)",
                );
                None
            }
            Some(_) => {
                check.fail(
                    "invalid_tax_type",
                    "tax_type",
                    "tax_type must be taxable or zero_rated",
                );
                None
            }
            None => {
                check.fail("missing_field", "tax_type", "tax_type is required");
                None
            }
        };
        let purpose = match check.text("purpose", self.purpose, 20).as_deref() {
            Some("receipt") => Some(Purpose::Receipt),
            Some("claim") => Some(Purpose::Claim),
            Some(_) => {
                check.fail(
                    "invalid_purpose",
                    "purpose",
                    "purpose must be receipt or claim",
                );
                None
            }
            None => {
                check.fail("missing_field", "purpose", "purpose is required");
                None
            }
        };
        let mut party = |role: &str, input: Option<PartyInput>, address_required: bool| match input
        {
            Some(input) => input.validate(&mut check, role, address_required),
            None => {
                check.fail("missing_field", role, format!("{role} is required"));
                None
            }
        };
        let supplier = party("supplier", self.supplier, true);
        let buyer = party("buyer", self.buyer, false);

        let items = self.items.unwrap_or_default();
        if items.is_empty() {
            check.fail("no_items", "items", "a tax invoice needs at least one item");
        }
        if items.len() > MAX_LINES {
            check.fail(
                "too_many_items",
                "items",
                format!(
                    "a tax invoice has at most {MAX_LINES} items, got {}",
                    items.len()
                ),
            );
        }
        let lines: Vec<TaxInvoiceLine> = items
            .into_iter()
            .take(MAX_LINES)
            .enumerate()
            .map(|(index, item)| {
                let ctx = LineContext {
                    index,
                    write_date,
                    tax_type,
                    policy,
                };
                item.validate(&mut check, &ctx)
            })
            .collect();

        let remarks_in = self.remarks.unwrap_or_default();
        if remarks_in.len() > MAX_REMARKS {
            check.fail(
                "too_many_remarks",
                "remarks",
                format!("at most {MAX_REMARKS} remarks"),
            );
        }
        let remarks = remarks_in
            .into_iter()
            .take(MAX_REMARKS)
            .enumerate()
            .filter_map(|(i, remark)| {
                check.text(&format!("remarks[{i}]"), Some(remark), MAX_REMARK)
            })
            .collect();

        let amendment = self
            .amendment
            .and_then(|input| validate_amendment(&mut check, input));

        if amendment.is_none() {
            for (index, line) in lines.iter().enumerate() {
                let field = format!("items[{index}].supply_amount");
                if line.supply_amount <= Decimal::ZERO && !check.has_error_on(&field) {
                    check.fail(
                        "non_positive_amount",
                        &field,
                        "supply_amount must be positive (negative amounts belong on amended invoices)",
                    );
                }
            }
        }
        let (supply_total, tax_total, total) =
            TaxInvoice::sums(&lines).unwrap_or((Decimal::ZERO, Decimal::ZERO, Decimal::ZERO));
        let given_supply = won(&mut check, "supply_total", self.supply_total);
        let given_tax = won(&mut check, "tax_total", self.tax_total);
        let given_total = won(&mut check, "total", self.total);
        check_total(&mut check, "supply_total", given_supply, supply_total);
        check_total(&mut check, "tax_total", given_tax, tax_total);
        check_total(&mut check, "total", given_total, total);

        if let Some(number) = self.approval_number.as_deref()
            && !is_approval_number(number)
        {
            check.fail(
                "invalid_approval_number",
                "approval_number",
                "approval_number must be 24 digits",
            );
        }

        let (Some(write_date), Some(tax_type), Some(purpose), Some(supplier), Some(buyer)) =
            (write_date, tax_type, purpose, supplier, buyer)
        else {
            // At least one error was recorded for each missing piece.
            return Err(check.finish(()).err().unwrap_or_default());
        };
        check.finish(TaxInvoice {
            write_date,
            tax_type,
            purpose,
            supplier,
            buyer,
            lines,
            remarks,
            amendment,
            supply_total,
            tax_total,
            total,
        })
    }
}

fn validate_amendment(check: &mut Checker, input: AmendmentInput) -> Option<Amendment> {
    let reason = input.reason_code.and_then(AmendmentReason::from_code);
    if reason.is_none() {
        check.fail(
            "invalid_reason_code",
            "amendment.reason_code",
            "amendment.reason_code must be 1 to 6",
        );
    }
    let original = input.original_approval_number.unwrap_or_default();
    if !is_approval_number(&original) {
        check.fail(
            "invalid_approval_number",
            "amendment.original_approval_number",
            "amendment.original_approval_number must be 24 digits",
        );
        return None;
    }
    Some(Amendment {
        reason: reason?,
        original_approval_number: original,
    })
}

impl From<&InvoiceParty> for PartyInput {
    /// The party as input again (to validate a document built from stored parties).
    fn from(party: &InvoiceParty) -> Self {
        PartyInput {
            brn: Some(party.brn.digits().to_owned()),
            sub_business_id: party.sub_business_id.clone(),
            name: Some(party.name.clone()),
            ceo_name: Some(party.ceo_name.clone()),
            address: party.address.clone(),
            biz_type: party.biz_type.clone(),
            biz_item: party.biz_item.clone(),
            contact: Some(ContactInput {
                name: party.contact.name.clone(),
                email: party.contact.email.clone(),
                phone: party.contact.phone.clone(),
            }),
        }
    }
}

impl TaxInvoiceLine {
    /// The line as input again, its amounts multiplied by `sign` (−1 negates it for an
    /// amended invoice); `tax` false leaves the tax to be computed (a zero-rated copy).
    pub fn to_input(&self, sign: Decimal, tax: bool) -> TaxInvoiceLineInput {
        TaxInvoiceLineInput {
            date: Some(self.date.to_string()),
            name: Some(self.name.clone()),
            spec: self.spec.clone(),
            quantity: self.quantity.map(|q| DecimalInput(q * sign)),
            unit_price: self.unit_price.map(DecimalInput),
            supply_amount: Some(DecimalInput(self.supply_amount * sign)),
            tax_amount: tax.then_some(DecimalInput(self.tax_amount * sign)),
            remark: self.remark.clone(),
        }
    }
}
