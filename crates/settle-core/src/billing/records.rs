//! What partner invoicing keeps besides its documents: billing runs, rebill requests,
//! payments and what they settle, and the filters that list them.

use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use super::{DocumentKind, DocumentStatus, Period, RebillStatus, Series};
use crate::currency::Currency;
use crate::ids::{BillingRunId, InvoiceId, PartnerId, PaymentId, RebillRequestId, TenantId};

/// One billing run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingRun {
    /// Its id.
    pub id: BillingRunId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The period billed.
    pub period: Period,
    /// Who ran it.
    pub actor: String,
    /// Charges it billed.
    pub charges_billed: i64,
    /// Drafts it created.
    pub invoices_created: i64,
    /// Existing drafts it added lines to.
    pub invoices_extended: i64,
    /// When.
    pub created_at: OffsetDateTime,
}

/// A rebill request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebillRequest {
    /// Its id.
    pub id: RebillRequestId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The invoice to void and rebill.
    pub invoice_id: InvoiceId,
    /// The changes, as JSON.
    pub changes: serde_json::Value,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub status: RebillStatus,
    /// Who asked.
    pub requested_by: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// The void note made on approval.
    pub void_note_id: Option<InvoiceId>,
    /// The new invoice made on approval.
    pub new_invoice_id: Option<InvoiceId>,
    /// Asked.
    pub created_at: OffsetDateTime,
    /// Decided.
    pub decided_at: Option<OffsetDateTime>,
}

/// A payment received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// Its id.
    pub id: PaymentId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Who paid.
    pub partner_id: PartnerId,
    /// In which currency.
    pub currency: Currency,
    /// How much.
    pub amount: Decimal,
    /// When.
    pub paid_on: Date,
    /// The payer's reference (it should cite invoice numbers).
    pub reference: String,
    /// Who recorded it.
    pub actor: String,
    /// Recorded.
    pub created_at: OffsetDateTime,
}

/// The [`Allocation::source_type`] of what a payment settles (notes name their kind).
pub const PAYMENT_SOURCE: &str = "payment";

/// What settles an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The invoice settled.
    pub invoice_id: InvoiceId,
    /// `payment`, `credit_note` or `void_note`.
    pub source_type: String,
    /// The payment's or note's id.
    pub source_id: String,
    /// How much it settles (positive).
    pub amount: Decimal,
    /// The source's date.
    pub on_date: Date,
    /// Recorded.
    pub created_at: OffsetDateTime,
}

/// Which charges to list.
#[derive(Clone, Debug, Default)]
pub struct ChargeFilter {
    /// Only of this partner.
    pub partner_id: Option<PartnerId>,
    /// Only of this period.
    pub period: Option<Period>,
    /// Only billed (`true`) or unbilled (`false`) ones.
    pub billed: Option<bool>,
    /// Only of these partners (a sales agent's assigned ones); `None`: any.
    pub among: Option<Vec<crate::ids::PartnerId>>,
}

/// Which documents to list.
#[derive(Clone, Debug, Default)]
pub struct DocumentFilter {
    /// Only of this partner.
    pub partner_id: Option<PartnerId>,
    /// Only of this billing period.
    pub period: Option<Period>,
    /// Only of this series.
    pub series: Option<Series>,
    /// Only of this kind.
    pub kind: Option<DocumentKind>,
    /// Only in this status.
    pub status: Option<DocumentStatus>,
    /// Only made by this billing run.
    pub run_id: Option<BillingRunId>,
    /// Only of these partners (a sales agent's assigned ones); `None`: any.
    pub among: Option<Vec<crate::ids::PartnerId>>,
}
