//! The `partner_bank_accounts` table: where a partner's payouts go. The account number is
//! stored sealed (the use case seals and opens it); its last four digits are kept in the
//! clear to show which account it is.

use settle_core::ids::{PartnerId, TenantId};
use sqlx::AnyConnection;

use crate::StoreResult;
use crate::codec::instant;
use crate::columns::{Instant, Text, for_engine};

crate::table_row! {
    /// A row of `partner_bank_accounts`.
    pub struct BankAccountRow in "partner_bank_accounts" {
        partner_id: Text,
        tenant_id: Text,
        bank_code: Text,
        holder: Text,
        account_sealed: Text,
        account_last4: Text,
        updated_at: Instant,
    }
}

/// Stores (or replaces) a partner's bank account.
pub async fn put(conn: &mut AnyConnection, row: &BankAccountRow) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO partner_bank_accounts (partner_id, tenant_id, bank_code, holder, \
         account_sealed, account_last4, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz) \
         ON CONFLICT (partner_id) DO UPDATE SET bank_code = excluded.bank_code, \
         holder = excluded.holder, account_sealed = excluded.account_sealed, \
         account_last4 = excluded.account_last4, updated_at = excluded.updated_at",
    )
    .into_owned();
    sqlx::query(&sql)
        .bind(row.partner_id.as_str())
        .bind(row.tenant_id.as_str())
        .bind(row.bank_code.as_str())
        .bind(row.holder.as_str())
        .bind(row.account_sealed.as_str())
        .bind(row.account_last4.as_str())
        .bind(instant(row.updated_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The bank accounts of a tenant's partners (all of them, or those given).
pub async fn of_partners(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partners: Option<&[PartnerId]>,
) -> StoreResult<Vec<BankAccountRow>> {
    let mut sql = format!(
        "SELECT {} FROM partner_bank_accounts WHERE tenant_id = $1",
        BankAccountRow::columns()
    );
    if let Some(partners) = partners {
        if partners.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..partners.len()).map(|i| format!("${}", i + 2)).collect();
        sql.push_str(&format!(" AND partner_id IN ({})", marks.join(", ")));
    }
    let mut query = sqlx::query(&sql).bind(tenant.as_str());
    for p in partners.unwrap_or_default() {
        query = query.bind(p.as_str());
    }
    query
        .fetch_all(conn)
        .await?
        .iter()
        .map(BankAccountRow::read)
        .collect()
}
