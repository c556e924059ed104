//! The `idempotency_keys` table: a POST with an `Idempotency-Key` is reserved before it
//! runs and its response stored after, so a retry gets the same answer instead of a
//! second effect.

pub use settle_core::idempotency::{Reservation, StoredResponse};

use settle_core::ids::TenantId;
use sqlx::AnyConnection;
use time::{Duration, OffsetDateTime};

use crate::StoreResult;
use crate::codec::{instant, int, opt_text, text};
use crate::columns::for_engine;

/// Reserves `key` for a request whose fingerprint is `request_hash`. A reservation left by
/// a crashed request lapses after `lease`, so the key is not stuck forever.
pub async fn reserve(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    key: &str,
    request_hash: &str,
    now: OffsetDateTime,
    lease: Duration,
) -> StoreResult<Reservation> {
    let sql = for_engine(
        conn,
        "INSERT INTO idempotency_keys (tenant_id, key, request_hash, created_at, locked_until) \
         VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz) ON CONFLICT DO NOTHING",
    );
    let inserted = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(key)
        .bind(request_hash)
        .bind(instant(now))
        .bind(instant(now + lease))
        .execute(&mut *conn)
        .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Reservation::Reserved);
    }
    let row = sqlx::query(
        "SELECT request_hash, status, content_type, body FROM idempotency_keys \
         WHERE tenant_id = $1 AND key = $2",
    )
    .bind(tenant.as_str())
    .bind(key)
    .fetch_one(&mut *conn)
    .await?;
    if text(&row, "request_hash")? != request_hash {
        return Ok(Reservation::Mismatch);
    }
    if let Some(body) = opt_text(&row, "body")? {
        return Ok(Reservation::Replay(StoredResponse {
            status: u16::try_from(int(&row, "status")?).unwrap_or(500),
            content_type: opt_text(&row, "content_type")?.unwrap_or_default(),
            body,
        }));
    }
    // Running, or abandoned by a crash: take it over only once the lease has lapsed.
    let sql = for_engine(
        conn,
        "UPDATE idempotency_keys SET locked_until = $1::timestamptz \
         WHERE tenant_id = $2 AND key = $3 AND body IS NULL AND locked_until < $4::timestamptz",
    );
    let taken = sqlx::query(&sql)
        .bind(instant(now + lease))
        .bind(tenant.as_str())
        .bind(key)
        .bind(instant(now))
        .execute(&mut *conn)
        .await?;
    Ok(if taken.rows_affected() == 1 {
        Reservation::Reserved
    } else {
        Reservation::InProgress
    })
}

/// Stores the response of a reserved request.
pub async fn complete(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    key: &str,
    response: &StoredResponse,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3, locked_until = NULL \
         WHERE tenant_id = $4 AND key = $5",
    )
    .bind(i64::from(response.status))
    .bind(&response.content_type)
    .bind(&response.body)
    .bind(tenant.as_str())
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Frees a reservation whose request failed without an effect, so it may be retried.
pub async fn release(conn: &mut AnyConnection, tenant: &TenantId, key: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND body IS NULL")
        .bind(tenant.as_str())
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
