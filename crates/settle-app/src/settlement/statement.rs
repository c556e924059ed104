//! Settlement statements: queued to each partner in the transaction that closes its cycle.

use std::collections::HashMap;

use settle_core::ids::TenantId;
use settle_core::settlement::SettlementRecord;
use settle_store::{partners, tenants};
use time::OffsetDateTime;

use crate::AppError;
use crate::mail::settlements::settlement_statement;

/// Queues the statement of each settlement to its partner's contact.
pub(crate) async fn enqueue(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    records: &[SettlementRecord],
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if records.is_empty() {
        return Ok(());
    }
    let Some(tenant_row) = tenants::get(conn, tenant).await? else {
        return Ok(());
    };
    let mut ids: Vec<String> = records.iter().map(|r| r.partner_id.to_string()).collect();
    ids.dedup();
    let found: HashMap<_, _> = partners::find_many(conn, tenant, false, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let emails = records
        .iter()
        .filter_map(|r| {
            let partner = found.get(&r.partner_id)?;
            Some(settlement_statement(&tenant_row.name, partner, r))
        })
        .collect();
    crate::mail::enqueue(conn, tenant, emails, now).await
}
