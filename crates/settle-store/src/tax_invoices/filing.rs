//! Claiming issued invoices for filing, with a lease, and recording the filer's answer.
//! A claimed invoice is `sending` and owned by one filer until its lease ends; if that
//! filer dies, the next batch takes it over, so nothing issued is lost.

use settle_core::ids::{TaxInvoiceId, TenantId};
use settle_core::tax_invoice::TaxInvoiceState;
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::StoreResult;
use crate::codec::{instant, opt_text, text};

/// An invoice claimed for filing.
#[derive(Clone, Debug)]
pub struct FilingClaim {
    /// The invoice.
    pub id: TaxInvoiceId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its approval number.
    pub approval_number: String,
    /// The signed XML to file.
    pub signed_xml: String,
}

/// Which invoices in the claimed state are due.
#[derive(Clone, Copy, Debug)]
pub enum Due {
    /// Issued before this instant.
    IssuedBefore(OffsetDateTime),
    /// Held under a filing lease that lapsed before this instant.
    LeaseLapsedBefore(OffsetDateTime),
}

/// Moves up to `limit` due invoices from `from` to `to` for `owner` until `lease_until`
/// (only the invoice `only`, when given) and returns them, oldest issue first.
#[allow(clippy::too_many_arguments)]
pub async fn claim(
    conn: &mut AnyConnection,
    from: TaxInvoiceState,
    to: TaxInvoiceState,
    due: Due,
    only: Option<&TaxInvoiceId>,
    owner: &str,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: u32,
) -> StoreResult<Vec<FilingClaim>> {
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let only_clause = if only.is_some() { " AND id = $7" } else { "" };
    let (condition, bound) = match due {
        Due::IssuedBefore(at) => ("issued_at < $5::timestamptz", at),
        Due::LeaseLapsedBefore(at) => ("filing_lease_until < $5::timestamptz", at),
    };
    let sql = format!(
        "UPDATE tax_invoices SET state = $1, filing_owner = $2, \
         filing_lease_until = $3::timestamptz, version = version + 1, \
         updated_at = $4::timestamptz WHERE id IN (SELECT id FROM tax_invoices \
         WHERE state = $6 AND {condition}{only_clause} ORDER BY issued_at, id \
         LIMIT {limit}{lock}) RETURNING id, tenant_id, approval_number, signed_xml"
    );
    let sql = crate::columns::for_engine(conn, &sql);
    let mut query = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(owner)
        .bind(instant(lease_until))
        .bind(instant(now))
        .bind(instant(bound))
        .bind(from.as_str());
    if let Some(id) = only {
        query = query.bind(id.as_str());
    }
    let mut claims = Vec::new();
    for row in query.fetch_all(&mut *conn).await? {
        claims.push(FilingClaim {
            id: TaxInvoiceId::from_trusted(text(&row, "id")?),
            tenant_id: TenantId::from_trusted(text(&row, "tenant_id")?),
            approval_number: opt_text(&row, "approval_number")?.unwrap_or_default(),
            signed_xml: opt_text(&row, "signed_xml")?.unwrap_or_default(),
        });
    }
    Ok(claims)
}

/// Records the filer's answer on an invoice `owner` still holds in `from`; false if the
/// lease was lost to another filer meanwhile.
pub async fn finish_filing(
    conn: &mut AnyConnection,
    id: &TaxInvoiceId,
    owner: &str,
    from: TaxInvoiceState,
    to: TaxInvoiceState,
    result_code: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = crate::columns::for_engine(
        conn,
        "UPDATE tax_invoices SET state = $1, nts_result_code = $2, filed_at = $3::timestamptz, \
         filing_owner = NULL, filing_lease_until = NULL, version = version + 1, \
         updated_at = $3::timestamptz WHERE id = $4 AND state = $6 AND filing_owner = $5",
    );
    let done = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(result_code)
        .bind(instant(now))
        .bind(id.as_str())
        .bind(owner)
        .bind(from.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
