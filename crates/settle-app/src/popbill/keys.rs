//! Link credentials: a link id and a random secret, shown once; the secret is stored sealed
//! because every token request is checked against it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;
use settle_core::access::Right;
use settle_store::popbill::{self, PopbillKeyRow};

use crate::auth::Principal;
use crate::certificates::secret_key;
use crate::{App, AppError, audit};

/// New credentials: the link id and the secret (base64), shown only now.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NewPopbillKey {
    /// The SDK's `LinkID`.
    pub link_id: String,
    /// The SDK's `SecretKey`.
    pub secret_key: String,
}

pub(crate) fn sealing_context(link_id: &str) -> String {
    format!("popbill_key/{link_id}")
}

/// Makes link credentials for the caller's tenant.
pub async fn create_key(app: &App, by: &Principal) -> Result<NewPopbillKey, AppError> {
    by.require(Right::ManageTenant)?;
    let key = secret_key(app)?;
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let secret = BASE64.encode(random);
    let link_id = format!(
        "LNK{}",
        ulid::Ulid::new().to_string()[16..].to_ascii_uppercase()
    );
    let now = app.now();
    let row = PopbillKeyRow {
        link_id: link_id.clone(),
        tenant_id: by.tenant_id.to_string(),
        secret_sealed: key
            .seal(secret.as_bytes(), &sealing_context(&link_id))
            .map_err(AppError::internal)?,
        created_at: now,
    };
    let mut tx = app.store.write().await?;
    popbill::insert_key(&mut tx, &row).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "popbill_key.created",
        ("popbill_key", &link_id),
        serde_json::json!({}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(NewPopbillKey {
        link_id,
        secret_key: secret,
    })
}
