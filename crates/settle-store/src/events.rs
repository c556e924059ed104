//! The append-only `events` table: the audit trail of every change (the database refuses
//! updates and deletes of it).

use settle_core::ids::TenantId;
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::StoreResult;
use crate::codec::instant;
use crate::columns::{Instant, Int, Json, Null, Text, for_engine};

crate::table_row! {
    /// A row of `events`.
    pub(crate) struct EventRow in "events" {
        seq: Int,
        tenant_id: Null<Text>,
        at: Instant,
        actor: Text,
        action: Text,
        subject_type: Text,
        subject_id: Text,
        data: Json<serde_json::Value>,
    }
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Position in the log (assigned on append; ignored by [`append`]).
    pub seq: i64,
    /// The tenant it concerns; `None` for system-wide events.
    pub tenant_id: Option<TenantId>,
    /// When it happened.
    pub at: OffsetDateTime,
    /// Who did it (`key:<id>`, `cli`, `supplier:<brn>`, `system`).
    pub actor: String,
    /// What was done, dotted (`partner.created`).
    pub action: String,
    /// The kind of thing it was done to.
    pub subject_type: String,
    /// The id of the thing it was done to.
    pub subject_id: String,
    /// Details, as JSON.
    pub data: serde_json::Value,
}

/// Appends an event.
pub async fn append(conn: &mut AnyConnection, event: &Event) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO events (tenant_id, at, actor, action, subject_type, subject_id, data) \
         VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7::jsonb)",
    );
    sqlx::query(&sql)
        .bind(event.tenant_id.as_ref().map(|t| t.to_string()))
        .bind(instant(event.at))
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.subject_type)
        .bind(&event.subject_id)
        .bind(event.data.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Every event about one subject of a tenant, oldest first.
pub async fn for_subject(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    subject_type: &str,
    subject_id: &str,
) -> StoreResult<Vec<Event>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM events \
         WHERE tenant_id = $1 AND subject_type = $2 AND subject_id = $3 ORDER BY seq",
        EventRow::columns()
    ))
    .bind(tenant.as_str())
    .bind(subject_type)
    .bind(subject_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let row = EventRow::read(row)?;
            Ok(Event {
                seq: row.seq,
                tenant_id: row.tenant_id.map(TenantId::from_trusted),
                at: row.at,
                actor: row.actor,
                action: row.action,
                subject_type: row.subject_type,
                subject_id: row.subject_id,
                data: row.data,
            })
        })
        .collect()
}
