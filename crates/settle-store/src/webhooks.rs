//! The webhook tables: endpoints (with their sealed secrets), deliveries and attempts.

use settle_core::ids::{EventId, TenantId, WebhookDeliveryId, WebhookEndpointId};
use settle_core::webhook::{DeliveryAttempt, DeliveryState, WebhookDelivery, WebhookEndpoint};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::codec::{instant, to_json};
use crate::columns::{Instant, Int, Json, Null, Text, for_engine};
use crate::{StoreError, StoreResult};

crate::table_row! {
    /// What a read takes of a `webhook_endpoints` row (not its secrets).
    pub(crate) struct EndpointRow in "webhook_endpoints" {
        id: Text,
        tenant_id: Text,
        url: Text,
        events: Json<Vec<String>>,
        enabled: Int,
        disabled_reason: Null<Text>,
        failing_since: Null<Instant>,
        version: Int,
        created_at: Instant,
        updated_at: Instant,
    }
}

crate::table_row! {
    /// The sealed secrets of a `webhook_endpoints` row.
    pub(crate) struct SecretRow in "webhook_endpoints" {
        secret: Text,
        previous_secret: Null<Text>,
        previous_until: Null<Instant>,
    }
}

crate::table_row! {
    /// A row of `webhook_deliveries`.
    pub(crate) struct DeliveryRow in "webhook_deliveries" {
        id: Text,
        tenant_id: Text,
        endpoint_id: Text,
        event_id: Text,
        event_type: Text,
        body: Text,
        state: Text,
        attempts: Int,
        last_status: Null<Int>,
        last_error: Null<Text>,
        created_at: Instant,
        first_attempt_at: Null<Instant>,
        finished_at: Null<Instant>,
    }
}

crate::table_row! {
    /// A row of `webhook_attempts`.
    pub(crate) struct AttemptRow in "webhook_attempts" {
        attempt: Int,
        at: Instant,
        status: Null<Int>,
        error: Null<Text>,
        duration_ms: Int,
    }
}

/// An endpoint's sealed signing secrets: the current one, and the rotated-out one with
/// the instant until which it still signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secrets {
    /// The current secret, sealed.
    pub current: String,
    /// The previous secret, sealed, and until when it signs too.
    pub previous: Option<(String, OffsetDateTime)>,
}

fn flag(on: bool) -> i64 {
    i64::from(on)
}

/// Stores a new endpoint with its sealed secret.
pub async fn insert_endpoint(
    conn: &mut AnyConnection,
    endpoint: &WebhookEndpoint,
    sealed_secret: &str,
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO webhook_endpoints (id, tenant_id, url, events, secret, previous_secret, \
         previous_until, enabled, disabled_reason, failing_since, deleted, version, created_at, \
         updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, NULL, NULL, $6, NULL, NULL, 0, $7, \
         $8::timestamptz, $9::timestamptz)",
    );
    sqlx::query(&sql)
        .bind(endpoint.id.as_str())
        .bind(endpoint.tenant_id.as_str())
        .bind(&endpoint.url)
        .bind(to_json(&endpoint.events, "webhook events")?)
        .bind(sealed_secret)
        .bind(flag(endpoint.enabled))
        .bind(endpoint.version)
        .bind(instant(endpoint.created_at))
        .bind(instant(endpoint.updated_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The tenant's endpoint with this id, unless deleted.
pub async fn get_endpoint(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    id: &WebhookEndpointId,
) -> StoreResult<Option<WebhookEndpoint>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2 AND deleted = 0",
        EndpointRow::columns()
    ))
    .bind(id.as_str())
    .bind(tenant.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode_endpoint).transpose()
}

/// The tenant's endpoints, oldest first, deleted ones left out.
pub async fn list_endpoints(
    conn: &mut AnyConnection,
    tenant: &TenantId,
) -> StoreResult<Vec<WebhookEndpoint>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM webhook_endpoints WHERE tenant_id = $1 AND deleted = 0 ORDER BY id",
        EndpointRow::columns()
    ))
    .bind(tenant.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_endpoint).collect()
}

/// The tenant's enabled endpoints (the ones an event fans out to).
pub async fn enabled_endpoints(
    conn: &mut AnyConnection,
    tenant: &TenantId,
) -> StoreResult<Vec<WebhookEndpoint>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM webhook_endpoints WHERE tenant_id = $1 AND enabled = 1 AND deleted = 0 \
         ORDER BY id",
        EndpointRow::columns()
    ))
    .bind(tenant.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_endpoint).collect()
}

/// Replaces an endpoint's settings if its version is still `endpoint.version - 1`; false
/// when someone else changed it first.
pub async fn update_endpoint(
    conn: &mut AnyConnection,
    endpoint: &WebhookEndpoint,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE webhook_endpoints SET url = $1, events = $2::jsonb, enabled = $3, \
         disabled_reason = $4, failing_since = $5::timestamptz, version = $6, \
         updated_at = $7::timestamptz WHERE id = $8 AND version = $9 AND deleted = 0",
    );
    let done = sqlx::query(&sql)
        .bind(&endpoint.url)
        .bind(to_json(&endpoint.events, "webhook events")?)
        .bind(flag(endpoint.enabled))
        .bind(endpoint.disabled_reason.as_deref())
        .bind(endpoint.failing_since.map(instant))
        .bind(endpoint.version)
        .bind(instant(endpoint.updated_at))
        .bind(endpoint.id.as_str())
        .bind(endpoint.version - 1)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes an endpoint: it stops receiving, and its delivery log stays.
pub async fn delete_endpoint(
    conn: &mut AnyConnection,
    id: &WebhookEndpointId,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE webhook_endpoints SET deleted = 1, enabled = 0, secret = '', previous_secret = \
         NULL, updated_at = $1::timestamptz, version = version + 1 WHERE id = $2 AND deleted = 0",
    );
    let done = sqlx::query(&sql)
        .bind(instant(at))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The endpoint's sealed secrets.
pub async fn secrets(conn: &mut AnyConnection, id: &WebhookEndpointId) -> StoreResult<Secrets> {
    let sql = format!(
        "SELECT {} FROM webhook_endpoints WHERE id = $1",
        SecretRow::columns()
    );
    let row = sqlx::query(&sql).bind(id.as_str()).fetch_one(conn).await?;
    let row = SecretRow::read(&row)?;
    Ok(Secrets {
        current: row.secret,
        previous: row.previous_secret.zip(row.previous_until),
    })
}

/// Replaces the current secret; the old one keeps signing until `previous_until`.
pub async fn rotate_secret(
    conn: &mut AnyConnection,
    id: &WebhookEndpointId,
    sealed: &str,
    previous_until: OffsetDateTime,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = \
         $1::timestamptz, secret = $2, version = version + 1, updated_at = $3::timestamptz \
         WHERE id = $4 AND deleted = 0",
    );
    let done = sqlx::query(&sql)
        .bind(instant(previous_until))
        .bind(sealed)
        .bind(instant(at))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that the endpoint failed (from `since`, kept if already failing) or, with
/// `None`, that it answered again.
pub async fn set_failing(
    conn: &mut AnyConnection,
    id: &WebhookEndpointId,
    since: Option<OffsetDateTime>,
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "UPDATE webhook_endpoints SET failing_since = CASE WHEN $1::timestamptz IS NULL THEN \
         NULL ELSE COALESCE(failing_since, $1::timestamptz) END WHERE id = $2",
    );
    sqlx::query(&sql)
        .bind(since.map(instant))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores new deliveries (an event fanned out to its endpoints).
pub async fn insert_deliveries(
    conn: &mut AnyConnection,
    deliveries: &[WebhookDelivery],
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, \
         body, state, attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, \
         $8::timestamptz)",
    );
    for d in deliveries {
        sqlx::query(&sql)
            .bind(d.id.as_str())
            .bind(d.tenant_id.as_str())
            .bind(d.endpoint_id.as_str())
            .bind(d.event_id.as_str())
            .bind(&d.event_type)
            .bind(&d.body)
            .bind(d.state.as_str())
            .bind(instant(d.created_at))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The delivery with this id (of any tenant).
pub async fn get_delivery(
    conn: &mut AnyConnection,
    id: &WebhookDeliveryId,
) -> StoreResult<Option<WebhookDelivery>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM webhook_deliveries WHERE id = $1",
        DeliveryRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode_delivery).transpose()
}

/// A page of an endpoint's deliveries, newest first, before `before`.
pub async fn list_deliveries(
    conn: &mut AnyConnection,
    endpoint: &WebhookEndpointId,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<WebhookDelivery>> {
    let sql = format!(
        "SELECT {} FROM webhook_deliveries WHERE endpoint_id = $1 AND id < $2 \
         ORDER BY id DESC LIMIT $3",
        DeliveryRow::columns()
    );
    // Ids are `whd_` and a ULID, so `whd_~` sorts after every one of them.
    let rows = sqlx::query(&sql)
        .bind(endpoint.as_str())
        .bind(before.unwrap_or("whd_~"))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode_delivery).collect()
}

/// Records an attempt and the delivery's new state.
pub async fn record_attempt(
    conn: &mut AnyConnection,
    delivery: &WebhookDelivery,
    attempt: &DeliveryAttempt,
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms) \
         VALUES ($1, $2, $3::timestamptz, $4, $5, $6)",
    );
    sqlx::query(&sql)
        .bind(delivery.id.as_str())
        .bind(attempt.attempt)
        .bind(instant(attempt.at))
        .bind(attempt.status)
        .bind(attempt.error.as_deref())
        .bind(attempt.duration_ms)
        .execute(&mut *conn)
        .await?;
    let sql = for_engine(
        conn,
        "UPDATE webhook_deliveries SET state = $1, attempts = $2, last_status = $3, \
         last_error = $4, first_attempt_at = COALESCE(first_attempt_at, $5::timestamptz), \
         finished_at = $6::timestamptz WHERE id = $7",
    );
    sqlx::query(&sql)
        .bind(delivery.state.as_str())
        .bind(attempt.attempt)
        .bind(attempt.status)
        .bind(attempt.error.as_deref())
        .bind(instant(attempt.at))
        .bind(delivery.finished_at.map(instant))
        .bind(delivery.id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives a pending delivery up without an attempt (its endpoint was disabled).
pub async fn give_up(
    conn: &mut AnyConnection,
    id: &WebhookDeliveryId,
    reason: &str,
    at: OffsetDateTime,
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "UPDATE webhook_deliveries SET state = 'failed', last_error = $1, \
         finished_at = $2::timestamptz WHERE id = $3 AND state = 'pending'",
    );
    sqlx::query(&sql)
        .bind(reason)
        .bind(instant(at))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Opens a delivery again (a redelivery asked for): pending, its attempts kept.
pub async fn reopen(conn: &mut AnyConnection, id: &WebhookDeliveryId) -> StoreResult<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET state = 'pending', finished_at = NULL, \
         first_attempt_at = NULL WHERE id = $1",
    )
    .bind(id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Every attempt of a delivery, in order.
pub async fn attempts(
    conn: &mut AnyConnection,
    id: &WebhookDeliveryId,
) -> StoreResult<Vec<DeliveryAttempt>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt",
        AttemptRow::columns()
    ))
    .bind(id.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let row = AttemptRow::read(row)?;
            Ok(DeliveryAttempt {
                attempt: row.attempt,
                at: row.at,
                status: row.status,
                error: row.error,
                duration_ms: row.duration_ms,
            })
        })
        .collect()
}

fn decode_endpoint(row: &AnyRow) -> StoreResult<WebhookEndpoint> {
    let row = EndpointRow::read(row)?;
    Ok(WebhookEndpoint {
        id: WebhookEndpointId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        url: row.url,
        events: row.events,
        enabled: row.enabled == 1,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn decode_delivery(row: &AnyRow) -> StoreResult<WebhookDelivery> {
    let row = DeliveryRow::read(row)?;
    Ok(WebhookDelivery {
        id: WebhookDeliveryId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        endpoint_id: WebhookEndpointId::from_trusted(row.endpoint_id),
        event_id: EventId::from_trusted(row.event_id),
        event_type: row.event_type,
        body: row.body,
        state: DeliveryState::parse(&row.state)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery state {:?}", row.state)))?,
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        created_at: row.created_at,
        first_attempt_at: row.first_attempt_at,
        finished_at: row.finished_at,
    })
}
