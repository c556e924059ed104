//! Idempotency keys: a POST with an `Idempotency-Key` reserves it before it runs and stores
//! its response after, so a retry gets the same answer instead of a second effect.

use settle_core::idempotency::{Reservation, StoredResponse};
use settle_core::ids::TenantId;
use time::Duration;

use crate::{App, AppError};

/// Reserves `key` of `tenant` for a request whose fingerprint is `request_hash`; a
/// reservation of a request that died lapses after `lease`.
pub async fn reserve(
    app: &App,
    tenant: &TenantId,
    key: &str,
    request_hash: &str,
    lease: Duration,
) -> Result<Reservation, AppError> {
    let mut conn = app.store.read().await?;
    Ok(
        settle_store::idempotency::reserve(&mut conn, tenant, key, request_hash, app.now(), lease)
            .await?,
    )
}

/// Keeps the response of a reserved request for replay.
pub async fn complete(
    app: &App,
    tenant: &TenantId,
    key: &str,
    response: &StoredResponse,
) -> Result<(), AppError> {
    let mut conn = app.store.read().await?;
    Ok(settle_store::idempotency::complete(&mut conn, tenant, key, response).await?)
}

/// Frees a reserved key whose request failed on the server's side, so it can be retried.
pub async fn release(app: &App, tenant: &TenantId, key: &str) -> Result<(), AppError> {
    let mut conn = app.store.read().await?;
    Ok(settle_store::idempotency::release(&mut conn, tenant, key).await?)
}
