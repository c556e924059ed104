//! The `billing_profiles` table: one per partner and billing currency.

use settle_core::billing::{BillingDetails, BillingProfile};
use settle_core::ids::{BillingProfileId, PartnerId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{instant, to_json};
use crate::columns::{CurrencyCode, Instant, Int, Json, Text, for_engine};
use crate::filters::Filtered;
use crate::{StoreResult, bulk};

crate::table_row! {
    /// A row of `billing_profiles`.
    pub(crate) struct ProfileRow in "billing_profiles" {
        id: Text,
        tenant_id: Text,
        partner_id: Text,
        currency: CurrencyCode,
        details: Json<BillingDetails>,
        version: Int,
        created_at: Instant,
        updated_at: Instant,
    }
}

/// Stores new profiles, skipping any whose partner has one in that currency already;
/// returns how many were stored.
pub async fn insert_many(
    conn: &mut AnyConnection,
    profiles: &[BillingProfile],
) -> StoreResult<u64> {
    let sqlite = bulk::sqlite(conn);
    let details: Vec<String> = profiles
        .iter()
        .map(|p| to_json(&p.details, "billing details"))
        .collect::<StoreResult<_>>()?;
    let (into, kinds) = (ProfileRow::TABLE.target(), ProfileRow::TABLE.kinds());
    let rows = bulk::chunk_rows(kinds.len());
    let mut stored = 0;
    for (chunk, details) in profiles.chunks(rows).zip(details.chunks(rows)) {
        let sql = bulk::insert_sql(&into, &kinds, chunk.len(), sqlite, "ON CONFLICT DO NOTHING");
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
    let sql = for_engine(
        conn,
        "UPDATE billing_profiles SET details = $1::jsonb, version = $2, \
         updated_at = $3::timestamptz WHERE id = $4 AND version = $5",
    );
    let done = sqlx::query(&sql)
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
        "SELECT {} FROM billing_profiles WHERE id = $1",
        ProfileRow::columns()
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
        "SELECT {} FROM billing_profiles WHERE tenant_id = $1 AND partner_id = $2 ORDER BY id",
        ProfileRow::columns()
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
        "SELECT {} FROM billing_profiles WHERE tenant_id = $1",
        ProfileRow::columns()
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
    among: Option<&[PartnerId]>,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<BillingProfile>> {
    let mut query = Filtered::new(
        format!(
            "SELECT {} FROM billing_profiles WHERE tenant_id = $1",
            ProfileRow::columns()
        ),
        tenant.as_str(),
    );
    if let Some(partner) = partner {
        query.and(" AND partner_id = ?", partner.as_str());
    }
    if let Some(among) = among {
        query.and_in("partner_id", among);
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
    let row = ProfileRow::read(row)?;
    Ok(BillingProfile {
        id: BillingProfileId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        partner_id: PartnerId::from_trusted(row.partner_id),
        currency: row.currency,
        details: row.details,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
