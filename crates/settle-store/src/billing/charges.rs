//! The `charges` table. A billing run claims a period's unbilled charges with one
//! `UPDATE … WHERE run_id IS NULL`, so no charge is ever billed twice, even by runs racing
//! on PostgreSQL.

pub use settle_core::billing::ChargeFilter;

use futures::TryStreamExt;
use settle_core::billing::{Charge, ChargeRecord, Period};
use settle_core::ids::{BillingRunId, ChargeId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{at, instant, json, opt_text, text, to_json};
use crate::filters::Filtered;
use crate::{StoreResult, bulk};

const COLUMNS: &str = "id, tenant_id, partner_id, period, billing_currency, series, marketplace, run_id, data, created_at";
const COLUMN_COUNT: usize = 10;

/// Stores new charges.
pub async fn insert_many(conn: &mut AnyConnection, charges: &[ChargeRecord]) -> StoreResult<()> {
    let anonymous = bulk::anonymous(conn);
    let data: Vec<String> = charges
        .iter()
        .map(|c| to_json(&c.charge, "charge"))
        .collect::<StoreResult<_>>()?;
    let rows = bulk::chunk_rows(COLUMN_COUNT);
    for (chunk, data) in charges.chunks(rows).zip(data.chunks(rows)) {
        let sql = bulk::insert_sql(
            &format!("charges ({COLUMNS})"),
            COLUMN_COUNT,
            chunk.len(),
            anonymous,
            "",
        );
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
    let sql = format!("SELECT {COLUMNS} FROM charges WHERE run_id = $1");
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
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM charges WHERE id = $1"))
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
        format!("SELECT {COLUMNS} FROM charges WHERE tenant_id = $1"),
        tenant.as_str(),
    );
    if let Some(after) = after {
        query.and(" AND id > ?", after);
    }
    if let Some(partner) = &filter.partner_id {
        query.and(" AND partner_id = ?", partner.as_str());
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
    let charge: Charge = json(row, "data")?;
    Ok(ChargeRecord {
        id: ChargeId::from_trusted(text(row, "id")?),
        tenant_id: TenantId::from_trusted(text(row, "tenant_id")?),
        charge,
        run_id: opt_text(row, "run_id")?.map(BillingRunId::from_trusted),
        created_at: at(row, "created_at")?,
    })
}
