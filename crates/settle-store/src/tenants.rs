//! The `tenants` table.

use settle_core::brn::Brn;
use settle_core::ids::TenantId;
use settle_core::tenant::{Tenant, TenantProfile};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{at, instant, opt_at, text};
use crate::{StoreError, StoreResult};

const COLUMNS: &str = "id, name, brn, party, nts_linked_at, created_at";

/// Stores a new tenant.
pub async fn insert(conn: &mut AnyConnection, tenant: &Tenant) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO tenants ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(tenant.id.as_str())
    .bind(&tenant.name)
    .bind(tenant.brn.to_string())
    .bind(profile_json(&tenant.profile)?)
    .bind(tenant.nts_linked_at.map(instant))
    .bind(instant(tenant.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a tenant's name, BRN, profile and link.
pub async fn update(conn: &mut AnyConnection, tenant: &Tenant) -> StoreResult<()> {
    sqlx::query(
        "UPDATE tenants SET name = $1, brn = $2, party = $3, nts_linked_at = $4 WHERE id = $5",
    )
    .bind(&tenant.name)
    .bind(tenant.brn.to_string())
    .bind(profile_json(&tenant.profile)?)
    .bind(tenant.nts_linked_at.map(instant))
    .bind(tenant.id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

fn profile_json(profile: &TenantProfile) -> StoreResult<String> {
    serde_json::to_string(profile).map_err(|e| StoreError::Corrupt(format!("tenant profile: {e}")))
}

/// The tenant with this id, if any.
pub async fn get(conn: &mut AnyConnection, id: &TenantId) -> StoreResult<Option<Tenant>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The first tenant with this name, oldest first (the demo finds its own tenant this way).
pub async fn find_by_name(conn: &mut AnyConnection, name: &str) -> StoreResult<Option<Tenant>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tenants WHERE name = $1 ORDER BY id LIMIT 1"
    ))
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

fn decode(row: &AnyRow) -> StoreResult<Tenant> {
    let brn = text(row, "brn")?;
    let profile = serde_json::from_str(&text(row, "party")?)
        .map_err(|e| StoreError::Corrupt(format!("tenant profile: {e}")))?;
    Ok(Tenant {
        id: TenantId::from_trusted(text(row, "id")?),
        name: text(row, "name")?,
        brn: Brn::parse(&brn).map_err(|e| StoreError::Corrupt(format!("tenant brn: {e}")))?,
        profile,
        nts_linked_at: opt_at(row, "nts_linked_at")?,
        created_at: at(row, "created_at")?,
    })
}
