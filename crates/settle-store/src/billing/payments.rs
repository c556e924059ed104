//! The `payments` and `allocations` tables. An allocation settles part of an invoice from a
//! payment, a credit note or a void note, dated as its source.

pub use settle_core::billing::{Allocation, Payment};

use settle_core::currency::Currency;
use settle_core::ids::{InvoiceId, PartnerId, PaymentId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{at, date, decimal, instant, int, text};
use crate::filters::Filtered;
use crate::{StoreError, StoreResult};

/// Stores a payment.
pub async fn insert(conn: &mut AnyConnection, p: &Payment) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO payments (id, tenant_id, partner_id, currency, amount, paid_on, reference, \
         actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
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
    for a in allocations {
        sqlx::query(
            "INSERT INTO allocations (tenant_id, invoice_id, source_type, source_id, amount, \
             on_date, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
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
    let rows = sqlx::query(
        "DELETE FROM allocations WHERE invoice_id = $1 AND source_type = 'payment' \
         RETURNING tenant_id, invoice_id, source_type, source_id, amount, on_date, created_at",
    )
    .bind(invoice.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_allocation).collect()
}

/// The payment with this id (of any tenant).
pub async fn get(conn: &mut AnyConnection, id: &PaymentId) -> StoreResult<Option<Payment>> {
    let row = sqlx::query("SELECT * FROM payments WHERE id = $1")
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
    let rows = sqlx::query(
        "SELECT * FROM payments WHERE tenant_id = $1 AND partner_id = $2 AND currency = $3 \
         ORDER BY paid_on, id",
    )
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
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Payment>> {
    let mut query = Filtered::new(
        "SELECT * FROM payments WHERE tenant_id = $1".to_owned(),
        tenant.as_str(),
    );
    if let Some(after) = after {
        query.and(" AND id > ?", after);
    }
    if let Some(partner) = partner {
        query.and(" AND partner_id = ?", partner.as_str());
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
        "SELECT seq, tenant_id, invoice_id, source_type, source_id, amount, on_date, created_at \
         FROM allocations WHERE {column} IN"
    );
    let mut found = crate::filters::fetch_in(conn, &select, ids, |row| {
        Ok((int(row, "seq")?, decode_allocation(row)?))
    })
    .await?;
    found.sort_by_key(|(seq, _)| *seq);
    Ok(found.into_iter().map(|(_, a)| a).collect())
}

fn decode(row: &AnyRow) -> StoreResult<Payment> {
    let currency = text(row, "currency")?;
    Ok(Payment {
        id: PaymentId::from_trusted(text(row, "id")?),
        tenant_id: TenantId::from_trusted(text(row, "tenant_id")?),
        partner_id: PartnerId::from_trusted(text(row, "partner_id")?),
        currency: Currency::parse(&currency)
            .map_err(|e| StoreError::Corrupt(format!("payment currency: {e}")))?,
        amount: decimal(row, "amount")?,
        paid_on: date(row, "paid_on")?,
        reference: text(row, "reference")?,
        actor: text(row, "actor")?,
        created_at: at(row, "created_at")?,
    })
}

fn decode_allocation(row: &AnyRow) -> StoreResult<Allocation> {
    Ok(Allocation {
        tenant_id: TenantId::from_trusted(text(row, "tenant_id")?),
        invoice_id: InvoiceId::from_trusted(text(row, "invoice_id")?),
        source_type: text(row, "source_type")?,
        source_id: text(row, "source_id")?,
        amount: decimal(row, "amount")?,
        on_date: date(row, "on_date")?,
        created_at: at(row, "created_at")?,
    })
}
