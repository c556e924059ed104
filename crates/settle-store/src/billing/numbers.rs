//! Gapless number series. A number is taken inside the transaction that uses it: the
//! series row stays locked until that transaction ends, and a rollback gives the number
//! back, so numbers are never skipped or repeated.

use settle_core::ids::TenantId;
use sqlx::AnyConnection;

use crate::StoreResult;
use crate::codec::int;

/// Takes the next `count` numbers of `series` and returns the first of them.
pub async fn take(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    series: &str,
    count: i64,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO number_series (tenant_id, series, last) VALUES ($1, $2, $3) \
         ON CONFLICT (tenant_id, series) DO UPDATE SET last = number_series.last + $3 \
         RETURNING last",
    )
    .bind(tenant.as_str())
    .bind(series)
    .bind(count)
    .fetch_one(conn)
    .await?;
    Ok(int(&row, "last")? - count + 1)
}
