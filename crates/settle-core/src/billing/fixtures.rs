//! Documents for the billing unit tests.

use rust_decimal::Decimal;
use time::macros::{date, datetime};

use super::{Document, DocumentKind, DocumentStatus, Period, Series, Totals};
use crate::currency::Currency;
use crate::ids::{BillingProfileId, InvoiceId, PartnerId, TenantId};

/// A USD document of `kind` in `status` with this total and settled amount (in dollars).
pub(crate) fn document(
    kind: DocumentKind,
    status: DocumentStatus,
    total: i64,
    settled: i64,
) -> Document {
    let mut totals = Totals::zero(Currency::USD);
    totals.total = Decimal::from(total);
    Document {
        id: InvoiceId::generate(),
        tenant_id: TenantId::generate(),
        partner_id: PartnerId::generate(),
        profile_id: BillingProfileId::generate(),
        kind,
        series: Series::G,
        number: None,
        status,
        marketplace: false,
        period: Period::of(date!(2026 - 11 - 01)),
        currency: Currency::USD,
        run_id: None,
        original_id: None,
        original_number: None,
        details: None,
        totals,
        settled: Decimal::from(settled),
        line_count: 1,
        document_date: None,
        due_date: None,
        tax_invoice_number: None,
        reason: None,
        version: 1,
        created_at: datetime!(2026-11-01 00:00 UTC),
        updated_at: datetime!(2026-11-01 00:00 UTC),
    }
}
