//! The `billing_profiles` table: one per partner and billing currency.

use settle_core::billing::BillingProfile;
use settle_core::currency::Currency;
use settle_core::ids::{BillingProfileId, PartnerId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{at, instant, int, json, text, to_json};
use crate::filters::Filtered;
use crate::{StoreError, StoreResult, bulk};

const COLUMNS: &str =
    "id, tenant_id, partner_id, currency, details, version, created_at, updated_at";
const COLUMN_COUNT: usize = 8;

/// Stores new profiles, skipping any whose partner has one in that currency already;
/// returns how many were stored.
pub async fn insert_many(
    conn: &mut AnyConnection,
    profiles: &[BillingProfile],
) -> StoreResult<u64> {
    let anonymous = bulk::anonymous(conn);
    let details: Vec<String> = profiles
        .iter()
        .map(|p| to_json(&p.details, "billing details"))
        .collect::<StoreResult<_>>()?;
    let rows = bulk::chunk_rows(COLUMN_COUNT);
    let mut stored = 0;
    for (chunk, details) in profiles.chunks(rows).zip(details.chunks(rows)) {
        let sql = bulk::insert_sql(
            &format!("billing_profiles ({COLUMNS})"),
            COLUMN_COUNT,
            chunk.len(),
            anonymous,
            "ON CONFLICT DO NOTHING",
        );
        let mut query = sqlx::query(&sql);
        for (p, details) in chunk.iter().zip(details) {
            query = query
                .bind(p.id.as_str())
                .bind(p.tenant_id.as_str())
                .bind(p.partner_id.as_str())
                .bind(p.currency.code())
                .bind(details.as_str())
                .bind(p.version)
                .bind(instant(p.created_at))
                .bind(instant(p.updated_at));
        }
        stored += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(stored)
}

/// Replaces a profile's details at `profile.version - 1`; false when it changed meanwhile.
pub async fn update(conn: &mut AnyConnection, profile: &BillingProfile) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE billing_profiles SET details = $1, version = $2, updated_at = $3 \
         WHERE id = $4 AND version = $5",
    )
    .bind(to_json(&profile.details, "billing details")?)
    .bind(profile.version)
    .bind(instant(profile.updated_at))
    .bind(profile.id.as_str())
    .bind(profile.version - 1)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The profile with this id (of any tenant).
pub async fn get(
    conn: &mut AnyConnection,
    id: &BillingProfileId,
) -> StoreResult<Option<BillingProfile>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM billing_profiles WHERE id = $1"
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// Every profile of a partner.
pub async fn of_partner(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: &PartnerId,
) -> StoreResult<Vec<BillingProfile>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM billing_profiles WHERE tenant_id = $1 AND partner_id = $2 ORDER BY id"
    ))
    .bind(tenant.as_str())
    .bind(partner.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Every profile of a tenant (for a billing run).
pub async fn of_tenant(
    conn: &mut AnyConnection,
    tenant: &TenantId,
) -> StoreResult<Vec<BillingProfile>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM billing_profiles WHERE tenant_id = $1"
    ))
    .bind(tenant.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// A page of a tenant's profiles after `cursor`, optionally of one partner.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: Option<&PartnerId>,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<BillingProfile>> {
    let mut query = Filtered::new(
        format!("SELECT {COLUMNS} FROM billing_profiles WHERE tenant_id = $1"),
        tenant.as_str(),
    );
    if let Some(partner) = partner {
        query.and(" AND partner_id = ?", partner.as_str());
    }
    if let Some(cursor) = cursor {
        query.and(" AND id > ?", cursor);
    }
    query
        .fetch_page(conn, limit)
        .await?
        .iter()
        .map(decode)
        .collect()
}

fn decode(row: &AnyRow) -> StoreResult<BillingProfile> {
    let currency = text(row, "currency")?;
    Ok(BillingProfile {
        id: BillingProfileId::from_trusted(text(row, "id")?),
        tenant_id: TenantId::from_trusted(text(row, "tenant_id")?),
        partner_id: PartnerId::from_trusted(text(row, "partner_id")?),
        currency: Currency::parse(&currency)
            .map_err(|e| StoreError::Corrupt(format!("profile currency: {e}")))?,
        details: json(row, "details")?,
        version: int(row, "version")?,
        created_at: at(row, "created_at")?,
        updated_at: at(row, "updated_at")?,
    })
}
