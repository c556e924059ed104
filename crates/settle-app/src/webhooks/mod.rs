//! Webhooks: a tenant's endpoints (each with a signing secret shown once and rotatable with
//! an overlap), the events every change publishes in its own transaction, and their signed,
//! retried, logged delivery.

mod deliver;
mod publish;
pub mod signature;
pub mod target;

pub use deliver::deliver_webhooks;
pub(crate) use publish::{record, record_histories, record_history, record_many};

use base64::Engine;
use rand::RngCore;
use settle_core::access::{Right, Role};
use settle_core::ids::{WebhookDeliveryId, WebhookEndpointId};
use settle_core::webhook::{
    DeliveryAttempt, DeliveryState, MAX_ENDPOINTS, MAX_URL, ROTATION_OVERLAP, WebhookDelivery,
    WebhookEndpoint, check_events,
};
use settle_store::jobs;
use settle_store::{users, webhooks};
use time::OffsetDateTime;

use crate::auth::Principal;
use crate::mail::{self, Email};
use crate::pagination::{Page, PageRequest};
use crate::{App, AppError, audit};

/// The `jobs.kind` of webhook deliveries.
pub const JOB_KIND: &str = "webhook";

/// The sealing context of an endpoint's secrets (a sealed secret opens for its row only).
pub(crate) fn secret_context(id: &WebhookEndpointId) -> String {
    format!("webhook_endpoints:{id}")
}

/// An endpoint as a client sends it; every field optional until checked.
#[derive(Clone, Debug, Default)]
pub struct EndpointInput {
    /// Where to POST.
    pub url: Option<String>,
    /// Event types, or `["*"]`.
    pub events: Option<Vec<String>>,
    /// Turn deliveries on or off.
    pub enabled: Option<bool>,
}

/// A created endpoint (or one whose secret was rotated) with its new secret, shown once.
#[derive(Clone, Debug)]
pub struct WithSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The signing secret (`whsec_…`); settle keeps it sealed and never shows it again.
    pub secret: String,
}

fn invalid(code: &'static str, field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(code, field, message)
}

fn checked_url(app: &App, url: &str) -> Result<String, AppError> {
    if url.chars().count() > MAX_URL {
        return Err(invalid(
            "webhook.invalid_url",
            "url",
            format!("url is longer than {MAX_URL} characters"),
        ));
    }
    target::check_url(url, app.settings.webhook_allow_private)
        .map(|u| u.to_string())
        .map_err(|message| invalid("webhook.invalid_url", "url", message))
}

fn checked_events(events: &[String]) -> Result<Vec<String>, AppError> {
    check_events(events).map_err(|message| invalid("webhook.invalid_events", "events", message))
}

/// A new secret and its sealed form for `endpoint`.
fn new_secret(app: &App, endpoint: &WebhookEndpointId) -> Result<(String, String), AppError> {
    let key = app.secret_key.as_ref().ok_or_else(|| {
        AppError::conflict(
            "secret_key.missing",
            "settle has no secret key (SETTLE_SECRET_KEY) to seal webhook secrets with",
        )
    })?;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let sealed = key
        .seal(secret.as_bytes(), &secret_context(endpoint))
        .map_err(AppError::internal)?;
    Ok((secret, sealed))
}

/// Registers an endpoint; answers its secret once.
pub async fn create_endpoint(
    app: &App,
    by: &Principal,
    input: EndpointInput,
) -> Result<WithSecret, AppError> {
    by.require(Right::ManageTenant)?;
    let url = checked_url(
        app,
        input
            .url
            .as_deref()
            .ok_or_else(|| invalid("webhook.missing_field", "url", "url is required"))?,
    )?;
    let events = checked_events(&input.events.unwrap_or_default())?;
    let now = app.now();
    let endpoint = WebhookEndpoint {
        id: WebhookEndpointId::generate(),
        tenant_id: by.tenant_id.clone(),
        url,
        events,
        enabled: input.enabled.unwrap_or(true),
        disabled_reason: None,
        failing_since: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let (secret, sealed) = new_secret(app, &endpoint.id)?;
    let mut tx = app.store.write().await?;
    if webhooks::list_endpoints(&mut tx, &by.tenant_id)
        .await?
        .len()
        >= MAX_ENDPOINTS
    {
        return Err(AppError::conflict(
            "webhook.too_many_endpoints",
            format!("a tenant has at most {MAX_ENDPOINTS} webhook endpoints"),
        ));
    }
    webhooks::insert_endpoint(&mut tx, &endpoint, &sealed).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "webhook_endpoint.created",
        ("webhook_endpoint", endpoint.id.as_str()),
        serde_json::json!({"url": endpoint.url, "events": endpoint.events}),
        now,
    );
    record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(WithSecret { endpoint, secret })
}

async fn load(app: &App, by: &Principal, id: &str) -> Result<WebhookEndpoint, AppError> {
    by.require(Right::ManageTenant)?;
    let id = WebhookEndpointId::parse(id).ok_or_else(|| AppError::not_found("webhook_endpoint"))?;
    let mut conn = app.store.read().await?;
    webhooks::get_endpoint(&mut conn, &by.tenant_id, &id)
        .await?
        .ok_or_else(|| AppError::not_found("webhook_endpoint"))
}

/// One endpoint.
pub async fn get_endpoint(
    app: &App,
    by: &Principal,
    id: &str,
) -> Result<WebhookEndpoint, AppError> {
    load(app, by, id).await
}

/// The tenant's endpoints.
pub async fn list_endpoints(app: &App, by: &Principal) -> Result<Vec<WebhookEndpoint>, AppError> {
    by.require(Right::ManageTenant)?;
    let mut conn = app.store.read().await?;
    Ok(webhooks::list_endpoints(&mut conn, &by.tenant_id).await?)
}

/// Changes an endpoint's URL, events or whether it is enabled (enabling it again clears
/// the failure record that disabled it).
pub async fn update_endpoint(
    app: &App,
    by: &Principal,
    id: &str,
    input: EndpointInput,
) -> Result<WebhookEndpoint, AppError> {
    let current = load(app, by, id).await?;
    let mut changed = WebhookEndpoint {
        version: current.version + 1,
        updated_at: app.now(),
        ..current.clone()
    };
    if let Some(url) = &input.url {
        changed.url = checked_url(app, url)?;
    }
    if let Some(events) = &input.events {
        changed.events = checked_events(events)?;
    }
    match input.enabled {
        Some(true) => {
            changed.enabled = true;
            changed.disabled_reason = None;
            changed.failing_since = None;
        }
        Some(false) => {
            changed.enabled = false;
            changed.disabled_reason = Some("disabled by the tenant".to_owned());
        }
        None => {}
    }
    let mut tx = app.store.write().await?;
    if !webhooks::update_endpoint(&mut tx, &changed).await? {
        return Err(AppError::conflict(
            "webhook.modified",
            "the endpoint changed meanwhile; read it again and retry",
        ));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "webhook_endpoint.updated",
        ("webhook_endpoint", changed.id.as_str()),
        serde_json::json!({"url": changed.url, "events": changed.events, "enabled": changed.enabled}),
        changed.updated_at,
    );
    record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Deletes an endpoint: no more deliveries; its log stays readable in the audit trail.
pub async fn delete_endpoint(app: &App, by: &Principal, id: &str) -> Result<(), AppError> {
    let endpoint = load(app, by, id).await?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    if !webhooks::delete_endpoint(&mut tx, &endpoint.id, now).await? {
        return Err(AppError::not_found("webhook_endpoint"));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "webhook_endpoint.deleted",
        ("webhook_endpoint", endpoint.id.as_str()),
        serde_json::json!({}),
        now,
    );
    record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// A new secret; the old one keeps signing beside it for [`ROTATION_OVERLAP`].
pub async fn rotate_secret(app: &App, by: &Principal, id: &str) -> Result<WithSecret, AppError> {
    let endpoint = load(app, by, id).await?;
    let (secret, sealed) = new_secret(app, &endpoint.id)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    if !webhooks::rotate_secret(&mut tx, &endpoint.id, &sealed, now + ROTATION_OVERLAP, now).await?
    {
        return Err(AppError::not_found("webhook_endpoint"));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "webhook_endpoint.secret_rotated",
        ("webhook_endpoint", endpoint.id.as_str()),
        serde_json::json!({}),
        now,
    );
    record(&mut tx, &event).await?;
    let endpoint = webhooks::get_endpoint(&mut tx, &by.tenant_id, &endpoint.id)
        .await?
        .ok_or_else(|| AppError::not_found("webhook_endpoint"))?;
    tx.commit().await?;
    Ok(WithSecret { endpoint, secret })
}

/// A page of an endpoint's deliveries, newest first.
pub async fn list_deliveries(
    app: &App,
    by: &Principal,
    endpoint: &str,
    page: &PageRequest,
) -> Result<Page<WebhookDelivery>, AppError> {
    let endpoint = load(app, by, endpoint).await?;
    let mut conn = app.store.read().await?;
    let items = webhooks::list_deliveries(
        &mut conn,
        &endpoint.id,
        page.after.as_deref(),
        i64::from(page.limit) + 1,
    )
    .await?;
    Ok(page.page(items, |d| d.id.as_str()))
}

async fn load_delivery(app: &App, by: &Principal, id: &str) -> Result<WebhookDelivery, AppError> {
    by.require(Right::ManageTenant)?;
    let id = WebhookDeliveryId::parse(id).ok_or_else(|| AppError::not_found("webhook_delivery"))?;
    let mut conn = app.store.read().await?;
    webhooks::get_delivery(&mut conn, &id)
        .await?
        .filter(|d| d.tenant_id == by.tenant_id)
        .ok_or_else(|| AppError::not_found("webhook_delivery"))
}

/// One delivery with every attempt.
pub async fn get_delivery(
    app: &App,
    by: &Principal,
    id: &str,
) -> Result<(WebhookDelivery, Vec<DeliveryAttempt>), AppError> {
    let delivery = load_delivery(app, by, id).await?;
    let mut conn = app.store.read().await?;
    let attempts = webhooks::attempts(&mut conn, &delivery.id).await?;
    Ok((delivery, attempts))
}

/// Delivers an event again (a delivered one too: the receiver asked), as soon as a worker
/// is free; the earlier attempts stay in its log.
pub async fn redeliver(app: &App, by: &Principal, id: &str) -> Result<WebhookDelivery, AppError> {
    let delivery = load_delivery(app, by, id).await?;
    if delivery.state == DeliveryState::Pending {
        return Err(AppError::conflict(
            "webhook.delivery_pending",
            "the delivery is still being attempted",
        ));
    }
    let now = app.now();
    let mut tx = app.store.write().await?;
    webhooks::reopen(&mut tx, &delivery.id).await?;
    let job = publish::delivery_job(&WebhookDelivery {
        created_at: now,
        ..delivery.clone()
    });
    jobs::enqueue(&mut tx, &job, now).await?;
    tx.commit().await?;
    Ok(WebhookDelivery {
        state: DeliveryState::Pending,
        finished_at: None,
        first_attempt_at: None,
        ..delivery
    })
}

/// Tells the tenant's user and billing admins that `endpoint` was disabled after three
/// days of failures.
pub(crate) async fn notify_disabled(
    tx: &mut settle_store::Conn,
    endpoint: &WebhookEndpoint,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let admins: Vec<Email> = users::list(tx, &endpoint.tenant_id)
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .filter(|u| {
            u.roles
                .iter()
                .any(|r| matches!(r, Role::UserAdmin | Role::BillingAdmin))
        })
        .map(|u| mail::templates::webhook_disabled(&u.email, endpoint))
        .collect();
    let event = audit(
        &endpoint.tenant_id,
        "system",
        "webhook_endpoint.disabled",
        ("webhook_endpoint", endpoint.id.as_str()),
        serde_json::json!({"reason": endpoint.disabled_reason}),
        now,
    );
    record(tx, &event).await?;
    mail::enqueue(tx, &endpoint.tenant_id, admins, now).await
}
