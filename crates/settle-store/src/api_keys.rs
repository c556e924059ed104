//! The `api_keys` table. Only a hash of each key's secret is stored.

pub use settle_core::access::ApiKeyRecord;

use settle_core::access::Roles;
use settle_core::ids::{ApiKeyId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::codec::{at, instant, opt_at, opt_text, text};
use crate::{StoreError, StoreResult};

/// Stores a new key.
pub async fn insert(conn: &mut AnyConnection, key: &ApiKeyRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, tenant_id, secret_hash, roles, name, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL)",
    )
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

const COLUMNS: &str = "id, tenant_id, secret_hash, roles, name, created_at, revoked_at";

/// The key with this id, revoked or not.
pub async fn get(conn: &mut AnyConnection, id: &ApiKeyId) -> StoreResult<Option<ApiKeyRecord>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Every key of a tenant, oldest first.
pub async fn list(conn: &mut AnyConnection, tenant: &TenantId) -> StoreResult<Vec<ApiKeyRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY id"
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
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND tenant_id = $3 AND revoked_at IS NULL",
    )
    .bind(instant(at))
    .bind(id.as_str())
    .bind(tenant.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn decode(row: &AnyRow) -> StoreResult<ApiKeyRecord> {
    let roles = text(row, "roles")?;
    Ok(ApiKeyRecord {
        id: ApiKeyId::from_trusted(text(row, "id")?),
        tenant_id: TenantId::from_trusted(text(row, "tenant_id")?),
        secret_hash: text(row, "secret_hash")?,
        roles: Roles::from_csv(&roles).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: opt_text(row, "name")?,
        created_at: at(row, "created_at")?,
        revoked_at: opt_at(row, "revoked_at")?,
    })
}
