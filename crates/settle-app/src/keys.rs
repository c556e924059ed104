//! API keys: made by `settle key create` or by a `user_admin` over the API; valid at once.

use settle_core::access::{MAX_KEY_NAME, Right, Roles};
use settle_core::ids::{ApiKeyId, TenantId};
use settle_core::validation::Checker;
use settle_store::api_keys::{self, ApiKeyRecord};
use settle_store::tenants;

use crate::auth::{Principal, generate_key};
use crate::{App, AppError, audit};

/// A made key: its record and the token, shown once.
pub struct CreatedKey {
    /// The stored record.
    pub record: ApiKeyRecord,
    /// The full key.
    pub token: String,
}

/// Makes a key for the principal's tenant holding `roles`.
pub async fn create(
    app: &App,
    by: &Principal,
    roles: Roles,
    name: Option<String>,
) -> Result<CreatedKey, AppError> {
    by.require(Right::ManageKeys)?;
    if roles.is_empty() {
        return Err(AppError::invalid(
            "key.missing_role",
            "roles",
            "a key needs at least one role",
        ));
    }
    let mut check = Checker::new("key");
    let name = check.text("name", name, MAX_KEY_NAME);
    check.finish(()).map_err(AppError::validation)?;
    let key = generate_key(app, &by.tenant_id, roles, name);
    let mut tx = app.store.write().await?;
    if tenants::get(&mut tx, &by.tenant_id).await?.is_none() {
        return Err(AppError::not_found("tenant"));
    }
    api_keys::insert(&mut tx, &key.record).await?;
    let data = serde_json::json!({ "roles": key.record.roles });
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "key.created",
        ("api_key", key.record.id.as_str()),
        data,
        app.now(),
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(CreatedKey {
        record: key.record,
        token: key.token,
    })
}

/// Every key of the principal's tenant.
pub async fn list(app: &App, by: &Principal) -> Result<Vec<ApiKeyRecord>, AppError> {
    by.require(Right::ManageKeys)?;
    let mut conn = app.store.read().await?;
    Ok(api_keys::list(&mut conn, &by.tenant_id).await?)
}

/// Revokes a key of the principal's tenant; it stops working at once.
pub async fn revoke(app: &App, by: &Principal, id: &str) -> Result<ApiKeyRecord, AppError> {
    by.require(Right::ManageKeys)?;
    let id = ApiKeyId::parse(id).ok_or_else(|| AppError::not_found("api_key"))?;
    let mut tx = app.store.write().await?;
    let now = app.now();
    if !api_keys::revoke(&mut tx, &by.tenant_id, &id, now).await? {
        return Err(AppError::not_found("api_key"));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "key.revoked",
        ("api_key", id.as_str()),
        serde_json::json!({}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    let record = api_keys::get(&mut tx, &id)
        .await?
        .ok_or_else(|| AppError::not_found("api_key"))?;
    tx.commit().await?;
    Ok(record)
}

/// The tenant id from its text form, or 404.
pub fn parse_tenant_id(text: &str) -> Result<TenantId, AppError> {
    TenantId::parse(text.trim()).ok_or_else(|| AppError::not_found("tenant"))
}
