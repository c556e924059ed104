//! The `rebill_requests` table: a request to void and rebill an invoice, decided by a
//! billing admin other than the requester. At most one is pending per invoice.

pub use settle_core::billing::RebillRequest;

use settle_core::billing::RebillStatus;
use settle_core::ids::{InvoiceId, RebillRequestId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::instant;
use crate::columns::{Instant, Json, Null, Text, for_engine};
use crate::{StoreError, StoreResult};

crate::table_row! {
    /// A row of `rebill_requests`.
    pub(crate) struct RebillRow in "rebill_requests" {
        id: Text,
        tenant_id: Text,
        invoice_id: Text,
        changes: Json<serde_json::Value>,
        reason: Text,
        status: Text,
        requested_by: Text,
        decided_by: Null<Text>,
        void_note_id: Null<Text>,
        new_invoice_id: Null<Text>,
        created_at: Instant,
        decided_at: Null<Instant>,
    }
}

/// Stores a pending request; false when the invoice has one pending already.
pub async fn insert(conn: &mut AnyConnection, r: &RebillRequest) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "INSERT INTO rebill_requests (id, tenant_id, invoice_id, changes, reason, status, \
         requested_by, created_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::timestamptz) \
         ON CONFLICT DO NOTHING",
    );
    let done = sqlx::query(&sql)
        .bind(r.id.as_str())
        .bind(r.tenant_id.as_str())
        .bind(r.invoice_id.as_str())
        .bind(r.changes.to_string())
        .bind(&r.reason)
        .bind(r.status.as_str())
        .bind(&r.requested_by)
        .bind(instant(r.created_at))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the decision on a request still in `from`; false when it is no longer there.
pub async fn decide(
    conn: &mut AnyConnection,
    r: &RebillRequest,
    from: RebillStatus,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE rebill_requests SET status = $1, decided_by = $2, void_note_id = $3, \
         new_invoice_id = $4, decided_at = $5::timestamptz WHERE id = $6 AND status = $7",
    );
    let done = sqlx::query(&sql)
        .bind(r.status.as_str())
        .bind(r.decided_by.as_deref())
        .bind(r.void_note_id.as_ref().map(InvoiceId::as_str))
        .bind(r.new_invoice_id.as_ref().map(InvoiceId::as_str))
        .bind(r.decided_at.map(instant))
        .bind(r.id.as_str())
        .bind(from.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The request with this id (of any tenant).
pub async fn get(
    conn: &mut AnyConnection,
    id: &RebillRequestId,
) -> StoreResult<Option<RebillRequest>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM rebill_requests WHERE id = $1",
        RebillRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// A tenant's requests in `status`, oldest first, at most `limit`.
pub async fn with_status(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    status: RebillStatus,
    limit: u32,
) -> StoreResult<Vec<RebillRequest>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM rebill_requests WHERE tenant_id = $1 AND status = $2 \
         ORDER BY id LIMIT {limit}",
        RebillRow::columns()
    ))
    .bind(tenant.as_str())
    .bind(status.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// The requests made on an invoice, oldest first.
pub async fn of_invoice(
    conn: &mut AnyConnection,
    invoice: &InvoiceId,
) -> StoreResult<Vec<RebillRequest>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM rebill_requests WHERE invoice_id = $1 ORDER BY id",
        RebillRow::columns()
    ))
    .bind(invoice.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

fn decode(row: &AnyRow) -> StoreResult<RebillRequest> {
    let row = RebillRow::read(row)?;
    Ok(RebillRequest {
        id: RebillRequestId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        invoice_id: InvoiceId::from_trusted(row.invoice_id),
        changes: row.changes,
        reason: row.reason,
        status: RebillStatus::parse(&row.status)
            .ok_or_else(|| StoreError::Corrupt(format!("rebill status {:?}", row.status)))?,
        requested_by: row.requested_by,
        decided_by: row.decided_by,
        void_note_id: row.void_note_id.map(InvoiceId::from_trusted),
        new_invoice_id: row.new_invoice_id.map(InvoiceId::from_trusted),
        created_at: row.created_at,
        decided_at: row.decided_at,
    })
}
