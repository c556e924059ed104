//! The `tenants` table.

use settle_core::brn::Brn;
use settle_core::ids::TenantId;
use settle_core::tenant::{Tenant, TenantProfile};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::instant;
use crate::columns::{Instant, Json, Null, Text, for_engine};
use crate::{StoreError, StoreResult};

crate::table_row! {
    /// A row of `tenants`.
    pub(crate) struct TenantRow in "tenants" {
        id: Text,
        name: Text,
        brn: Text,
        party: Json<TenantProfile>,
        nts_linked_at: Null<Instant>,
        created_at: Instant,
    }
}

/// Stores a new tenant.
pub async fn insert(conn: &mut AnyConnection, tenant: &Tenant) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO {} VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz, $6::timestamptz)",
        TenantRow::TABLE.target()
    );
    sqlx::query(&for_engine(conn, &sql))
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
    let sql = for_engine(
        conn,
        "UPDATE tenants SET name = $1, brn = $2, party = $3::jsonb, \
         nts_linked_at = $4::timestamptz WHERE id = $5",
    );
    sqlx::query(&sql)
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
    let row = sqlx::query(&format!(
        "SELECT {} FROM tenants WHERE id = $1",
        TenantRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// The first tenant with this name, oldest first (the demo finds its own tenant this way).
pub async fn find_by_name(conn: &mut AnyConnection, name: &str) -> StoreResult<Option<Tenant>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM tenants WHERE name = $1 ORDER BY id LIMIT 1",
        TenantRow::columns()
    ))
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// Every tenant (schedulers visit each; tenants are few).
pub async fn all(conn: &mut AnyConnection) -> StoreResult<Vec<Tenant>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM tenants ORDER BY id",
        TenantRow::columns()
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

fn decode(row: &AnyRow) -> StoreResult<Tenant> {
    let row = TenantRow::read(row)?;
    Ok(Tenant {
        id: TenantId::from_trusted(row.id),
        name: row.name,
        brn: Brn::parse(&row.brn).map_err(|e| StoreError::Corrupt(format!("tenant brn: {e}")))?,
        profile: row.party,
        nts_linked_at: row.nts_linked_at,
        created_at: row.created_at,
    })
}
