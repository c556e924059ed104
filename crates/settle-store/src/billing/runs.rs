//! The `billing_runs` table: what each run of a period billed.

pub use settle_core::billing::BillingRun;

use settle_core::billing::Period;
use settle_core::ids::{BillingRunId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::instant;
use crate::columns::{Instant, Int, Text, for_engine};
use crate::{StoreError, StoreResult};

crate::table_row! {
    /// A row of `billing_runs`.
    pub(crate) struct RunRow in "billing_runs" {
        id: Text,
        tenant_id: Text,
        period: Text,
        actor: Text,
        charges_billed: Int,
        invoices_created: Int,
        invoices_extended: Int,
        created_at: Instant,
    }
}

/// Stores a run.
pub async fn insert(conn: &mut AnyConnection, run: &BillingRun) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO billing_runs (id, tenant_id, period, actor, charges_billed, invoices_created, \
         invoices_extended, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)",
    );
    sqlx::query(&sql)
        .bind(run.id.as_str())
        .bind(run.tenant_id.as_str())
        .bind(run.period.to_string())
        .bind(&run.actor)
        .bind(run.charges_billed)
        .bind(run.invoices_created)
        .bind(run.invoices_extended)
        .bind(instant(run.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The run with this id (of any tenant).
pub async fn get(conn: &mut AnyConnection, id: &BillingRunId) -> StoreResult<Option<BillingRun>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM billing_runs WHERE id = $1",
        RunRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

fn decode(row: &AnyRow) -> StoreResult<BillingRun> {
    let row = RunRow::read(row)?;
    Ok(BillingRun {
        id: BillingRunId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        period: Period::parse(&row.period)
            .ok_or_else(|| StoreError::Corrupt(format!("run period {:?}", row.period)))?,
        actor: row.actor,
        charges_billed: row.charges_billed,
        invoices_created: row.invoices_created,
        invoices_extended: row.invoices_extended,
        created_at: row.created_at,
    })
}
