//! Delivering: the worker claims due deliveries from the jobs table, POSTs them signed and
//! concurrently, then records every attempt of the round in one transaction. A failure is
//! retried with exponential backoff and jitter for three days; an endpoint that has failed
//! for three days is disabled. A server that dies mid-round loses its leases and another
//! takes the jobs over, so delivery is at least once; receivers deduplicate by event id.

use std::time::{Duration as StdDuration, Instant};

use futures::StreamExt;
use rand::Rng;
use settle_core::ids::WebhookDeliveryId;
use settle_core::webhook::{
    DeliveryAttempt, DeliveryState, GIVE_UP_AFTER, WebhookDelivery, WebhookEndpoint, retry_at,
};
use settle_store::jobs::{self, Job};
use settle_store::webhooks;
use time::{Duration, OffsetDateTime};

use super::signature::signature_header;
use super::target::{self, Target};
use super::{JOB_KIND, secret_context};
use crate::{App, AppError};

/// Deliveries claimed per round.
const BATCH: u32 = 500;
/// Deliveries in flight at once.
const IN_FLIGHT: usize = 64;
/// A round's lease: longer than a round can take.
const LEASE: Duration = Duration::minutes(2);
/// How long an endpoint has to answer.
const TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// What one attempt came to.
struct Outcome {
    job: Job,
    delivery: Option<WebhookDelivery>,
    endpoint: Option<WebhookEndpoint>,
    attempt: Option<DeliveryAttempt>,
}

/// Delivers every due webhook; returns how many attempts were made.
pub async fn deliver_webhooks(app: &App, owner: &str) -> Result<usize, AppError> {
    let mut made = 0;
    loop {
        let claimed = crate::worker::claim(app, JOB_KIND, owner, LEASE, BATCH).await?;
        if claimed.is_empty() {
            return Ok(made);
        }
        let outcomes: Vec<Outcome> = futures::stream::iter(claimed)
            .map(|job| attempt(app, job))
            .buffer_unordered(IN_FLIGHT)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        made += outcomes.iter().filter(|o| o.attempt.is_some()).count();
        record(app, owner, outcomes).await?;
    }
}

/// Loads a delivery and makes its next attempt (or none, when it is settled already or
/// its endpoint is gone).
async fn attempt(app: &App, job: Job) -> Result<Outcome, AppError> {
    let id = job.payload["delivery_id"]
        .as_str()
        .and_then(WebhookDeliveryId::parse);
    let mut conn = app.store.read().await?;
    let delivery = match id {
        Some(id) => webhooks::get_delivery(&mut conn, &id).await?,
        None => None,
    };
    let Some(delivery) = delivery.filter(|d| d.state == DeliveryState::Pending) else {
        return Ok(Outcome {
            job,
            delivery: None,
            endpoint: None,
            attempt: None,
        });
    };
    let endpoint =
        webhooks::get_endpoint(&mut conn, &delivery.tenant_id, &delivery.endpoint_id).await?;
    let Some(endpoint) = endpoint.filter(|e| e.enabled) else {
        return Ok(Outcome {
            job,
            delivery: Some(delivery),
            endpoint: None,
            attempt: None,
        });
    };
    let secrets = webhooks::secrets(&mut conn, &endpoint.id).await?;
    drop(conn);
    let key = app
        .secret_key
        .as_ref()
        .ok_or_else(|| AppError::internal("no secret key to open webhook secrets with"))?;
    let context = secret_context(&endpoint.id);
    let now = app.now();
    let mut keys = vec![
        key.open(&secrets.current, &context)
            .map_err(AppError::internal)?,
    ];
    if let Some((previous, until)) = &secrets.previous
        && *until > now
    {
        keys.push(key.open(previous, &context).map_err(AppError::internal)?);
    }
    let header = signature_header(&keys, now.unix_timestamp(), delivery.body.as_bytes());
    let started = Instant::now();
    let (status, error) = post(app, &endpoint.url, &delivery, &header).await;
    let attempt = DeliveryAttempt {
        attempt: delivery.attempts + 1,
        at: now,
        status,
        error,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
    };
    Ok(Outcome {
        job,
        delivery: Some(delivery),
        endpoint: Some(endpoint),
        attempt: Some(attempt),
    })
}

/// POSTs the delivery; the status if one came, and what went wrong if anything did.
async fn post(
    app: &App,
    url: &str,
    delivery: &WebhookDelivery,
    signature: &str,
) -> (Option<i64>, Option<String>) {
    let client = match target::resolve(url, app.settings.webhook_allow_private).await {
        Ok(Target::Any) => target::shared_client(),
        Ok(Target::Pinned(client)) => client,
        Err(refused) => return (None, Some(refused)),
    };
    let sent = client
        .post(url)
        .timeout(TIMEOUT)
        .header("content-type", "application/json")
        .header("user-agent", concat!("settle/", env!("CARGO_PKG_VERSION")))
        .header("settle-signature", signature)
        .header("settle-event-id", delivery.event_id.as_str())
        .header("settle-event-type", &delivery.event_type)
        .header("settle-delivery-id", delivery.id.as_str())
        .body(delivery.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = i64::from(response.status().as_u16());
            let error = (!response.status().is_success())
                .then(|| format!("the endpoint answered {status}"));
            (Some(status), error)
        }
        Err(error) if error.is_timeout() => (None, Some("no answer within 10 s".to_owned())),
        Err(error) => (None, Some(format!("could not deliver: {error}"))),
    }
}

/// Writes a round's attempts, delivery states, endpoint health and job outcomes in one
/// transaction.
async fn record(app: &App, owner: &str, outcomes: Vec<Outcome>) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store.write().await?;
    for outcome in outcomes {
        let Outcome {
            job,
            delivery,
            endpoint,
            attempt,
        } = outcome;
        let (mut delivery, endpoint, attempt) = match (delivery, endpoint, attempt) {
            (Some(delivery), Some(endpoint), Some(attempt)) => (delivery, endpoint, attempt),
            (delivery, _, _) => {
                if let Some(delivery) = delivery {
                    // Its endpoint was disabled or deleted: it can be redelivered later.
                    let reason = "the endpoint is disabled";
                    webhooks::give_up(&mut tx, &delivery.id, reason, now).await?;
                }
                jobs::complete(&mut tx, &job.id, owner, now).await?;
                continue;
            }
        };
        let first = delivery.first_attempt_at.unwrap_or(attempt.at);
        match &attempt.error {
            None => {
                delivery.state = DeliveryState::Delivered;
                delivery.finished_at = Some(attempt.at);
                webhooks::record_attempt(&mut tx, &delivery, &attempt).await?;
                webhooks::set_failing(&mut tx, &endpoint.id, None).await?;
                jobs::complete(&mut tx, &job.id, owner, now).await?;
            }
            Some(error) => {
                let tries = u32::try_from(attempt.attempt).unwrap_or(u32::MAX);
                let jitter = rand::thread_rng().gen_range(0..=1000);
                let next = retry_at(first, tries, attempt.at, jitter);
                if next.is_none() {
                    delivery.state = DeliveryState::Failed;
                    delivery.finished_at = Some(attempt.at);
                }
                webhooks::record_attempt(&mut tx, &delivery, &attempt).await?;
                webhooks::set_failing(&mut tx, &endpoint.id, Some(attempt.at)).await?;
                jobs::fail(&mut tx, &job.id, owner, error, next, now).await?;
                disable_if_failing_too_long(&mut tx, &endpoint, attempt.at, next.is_none()).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Disables an endpoint that has failed for [`GIVE_UP_AFTER`] — every delivery since
/// then failed, or one was just given up after three days of attempts — and tells the
/// tenant.
async fn disable_if_failing_too_long(
    tx: &mut settle_store::Conn,
    endpoint: &WebhookEndpoint,
    now: OffsetDateTime,
    gave_up: bool,
) -> Result<(), AppError> {
    let since = endpoint.failing_since.unwrap_or(now);
    if !gave_up && now - since < GIVE_UP_AFTER {
        return Ok(());
    }
    let disabled = WebhookEndpoint {
        enabled: false,
        disabled_reason: Some("failing".to_owned()),
        version: endpoint.version + 1,
        updated_at: now,
        ..endpoint.clone()
    };
    if webhooks::update_endpoint(tx, &disabled).await? {
        super::notify_disabled(tx, &disabled, now).await?;
    }
    Ok(())
}
