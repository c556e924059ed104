//! The `tenants` table.

use settle_core::brn::Brn;
use settle_core::ids::TenantId;
use settle_core::tenant::Tenant;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{at, instant, text};
use crate::{StoreError, StoreResult};

/// Stores a new tenant.
pub async fn insert(conn: &mut AnyConnection, tenant: &Tenant) -> StoreResult<()> {
    sqlx::query("INSERT INTO tenants (id, name, brn, created_at) VALUES ($1, $2, $3, $4)")
        .bind(tenant.id.as_str())
        .bind(&tenant.name)
        .bind(tenant.brn.to_string())
        .bind(instant(tenant.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The tenant with this id, if any.
pub async fn get(conn: &mut AnyConnection, id: &TenantId) -> StoreResult<Option<Tenant>> {
    let row = sqlx::query("SELECT id, name, brn, created_at FROM tenants WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The first tenant with this name, oldest first (the demo finds its own tenant this way).
pub async fn find_by_name(conn: &mut AnyConnection, name: &str) -> StoreResult<Option<Tenant>> {
    let row = sqlx::query(
        "SELECT id, name, brn, created_at FROM tenants WHERE name = $1 ORDER BY id LIMIT 1",
    )
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

fn decode(row: &AnyRow) -> StoreResult<Tenant> {
    let brn = text(row, "brn")?;
    Ok(Tenant {
        id: TenantId::from_trusted(text(row, "id")?),
        name: text(row, "name")?,
        brn: Brn::parse(&brn).map_err(|e| StoreError::Corrupt(format!("tenant brn: {e}")))?,
        created_at: at(row, "created_at")?,
    })
}
