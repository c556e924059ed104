//! A tax invoice as settle keeps it: the document, where it is in its life, and what the
//! supplier's signature and the filing added to it.

use time::{Date, Month, OffsetDateTime};

use super::{Direction, DocumentKey, TaxInvoice, TaxInvoiceState};
use crate::ids::{InvoiceId, PartnerId, TaxInvoiceId, TenantId};

/// A stored tax invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxInvoiceRecord {
    /// settle's id (what the supplier's pages use).
    pub id: TaxInvoiceId,
    /// The tenant (the platform).
    pub tenant_id: TenantId,
    /// The platform's key, unique per tenant.
    pub document_key: DocumentKey,
    /// The partner: the supplier in reverse issuance, the buyer in forward issuance.
    pub partner_id: PartnerId,
    /// Reverse (the partner signs) or forward (the platform signs).
    pub direction: Direction,
    /// The partner invoice (or note) a forward-issued invoice documents.
    pub source_invoice_id: Option<InvoiceId>,
    /// Where it is.
    pub state: TaxInvoiceState,
    /// The content.
    pub document: TaxInvoice,
    /// The invoice this one amends, for amended invoices.
    pub amends_id: Option<TaxInvoiceId>,
    /// The 24-digit NTS approval number, once issued.
    pub approval_number: Option<String>,
    /// When the supplier signed it.
    pub issued_at: Option<OffsetDateTime>,
    /// The filer's answer (`SUC001`, `SYN002`…), once filed.
    pub nts_result_code: Option<String>,
    /// When the filer answered.
    pub filed_at: Option<OffsetDateTime>,
    /// Counts every change.
    pub version: i64,
    /// When it was drafted.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

impl TaxInvoiceRecord {
    /// A new drafted record of `document`.
    pub fn drafted(
        tenant_id: TenantId,
        document_key: DocumentKey,
        partner_id: PartnerId,
        document: TaxInvoice,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id: TaxInvoiceId::generate(),
            tenant_id,
            document_key,
            partner_id,
            direction: Direction::Reverse,
            source_invoice_id: None,
            state: TaxInvoiceState::Drafted,
            document,
            amends_id: None,
            approval_number: None,
            issued_at: None,
            nts_result_code: None,
            filed_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// The issuance deadline: the 10th of the month after the write date.
    pub fn issue_deadline(&self) -> Date {
        issue_deadline(self.document.write_date)
    }

    /// The first instant at which issuing is late: the day after the deadline begins in
    /// Korea.
    pub fn late_from(&self) -> OffsetDateTime {
        let day_after = self.issue_deadline().next_day().unwrap_or(Date::MAX);
        day_after.midnight().assume_offset(crate::KST)
    }

    /// Whether it was (or, not yet issued, would now be) issued after the deadline, given
    /// the Korean calendar date `today`.
    pub fn is_late(&self, today: Date) -> bool {
        let issued_on = self
            .issued_at
            .map(|at| at.to_offset(crate::KST).date())
            .unwrap_or(today);
        issued_on > self.issue_deadline()
    }
}

/// The 10th of the month after `write_date`.
pub fn issue_deadline(write_date: Date) -> Date {
    let (year, month) = match write_date.month() {
        Month::December => (write_date.year() + 1, Month::January),
        month => (write_date.year(), month.next()),
    };
    Date::from_calendar_date(year, month, 10).unwrap_or(write_date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_deadline_is_the_tenth_of_the_next_month() {
        assert_eq!(issue_deadline(date!(2026 - 11 - 30)), date!(2026 - 12 - 10));
        assert_eq!(issue_deadline(date!(2026 - 12 - 01)), date!(2027 - 01 - 10));
    }
}
