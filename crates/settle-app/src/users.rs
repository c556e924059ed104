//! Staff users: invited by a user admin (or `settle user create`) with a one-time link,
//! they set a password (argon2id) and sign in to the pages; a session is a random token
//! of which only a SHA-256 hash is stored. Wrong passwords lock an account for a while
//! (the rule is `settle_core::user`). A signed-in user acts as a [`Principal`] with its
//! roles, through the same use cases as an API key.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use settle_core::access::{PartnerScope, Right, Roles};
use settle_core::ids::{PartnerId, UserId};
use settle_core::user::{
    LOGIN_LINK_LIFETIME, SESSION_LIFETIME, UserRecord, after_wrong_password, check_new_password,
    normalize_email,
};
use settle_store::{partners, tenants, users};
use time::OffsetDateTime;

use crate::auth::Principal;
use crate::supplier::{new_token, token_hash};
use crate::{App, AppError, ErrorKind, audit, mail};

/// A user just made, and the one-time link that lets it set its password.
pub struct CreatedUser {
    /// The stored user.
    pub user: UserRecord,
    /// `{SETTLE_PUBLIC_URL}/login/link/{token}`, shown once.
    pub login_url: String,
}

/// A session just opened.
pub struct OpenedUserSession {
    /// The session token, for the cookie.
    pub token: String,
    /// When it ends.
    pub expires_at: OffsetDateTime,
    /// Who signed in.
    pub user: UserRecord,
}

/// A signed-in user: its record and the principal it acts as.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The user.
    pub user: UserRecord,
    /// Its tenant and roles, actor `user:<id>`.
    pub principal: Principal,
}

/// The principal a user acts as: a bare sales agent sees only its assigned partners.
async fn principal_of(
    conn: &mut settle_store::Conn,
    user: &UserRecord,
) -> Result<Principal, AppError> {
    let scope = if user.roles.sees_assigned_partners_only() {
        PartnerScope::Assigned(users::assigned(conn, &user.id).await?)
    } else {
        PartnerScope::All
    };
    Ok(Principal {
        tenant_id: user.tenant_id.clone(),
        roles: user.roles.clone(),
        actor: format!("user:{}", user.id),
        scope,
    })
}

fn wrong_credentials() -> AppError {
    AppError::new(
        ErrorKind::Unauthorized,
        "user.wrong_credentials",
        "the email or the password is wrong",
    )
}

fn locked(until: OffsetDateTime) -> AppError {
    AppError::new(
        ErrorKind::RateLimited,
        "user.locked",
        format!("too many wrong passwords; sign-in is locked until {until}"),
    )
}

fn invalid_link() -> AppError {
    AppError::new(
        ErrorKind::NotFound,
        "user.invalid_link",
        "this login link is unknown, used or expired",
    )
}

/// Invites a user of the principal's tenant holding `roles`: stores it without a password,
/// emails the one-time link and returns it.
pub async fn create(
    app: &App,
    by: &Principal,
    email: &str,
    roles: Roles,
) -> Result<CreatedUser, AppError> {
    by.require(Right::ManageUsers)?;
    let email = normalize_email(email).map_err(|e| AppError::validation(vec![e]))?;
    require_roles(&roles)?;
    let now = app.now();
    let user = UserRecord {
        id: UserId::generate(),
        tenant_id: by.tenant_id.clone(),
        email,
        password_hash: None,
        roles,
        failed_logins: 0,
        locked_until: None,
        created_at: now,
        disabled_at: None,
        version: 1,
    };
    let mut tx = app.store.write().await?;
    let tenant = tenants::get(&mut tx, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    if !users::insert(&mut tx, &user).await? {
        return Err(AppError::conflict(
            "user.email_taken",
            "a user with this email exists already",
        )
        .with_field("email"));
    }
    let login_url = new_login_link(app, &mut tx, &user.id, now).await?;
    let invitation = mail::templates::user_invited(
        &tenant.name,
        &login_url,
        now + LOGIN_LINK_LIFETIME,
        &user.email,
    );
    mail::enqueue(&mut tx, &by.tenant_id, vec![invitation], now).await?;
    let data = serde_json::json!({ "email": user.email, "roles": user.roles });
    log(
        &mut tx,
        &by.tenant_id,
        &by.actor,
        "user.created",
        &user.id,
        data,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedUser { user, login_url })
}

fn require_roles(roles: &Roles) -> Result<(), AppError> {
    if roles.is_empty() {
        return Err(AppError::invalid(
            "user.missing_role",
            "roles",
            "a user needs at least one role",
        ));
    }
    Ok(())
}

async fn new_login_link(
    app: &App,
    conn: &mut settle_store::Conn,
    user: &UserId,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    let (token, hash) = new_token();
    users::insert_login_link(conn, &hash, user, now, now + LOGIN_LINK_LIFETIME).await?;
    Ok(format!(
        "{}/login/link/{token}",
        app.settings.public_url.trim_end_matches('/')
    ))
}

/// Every user of the principal's tenant.
pub async fn list(app: &App, by: &Principal) -> Result<Vec<UserRecord>, AppError> {
    by.require(Right::ManageUsers)?;
    let mut conn = app.store.read().await?;
    Ok(users::list(&mut conn, &by.tenant_id).await?)
}

/// One user of the principal's tenant.
pub async fn get(app: &App, by: &Principal, id: &str) -> Result<UserRecord, AppError> {
    by.require(Right::ManageUsers)?;
    let mut conn = app.store.read().await?;
    own_user(&mut conn, by, id).await
}

async fn own_user(
    conn: &mut settle_store::Conn,
    by: &Principal,
    id: &str,
) -> Result<UserRecord, AppError> {
    let id = UserId::parse(id.trim()).ok_or_else(|| AppError::not_found("user"))?;
    users::get(conn, &id)
        .await?
        .filter(|user| user.tenant_id == by.tenant_id)
        .ok_or_else(|| AppError::not_found("user"))
}

/// Replaces a user's roles.
pub async fn set_roles(
    app: &App,
    by: &Principal,
    id: &str,
    roles: Roles,
) -> Result<UserRecord, AppError> {
    by.require(Right::ManageUsers)?;
    require_roles(&roles)?;
    let mut tx = app.store.write().await?;
    let user = own_user(&mut tx, by, id).await?;
    if !users::set_roles(&mut tx, &user.id, &roles, user.version).await? {
        return Err(AppError::conflict(
            "user.changed",
            "the user changed meanwhile; read it again",
        ));
    }
    let data = serde_json::json!({ "from": user.roles, "to": roles });
    log(
        &mut tx,
        &by.tenant_id,
        &by.actor,
        "user.roles_changed",
        &user.id,
        data,
        app.now(),
    )
    .await?;
    let updated = reloaded(&mut tx, &user.id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Deactivates a user: its sessions stop working at once and it cannot sign in again.
pub async fn disable(app: &App, by: &Principal, id: &str) -> Result<UserRecord, AppError> {
    by.require(Right::ManageUsers)?;
    let mut tx = app.store.write().await?;
    let user = own_user(&mut tx, by, id).await?;
    let now = app.now();
    if !users::disable(&mut tx, &by.tenant_id, &user.id, now).await? {
        return Err(AppError::conflict(
            "user.disabled",
            "the user is deactivated already",
        ));
    }
    log(
        &mut tx,
        &by.tenant_id,
        &by.actor,
        "user.disabled",
        &user.id,
        serde_json::json!({}),
        now,
    )
    .await?;
    let updated = reloaded(&mut tx, &user.id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// A new one-time login link for a user (a lost invitation or a forgotten password).
pub async fn reissue_link(app: &App, by: &Principal, id: &str) -> Result<String, AppError> {
    by.require(Right::ManageUsers)?;
    let mut tx = app.store.write().await?;
    let user = own_user(&mut tx, by, id).await?;
    if user.disabled_at.is_some() {
        return Err(AppError::conflict(
            "user.disabled",
            "the user is deactivated",
        ));
    }
    let now = app.now();
    let url = new_login_link(app, &mut tx, &user.id, now).await?;
    log(
        &mut tx,
        &by.tenant_id,
        &by.actor,
        "user.login_link",
        &user.id,
        serde_json::json!({}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(url)
}

/// The partners assigned to a user (what a bare sales agent sees).
pub async fn assigned_partners(
    app: &App,
    by: &Principal,
    id: &str,
) -> Result<Vec<PartnerId>, AppError> {
    by.require(Right::ManageUsers)?;
    let mut conn = app.store.read().await?;
    let user = own_user(&mut conn, by, id).await?;
    Ok(users::assigned(&mut conn, &user.id).await?)
}

/// Assigns (or, with `assigned` false, takes away) one of the tenant's partners to a user;
/// returns the user's partners after.
pub async fn assign_partner(
    app: &App,
    by: &Principal,
    id: &str,
    partner: &str,
    assigned: bool,
) -> Result<Vec<PartnerId>, AppError> {
    by.require(Right::ManageUsers)?;
    let unknown = || AppError::not_found("partner");
    let partner = PartnerId::parse(partner.trim()).ok_or_else(unknown)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let user = own_user(&mut tx, by, id).await?;
    if partners::get(&mut tx, &by.tenant_id, &partner)
        .await?
        .is_none()
    {
        return Err(unknown());
    }
    let changed = if assigned {
        users::assign(&mut tx, &by.tenant_id, &user.id, &partner, now).await?
    } else {
        users::unassign(&mut tx, &user.id, &partner).await?
    };
    if changed {
        let action = if assigned {
            "user.partner_assigned"
        } else {
            "user.partner_unassigned"
        };
        let data = serde_json::json!({ "partner_id": partner });
        log(
            &mut tx,
            &by.tenant_id,
            &by.actor,
            action,
            &user.id,
            data,
            now,
        )
        .await?;
    }
    let after = users::assigned(&mut tx, &user.id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Signs in with email and password. Unknown emails and wrong passwords get the same
/// answer (and take as long); the [`settle_core::user::LOCK_AFTER`]th wrong password in a
/// row locks the account for [`settle_core::user::LOCK_FOR`] (429).
pub async fn login(app: &App, email: &str, password: &str) -> Result<OpenedUserSession, AppError> {
    let Ok(email) = normalize_email(email) else {
        return Err(wrong_credentials());
    };
    let user = {
        let mut conn = app.store.read().await?;
        users::find_by_email(&mut conn, &email).await?
    };
    let Some(user) = user.filter(|u| u.disabled_at.is_none()) else {
        verify(None, password).await;
        return Err(wrong_credentials());
    };
    let now = app.now();
    if let Some(until) = user.locked_until.filter(|_| user.is_locked(now)) {
        return Err(locked(until));
    }
    if verify(user.password_hash.clone(), password).await {
        let mut tx = app.store.write().await?;
        if user.failed_logins > 0 {
            users::record_attempt(&mut tx, &user.id, 0, None, user.version).await?;
        }
        let opened = open_session(&mut tx, user, now).await?;
        tx.commit().await?;
        return Ok(opened);
    }
    count_wrong_password(app, &user.id, now).await
}

/// Counts a wrong password in a transaction of its own: every attempt counts, also when
/// attempts race (the count is compare-and-set on the user's version).
async fn count_wrong_password(
    app: &App,
    id: &UserId,
    now: OffsetDateTime,
) -> Result<OpenedUserSession, AppError> {
    loop {
        let mut tx = app.store.write().await?;
        let user = users::get(&mut tx, id)
            .await?
            .ok_or_else(wrong_credentials)?;
        let (failed, lock) = after_wrong_password(user.failed_logins, now);
        if users::record_attempt(&mut tx, id, failed, lock, user.version).await? {
            if let Some(until) = lock {
                let event = audit(
                    &user.tenant_id,
                    "system",
                    "user.locked",
                    ("user", id.as_str()),
                    serde_json::json!({}),
                    now,
                );
                crate::webhooks::record(&mut tx, &event).await?;
                tx.commit().await?;
                return Err(locked(until));
            }
            tx.commit().await?;
            return Err(wrong_credentials());
        }
    }
}

async fn open_session(
    conn: &mut settle_store::Conn,
    user: UserRecord,
    now: OffsetDateTime,
) -> Result<OpenedUserSession, AppError> {
    let (token, hash) = new_token();
    let expires_at = now + SESSION_LIFETIME;
    users::insert_session(conn, &hash, &user.id, now, expires_at).await?;
    Ok(OpenedUserSession {
        token,
        expires_at,
        user,
    })
}

/// The signed-in user of a session token; 401 for anything but an open session of an
/// active user.
pub async fn authenticate(app: &App, token: &str) -> Result<SignedIn, AppError> {
    let mut conn = app.store.read().await?;
    let user = users::find_session_user(&mut conn, &token_hash(token), app.now())
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorKind::Unauthorized,
                "user.not_signed_in",
                "the session is unknown or has ended",
            )
        })?;
    Ok(SignedIn {
        principal: principal_of(&mut conn, &user).await?,
        user,
    })
}

/// Ends a session.
pub async fn logout(app: &App, token: &str) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    users::delete_session(&mut tx, &token_hash(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the password of the session's user after checking the current one; the user's
/// other sessions end.
pub async fn change_password(
    app: &App,
    session: &str,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let signed_in = authenticate(app, session).await?;
    if !verify(signed_in.user.password_hash.clone(), current).await {
        return Err(AppError::invalid(
            "user.wrong_password",
            "current_password",
            "the current password is wrong",
        ));
    }
    check_new_password(new).map_err(|e| AppError::validation(vec![e]))?;
    let hashed = hash(new.to_owned()).await?;
    let user = signed_in.user;
    let mut tx = app.store.write().await?;
    users::set_password(&mut tx, &user.id, &hashed).await?;
    users::delete_other_sessions(&mut tx, &user.id, &token_hash(session)).await?;
    log(
        &mut tx,
        &user.tenant_id,
        &signed_in.principal.actor,
        "user.password_changed",
        &user.id,
        serde_json::json!({}),
        app.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The user a one-time login link is for, if it can still be used.
pub async fn link_user(app: &App, token: &str) -> Result<UserRecord, AppError> {
    let mut conn = app.store.read().await?;
    let id = users::find_login_link(&mut conn, &token_hash(token), app.now())
        .await?
        .ok_or_else(invalid_link)?;
    users::get(&mut conn, &id)
        .await?
        .filter(|user| user.disabled_at.is_none())
        .ok_or_else(invalid_link)
}

/// Uses a one-time login link: sets the password and signs in. The link works once.
pub async fn set_password_with_link(
    app: &App,
    token: &str,
    password: &str,
) -> Result<OpenedUserSession, AppError> {
    check_new_password(password).map_err(|e| AppError::validation(vec![e]))?;
    let hashed = hash(password.to_owned()).await?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let id = users::use_login_link(&mut tx, &token_hash(token), now)
        .await?
        .ok_or_else(invalid_link)?;
    let user = users::get(&mut tx, &id)
        .await?
        .filter(|user| user.disabled_at.is_none())
        .ok_or_else(invalid_link)?;
    users::set_password(&mut tx, &user.id, &hashed).await?;
    log(
        &mut tx,
        &user.tenant_id,
        &format!("user:{}", user.id),
        "user.password_set",
        &user.id,
        serde_json::json!({}),
        now,
    )
    .await?;
    let opened = open_session(&mut tx, user, now).await?;
    tx.commit().await?;
    Ok(opened)
}

/// Appends the audit event of an action on user `id`.
async fn log(
    conn: &mut settle_store::Conn,
    tenant: &settle_core::ids::TenantId,
    actor: &str,
    action: &str,
    id: &UserId,
    data: serde_json::Value,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    let event = audit(tenant, actor, action, ("user", id.as_str()), data, at);
    crate::webhooks::record(conn, &event).await?;
    Ok(())
}

/// The user as it is now, inside the caller's transaction.
async fn reloaded(conn: &mut settle_store::Conn, id: &UserId) -> Result<UserRecord, AppError> {
    users::get(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

/// Sets a user's password directly (the demo user, whose password `settle demo` prints).
pub(crate) async fn set_password(
    conn: &mut settle_store::Conn,
    id: &UserId,
    password: &str,
) -> Result<(), AppError> {
    let hashed = hash(password.to_owned()).await?;
    users::set_password(conn, id, &hashed).await?;
    Ok(())
}

/// The argon2id PHC string of `password` with a fresh salt, computed off the async
/// threads (it takes tens of milliseconds by design).
async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches `stored`. Without a stored hash it still spends the time
/// of a verification, so the answer's timing does not tell which emails exist.
async fn verify(stored: Option<String>, password: &str) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let argon = Argon2::default();
        match stored.as_deref().map(PasswordHash::new) {
            Some(Ok(parsed)) => argon.verify_password(password.as_bytes(), &parsed).is_ok(),
            _ => {
                let salt = SaltString::generate(&mut OsRng);
                let _ = argon.hash_password(password.as_bytes(), &salt);
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}
