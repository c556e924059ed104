//! The `invoices` table: invoices, credit notes and void notes. Changes of status are
//! compare-and-set, so of two racing actions exactly one finds the status it expects.

pub use settle_core::billing::DocumentFilter;

use std::collections::HashSet;

use settle_core::billing::{
    BillingDetails, Document, DocumentKind, DocumentStatus, Period, Series, Totals,
};
use settle_core::currency::Currency;
use settle_core::ids::{BillingProfileId, BillingRunId, InvoiceId, PartnerId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{instant, text, to_json};
use crate::columns::{CurrencyCode, Day, Dec, Instant, Int, Json, Kind, Null, Text, for_engine};
use crate::filters::Filtered;
use crate::{StoreError, StoreResult, bulk};

crate::table_row! {
    /// A row of `invoices` (`total` repeats `totals.total` so SQL can sum and compare it).
    #[allow(dead_code)]
    pub(crate) struct DocumentRow in "invoices" {
        id: Text,
        tenant_id: Text,
        partner_id: Text,
        profile_id: Text,
        kind: Text,
        series: Text,
        number: Null<Text>,
        status: Text,
        marketplace: Int,
        billing_period: Text,
        currency: CurrencyCode,
        run_id: Null<Text>,
        original_id: Null<Text>,
        original_number: Null<Text>,
        details: Null<Json<BillingDetails>>,
        totals: Json<Totals>,
        total: Dec,
        settled: Dec,
        line_count: Int,
        document_date: Null<Day>,
        due_date: Null<Day>,
        tax_invoice_number: Null<Text>,
        reason: Null<Text>,
        version: Int,
        created_at: Instant,
        updated_at: Instant,
    }
}

fn select(condition: &str) -> String {
    format!(
        "SELECT {} FROM invoices WHERE {condition}",
        DocumentRow::columns()
    )
}

/// Stores new documents.
pub async fn insert_many(conn: &mut AnyConnection, documents: &[Document]) -> StoreResult<()> {
    let sqlite = bulk::sqlite(conn);
    let encoded: Vec<(Option<String>, String)> = documents
        .iter()
        .map(|d| {
            let details = d
                .details
                .as_ref()
                .map(|x| to_json(x, "details"))
                .transpose()?;
            Ok((details, to_json(&d.totals, "totals")?))
        })
        .collect::<StoreResult<_>>()?;
    let (into, kinds) = (DocumentRow::TABLE.target(), DocumentRow::TABLE.kinds());
    let rows = bulk::chunk_rows(kinds.len());
    for (chunk, encoded) in documents.chunks(rows).zip(encoded.chunks(rows)) {
        let sql = bulk::insert_sql(&into, &kinds, chunk.len(), sqlite, "");
        let mut query = sqlx::query(&sql);
        for (d, (details, totals)) in chunk.iter().zip(encoded) {
            query = query
                .bind(d.id.as_str())
                .bind(d.tenant_id.as_str())
                .bind(d.partner_id.as_str())
                .bind(d.profile_id.as_str())
                .bind(d.kind.as_str())
                .bind(d.series.as_str())
                .bind(d.number.as_deref())
                .bind(d.status.as_str())
                .bind(i64::from(d.marketplace))
                .bind(d.period.to_string())
                .bind(d.currency.code())
                .bind(d.run_id.as_ref().map(BillingRunId::as_str))
                .bind(d.original_id.as_ref().map(InvoiceId::as_str))
                .bind(d.original_number.as_deref())
                .bind(details.as_deref())
                .bind(totals.as_str())
                .bind(d.totals.total.to_string())
                .bind(d.settled.to_string())
                .bind(d.line_count)
                .bind(d.document_date.map(|x| x.to_string()))
                .bind(d.due_date.map(|x| x.to_string()))
                .bind(d.tax_invoice_number.as_deref())
                .bind(d.reason.as_deref())
                .bind(d.version)
                .bind(instant(d.created_at))
                .bind(instant(d.updated_at));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// What [`finalize_many`] binds per document: id, number, status, details, document date,
/// due date, tax invoice number, version, update instant, expected status.
const FINALIZE_KINDS: [Kind; 10] = [
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Json,
    Kind::Date,
    Kind::Date,
    Kind::Text,
    Kind::Int,
    Kind::Instant,
    Kind::Text,
];

/// Numbers and opens drafts (number, status, details, dates), each only if it is still a
/// draft at `version - 1`, with multi-row statements. Returns the index of the first document that
/// was not such a draft (and so was left alone), or `None` when every one was finalized.
pub async fn finalize_many(
    conn: &mut AnyConnection,
    documents: &[Document],
) -> StoreResult<Option<usize>> {
    let sqlite = bulk::sqlite(conn);
    let mut finalized: HashSet<String> = HashSet::with_capacity(documents.len());
    for chunk in documents.chunks(bulk::chunk_rows(FINALIZE_KINDS.len())) {
        let details: Vec<Option<String>> = chunk
            .iter()
            .map(|d| {
                d.details
                    .as_ref()
                    .map(|x| to_json(x, "details"))
                    .transpose()
            })
            .collect::<StoreResult<_>>()?;
        let sql = format!(
            "UPDATE invoices SET number = v.column2, status = v.column3, details = v.column4, \
             document_date = v.column5, due_date = v.column6, tax_invoice_number = v.column7, \
             version = v.column8, updated_at = v.column9 FROM ({}) AS v \
             WHERE invoices.id = v.column1 AND invoices.status = v.column10 \
             AND invoices.version = v.column8 - 1 RETURNING id",
            bulk::values_sql(&FINALIZE_KINDS, chunk.len(), sqlite)
        );
        let mut query = sqlx::query(&sql);
        for (d, details) in chunk.iter().zip(&details) {
            query = query
                .bind(d.id.as_str())
                .bind(d.number.as_deref())
                .bind(d.status.as_str())
                .bind(details.as_deref())
                .bind(d.document_date.map(|x| x.to_string()))
                .bind(d.due_date.map(|x| x.to_string()))
                .bind(d.tax_invoice_number.as_deref())
                .bind(d.version)
                .bind(instant(d.updated_at))
                .bind(DocumentStatus::Draft.as_str());
        }
        for row in query.fetch_all(&mut *conn).await? {
            finalized.insert(text(&row, "id")?);
        }
    }
    Ok(documents
        .iter()
        .position(|d| !finalized.contains(d.id.as_str())))
}

/// Replaces a draft's totals (and run) after a run added lines; false if it is no longer
/// that draft.
pub async fn update_totals(conn: &mut AnyConnection, d: &Document) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE invoices SET totals = $1::jsonb, total = $2::numeric, line_count = $3, \
         version = $4, updated_at = $5::timestamptz, run_id = $8 \
         WHERE id = $6 AND status = $9 AND version = $7",
    );
    let done = sqlx::query(&sql)
        .bind(to_json(&d.totals, "totals")?)
        .bind(d.totals.total.to_string())
        .bind(d.line_count)
        .bind(d.version)
        .bind(instant(d.updated_at))
        .bind(d.id.as_str())
        .bind(d.version - 1)
        .bind(d.run_id.as_ref().map(BillingRunId::as_str))
        .bind(DocumentStatus::Draft.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets status and settled amount, if the document is still at `version - 1`.
pub async fn update_settlement(conn: &mut AnyConnection, d: &Document) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE invoices SET status = $1, settled = $2::numeric, version = $3, \
         updated_at = $4::timestamptz WHERE id = $5 AND version = $6",
    );
    let done = sqlx::query(&sql)
        .bind(d.status.as_str())
        .bind(d.settled.to_string())
        .bind(d.version)
        .bind(instant(d.updated_at))
        .bind(d.id.as_str())
        .bind(d.version - 1)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The document with this id (of any tenant).
pub async fn get(conn: &mut AnyConnection, id: &InvoiceId) -> StoreResult<Option<Document>> {
    let row = sqlx::query(&select("id = $1"))
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The tenant's document with this number.
pub async fn get_by_number(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    number: &str,
) -> StoreResult<Option<Document>> {
    let row = sqlx::query(&select("tenant_id = $1 AND number = $2"))
        .bind(tenant.as_str())
        .bind(number)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The documents with these ids (of any tenant), in no particular order.
pub async fn get_many(conn: &mut AnyConnection, ids: &[InvoiceId]) -> StoreResult<Vec<Document>> {
    let ids: Vec<&str> = ids.iter().map(InvoiceId::as_str).collect();
    crate::filters::fetch_in(conn, &select("id IN"), &ids, decode).await
}

/// The tenant's invoice drafts of `period`.
pub async fn drafts_of_period(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    period: Period,
) -> StoreResult<Vec<Document>> {
    let rows = sqlx::query(&select(
        "tenant_id = $1 AND billing_period = $2 AND status = $3 ORDER BY id",
    ))
    .bind(tenant.as_str())
    .bind(period.to_string())
    .bind(DocumentStatus::Draft.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// The drafts a billing run made or extended (a run that extends a draft takes it over),
/// oldest first.
pub async fn drafts_of_run(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    run: &BillingRunId,
) -> StoreResult<Vec<Document>> {
    let rows = sqlx::query(&select(
        "tenant_id = $1 AND run_id = $2 AND status = $3 ORDER BY id",
    ))
    .bind(tenant.as_str())
    .bind(run.as_str())
    .bind(DocumentStatus::Draft.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// The notes that refer to `original`, oldest first.
pub async fn notes_of(
    conn: &mut AnyConnection,
    original: &InvoiceId,
) -> StoreResult<Vec<Document>> {
    let rows = sqlx::query(&select("original_id = $1 ORDER BY id"))
        .bind(original.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// A partner's finalized documents in `currency`, oldest first by document date.
pub async fn finalized_of_partner(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: &PartnerId,
    currency: Currency,
) -> StoreResult<Vec<Document>> {
    let rows = sqlx::query(&select(
        "tenant_id = $1 AND partner_id = $2 AND currency = $3 AND status <> $4 \
         ORDER BY document_date, number",
    ))
    .bind(tenant.as_str())
    .bind(partner.as_str())
    .bind(currency.code())
    .bind(DocumentStatus::Draft.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Open invoices of `tenant` due before `due_before` (so overdue by then), oldest due first.
pub async fn open_due_before(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    due_before: time::Date,
) -> StoreResult<Vec<Document>> {
    let sql = select(
        "tenant_id = $1 AND kind = $2 AND status = $3 AND due_date < $4::date \
         ORDER BY due_date, id",
    );
    let sql = crate::columns::for_engine(conn, &sql);
    let rows = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(DocumentKind::Invoice.as_str())
        .bind(DocumentStatus::Open.as_str())
        .bind(due_before.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// A page of a tenant's documents after `after`.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    filter: &DocumentFilter,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Document>> {
    let mut query = Filtered::new(select("tenant_id = $1"), tenant.as_str());
    if let Some(after) = after {
        query.and(" AND id > ?", after);
    }
    if let Some(partner) = &filter.partner_id {
        query.and(" AND partner_id = ?", partner.as_str());
    }
    if let Some(among) = &filter.among {
        query.and_in("partner_id", among);
    }
    if let Some(period) = filter.period {
        query.and(" AND billing_period = ?", period.to_string());
    }
    if let Some(series) = filter.series {
        query.and(" AND series = ?", series.as_str());
    }
    if let Some(kind) = filter.kind {
        query.and(" AND kind = ?", kind.as_str());
    }
    if let Some(status) = filter.status {
        query.and(" AND status = ?", status.as_str());
    }
    if let Some(run) = &filter.run_id {
        query.and(" AND run_id = ?", run.as_str());
    }
    query
        .fetch_page(conn, limit)
        .await?
        .iter()
        .map(decode)
        .collect()
}

fn parse<T>(column: &str, value: &str, read: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    read(value).ok_or_else(|| StoreError::Corrupt(format!("{column} {value:?}")))
}

fn decode(row: &AnyRow) -> StoreResult<Document> {
    let row = DocumentRow::read(row)?;
    Ok(Document {
        id: InvoiceId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        partner_id: PartnerId::from_trusted(row.partner_id),
        profile_id: BillingProfileId::from_trusted(row.profile_id),
        kind: parse("kind", &row.kind, DocumentKind::parse)?,
        series: parse("series", &row.series, Series::parse)?,
        number: row.number,
        status: parse("status", &row.status, DocumentStatus::parse)?,
        marketplace: row.marketplace != 0,
        period: parse("billing_period", &row.billing_period, Period::parse)?,
        currency: row.currency,
        run_id: row.run_id.map(BillingRunId::from_trusted),
        original_id: row.original_id.map(InvoiceId::from_trusted),
        original_number: row.original_number,
        details: row.details,
        totals: row.totals,
        settled: row.settled,
        line_count: row.line_count,
        document_date: row.document_date,
        due_date: row.due_date,
        tax_invoice_number: row.tax_invoice_number,
        reason: row.reason,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
