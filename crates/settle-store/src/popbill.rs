//! The `popbill_keys` and `popbill_tokens` tables.

use settle_core::ids::TenantId;
use sqlx::AnyConnection;

use crate::StoreResult;
use crate::codec::instant;
use crate::columns::{Instant, Null, Text, for_engine};

crate::table_row! {
    /// A row of `popbill_keys`: a tenant's link id and its sealed secret.
    pub struct PopbillKeyRow in "popbill_keys" {
        link_id: Text,
        tenant_id: Text,
        secret_sealed: Text,
        created_at: Instant,
    }
}

crate::table_row! {
    /// A row of `popbill_tokens`: a session token (by its hash) for one business number.
    pub struct PopbillTokenRow in "popbill_tokens" {
        token_hash: Text,
        link_id: Text,
        tenant_id: Text,
        corp_num: Text,
        service_id: Text,
        ip_address: Null<Text>,
        expires_at: Instant,
        created_at: Instant,
    }
}

/// Stores link credentials.
pub async fn insert_key(conn: &mut AnyConnection, row: &PopbillKeyRow) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO popbill_keys (link_id, tenant_id, secret_sealed, created_at) \
         VALUES ($1, $2, $3, $4::timestamptz)",
    )
    .into_owned();
    sqlx::query(&sql)
        .bind(row.link_id.as_str())
        .bind(row.tenant_id.as_str())
        .bind(row.secret_sealed.as_str())
        .bind(instant(row.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The credentials of a link id.
pub async fn key(conn: &mut AnyConnection, link_id: &str) -> StoreResult<Option<PopbillKeyRow>> {
    let sql = format!(
        "SELECT {} FROM popbill_keys WHERE link_id = $1",
        PopbillKeyRow::columns()
    );
    let row = sqlx::query(&sql).bind(link_id).fetch_optional(conn).await?;
    row.as_ref().map(PopbillKeyRow::read).transpose()
}

/// The link ids of a tenant.
pub async fn keys_of(conn: &mut AnyConnection, tenant: &TenantId) -> StoreResult<Vec<String>> {
    let rows =
        sqlx::query("SELECT link_id FROM popbill_keys WHERE tenant_id = $1 ORDER BY link_id")
            .bind(tenant.as_str())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| <Text as crate::columns::Field>::read(r, "link_id"))
        .collect()
}

/// Stores an issued token.
pub async fn insert_token(conn: &mut AnyConnection, row: &PopbillTokenRow) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO popbill_tokens (token_hash, link_id, tenant_id, corp_num, service_id, \
         ip_address, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz)",
    )
    .into_owned();
    sqlx::query(&sql)
        .bind(row.token_hash.as_str())
        .bind(row.link_id.as_str())
        .bind(row.tenant_id.as_str())
        .bind(row.corp_num.as_str())
        .bind(row.service_id.as_str())
        .bind(row.ip_address.as_deref())
        .bind(instant(row.expires_at))
        .bind(instant(row.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The token with this hash.
pub async fn token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> StoreResult<Option<PopbillTokenRow>> {
    let sql = format!(
        "SELECT {} FROM popbill_tokens WHERE token_hash = $1",
        PopbillTokenRow::columns()
    );
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(PopbillTokenRow::read).transpose()
}
