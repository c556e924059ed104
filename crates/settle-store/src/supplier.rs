//! The supplier's way in: link tokens (one per request email and document), sessions
//! opened with a link and the supplier's BRN, and the failed attempts that throttle
//! guessing. Tokens are stored as SHA-256 hashes only.

use settle_core::ids::{PartnerId, TaxInvoiceId, TenantId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::codec::{instant, int};
use crate::columns::{Instant, Text, for_engine};
use crate::{StoreResult, bulk};

crate::table_row! {
    /// A row of `supplier_links`.
    pub(crate) struct LinkRow in "supplier_links" {
        token_hash: Text,
        tenant_id: Text,
        tax_invoice_id: Text,
        partner_id: Text,
        created_at: Instant,
        expires_at: Instant,
    }
}

crate::table_row! {
    /// What a session lookup reads of a `supplier_sessions` row.
    pub(crate) struct SessionRow in "supplier_sessions" {
        tenant_id: Text,
        partner_id: Text,
        expires_at: Instant,
    }
}

/// A link token as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierLink {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The tenant that asked.
    pub tenant_id: TenantId,
    /// The document the email was about.
    pub tax_invoice_id: TaxInvoiceId,
    /// The supplier.
    pub partner_id: PartnerId,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it stops opening sessions.
    pub expires_at: OffsetDateTime,
}

/// Stores link tokens.
pub async fn insert_links(conn: &mut AnyConnection, links: &[SupplierLink]) -> StoreResult<()> {
    let sqlite = bulk::sqlite(conn);
    let (into, kinds) = (LinkRow::TABLE.target(), LinkRow::TABLE.kinds());
    for chunk in links.chunks(bulk::chunk_rows(kinds.len())) {
        let sql = bulk::insert_sql(&into, &kinds, chunk.len(), sqlite, "");
        let mut query = sqlx::query(&sql);
        for link in chunk {
            query = query
                .bind(link.token_hash.as_str())
                .bind(link.tenant_id.as_str())
                .bind(link.tax_invoice_id.as_str())
                .bind(link.partner_id.as_str())
                .bind(instant(link.created_at))
                .bind(instant(link.expires_at));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The link with this token hash.
pub async fn find_link(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> StoreResult<Option<SupplierLink>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM supplier_links WHERE token_hash = $1",
        LinkRow::columns()
    ))
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        let row = LinkRow::read(&row)?;
        Ok(SupplierLink {
            token_hash: row.token_hash,
            tenant_id: TenantId::from_trusted(row.tenant_id),
            tax_invoice_id: TaxInvoiceId::from_trusted(row.tax_invoice_id),
            partner_id: PartnerId::from_trusted(row.partner_id),
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    })
    .transpose()
}

/// Records a failed attempt to open a session with the link `link_hash`.
pub async fn record_failure(
    conn: &mut AnyConnection,
    link_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO supplier_login_failures (link_hash, at) VALUES ($1, $2::timestamptz)",
    );
    sqlx::query(&sql)
        .bind(link_hash)
        .bind(instant(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Failed attempts with the link `link_hash` since `since`.
pub async fn failures_since(
    conn: &mut AnyConnection,
    link_hash: &str,
    since: OffsetDateTime,
) -> StoreResult<i64> {
    let sql = for_engine(
        conn,
        "SELECT COUNT(*) AS n FROM supplier_login_failures \
         WHERE link_hash = $1 AND at >= $2::timestamptz",
    );
    let row = sqlx::query(&sql)
        .bind(link_hash)
        .bind(instant(since))
        .fetch_one(conn)
        .await?;
    int(&row, "n")
}

/// A supplier session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierSession {
    /// The tenant whose documents it covers.
    pub tenant_id: TenantId,
    /// The supplier.
    pub partner_id: PartnerId,
    /// When it ends.
    pub expires_at: OffsetDateTime,
}

/// Stores a session under its token hash.
pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    session: &SupplierSession,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO supplier_sessions (token_hash, tenant_id, partner_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz)",
    );
    sqlx::query(&sql)
        .bind(token_hash)
        .bind(session.tenant_id.as_str())
        .bind(session.partner_id.as_str())
        .bind(instant(now))
        .bind(instant(session.expires_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The session with this token hash, if it has not expired at `now`.
pub async fn find_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<SupplierSession>> {
    let sql = format!(
        "SELECT {} FROM supplier_sessions WHERE token_hash = $1 AND expires_at > $2::timestamptz",
        SessionRow::columns()
    );
    let sql = for_engine(conn, &sql);
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .bind(instant(now))
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        let row = SessionRow::read(&row)?;
        Ok(SupplierSession {
            tenant_id: TenantId::from_trusted(row.tenant_id),
            partner_id: PartnerId::from_trusted(row.partner_id),
            expires_at: row.expires_at,
        })
    })
    .transpose()
}
