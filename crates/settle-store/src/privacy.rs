//! What the privacy use cases read and redact across tables: a partner's contact person in
//! the partner row, in its tax invoices' documents, in queued and sent emails and in
//! stored idempotent responses.

use settle_core::ids::{PartnerId, TenantId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::StoreResult;
use crate::codec::{instant, text};
use crate::columns::for_engine;

/// A tax invoice's stored document (JSON text) and state.
#[derive(Clone, Debug)]
pub struct StoredDocument {
    /// The invoice's id.
    pub id: String,
    /// Its document key.
    pub document_key: String,
    /// Its state.
    pub state: String,
    /// The document, as JSON text.
    pub document: String,
}

/// The partner's tax invoices with their documents.
pub async fn tax_invoice_documents(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: &PartnerId,
) -> StoreResult<Vec<StoredDocument>> {
    let sql = for_engine(
        conn,
        "SELECT id, document_key, state, CAST(document AS TEXT) AS document FROM tax_invoices \
         WHERE tenant_id = $1 AND partner_id = $2 ORDER BY id",
    );
    let rows = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(partner.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredDocument {
                id: text(row, "id")?,
                document_key: text(row, "document_key")?,
                state: text(row, "state")?,
                document: text(row, "document")?,
            })
        })
        .collect()
}

/// Replaces a tax invoice's document (a redacted copy of it).
pub async fn set_tax_invoice_document(
    conn: &mut AnyConnection,
    id: &str,
    document: &str,
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "UPDATE tax_invoices SET document = $1::jsonb WHERE id = $2",
    );
    sqlx::query(&sql)
        .bind(document)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Blanks the partner's contact person (name, email, phone).
pub async fn redact_partner_contact(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: &PartnerId,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE partners SET contact_name = '', contact_email = '', contact_phone = NULL, \
         version = version + 1, updated_at = $1::timestamptz WHERE tenant_id = $2 AND id = $3",
    );
    let done = sqlx::query(&sql)
        .bind(instant(at))
        .bind(tenant.as_str())
        .bind(partner.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenant's email jobs that mention `needle`: id, state, creation time and payload.
pub async fn email_jobs_mentioning(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    needle: &str,
) -> StoreResult<Vec<(String, String, String, String)>> {
    let sql = for_engine(
        conn,
        "SELECT id, state, CAST(created_at AS TEXT) AS created, CAST(payload AS TEXT) AS payload \
         FROM jobs WHERE tenant_id = $1 AND kind = 'email' AND \
         (CAST(payload AS TEXT) LIKE $2 OR last_error LIKE $2) ORDER BY id",
    );
    let rows = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(format!("%{needle}%"))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                text(row, "id")?,
                text(row, "state")?,
                text(row, "created")?,
                text(row, "payload")?,
            ))
        })
        .collect()
}

/// Replaces the payload of the email jobs that mention `needle` with a note that they
/// were erased; those not sent yet are not sent any more.
pub async fn erase_email_jobs(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    needle: &str,
    at: OffsetDateTime,
) -> StoreResult<u64> {
    let sql = for_engine(
        conn,
        "UPDATE jobs SET payload = '{\"erased\":true}', last_error = NULL, \
         state = CASE WHEN state IN ('pending', 'running') THEN 'done' ELSE state END, \
         finished_at = COALESCE(finished_at, $1::timestamptz), lease_owner = NULL, \
         lease_until = NULL WHERE tenant_id = $2 AND kind = 'email' AND \
         (CAST(payload AS TEXT) LIKE $3 OR last_error LIKE $3)",
    );
    let done = sqlx::query(&sql)
        .bind(instant(at))
        .bind(tenant.as_str())
        .bind(format!("%{needle}%"))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets stored idempotent responses of the tenant that mention `needle` (a retry then
/// runs the request again, which the idempotent use cases refuse as a duplicate).
pub async fn forget_responses(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    needle: &str,
) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND body LIKE $2")
        .bind(tenant.as_str())
        .bind(format!("%{needle}%"))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
