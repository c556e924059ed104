//! The `tax_invoices` table and its history. State changes are compare-and-set on the
//! current state, so of two racing actions exactly one finds the state it expects.

mod filing;
mod history;

pub use settle_core::tax_invoice::TaxInvoiceFilter;

use std::collections::HashSet;

use settle_core::ids::{InvoiceId, PartnerId, TaxInvoiceId, TenantId};
use settle_core::tax_invoice::{
    Direction, DocumentKey, TaxInvoice, TaxInvoiceRecord, TaxInvoiceState,
};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};
use time::OffsetDateTime;

pub use filing::{Due, FilingClaim, claim, finish_filing};
pub(crate) use history::HistoryRow;
pub use history::{HistoryEntry, append_history, history};

use crate::codec::{instant, int, opt_text, text};
use crate::columns::{Day, Dec, Instant, Int, Json, Kind, Null, Text, for_engine};
use crate::filters::Filtered;
use crate::{StoreError, StoreResult, bulk};

crate::table_row! {
    /// A row of `tax_invoices` (without the signed XML and the filing lease, read apart).
    /// Dates and totals repeat the document's so SQL can filter and sum them.
    #[allow(dead_code)]
    pub(crate) struct TaxInvoiceRow in "tax_invoices" {
        id: Text,
        tenant_id: Text,
        document_key: Text,
        partner_id: Text,
        state: Text,
        write_date: Day,
        late_from: Instant,
        document: Json<TaxInvoice>,
        supply_total: Dec,
        tax_total: Dec,
        total: Dec,
        amends_id: Null<Text>,
        approval_number: Null<Text>,
        issued_at: Null<Instant>,
        nts_result_code: Null<Text>,
        filed_at: Null<Instant>,
        version: Int,
        created_at: Instant,
        updated_at: Instant,
        direction: Text,
        source_invoice_id: Null<Text>,
    }
}

/// Stores new tax invoices, skipping any whose document key the tenant uses already;
/// returns the ids that were stored.
pub async fn insert_many(
    conn: &mut AnyConnection,
    records: &[TaxInvoiceRecord],
) -> StoreResult<HashSet<TaxInvoiceId>> {
    let mut stored = HashSet::with_capacity(records.len());
    let sqlite = bulk::sqlite(conn);
    let documents: Vec<String> = records
        .iter()
        .map(|r| document_json(&r.document))
        .collect::<StoreResult<_>>()?;
    let table = TaxInvoiceRow::TABLE;
    let (into, kinds) = (table.target(), table.kinds());
    let rows = bulk::chunk_rows(kinds.len());
    for (chunk, docs) in records.chunks(rows).zip(documents.chunks(rows)) {
        let sql = bulk::insert_sql(
            &into,
            &kinds,
            chunk.len(),
            sqlite,
            "ON CONFLICT DO NOTHING RETURNING id",
        );
        let mut query = sqlx::query(&sql);
        for (record, document) in chunk.iter().zip(docs) {
            query = bind_record(query, record, document);
        }
        for row in query.fetch_all(&mut *conn).await? {
            stored.insert(TaxInvoiceId::from_trusted(text(&row, "id")?));
        }
    }
    Ok(stored)
}

/// Stores one new tax invoice; false when its document key is taken.
pub async fn insert(conn: &mut AnyConnection, record: &TaxInvoiceRecord) -> StoreResult<bool> {
    Ok(insert_many(conn, std::slice::from_ref(record))
        .await?
        .contains(&record.id))
}

fn document_json(document: &TaxInvoice) -> StoreResult<String> {
    serde_json::to_string(document).map_err(|e| StoreError::Corrupt(format!("tax invoice: {e}")))
}

fn bind_record<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    r: &'q TaxInvoiceRecord,
    document: &'q str,
) -> Query<'q, Any, AnyArguments<'q>> {
    let d = &r.document;
    query
        .bind(r.id.as_str())
        .bind(r.tenant_id.as_str())
        .bind(r.document_key.as_str())
        .bind(r.partner_id.as_str())
        .bind(r.state.as_str())
        .bind(d.write_date.to_string())
        .bind(instant(r.late_from()))
        .bind(document)
        .bind(d.supply_total.to_string())
        .bind(d.tax_total.to_string())
        .bind(d.total.to_string())
        .bind(r.amends_id.as_ref().map(TaxInvoiceId::as_str))
        .bind(r.approval_number.as_deref())
        .bind(r.issued_at.map(instant))
        .bind(r.nts_result_code.as_deref())
        .bind(r.filed_at.map(instant))
        .bind(r.version)
        .bind(instant(r.created_at))
        .bind(instant(r.updated_at))
        .bind(r.direction.as_str())
        .bind(r.source_invoice_id.as_ref().map(InvoiceId::as_str))
}

/// The tenant's tax invoice with this document key.
pub async fn get_by_key(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    key: &str,
) -> StoreResult<Option<TaxInvoiceRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM tax_invoices WHERE tenant_id = $1 AND document_key = $2",
        TaxInvoiceRow::columns()
    ))
    .bind(tenant.as_str())
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// The tax invoice with this id (of any tenant: callers check ownership).
pub async fn get(
    conn: &mut AnyConnection,
    id: &TaxInvoiceId,
) -> StoreResult<Option<TaxInvoiceRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM tax_invoices WHERE id = $1",
        TaxInvoiceRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// The tax invoices with these ids (of any tenant), in no particular order.
pub async fn get_many(
    conn: &mut AnyConnection,
    ids: &[&TaxInvoiceId],
) -> StoreResult<Vec<TaxInvoiceRecord>> {
    let ids: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    let select = format!(
        "SELECT {} FROM tax_invoices WHERE id IN",
        TaxInvoiceRow::columns()
    );
    crate::filters::fetch_in(conn, &select, &ids, decode).await
}

/// The signed NTS XML of an issued invoice.
pub async fn signed_xml(
    conn: &mut AnyConnection,
    id: &TaxInvoiceId,
) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT signed_xml FROM tax_invoices WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => opt_text(&row, "signed_xml")?,
        None => None,
    })
}

/// Replaces the content of a drafted invoice at `record.version - 1`; false when it moved
/// or changed meanwhile.
pub async fn update_document(
    conn: &mut AnyConnection,
    record: &TaxInvoiceRecord,
) -> StoreResult<bool> {
    let d = &record.document;
    let sql = for_engine(
        conn,
        "UPDATE tax_invoices SET partner_id = $1, write_date = $2::date, document = $3::jsonb, \
         supply_total = $4::numeric, tax_total = $5::numeric, total = $6::numeric, \
         version = $7, updated_at = $8::timestamptz, late_from = $12::timestamptz \
         WHERE id = $9 AND state = $10 AND version = $11",
    );
    let done = sqlx::query(&sql)
        .bind(record.partner_id.as_str())
        .bind(d.write_date.to_string())
        .bind(document_json(d)?)
        .bind(d.supply_total.to_string())
        .bind(d.tax_total.to_string())
        .bind(d.total.to_string())
        .bind(record.version)
        .bind(instant(record.updated_at))
        .bind(record.id.as_str())
        .bind(record.state.as_str())
        .bind(record.version - 1)
        .bind(instant(record.late_from()))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves an invoice from `from` to `to` if it is still in `from`; false otherwise.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: &TaxInvoiceId,
    from: TaxInvoiceState,
    to: TaxInvoiceState,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE tax_invoices SET state = $1, version = version + 1, \
         updated_at = $2::timestamptz WHERE id = $3 AND state = $4",
    );
    let done = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(instant(now))
        .bind(id.as_str())
        .bind(from.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What issuing adds to an invoice.
#[derive(Clone, Debug)]
pub struct Issuance {
    /// The NTS approval number.
    pub approval_number: String,
    /// The signed XML (of the content stored at the version the issue expects).
    pub signed_xml: String,
    /// When.
    pub issued_at: OffsetDateTime,
}

/// One issue to store: the invoice moves from `from` to `to` with its signature if it is
/// still in `from` at `version` (the version that was signed).
pub struct IssueWrite<'a> {
    /// The invoice.
    pub id: &'a TaxInvoiceId,
    /// The version that was read and signed.
    pub version: i64,
    /// The state it must still be in.
    pub from: TaxInvoiceState,
    /// The state it moves to.
    pub to: TaxInvoiceState,
    /// The approval number and signature.
    pub issuance: &'a Issuance,
}

/// What [`record_issues`] binds per invoice: id, new state, approval number, signed XML,
/// issue instant, expected state, expected version.
const ISSUE_KINDS: [Kind; 7] = [
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Instant,
    Kind::Text,
    Kind::Int,
];

/// Stores issues with multi-row statements; returns the ids of the invoices that were still
/// where their issue expected them (the others were moved meanwhile and are left alone).
pub async fn record_issues(
    conn: &mut AnyConnection,
    issues: &[IssueWrite<'_>],
) -> StoreResult<HashSet<TaxInvoiceId>> {
    let sqlite = bulk::sqlite(conn);
    let mut stored = HashSet::with_capacity(issues.len());
    for chunk in issues.chunks(bulk::chunk_rows(ISSUE_KINDS.len())) {
        let sql = format!(
            "UPDATE tax_invoices SET state = v.column2, approval_number = v.column3, \
             signed_xml = v.column4, issued_at = v.column5, updated_at = v.column5, \
             version = tax_invoices.version + 1 FROM ({}) AS v \
             WHERE tax_invoices.id = v.column1 AND tax_invoices.state = v.column6 \
             AND tax_invoices.version = v.column7 RETURNING tax_invoices.id",
            bulk::values_sql(&ISSUE_KINDS, chunk.len(), sqlite)
        );
        let mut query = sqlx::query(&sql);
        for issue in chunk {
            query = query
                .bind(issue.id.as_str())
                .bind(issue.to.as_str())
                .bind(issue.issuance.approval_number.as_str())
                .bind(issue.issuance.signed_xml.as_str())
                .bind(instant(issue.issuance.issued_at))
                .bind(issue.from.as_str())
                .bind(issue.version);
        }
        for row in query.fetch_all(&mut *conn).await? {
            stored.insert(TaxInvoiceId::from_trusted(text(&row, "id")?));
        }
    }
    Ok(stored)
}

/// Deletes an invoice if it is still in `state`, with its history; false otherwise.
pub async fn delete(
    conn: &mut AnyConnection,
    id: &TaxInvoiceId,
    state: TaxInvoiceState,
) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM tax_invoices WHERE id = $1 AND state = $2")
        .bind(id.as_str())
        .bind(state.as_str())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for table in ["tax_invoice_history", "supplier_links"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE tax_invoice_id = $1"))
            .bind(id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// One page of a tenant's invoices in id (creation) order, starting after `after`.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    filter: &TaxInvoiceFilter,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<TaxInvoiceRecord>> {
    let mut query = Filtered::new(
        format!(
            "SELECT {} FROM tax_invoices WHERE tenant_id = $1",
            TaxInvoiceRow::columns()
        ),
        tenant.as_str(),
    );
    if let Some(after) = after {
        query.and(" AND id > ?", after);
    }
    if let Some(state) = filter.state {
        query.and(" AND state = ?", state.as_str());
    }
    if let Some(partner) = &filter.partner_id {
        query.and(" AND partner_id = ?", partner.as_str());
    }
    if let Some(among) = &filter.among {
        query.and_in("partner_id", among);
    }
    if let Some(direction) = filter.direction {
        query.and(" AND direction = ?", direction.as_str());
    }
    if let Some(from) = &filter.from {
        query.and(" AND write_date >= ?::date", from.as_str());
    }
    if let Some(to) = &filter.to {
        query.and(" AND write_date <= ?::date", to.as_str());
    }
    if let Some((late, now)) = filter.late {
        // Late: issued at or after `late_from`, or not issued and `now` is past it.
        let at = instant(now);
        let when = if late {
            "COALESCE(issued_at, ?::timestamptz) >= late_from"
        } else {
            "COALESCE(issued_at, ?::timestamptz) < late_from"
        };
        query.and(&format!(" AND {when}"), at);
    }
    let rows = query.fetch_page(conn, limit).await?;
    rows.iter().map(decode).collect()
}

/// Counts a tenant's invoices in `state`.
pub async fn count_in_state(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    state: TaxInvoiceState,
) -> StoreResult<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM tax_invoices WHERE tenant_id = $1 AND state = $2")
            .bind(tenant.as_str())
            .bind(state.as_str())
            .fetch_one(conn)
            .await?;
    int(&row, "n")
}

fn decode(row: &AnyRow) -> StoreResult<TaxInvoiceRecord> {
    let row = TaxInvoiceRow::read(row)?;
    Ok(TaxInvoiceRecord {
        id: TaxInvoiceId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        document_key: DocumentKey::from_trusted(row.document_key),
        partner_id: PartnerId::from_trusted(row.partner_id),
        direction: Direction::parse(&row.direction)
            .ok_or_else(|| StoreError::Corrupt(format!("direction {:?}", row.direction)))?,
        source_invoice_id: row.source_invoice_id.map(InvoiceId::from_trusted),
        state: TaxInvoiceState::parse(&row.state)
            .ok_or_else(|| StoreError::Corrupt(format!("tax invoice state {:?}", row.state)))?,
        document: row.document,
        amends_id: row.amends_id.map(TaxInvoiceId::from_trusted),
        approval_number: row.approval_number,
        issued_at: row.issued_at,
        nts_result_code: row.nts_result_code,
        filed_at: row.filed_at,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The forward-issued tax invoices of these partner invoices and notes.
pub async fn of_sources(
    conn: &mut AnyConnection,
    sources: &[&InvoiceId],
) -> StoreResult<Vec<TaxInvoiceRecord>> {
    let ids: Vec<&str> = sources.iter().map(|id| id.as_str()).collect();
    let select = format!(
        "SELECT {} FROM tax_invoices WHERE source_invoice_id IN",
        TaxInvoiceRow::columns()
    );
    crate::filters::fetch_in(conn, &select, &ids, decode).await
}

/// The document keys of these invoices, by id (for event payloads).
pub async fn document_keys(
    conn: &mut AnyConnection,
    ids: &[&TaxInvoiceId],
) -> StoreResult<std::collections::HashMap<String, String>> {
    let mut keys = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, document_key FROM tax_invoices WHERE id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(&mut *conn).await? {
            keys.insert(
                crate::codec::text(&row, "id")?,
                crate::codec::text(&row, "document_key")?,
            );
        }
    }
    Ok(keys)
}
