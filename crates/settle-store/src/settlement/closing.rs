//! Closing settlements: the open transfers of a tenant read a partner at a time, and the
//! closed settlements stored with their [reach](settle_core::settlement::Reach): the
//! highest transfer number recorded when they closed. No transfer row is written; which
//! settlement holds a transfer is read from the reaches (`seq <= through_seq AND
//! occurred_on <= period_end`, the oldest such settlement of its partner).
//!
//! A row of the open read is a partner with its transfers aggregated (`string_agg …
//! ORDER BY occurred_on, id`, the same SQL on both engines), so a million transfers cross
//! the embedded engine's row channel as ten thousand rows.

use std::collections::HashMap;

use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use rust_decimal::Decimal;
use settle_core::currency::Currency;
use settle_core::ids::{PartnerId, SettlementId, TaxInvoiceId, TenantId};
use settle_core::settlement::{
    Payout, Reach, SettlementRecord, SettlementState, Taxation, Totals, Transfer, TransferKind,
    Withholding,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use time::{Date, OffsetDateTime};

use super::{TransferRow, decode_transfer};
use crate::codec::{instant, to_json};
use crate::columns::{CurrencyCode, Day, Dec, Field, Instant, Int, Json, Null, Text, for_engine};
use crate::{StoreError, StoreResult, bulk};

/// Separates a transfer's fields in the aggregated read (transfer text has no control
/// characters: validation refuses them).
const FIELD: char = '\u{1e}';
/// Separates transfers.
const ROW: char = '\u{1f}';

crate::table_row! {
    /// A row of `settlements`. Its reach (`through_seq`) is written with it and read only
    /// by SQL, which decides with it which transfers it holds.
    #[allow(dead_code)]
    pub(crate) struct SettlementRow in "settlements" {
        id: Text,
        tenant_id: Text,
        partner_id: Text,
        period_start: Day,
        period_end: Day,
        payout_date: Day,
        currency: CurrencyCode,
        taxation: Json<Taxation>,
        sales: Dec,
        fees: Dec,
        partner_discounts: Dec,
        platform_discounts: Dec,
        adjustments: Dec,
        owed: Dec,
        income_tax: Dec,
        local_income_tax: Dec,
        payout: Dec,
        transfer_count: Int,
        state: Text,
        tax_invoice_id: Null<Text>,
        paid_on: Null<Day>,
        payout_reference: Null<Text>,
        closed_at: Instant,
        updated_at: Instant,
        through_seq: Int,
    }
}

/// Keeps other writers from adding transfers while a close reads them (on PostgreSQL; the
/// embedded engine has one writer at a time anyway), and returns the highest transfer
/// number recorded: every transfer up to it is visible to the close, none after it is.
pub async fn lock_transfers(conn: &mut AnyConnection) -> StoreResult<i64> {
    if !bulk::sqlite(conn) {
        sqlx::query("LOCK TABLE transfers IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
    }
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM transfers")
        .fetch_one(conn)
        .await?;
    Int::read(&row, "seq")
}

/// The reach of each partner's latest closed settlement.
pub async fn last_closed(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: Option<&PartnerId>,
) -> StoreResult<HashMap<PartnerId, Reach>> {
    let sql = format!(
        "SELECT partner_id, MAX(through_seq) AS through_seq, \
         CAST(MAX(period_end) AS TEXT) AS period_end FROM settlements \
         WHERE tenant_id = $1 {} GROUP BY partner_id",
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
    let mut out = HashMap::new();
    for row in query.fetch_all(conn).await? {
        let reach = Reach {
            through_seq: Int::read(&row, "through_seq")?,
            end: Day::read(&row, "period_end")?,
        };
        out.insert(
            PartnerId::from_trusted(Text::read(&row, "partner_id")?),
            reach,
        );
    }
    Ok(out)
}

/// A partner's open transfers, oldest first.
pub type Unsettled = (PartnerId, Vec<Transfer>);

/// The read of the open transfers that happened by a day (of one partner, or of every
/// partner of the tenant), a partner at a time. A transfer is open while its partner's
/// latest reach does not cover it: recorded after that close, or dated after its last day.
/// Each kind is read through its own index (`transfers_partner_seq` for the first,
/// `transfers_partner` for the second), so a close reads what is open, not the history.
pub struct UnsettledQuery {
    sql: String,
    args: Vec<String>,
}

impl UnsettledQuery {
    /// The read for `tenant` (and `partner`) through `through`.
    pub fn new(
        conn: &AnyConnection,
        tenant: &TenantId,
        partner: Option<&PartnerId>,
        through: Date,
    ) -> Self {
        let fields = [
            "t.external_id",
            "t.kind",
            "CAST(t.occurred_on AS TEXT)",
            "COALESCE(t.order_id, '')",
            "COALESCE(t.product_id, '')",
            "COALESCE(t.category, '')",
            "CAST(t.amount AS TEXT)",
            "CAST(t.discount AS TEXT)",
        ]
        .join(" || $2::text || ");
        let aggregate = |open: &str| {
            format!(
                "(SELECT string_agg({fields}, $3::text ORDER BY t.occurred_on, t.id) \
                 FROM transfers t WHERE t.tenant_id = $1 AND t.partner_id = p.id \
                 AND {open} AND t.occurred_on <= $4::date)"
            )
        };
        let (of_settlements, of_partners) = if partner.is_some() {
            ("AND partner_id = $5", "AND p.id = $5")
        } else {
            ("", "")
        };
        let sql = format!(
            "WITH latest AS (SELECT partner_id, MAX(through_seq) AS seq, \
             MAX(period_end) AS day FROM settlements WHERE tenant_id = $1 {of_settlements} \
             GROUP BY partner_id) \
             SELECT p.id AS partner_id, {} AS recorded_after, {} AS dated_after \
             FROM partners p LEFT JOIN latest l ON l.partner_id = p.id \
             WHERE p.tenant_id = $1 {of_partners} ORDER BY p.id",
            aggregate("t.seq > COALESCE(l.seq, 0)"),
            aggregate("t.seq <= l.seq AND t.occurred_on > l.day"),
        );
        let args = [
            Some(tenant.as_str().to_owned()),
            Some(FIELD.to_string()),
            Some(ROW.to_string()),
            Some(through.to_string()),
            partner.map(|p| p.as_str().to_owned()),
        ];
        UnsettledQuery {
            sql: for_engine(conn, &sql).into_owned(),
            args: args.into_iter().flatten().collect(),
        }
    }

    /// Streams the partners that have open transfers, with them.
    pub fn fetch<'c>(
        &'c self,
        conn: &'c mut AnyConnection,
    ) -> BoxStream<'c, StoreResult<Unsettled>> {
        let mut query = sqlx::query(&self.sql);
        for arg in &self.args {
            query = query.bind(arg.as_str());
        }
        query
            .fetch(conn)
            .map(|row| decode_partner(&row.map_err(StoreError::from)?))
            .try_filter(|(_, transfers)| std::future::ready(!transfers.is_empty()))
            .boxed()
    }
}

fn decode_partner(row: &AnyRow) -> StoreResult<Unsettled> {
    let partner = PartnerId::from_trusted(Text::read(row, "partner_id")?);
    let mut transfers = Vec::new();
    for column in ["recorded_after", "dated_after"] {
        let text = Null::<Text>::read(row, column)?.unwrap_or_default();
        for t in text.split(ROW).filter(|t| !t.is_empty()) {
            transfers.push(decode_aggregated(&partner, t)?);
        }
    }
    // Each column is in date order; together they are once sorted (stably) by date.
    transfers.sort_by_key(|t: &Transfer| t.occurred_on);
    Ok((partner, transfers))
}

fn decode_aggregated(partner: &PartnerId, text: &str) -> StoreResult<Transfer> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("transfer {what}: {text:?}"));
    let mut fields = text.split(FIELD);
    let mut next = |what: &str| fields.next().ok_or_else(|| corrupt(what));
    let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let external_id = next("external_id")?.to_owned();
    let kind = TransferKind::parse(next("kind")?).ok_or_else(|| corrupt("kind"))?;
    let occurred_on = crate::codec::parse_date(next("occurred_on")?)?;
    let order_id = optional(next("order_id")?);
    let product_id = optional(next("product_id")?);
    let category = optional(next("category")?);
    let decimal = |s: &str, what: &str| s.parse::<Decimal>().map_err(|_| corrupt(what));
    let amount = decimal(next("amount")?, "amount")?;
    let discount = decimal(next("discount")?, "discount")?;
    Ok(Transfer {
        external_id,
        partner_id: partner.clone(),
        kind,
        occurred_on,
        order_id,
        product_id,
        category,
        amount,
        discount,
    })
}

/// Stores closed settlements reaching `through_seq` (the highest transfer number the close
/// saw, from [`lock_transfers`]); false (nothing stored) when one of their cycles is
/// closed already, which a concurrent close did.
pub async fn insert(
    conn: &mut AnyConnection,
    records: &[SettlementRecord],
    through_seq: i64,
) -> StoreResult<bool> {
    let sqlite = bulk::sqlite(conn);
    let (into, kinds) = (SettlementRow::TABLE.target(), SettlementRow::TABLE.kinds());
    let mut stored = 0;
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
            let t = &r.totals;
            let dec = |d: Decimal| d.to_string();
            query = query
                .bind(r.id.as_str())
                .bind(r.tenant_id.as_str())
                .bind(r.partner_id.as_str())
                .bind(r.period_start.to_string())
                .bind(r.period_end.to_string())
                .bind(r.payout_date.to_string())
                .bind(r.currency.code())
                .bind(to_json(&r.taxation, "taxation")?)
                .bind(dec(t.sales))
                .bind(dec(t.fees))
                .bind(dec(t.partner_discounts))
                .bind(dec(t.platform_discounts))
                .bind(dec(t.adjustments))
                .bind(dec(t.owed))
                .bind(dec(t.withholding.income_tax))
                .bind(dec(t.withholding.local_income_tax))
                .bind(dec(t.payout))
                .bind(i64::from(t.transfers))
                .bind(r.state.as_str())
                .bind(r.tax_invoice_id.as_ref().map(|id| id.as_str().to_owned()))
                .bind(r.payout.as_ref().map(|p| p.paid_on.to_string()))
                .bind(r.payout.as_ref().and_then(|p| p.reference.clone()))
                .bind(instant(r.closed_at))
                .bind(instant(r.updated_at))
                .bind(through_seq);
        }
        stored += query.fetch_all(&mut *conn).await?.len();
    }
    Ok(stored == records.len())
}

/// One settlement.
pub async fn get(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    id: &SettlementId,
) -> StoreResult<Option<SettlementRecord>> {
    let sql = format!(
        "SELECT {} FROM settlements WHERE tenant_id = $1 AND id = $2",
        SettlementRow::columns()
    );
    let row = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Which settlements to list.
#[derive(Clone, Debug, Default)]
pub struct SettlementFilter {
    /// Only this partner's.
    pub partner_id: Option<PartnerId>,
    /// Only cycles ending on or after this day.
    pub ends_from: Option<Date>,
    /// Only cycles ending on or before this day.
    pub ends_through: Option<Date>,
    /// Only in this state.
    pub state: Option<SettlementState>,
    /// Only of these partners (a sales agent's).
    pub among: Option<Vec<PartnerId>>,
}

/// Settlements in id (closing) order; at most `limit` after the `after` id.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    filter: &SettlementFilter,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<SettlementRecord>> {
    let mut args: Vec<String> = vec![tenant.as_str().to_owned()];
    let mut condition = String::from("tenant_id = $1");
    let mut push = |args: &mut Vec<String>, clause: &str, value: String| {
        args.push(value);
        condition.push_str(&clause.replace('?', &format!("${}", args.len())));
    };
    if let Some(p) = &filter.partner_id {
        push(&mut args, " AND partner_id = ?", p.as_str().to_owned());
    }
    if let Some(d) = filter.ends_from {
        push(&mut args, " AND period_end >= ?::date", d.to_string());
    }
    if let Some(d) = filter.ends_through {
        push(&mut args, " AND period_end <= ?::date", d.to_string());
    }
    if let Some(s) = filter.state {
        push(&mut args, " AND state = ?", s.as_str().to_owned());
    }
    if let Some(a) = after {
        push(&mut args, " AND id > ?", a.to_owned());
    }
    if let Some(among) = &filter.among {
        let marks: Vec<String> = among
            .iter()
            .map(|p| {
                args.push(p.as_str().to_owned());
                format!("${}", args.len())
            })
            .collect();
        if marks.is_empty() {
            condition.push_str(" AND 1 = 0");
        } else {
            condition.push_str(&format!(" AND partner_id IN ({})", marks.join(", ")));
        }
    }
    let sql = format!(
        "SELECT {} FROM settlements WHERE {condition} ORDER BY id LIMIT {limit}",
        SettlementRow::columns()
    );
    let sql = for_engine(conn, &sql).into_owned();
    let mut query = sqlx::query(&sql);
    for arg in &args {
        query = query.bind(arg.as_str());
    }
    query.fetch_all(conn).await?.iter().map(decode).collect()
}

/// `t` is held by an earlier settlement of its partner than `s`: one whose reach covers
/// it (reaches only grow, so one is the holder).
const HELD_BEFORE: &str = "EXISTS (SELECT 1 FROM settlements e WHERE e.tenant_id = s.tenant_id \
     AND e.partner_id = s.partner_id AND e.period_end < s.period_end \
     AND t.seq <= e.through_seq AND t.occurred_on <= e.period_end)";

/// The transfers a settlement holds, in date order: those its reach covers and no earlier
/// settlement's does.
pub async fn transfers_in(
    conn: &mut AnyConnection,
    settlement: &SettlementRecord,
) -> StoreResult<Vec<settle_core::settlement::TransferRecord>> {
    let sql = format!(
        "SELECT {} FROM settlements s JOIN transfers t ON t.tenant_id = s.tenant_id \
         AND t.partner_id = s.partner_id AND t.seq <= s.through_seq \
         AND t.occurred_on <= s.period_end \
         WHERE s.tenant_id = $1 AND s.id = $2 AND NOT {HELD_BEFORE} \
         ORDER BY t.occurred_on, t.id",
        TransferRow::TABLE.select_list("t.")
    );
    let rows = sqlx::query(&sql)
        .bind(settlement.tenant_id.as_str())
        .bind(settlement.id.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode_transfer).collect()
}

/// For each of `orders`, the settlement of a partner that settled a transfer of it before
/// `settlement` (to explain a cancellation or refund as a correction of it).
pub async fn earlier_settlements_of_orders(
    conn: &mut AnyConnection,
    settlement: &SettlementRecord,
    orders: &[String],
) -> StoreResult<HashMap<String, SettlementId>> {
    let mut out = HashMap::new();
    if orders.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (0..orders.len()).map(|i| format!("${}", i + 4)).collect();
    // `s` is the holder: its reach covers the transfer and no earlier one's does.
    let sql = format!(
        "SELECT t.order_id, MIN(s.id) AS settlement_id FROM transfers t \
         JOIN settlements s ON s.tenant_id = t.tenant_id AND s.partner_id = t.partner_id \
         AND t.seq <= s.through_seq AND t.occurred_on <= s.period_end \
         WHERE t.tenant_id = $1 AND t.partner_id = $2 AND s.period_end < $3::date \
         AND t.order_id IN ({}) AND NOT {HELD_BEFORE} GROUP BY t.order_id",
        marks.join(", ")
    );
    let sql = for_engine(conn, &sql).into_owned();
    let mut query = sqlx::query(&sql)
        .bind(settlement.tenant_id.as_str())
        .bind(settlement.partner_id.as_str())
        .bind(settlement.period_start.to_string());
    for order in orders {
        query = query.bind(order.as_str());
    }
    for row in query.fetch_all(conn).await? {
        out.insert(
            Text::read(&row, "order_id")?,
            SettlementId::from_trusted(Text::read(&row, "settlement_id")?),
        );
    }
    Ok(out)
}

/// The partner's closed settlement whose cycle holds `day`, if any.
pub async fn covering(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    partner: &PartnerId,
    day: Date,
) -> StoreResult<Option<SettlementId>> {
    let sql = for_engine(
        conn,
        "SELECT id FROM settlements WHERE tenant_id = $1 AND partner_id = $2 \
         AND period_start <= $3::date AND period_end >= $3::date",
    )
    .into_owned();
    let row = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(partner.as_str())
        .bind(day.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(|r| Text::read(&r, "id").map(SettlementId::from_trusted))
        .transpose()
}

/// Links a settlement to its tax invoice; false when it has one already.
pub async fn set_tax_invoice(
    conn: &mut AnyConnection,
    id: &SettlementId,
    tax_invoice: &TaxInvoiceId,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE settlements SET tax_invoice_id = $1, updated_at = $2::timestamptz \
         WHERE id = $3 AND tax_invoice_id IS NULL",
    )
    .into_owned();
    let done = sqlx::query(&sql)
        .bind(tax_invoice.as_str())
        .bind(instant(now))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a settlement's payout; false unless it was closed and unpaid.
pub async fn mark_paid(
    conn: &mut AnyConnection,
    id: &SettlementId,
    payout: &Payout,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE settlements SET state = 'paid', paid_on = $1::date, payout_reference = $2, \
         updated_at = $3::timestamptz WHERE id = $4 AND state = 'closed'",
    )
    .into_owned();
    let done = sqlx::query(&sql)
        .bind(payout.paid_on.to_string())
        .bind(payout.reference.as_deref())
        .bind(instant(now))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn decode(row: &AnyRow) -> StoreResult<SettlementRecord> {
    let row = SettlementRow::read(row)?;
    let state = SettlementState::parse(&row.state)
        .ok_or_else(|| StoreError::Corrupt(format!("settlement state {:?}", row.state)))?;
    let currency: Currency = row.currency;
    Ok(SettlementRecord {
        id: SettlementId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        partner_id: PartnerId::from_trusted(row.partner_id),
        period_start: row.period_start,
        period_end: row.period_end,
        payout_date: row.payout_date,
        currency,
        taxation: row.taxation,
        totals: Totals {
            sales: row.sales,
            fees: row.fees,
            partner_discounts: row.partner_discounts,
            platform_discounts: row.platform_discounts,
            adjustments: row.adjustments,
            owed: row.owed,
            withholding: Withholding {
                income_tax: row.income_tax,
                local_income_tax: row.local_income_tax,
            },
            payout: row.payout,
            transfers: u32::try_from(row.transfer_count).unwrap_or(u32::MAX),
        },
        state,
        tax_invoice_id: row.tax_invoice_id.map(TaxInvoiceId::from_trusted),
        payout: row.paid_on.map(|paid_on| Payout {
            paid_on,
            reference: row.payout_reference,
        }),
        closed_at: row.closed_at,
        updated_at: row.updated_at,
    })
}
