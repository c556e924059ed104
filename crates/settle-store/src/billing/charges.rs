//! The `charges` table. A billing run claims a period's unbilled charges with one
//! `UPDATE … WHERE run_id IS NULL`, so no charge is ever billed twice, even by runs racing
//! on PostgreSQL.

pub use settle_core::billing::ChargeFilter;

use futures::TryStreamExt;
use settle_core::billing::{Charge, ChargeRecord, Period};
use settle_core::ids::{BillingRunId, ChargeId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{instant, to_json};
use crate::columns::{Instant, Int, Json, Null, Text};
use crate::filters::Filtered;
use crate::{StoreResult, bulk};

crate::table_row! {
    /// A row of `charges`: the charge as JSON, with the columns runs and lists select by.
    #[allow(dead_code)]
    pub(crate) struct ChargeRow in "charges" {
        id: Text,
        tenant_id: Text,
        partner_id: Text,
        period: Text,
        billing_currency: Text,
        series: Text,
        marketplace: Int,
        run_id: Null<Text>,
        data: Json<Charge>,
        created_at: Instant,
    }
}

/// Stores new charges.
pub async fn insert_many(conn: &mut AnyConnection, charges: &[ChargeRecord]) -> StoreResult<()> {
    let sqlite = bulk::sqlite(conn);
    let data: Vec<String> = charges
        .iter()
        .map(|c| to_json(&c.charge, "charge"))
        .collect::<StoreResult<_>>()?;
    let (into, kinds) = (ChargeRow::TABLE.target(), ChargeRow::TABLE.kinds());
    let rows = bulk::chunk_rows(kinds.len());
    for (chunk, data) in charges.chunks(rows).zip(data.chunks(rows)) {
        let sql = bulk::insert_sql(&into, &kinds, chunk.len(), sqlite, "");
        let mut query = sqlx::query(&sql);
        for (c, data) in chunk.iter().zip(data) {
            query = query
                .bind(c.id.as_str())
                .bind(c.tenant_id.as_str())
                .bind(c.charge.partner_id.as_str())
                .bind(c.charge.period.to_string())
                .bind(c.charge.billing_currency.code())
                .bind(c.charge.series.as_str())
                .bind(i64::from(c.charge.marketplace))
                .bind(c.run_id.as_ref().map(BillingRunId::as_str))
                .bind(data.as_str())
                .bind(instant(c.created_at));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks every unbilled charge of `period` as billed by `run` and returns them, oldest
/// first. They are read back by `run`, a new id, so exactly the rows the `UPDATE` claimed
/// come back; each is decoded as it arrives instead of all of them being buffered first.
pub async fn claim(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    period: Period,
    run: &BillingRunId,
) -> StoreResult<Vec<ChargeRecord>> {
    let claimed = sqlx::query(
        "UPDATE charges SET run_id = $1 WHERE tenant_id = $2 AND period = $3 AND run_id IS NULL",
    )
    .bind(run.as_str())
    .bind(tenant.as_str())
    .bind(period.to_string())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let mut charges = Vec::with_capacity(usize::try_from(claimed).unwrap_or(0));
    let sql = format!(
        "SELECT {} FROM charges WHERE run_id = $1",
        ChargeRow::columns()
    );
    let mut rows = sqlx::query(&sql).bind(run.as_str()).fetch(&mut *conn);
    while let Some(row) = rows.try_next().await? {
        charges.push(decode(&row)?);
    }
    drop(rows);
    charges.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(charges)
}

/// The charge with this id (of any tenant).
pub async fn get(conn: &mut AnyConnection, id: &ChargeId) -> StoreResult<Option<ChargeRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM charges WHERE id = $1",
        ChargeRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// A page of a tenant's charges after `after`.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    filter: &ChargeFilter,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<ChargeRecord>> {
    let mut query = Filtered::new(
        format!(
            "SELECT {} FROM charges WHERE tenant_id = $1",
            ChargeRow::columns()
        ),
        tenant.as_str(),
    );
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
        query.and(" AND period = ?", period.to_string());
    }
    match filter.billed {
        Some(true) => query.and_sql(" AND run_id IS NOT NULL"),
        Some(false) => query.and_sql(" AND run_id IS NULL"),
        None => {}
    }
    query
        .fetch_page(conn, limit)
        .await?
        .iter()
        .map(decode)
        .collect()
}

fn decode(row: &AnyRow) -> StoreResult<ChargeRecord> {
    let row = ChargeRow::read(row)?;
    Ok(ChargeRecord {
        id: ChargeId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        charge: row.data,
        run_id: row.run_id.map(BillingRunId::from_trusted),
        created_at: row.created_at,
    })
}
