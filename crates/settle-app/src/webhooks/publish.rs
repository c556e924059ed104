//! Publishing: a change's audit event, and the webhook deliveries it fans out to, written
//! in the change's own transaction — so an event is delivered exactly when its change
//! committed, and a crash between commit and delivery only delays it.

use std::collections::HashMap;

use settle_core::ids::{EventId, TenantId, WebhookDeliveryId};
use settle_core::webhook::{DeliveryState, WebhookDelivery, WebhookEvent};
use settle_store::Conn as AnyConnection;
use settle_store::events::{self, Event};
use settle_store::jobs::{self, NewJob};
use settle_store::tax_invoices::{self, HistoryEntry};
use settle_store::webhooks;
use time::format_description::well_known::Rfc3339;

use super::JOB_KIND;
use crate::AppError;

/// Appends `event` to the audit log and, when it is a webhook event, queues its delivery
/// to every enabled endpoint of the tenant that subscribed to it.
pub(crate) async fn record(conn: &mut AnyConnection, event: &Event) -> Result<(), AppError> {
    record_many(conn, std::slice::from_ref(event)).await
}

/// [`record`] for many events of one change (the tenant's endpoints are read once).
pub(crate) async fn record_many(conn: &mut AnyConnection, all: &[Event]) -> Result<(), AppError> {
    for event in all {
        events::append(conn, event).await?;
    }
    publish(conn, all).await
}

/// Appends tax-invoice state changes of one tenant to their history and publishes each as
/// `tax_invoice.<state>` (with the document key) to the tenant's endpoints.
pub(crate) async fn record_history(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    entries: &[HistoryEntry],
) -> Result<(), AppError> {
    tax_invoices::append_history(conn, entries).await?;
    publish_history(conn, tenant, entries).await
}

/// [`record_history`] for changes of several tenants (the filing batch, group commits).
pub(crate) async fn record_histories(
    conn: &mut AnyConnection,
    entries: &[(TenantId, HistoryEntry)],
) -> Result<(), AppError> {
    let all: Vec<HistoryEntry> = entries.iter().map(|(_, e)| e.clone()).collect();
    tax_invoices::append_history(conn, &all).await?;
    let mut by_tenant: HashMap<&TenantId, Vec<HistoryEntry>> = HashMap::new();
    for (tenant, entry) in entries {
        by_tenant.entry(tenant).or_default().push(entry.clone());
    }
    for (tenant, entries) in by_tenant {
        publish_history(conn, tenant, &entries).await?;
    }
    Ok(())
}

async fn publish_history(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    entries: &[HistoryEntry],
) -> Result<(), AppError> {
    if entries.is_empty() || !has_endpoints(conn, tenant).await? {
        return Ok(());
    }
    let ids: Vec<_> = entries.iter().map(|e| &e.tax_invoice_id).collect();
    let keys = tax_invoices::document_keys(conn, &ids).await?;
    let events: Vec<Event> = entries
        .iter()
        .map(|entry| Event {
            seq: 0,
            tenant_id: Some(tenant.clone()),
            at: entry.at,
            actor: entry.actor.clone(),
            action: format!("tax_invoice.{}", entry.to.as_str()),
            subject_type: "tax_invoice".to_owned(),
            subject_id: entry.tax_invoice_id.to_string(),
            data: serde_json::json!({
                "document_key": keys.get(entry.tax_invoice_id.as_str()),
                "from": entry.from.map(|s| s.as_str()),
                "to": entry.to.as_str(),
                "memo": entry.memo,
            }),
        })
        .collect();
    publish(conn, &events).await
}

async fn has_endpoints(conn: &mut AnyConnection, tenant: &TenantId) -> Result<bool, AppError> {
    Ok(!webhooks::enabled_endpoints(conn, tenant).await?.is_empty())
}

/// The JSON body of `event` as endpoints receive it.
fn body(id: &EventId, event: &Event) -> String {
    serde_json::json!({
        "id": id,
        "type": event.action,
        "created_at": event.at.format(&Rfc3339).unwrap_or_default(),
        "tenant_id": event.tenant_id,
        "data": {
            "object": event.subject_type,
            "id": event.subject_id,
            "actor": event.actor,
            "details": event.data,
        },
    })
    .to_string()
}

/// Queues the deliveries of `events` (all of one tenant, or none that are webhooks).
async fn publish(conn: &mut AnyConnection, events: &[Event]) -> Result<(), AppError> {
    let mut endpoints_of: HashMap<TenantId, Vec<settle_core::webhook::WebhookEndpoint>> =
        HashMap::new();
    let mut deliveries = Vec::new();
    for event in events {
        let Some(tenant) = &event.tenant_id else {
            continue;
        };
        if WebhookEvent::parse(&event.action).is_none() {
            continue;
        }
        if !endpoints_of.contains_key(tenant) {
            let found = webhooks::enabled_endpoints(conn, tenant).await?;
            endpoints_of.insert(tenant.clone(), found);
        }
        let wanted: Vec<_> = endpoints_of[tenant]
            .iter()
            .filter(|e| e.wants(&event.action))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let event_id = EventId::generate();
        let body = body(&event_id, event);
        deliveries.extend(wanted.into_iter().map(|endpoint| WebhookDelivery {
            id: WebhookDeliveryId::generate(),
            tenant_id: tenant.clone(),
            endpoint_id: endpoint.id.clone(),
            event_id: event_id.clone(),
            event_type: event.action.clone(),
            body: body.clone(),
            state: DeliveryState::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            created_at: event.at,
            first_attempt_at: None,
            finished_at: None,
        }));
    }
    if deliveries.is_empty() {
        return Ok(());
    }
    webhooks::insert_deliveries(conn, &deliveries).await?;
    let now = deliveries[0].created_at;
    let queued: Vec<NewJob> = deliveries.iter().map(delivery_job).collect();
    jobs::enqueue_many(conn, &queued, now).await?;
    Ok(())
}

/// The job that makes (or retries) a delivery.
pub(super) fn delivery_job(delivery: &WebhookDelivery) -> NewJob {
    NewJob {
        tenant_id: Some(delivery.tenant_id.clone()),
        kind: JOB_KIND.to_owned(),
        payload: serde_json::json!({ "delivery_id": delivery.id }),
        dedupe_key: None,
        run_at: delivery.created_at,
    }
}
