//! Creating tenants (an operator's action, from the command line).

use settle_core::access::Roles;
use settle_core::brn::Brn;
use settle_core::ids::TenantId;
use settle_core::tenant::Tenant;
use settle_store::{api_keys, tenants};

use crate::auth::generate_key;
use crate::{App, AppError, audit};

/// A new tenant and the key that administers it.
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: Tenant,
    /// A key holding all four roles, shown once.
    pub api_key: String,
}

/// Creates a tenant with a key holding every role.
pub async fn create(app: &App, name: &str, brn: &str) -> Result<CreatedTenant, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > settle_core::partner::MAX_NAME {
        return Err(AppError::invalid(
            "tenant.invalid_name",
            "name",
            "name must be 1 to 200 characters",
        ));
    }
    let brn = Brn::parse(brn)
        .map_err(|e| AppError::invalid("tenant.invalid_brn", "brn", format!("brn: {e}")))?;
    let tenant = Tenant {
        id: TenantId::generate(),
        name: name.to_owned(),
        brn,
        profile: Default::default(),
        nts_linked_at: None,
        created_at: app.now(),
    };
    let key = generate_key(app, &tenant.id, Roles::all(), Some("owner".to_owned()));
    let mut tx = app.store.write().await?;
    tenants::insert(&mut tx, &tenant).await?;
    api_keys::insert(&mut tx, &key.record).await?;
    let data = serde_json::json!({ "name": tenant.name, "brn": tenant.brn.to_string(), "key_id": key.record.id });
    let event = audit(
        &tenant.id,
        "cli",
        "tenant.created",
        ("tenant", tenant.id.as_str()),
        data,
        tenant.created_at,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(CreatedTenant {
        tenant,
        api_key: key.token,
    })
}

/// The tenant with this id.
pub async fn get(app: &App, id: &TenantId) -> Result<Tenant, AppError> {
    let mut conn = app.store.read().await?;
    tenants::get(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))
}
