//! The `billing_runs` table: what each run of a period billed.

pub use settle_core::billing::BillingRun;

use settle_core::billing::Period;
use settle_core::ids::{BillingRunId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{at, instant, int, text};
use crate::{StoreError, StoreResult};

/// Stores a run.
pub async fn insert(conn: &mut AnyConnection, run: &BillingRun) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO billing_runs (id, tenant_id, period, actor, charges_billed, invoices_created, \
         invoices_extended, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
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
    let row = sqlx::query("SELECT * FROM billing_runs WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

fn decode(row: &AnyRow) -> StoreResult<BillingRun> {
    let period = text(row, "period")?;
    Ok(BillingRun {
        id: BillingRunId::from_trusted(text(row, "id")?),
        tenant_id: TenantId::from_trusted(text(row, "tenant_id")?),
        period: Period::parse(&period)
            .ok_or_else(|| StoreError::Corrupt(format!("run period {period:?}")))?,
        actor: text(row, "actor")?,
        charges_billed: int(row, "charges_billed")?,
        invoices_created: int(row, "invoices_created")?,
        invoices_extended: int(row, "invoices_extended")?,
        created_at: at(row, "created_at")?,
    })
}
