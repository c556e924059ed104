//! The tenant: one platform that uses settle, and the buyer on its reverse-issued invoices.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::brn::Brn;
use crate::ids::TenantId;
use crate::rounding::RoundingMode;
use crate::tax_invoice::{InvoiceParty, PartyContact, TaxPolicy};

/// A platform using settle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its company name.
    pub name: String,
    /// Its business registration number.
    pub brn: Brn,
    /// What it prints on invoices besides name and BRN, and its policies.
    pub profile: TenantProfile,
    /// When it linked itself with the filing service (seed STEP 1), if it has.
    pub nts_linked_at: Option<OffsetDateTime>,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// The tenant's party data and policies (`PATCH /v1/tenant`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantProfile {
    /// Representative (대표자).
    pub ceo_name: Option<String>,
    /// Registered address.
    pub address: Option<String>,
    /// 업태.
    pub biz_type: Option<String>,
    /// 종목.
    pub biz_item: Option<String>,
    /// Who receives the issued invoices and notices.
    pub contact: PartyContact,
    /// How line taxes are rounded to whole won when a client leaves them out.
    pub tax_rounding: Option<RoundingMode>,
    /// How partner-invoice line amounts (price × quantity × rate) are rounded; half away
    /// from zero unless the tenant chose truncation (Partner Center's ROUNDDOWN).
    pub billing_rounding: Option<RoundingMode>,
    /// Days after an invoice's due date when its partner is reminded, once; `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue_reminder_days: Option<u32>,
}

impl Tenant {
    /// The tenant as the buyer (공급받는자) of its reverse-issued invoices; `None` until its
    /// representative is set.
    pub fn as_buyer(&self) -> Option<InvoiceParty> {
        let p = &self.profile;
        Some(InvoiceParty {
            brn: self.brn,
            sub_business_id: None,
            name: self.name.clone(),
            ceo_name: p.ceo_name.clone()?,
            address: p.address.clone(),
            biz_type: p.biz_type.clone(),
            biz_item: p.biz_item.clone(),
            contact: p.contact.clone(),
        })
    }

    /// How partner-invoice line amounts are rounded.
    pub fn billing_rounding(&self) -> RoundingMode {
        self.profile
            .billing_rounding
            .unwrap_or(RoundingMode::HalfAwayFromZero)
    }

    /// The tax policy of this tenant (truncation unless it chose otherwise).
    pub fn tax_policy(&self) -> TaxPolicy {
        match self.profile.tax_rounding {
            Some(rounding) => TaxPolicy { rounding },
            None => TaxPolicy::default(),
        }
    }
}
