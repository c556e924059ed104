//! The `settlement_contracts`, `transfers`, `settlements` and `partner_bank_accounts`
//! tables.

pub mod bank;
pub mod closing;

use std::collections::HashSet;

use settle_core::ids::{PartnerId, SettlementContractId, TenantId, TransferId};
use settle_core::settlement::{Contract, ContractRecord, Transfer, TransferKind, TransferRecord};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use time::Date;

use crate::codec::{instant, text, to_json};
use crate::columns::{Day, Dec, Instant, Json, Null, Text, for_engine};
use crate::{StoreError, StoreResult, bulk};

crate::table_row! {
    /// A row of `settlement_contracts`: the terms as JSON, their partner and first day
    /// repeated so SQL can order and keep one contract per partner and day.
    #[allow(dead_code)]
    pub(crate) struct ContractRow in "settlement_contracts" {
        id: Text,
        tenant_id: Text,
        partner_id: Text,
        effective_from: Day,
        terms: Json<Contract>,
        created_at: Instant,
    }
}

crate::table_row! {
    /// A row of `transfers`.
    pub(crate) struct TransferRow in "transfers" {
        id: Text,
        tenant_id: Text,
        partner_id: Text,
        external_id: Text,
        kind: Text,
        occurred_on: Day,
        order_id: Null<Text>,
        product_id: Null<Text>,
        category: Null<Text>,
        amount: Dec,
        discount: Dec,
        created_at: Instant,
    }
}

/// Stores a contract; false when the partner has one from that day already.
pub async fn insert_contract(
    conn: &mut AnyConnection,
    record: &ContractRecord,
) -> StoreResult<bool> {
    let terms = to_json(&record.contract, "contract")?;
    let kinds = ContractRow::TABLE.kinds();
    let sql = bulk::insert_sql(
        &ContractRow::TABLE.target(),
        &kinds,
        1,
        bulk::sqlite(conn),
        "ON CONFLICT DO NOTHING RETURNING id",
    );
    let c = &record.contract;
    let stored = sqlx::query(&sql)
        .bind(record.id.as_str())
        .bind(record.tenant_id.as_str())
        .bind(c.partner_id.as_str())
        .bind(c.effective_from.to_string())
        .bind(terms)
        .bind(instant(record.created_at))
        .fetch_optional(conn)
        .await?;
    Ok(stored.is_some())
}

/// A partner's contracts, oldest first.
pub async fn contracts_of(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: &PartnerId,
) -> StoreResult<Vec<ContractRecord>> {
    contracts(conn, tenant, Some(partner)).await
}

/// The contracts of one partner, or of every partner of the tenant, oldest first.
pub async fn contracts(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: Option<&PartnerId>,
) -> StoreResult<Vec<ContractRecord>> {
    let sql = format!(
        "SELECT {} FROM settlement_contracts WHERE tenant_id = $1 {} \
         ORDER BY partner_id, effective_from",
        ContractRow::columns(),
        if partner.is_some() {
            "AND partner_id = $2"
        } else {
            ""
        }
    );
    let mut query = sqlx::query(&sql).bind(tenant.as_str());
    if let Some(partner) = partner {
        query = query.bind(partner.as_str());
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            let row = ContractRow::read(row)?;
            Ok(ContractRecord {
                id: SettlementContractId::from_trusted(row.id),
                tenant_id: TenantId::from_trusted(row.tenant_id),
                contract: row.terms,
                created_at: row.created_at,
            })
        })
        .collect()
}

/// Stores transfers, skipping any whose external id the tenant has recorded already;
/// returns the ids that were stored.
pub async fn insert_transfers(
    conn: &mut AnyConnection,
    records: &[TransferRecord],
) -> StoreResult<HashSet<TransferId>> {
    let sqlite = bulk::sqlite(conn);
    let (into, kinds) = (TransferRow::TABLE.target(), TransferRow::TABLE.kinds());
    let mut stored = HashSet::with_capacity(records.len());
    for chunk in records.chunks(bulk::chunk_rows(kinds.len())) {
        let sql = bulk::insert_sql(
            &into,
            &kinds,
            chunk.len(),
            sqlite,
            "ON CONFLICT DO NOTHING RETURNING id",
        );
        let mut query = sqlx::query(&sql);
        for r in chunk {
            let t = &r.transfer;
            query = query
                .bind(r.id.as_str())
                .bind(r.tenant_id.as_str())
                .bind(t.partner_id.as_str())
                .bind(t.external_id.as_str())
                .bind(t.kind.as_str())
                .bind(t.occurred_on.to_string())
                .bind(t.order_id.as_deref())
                .bind(t.product_id.as_deref())
                .bind(t.category.as_deref())
                .bind(t.amount.to_string())
                .bind(t.discount.to_string())
                .bind(instant(r.created_at));
        }
        for row in query.fetch_all(&mut *conn).await? {
            stored.insert(TransferId::from_trusted(text(&row, "id")?));
        }
    }
    Ok(stored)
}

/// A partner's transfers that happened from `from` to `to` (both included), in date order.
pub async fn transfers_of(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: &PartnerId,
    from: Date,
    to: Date,
) -> StoreResult<Vec<TransferRecord>> {
    let sql = format!(
        "SELECT {} FROM transfers WHERE tenant_id = $1 AND partner_id = $2 \
         AND occurred_on >= $3::date AND occurred_on <= $4::date ORDER BY occurred_on, id",
        TransferRow::columns()
    );
    let sql = for_engine(conn, &sql).into_owned();
    let rows = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(partner.as_str())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode_transfer).collect()
}

pub(crate) fn decode_transfer(row: &AnyRow) -> StoreResult<TransferRecord> {
    let row = TransferRow::read(row)?;
    let kind = TransferKind::parse(&row.kind)
        .ok_or_else(|| StoreError::Corrupt(format!("transfer kind {:?}", row.kind)))?;
    Ok(TransferRecord {
        id: TransferId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        transfer: Transfer {
            external_id: row.external_id,
            partner_id: PartnerId::from_trusted(row.partner_id),
            kind,
            occurred_on: row.occurred_on,
            order_id: row.order_id,
            product_id: row.product_id,
            category: row.category,
            amount: row.amount,
            discount: row.discount,
        },
        created_at: row.created_at,
    })
}
