//! The `payments` and `allocations` tables. An allocation settles part of an invoice from a
//! payment, a credit note or a void note, dated as its source.

pub use settle_core::billing::{Allocation, Payment};

use settle_core::billing::PAYMENT_SOURCE;

use settle_core::currency::Currency;
use settle_core::ids::{InvoiceId, PartnerId, PaymentId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::codec::{instant, int};
use crate::columns::{CurrencyCode, Day, Dec, Instant, Text, for_engine};
use crate::filters::Filtered;

crate::table_row! {
    /// A row of `payments`.
    pub(crate) struct PaymentRow in "payments" {
        id: Text,
        tenant_id: Text,
        partner_id: Text,
        currency: CurrencyCode,
        amount: Dec,
        paid_on: Day,
        reference: Text,
        actor: Text,
        created_at: Instant,
    }
}

crate::table_row! {
    /// A row of `allocations` (without its sequence, which only orders).
    pub(crate) struct AllocationRow in "allocations" {
        tenant_id: Text,
        invoice_id: Text,
        source_type: Text,
        source_id: Text,
        amount: Dec,
        on_date: Day,
        created_at: Instant,
    }
}

/// Stores a payment.
pub async fn insert(conn: &mut AnyConnection, p: &Payment) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO payments (id, tenant_id, partner_id, currency, amount, paid_on, reference, \
         actor, created_at) \
         VALUES ($1, $2, $3, $4, $5::numeric, $6::date, $7, $8, $9::timestamptz)",
    );
    sqlx::query(&sql)
        .bind(p.id.as_str())
        .bind(p.tenant_id.as_str())
        .bind(p.partner_id.as_str())
        .bind(p.currency.code())
        .bind(p.amount.to_string())
        .bind(p.paid_on.to_string())
        .bind(&p.reference)
        .bind(&p.actor)
        .bind(instant(p.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores allocations.
pub async fn allocate(conn: &mut AnyConnection, allocations: &[Allocation]) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO allocations (tenant_id, invoice_id, source_type, source_id, amount, \
         on_date, created_at) \
         VALUES ($1, $2, $3, $4, $5::numeric, $6::date, $7::timestamptz)",
    );
    for a in allocations {
        sqlx::query(&sql)
            .bind(a.tenant_id.as_str())
            .bind(a.invoice_id.as_str())
            .bind(&a.source_type)
            .bind(&a.source_id)
            .bind(a.amount.to_string())
            .bind(a.on_date.to_string())
            .bind(instant(a.created_at))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Removes the payment allocations of an invoice (when it is voided) and returns them.
pub async fn release_payments(
    conn: &mut AnyConnection,
    invoice: &InvoiceId,
) -> StoreResult<Vec<Allocation>> {
    let rows = sqlx::query(&format!(
        "DELETE FROM allocations WHERE invoice_id = $1 AND source_type = $2 RETURNING {}",
        AllocationRow::columns()
    ))
    .bind(invoice.as_str())
    .bind(PAYMENT_SOURCE)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_allocation).collect()
}

/// The payment with this id (of any tenant).
pub async fn get(conn: &mut AnyConnection, id: &PaymentId) -> StoreResult<Option<Payment>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM payments WHERE id = $1",
        PaymentRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// A partner's payments in `currency`, by date.
pub async fn of_partner(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: &PartnerId,
    currency: Currency,
) -> StoreResult<Vec<Payment>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM payments WHERE tenant_id = $1 AND partner_id = $2 AND currency = $3 \
         ORDER BY paid_on, id",
        PaymentRow::columns()
    ))
    .bind(tenant.as_str())
    .bind(partner.as_str())
    .bind(currency.code())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// A page of a tenant's payments after `after`, optionally of one partner.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: Option<&PartnerId>,
    among: Option<&[PartnerId]>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Payment>> {
    let mut query = Filtered::new(
        format!(
            "SELECT {} FROM payments WHERE tenant_id = $1",
            PaymentRow::columns()
        ),
        tenant.as_str(),
    );
    if let Some(after) = after {
        query.and(" AND id > ?", after);
    }
    if let Some(partner) = partner {
        query.and(" AND partner_id = ?", partner.as_str());
    }
    if let Some(among) = among {
        query.and_in("partner_id", among);
    }
    query
        .fetch_page(conn, limit)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// Allocations made from these sources (payments or notes).
pub async fn allocations_from(
    conn: &mut AnyConnection,
    sources: &[&str],
) -> StoreResult<Vec<Allocation>> {
    allocations_where(conn, "source_id", sources).await
}

/// Allocations made to these invoices.
pub async fn allocations_to(
    conn: &mut AnyConnection,
    invoices: &[&str],
) -> StoreResult<Vec<Allocation>> {
    allocations_where(conn, "invoice_id", invoices).await
}

async fn allocations_where(
    conn: &mut AnyConnection,
    column: &str,
    ids: &[&str],
) -> StoreResult<Vec<Allocation>> {
    let select = format!(
        "SELECT seq, {} FROM allocations WHERE {column} IN",
        AllocationRow::columns()
    );
    let mut found = crate::filters::fetch_in(conn, &select, ids, |row| {
        Ok((int(row, "seq")?, decode_allocation(row)?))
    })
    .await?;
    found.sort_by_key(|(seq, _)| *seq);
    Ok(found.into_iter().map(|(_, a)| a).collect())
}

fn decode(row: &AnyRow) -> StoreResult<Payment> {
    let row = PaymentRow::read(row)?;
    Ok(Payment {
        id: PaymentId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        partner_id: PartnerId::from_trusted(row.partner_id),
        currency: row.currency,
        amount: row.amount,
        paid_on: row.paid_on,
        reference: row.reference,
        actor: row.actor,
        created_at: row.created_at,
    })
}

fn decode_allocation(row: &AnyRow) -> StoreResult<Allocation> {
    let row = AllocationRow::read(row)?;
    Ok(Allocation {
        tenant_id: TenantId::from_trusted(row.tenant_id),
        invoice_id: InvoiceId::from_trusted(row.invoice_id),
        source_type: row.source_type,
        source_id: row.source_id,
        amount: row.amount,
        on_date: row.on_date,
        created_at: row.created_at,
    })
}
