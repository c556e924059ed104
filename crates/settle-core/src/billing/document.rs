//! Billing documents as stored: invoices, credit notes and void notes, and their lines.

use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use super::{
    BillingDetails, DocumentKind, DocumentStatus, LineAmounts, LineItem, PaymentStatus, Period,
    PricedLine, Series, Totals,
};
use crate::currency::Currency;
use crate::ids::{
    BillingProfileId, BillingRunId, ChargeId, InvoiceId, InvoiceLineId, PartnerId, TenantId,
};

/// A billing document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Its id.
    pub id: InvoiceId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The partner billed.
    pub partner_id: PartnerId,
    /// The billing profile it was billed under.
    pub profile_id: BillingProfileId,
    /// Invoice, credit note or void note.
    pub kind: DocumentKind,
    /// G or D.
    pub series: Series,
    /// Assigned at finalization.
    pub number: Option<String>,
    /// Draft, open, paid or void.
    pub status: DocumentStatus,
    /// Third-party products only.
    pub marketplace: bool,
    /// The billing period.
    pub period: Period,
    /// The billing currency.
    pub currency: Currency,
    /// The billing run that drafted it.
    pub run_id: Option<BillingRunId>,
    /// The invoice a note (or a rebilled invoice) refers to.
    pub original_id: Option<InvoiceId>,
    /// That invoice's number.
    pub original_number: Option<String>,
    /// The billing profile's details as of finalization (`None` for drafts).
    pub details: Option<BillingDetails>,
    /// Sums of the lines.
    pub totals: Totals,
    /// How much of the total payments and credits have settled (invoices), or how much of
    /// a note has been applied; a positive number either way.
    pub settled: Decimal,
    /// Number of lines.
    pub line_count: i64,
    /// Date of issue.
    pub document_date: Option<Date>,
    /// Payment due.
    pub due_date: Option<Date>,
    /// Per-country tax invoice number, where the profile asks for one.
    pub tax_invoice_number: Option<String>,
    /// Why a note or rebill was made.
    pub reason: Option<String>,
    /// Bumped by every change.
    pub version: i64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

impl Document {
    /// What is still owed on an invoice, or still to be applied of a note (negative).
    pub fn outstanding(&self) -> Decimal {
        super::ledger::outstanding(self.kind, self.status, self.totals.total, self.settled)
    }

    /// How to pay a finalized invoice: the profile's instructions, then `cite(number)`,
    /// the sentence asking the payer to cite the invoice number. `None` for drafts and notes.
    pub fn payment_instructions(&self, cite: impl Fn(&str) -> String) -> Option<String> {
        if self.kind != DocumentKind::Invoice {
            return None;
        }
        let cite = cite(self.number.as_deref()?);
        let given = self
            .details
            .as_ref()
            .and_then(|d| d.payment_instructions.as_deref())
            .map(str::trim)
            .filter(|t| !t.is_empty());
        Some(match given {
            Some(text) if text.ends_with(['.', '!', '?', '。']) => format!("{text} {cite}"),
            Some(text) => format!("{text}. {cite}"),
            None => cite,
        })
    }

    /// Paid, due or overdue on `as_of`.
    pub fn payment_status(&self, as_of: Date) -> PaymentStatus {
        if self.outstanding().is_zero() {
            PaymentStatus::Paid
        } else if self.kind == DocumentKind::Invoice && self.due_date.is_some_and(|due| as_of > due)
        {
            PaymentStatus::Overdue
        } else {
            PaymentStatus::Due
        }
    }
}

/// A line of a billing document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentLine {
    /// Its id.
    pub id: InvoiceLineId,
    /// The document.
    pub invoice_id: InvoiceId,
    /// 1, 2, … within the document.
    pub line_no: i64,
    /// The charge billed on it (invoice lines).
    pub charge_id: Option<ChargeId>,
    /// The invoice line a credit or void line takes back.
    pub credits_line_id: Option<InvoiceLineId>,
    /// The product and its pricing; on notes the quantity is negative.
    pub item: LineItem,
    /// The amounts in the billing currency.
    pub priced: PricedLine,
}

impl DocumentLine {
    /// What totals need of it.
    pub fn amounts(&self) -> LineAmounts {
        LineAmounts {
            priced: self.priced,
            tax_rate: self.item.tax_rate,
            category: self.item.category,
        }
    }
}
