//! Korean e-tax invoices (전자세금계산서) as documents: the parties, the lines, the totals.
//! Amounts are whole won; a line's tax is `supply × rate`, rounded by the tenant's policy,
//! and the totals are the sums of the lines.

mod direction;
mod document_key;
mod filter;
mod input;
mod record;
mod state;
#[cfg(test)]
mod tests;

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::brn::Brn;

pub use direction::Direction;
pub use document_key::{DocumentKey, MAX_DOCUMENT_KEY};
pub use filter::TaxInvoiceFilter;
pub use input::{
    AmendmentInput, ContactInput, PartyInput, TaxInvoiceInput, TaxInvoiceLineInput, TaxPolicy,
    is_approval_number,
};
pub use record::{TaxInvoiceRecord, issue_deadline};
pub use state::{
    ALL_ACTIONS, ALL_STATES, InvalidTransition, Outcome, TaxInvoiceAction, TaxInvoiceState,
    Transition, transition,
};

/// Most line items on one tax invoice (the NTS limit).
pub const MAX_LINES: usize = 99;
/// Most free-text remarks (비고) on one tax invoice.
pub const MAX_REMARKS: usize = 3;
/// Longest item name.
pub const MAX_ITEM_NAME: usize = 100;
/// Longest item specification (규격).
pub const MAX_ITEM_SPEC: usize = 60;
/// Longest remark, on the document or on a line.
pub const MAX_REMARK: usize = 150;

/// VAT treatment. Tax-exempt (면세) sales are documented by a different paper (계산서), so
/// they are not a tax type here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxType {
    /// 과세: VAT at 10%.
    Taxable,
    /// 영세: VAT at 0% (exports, local letters of credit).
    ZeroRated,
}

impl TaxType {
    /// Every tax type.
    pub const ALL: [TaxType; 2] = [TaxType::Taxable, TaxType::ZeroRated];

    /// The VAT rate as a fraction.
    pub fn rate(self) -> Decimal {
        match self {
            TaxType::Taxable => Decimal::new(10, 2),
            TaxType::ZeroRated => Decimal::ZERO,
        }
    }

    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaxType::Taxable => "taxable",
            TaxType::ZeroRated => "zero_rated",
        }
    }
}

/// Whether the invoice acknowledges a payment or asks for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 영수: already paid.
    Receipt,
    /// 청구: payment requested.
    Claim,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 2] = [Purpose::Receipt, Purpose::Claim];

    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Receipt => "receipt",
            Purpose::Claim => "claim",
        }
    }
}

/// Why an amended tax invoice (수정세금계산서) is issued; the NTS codes 01–06.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentReason {
    /// 1 기재사항 착오·정정: the original is negated and a corrected one issued.
    InputError,
    /// 2 공급가액 변동: the difference.
    SupplyAmountChange,
    /// 3 환입: the returned part, negated.
    ReturnedGoods,
    /// 4 계약의 해제: the whole, negated.
    ContractCancelled,
    /// 5 내국신용장 사후개설: negated and reissued zero-rated.
    LocalLetterOfCreditLater,
    /// 6 착오에 의한 이중발급: the duplicate, negated.
    DuplicateIssue,
}

impl AmendmentReason {
    /// The NTS code, 1 to 6.
    pub fn code(self) -> u8 {
        match self {
            AmendmentReason::InputError => 1,
            AmendmentReason::SupplyAmountChange => 2,
            AmendmentReason::ReturnedGoods => 3,
            AmendmentReason::ContractCancelled => 4,
            AmendmentReason::LocalLetterOfCreditLater => 5,
            AmendmentReason::DuplicateIssue => 6,
        }
    }

    /// The reason's name as the NTS and the printed form spell it.
    pub fn korean_name(self) -> &'static str {
        match self {
            AmendmentReason::InputError => "기재사항 착오·정정",
            AmendmentReason::SupplyAmountChange => "공급가액 변동",
            AmendmentReason::ReturnedGoods => "환입",
            AmendmentReason::ContractCancelled => "계약의 해제",
            AmendmentReason::LocalLetterOfCreditLater => "내국신용장 사후개설",
            AmendmentReason::DuplicateIssue => "착오에 의한 이중발급",
        }
    }

    /// The reason for an NTS code, 1 to 6.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => AmendmentReason::InputError,
            2 => AmendmentReason::SupplyAmountChange,
            3 => AmendmentReason::ReturnedGoods,
            4 => AmendmentReason::ContractCancelled,
            5 => AmendmentReason::LocalLetterOfCreditLater,
            6 => AmendmentReason::DuplicateIssue,
            _ => return None,
        })
    }
}

/// What an amended invoice amends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    /// Why.
    pub reason: AmendmentReason,
    /// The NTS approval number of the original.
    pub original_approval_number: String,
}

/// The person at a party who receives the invoice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyContact {
    /// Contact person, if named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A supplier (공급자) or buyer (공급받는자) as printed on the invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceParty {
    /// Business registration number.
    pub brn: Brn,
    /// 종사업장번호, four digits, when a branch files on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_business_id: Option<String>,
    /// Company name (상호).
    pub name: String,
    /// Representative (대표자).
    pub ceo_name: String,
    /// Address; required of the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 업태.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biz_type: Option<String>,
    /// 종목.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biz_item: Option<String>,
    /// Who receives it.
    pub contact: PartyContact,
}

/// One line item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxInvoiceLine {
    /// Supply date, in the month of the write date.
    pub date: Date,
    /// Item name (품목).
    pub name: String,
    /// Specification (규격).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// Quantity; may have decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    /// Unit price; may have decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Decimal>,
    /// Supply amount in whole won.
    pub supply_amount: Decimal,
    /// VAT in whole won.
    pub tax_amount: Decimal,
    /// Line remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

/// A complete, consistent tax invoice: at most 99 lines, whole-won amounts, and totals
/// that are the sums of the lines. Build one with [`TaxInvoiceInput::validate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxInvoice {
    /// 작성일자.
    pub write_date: Date,
    /// Taxable or zero-rated.
    pub tax_type: TaxType,
    /// Receipt or claim.
    pub purpose: Purpose,
    /// The seller (the partner, in reverse issuance).
    pub supplier: InvoiceParty,
    /// The buyer (the platform).
    pub buyer: InvoiceParty,
    /// 1 to 99 lines.
    pub lines: Vec<TaxInvoiceLine>,
    /// Up to three remarks.
    pub remarks: Vec<String>,
    /// Set on amended invoices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amendment: Option<Amendment>,
    /// Sum of the lines' supply amounts.
    pub supply_total: Decimal,
    /// Sum of the lines' taxes.
    pub tax_total: Decimal,
    /// `supply_total + tax_total`.
    pub total: Decimal,
}

impl TaxInvoice {
    /// Recomputes the totals from the lines; `None` on overflow.
    pub fn sums(lines: &[TaxInvoiceLine]) -> Option<(Decimal, Decimal, Decimal)> {
        let mut supply = Decimal::ZERO;
        let mut tax = Decimal::ZERO;
        for line in lines {
            supply = supply.checked_add(line.supply_amount)?;
            tax = tax.checked_add(line.tax_amount)?;
        }
        Some((supply, tax, supply.checked_add(tax)?))
    }
}

impl fmt::Display for TaxType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
