//! The `api_keys` table. Only a hash of each key's secret is stored.

pub use settle_core::access::ApiKeyRecord;

use settle_core::access::Roles;
use settle_core::ids::{ApiKeyId, TenantId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::codec::instant;
use crate::columns::{Instant, Null, Text, for_engine};
use crate::{StoreError, StoreResult};

crate::table_row! {
    /// A row of `api_keys`.
    pub(crate) struct KeyRow in "api_keys" {
        id: Text,
        tenant_id: Text,
        secret_hash: Text,
        roles: Text,
        name: Null<Text>,
        created_at: Instant,
        revoked_at: Null<Instant>,
    }
}

/// Stores a new key.
pub async fn insert(conn: &mut AnyConnection, key: &ApiKeyRecord) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO api_keys (id, tenant_id, secret_hash, roles, name, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6::timestamptz, NULL)",
    );
    sqlx::query(&sql)
        .bind(key.id.as_str())
        .bind(key.tenant_id.as_str())
        .bind(&key.secret_hash)
        .bind(key.roles.to_csv())
        .bind(key.name.as_deref())
        .bind(instant(key.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The key with this id, revoked or not.
pub async fn get(conn: &mut AnyConnection, id: &ApiKeyId) -> StoreResult<Option<ApiKeyRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM api_keys WHERE id = $1",
        KeyRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// Every key of a tenant, oldest first.
pub async fn list(conn: &mut AnyConnection, tenant: &TenantId) -> StoreResult<Vec<ApiKeyRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM api_keys WHERE tenant_id = $1 ORDER BY id",
        KeyRow::columns()
    ))
    .bind(tenant.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Revokes a key of a tenant; false when there is no such live key.
pub async fn revoke(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    id: &ApiKeyId,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE api_keys SET revoked_at = $1::timestamptz \
         WHERE id = $2 AND tenant_id = $3 AND revoked_at IS NULL",
    );
    let done = sqlx::query(&sql)
        .bind(instant(at))
        .bind(id.as_str())
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn decode(row: &sqlx::any::AnyRow) -> StoreResult<ApiKeyRecord> {
    let row = KeyRow::read(row)?;
    Ok(ApiKeyRecord {
        id: ApiKeyId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        secret_hash: row.secret_hash,
        roles: Roles::from_csv(&row.roles).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: row.name,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
    })
}
