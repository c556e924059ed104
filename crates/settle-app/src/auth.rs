//! Who is calling, and what they may do. An API key reads `sk_<ulid>_<secret>`: the ulid
//! names the stored key (`key_<ulid>`), the secret is 256 random bits of which only a
//! SHA-256 hash is stored. A fast hash is enough for secrets of that strength, and it keeps
//! authentication cheap on every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use settle_core::access::{PartnerScope, Right, Roles};
use settle_core::ids::{ApiKeyId, TenantId};
use settle_store::api_keys::{self, ApiKeyRecord};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{App, AppError, ErrorKind};

/// The authenticated caller of a use case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The tenant it acts for.
    pub tenant_id: TenantId,
    /// What it may do.
    pub roles: Roles,
    /// Who it is, for the audit log (`key:<id>` or `cli`).
    pub actor: String,
    /// Which partners it sees (a sales agent user: its assigned ones).
    pub scope: PartnerScope,
}

impl Principal {
    /// The command line acting for `tenant_id` with every role.
    pub fn cli(tenant_id: TenantId) -> Self {
        Self {
            tenant_id,
            roles: Roles::all(),
            actor: "cli".to_owned(),
            scope: PartnerScope::All,
        }
    }

    /// Fails with 404 `{what}.not_found` unless the partner is in the principal's scope:
    /// what it may not see does not exist for it.
    pub fn sees(&self, partner: &settle_core::ids::PartnerId, what: &str) -> Result<(), AppError> {
        if self.scope.allows(partner) {
            Ok(())
        } else {
            Err(AppError::not_found(what))
        }
    }

    /// Fails with 403 unless one of the roles grants `right`.
    pub fn require(&self, right: Right) -> Result<(), AppError> {
        if self.roles.allows(right) {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorKind::Forbidden,
                "auth.forbidden",
                format!(
                    "this key's roles ({}) do not allow this action",
                    self.roles.to_csv()
                ),
            ))
        }
    }
}

/// A freshly made key: the record to store and the secret text shown once.
pub struct NewKey {
    /// What gets stored.
    pub record: ApiKeyRecord,
    /// The full key, `sk_<ulid>_<secret>`; never stored.
    pub token: String,
}

/// Makes a key for `tenant` with `roles` (not stored yet).
pub fn generate_key(app: &App, tenant: &TenantId, roles: Roles, name: Option<String>) -> NewKey {
    let id = ApiKeyId::generate();
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let secret = URL_SAFE_NO_PAD.encode(secret);
    let ulid = id.as_str().trim_start_matches("key_");
    NewKey {
        token: format!("sk_{ulid}_{secret}"),
        record: ApiKeyRecord {
            id,
            tenant_id: tenant.clone(),
            secret_hash: hash_secret(&secret),
            roles,
            name,
            created_at: app.now(),
            revoked_at: None,
        },
    }
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn unauthorized(message: &str) -> AppError {
    AppError::new(ErrorKind::Unauthorized, "auth.invalid_key", message)
}

/// Resolves an API key to its principal; 401 for anything but a live key.
pub async fn authenticate(app: &App, token: &str) -> Result<Principal, AppError> {
    let (ulid, secret) = token
        .strip_prefix("sk_")
        .and_then(|rest| rest.split_once('_'))
        .ok_or_else(|| unauthorized("the API key is malformed"))?;
    let id = ApiKeyId::parse(&format!("key_{ulid}"))
        .ok_or_else(|| unauthorized("the API key is malformed"))?;
    let mut conn = app.store.read().await?;
    let record = api_keys::get(&mut conn, &id)
        .await?
        .ok_or_else(|| unauthorized("the API key is not valid"))?;
    let matches: bool = hash_secret(secret)
        .as_bytes()
        .ct_eq(record.secret_hash.as_bytes())
        .into();
    if !matches {
        return Err(unauthorized("the API key is not valid"));
    }
    if record.revoked_at.is_some() {
        return Err(unauthorized("the API key has been revoked"));
    }
    Ok(Principal {
        tenant_id: record.tenant_id,
        roles: record.roles,
        actor: format!("key:{}", record.id),
        scope: PartnerScope::All,
    })
}
