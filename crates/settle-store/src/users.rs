//! Staff users (`users`), their signed-in sessions (`user_sessions`) and their one-time
//! login links (`user_login_links`). Session and link tokens are stored as SHA-256 hashes.

pub use settle_core::user::UserRecord;

use settle_core::access::Roles;
use settle_core::ids::{TenantId, UserId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::codec::instant;
use crate::columns::{Instant, Int, Null, Text, for_engine};
use crate::{StoreError, StoreResult};

crate::table_row! {
    /// A row of `users`.
    pub(crate) struct UserRow in "users" {
        id: Text,
        tenant_id: Text,
        email: Text,
        password_hash: Null<Text>,
        roles: Text,
        failed_logins: Int,
        locked_until: Null<Instant>,
        created_at: Instant,
        disabled_at: Null<Instant>,
        version: Int,
    }
}

/// Stores a new user; false when its email is taken.
pub async fn insert(conn: &mut AnyConnection, user: &UserRecord) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "INSERT INTO users (id, tenant_id, email, password_hash, roles, failed_logins, \
         locked_until, created_at, disabled_at, version) \
         VALUES ($1, $2, $3, $4, $5, 0, NULL, $6::timestamptz, NULL, 1) \
         ON CONFLICT DO NOTHING RETURNING id",
    );
    let stored = sqlx::query(&sql)
        .bind(user.id.as_str())
        .bind(user.tenant_id.as_str())
        .bind(&user.email)
        .bind(user.password_hash.as_deref())
        .bind(user.roles.to_csv())
        .bind(instant(user.created_at))
        .fetch_optional(conn)
        .await?;
    Ok(stored.is_some())
}

/// The user with this id.
pub async fn get(conn: &mut AnyConnection, id: &UserId) -> StoreResult<Option<UserRecord>> {
    fetch_one_where(conn, "id = $1", id.as_str()).await
}

/// The user signing in with this (normalized) email.
pub async fn find_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> StoreResult<Option<UserRecord>> {
    fetch_one_where(conn, "email = $1", email).await
}

async fn fetch_one_where(
    conn: &mut AnyConnection,
    condition: &str,
    value: &str,
) -> StoreResult<Option<UserRecord>> {
    let sql = format!("SELECT {} FROM users WHERE {condition}", UserRow::columns());
    let row = sqlx::query(&sql).bind(value).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Every user of a tenant, oldest first.
pub async fn list(conn: &mut AnyConnection, tenant: &TenantId) -> StoreResult<Vec<UserRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM users WHERE tenant_id = $1 ORDER BY id",
        UserRow::columns()
    ))
    .bind(tenant.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Replaces a user's roles if it is still at `version`; false when it changed meanwhile.
pub async fn set_roles(
    conn: &mut AnyConnection,
    id: &UserId,
    roles: &Roles,
    version: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE users SET roles = $1, version = version + 1 WHERE id = $2 AND version = $3",
    )
    .bind(roles.to_csv())
    .bind(id.as_str())
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a user's password hash and clears its wrong-password count and lock.
pub async fn set_password(
    conn: &mut AnyConnection,
    id: &UserId,
    password_hash: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, \
         version = version + 1 WHERE id = $2",
    )
    .bind(password_hash)
    .bind(id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the outcome of a sign-in: the wrong-password count and the lock, if any, if the
/// user is still at `version` (false when a concurrent attempt changed it first).
pub async fn record_attempt(
    conn: &mut AnyConnection,
    id: &UserId,
    failed_logins: i64,
    locked_until: Option<OffsetDateTime>,
    version: i64,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE users SET failed_logins = $1, locked_until = $2::timestamptz, \
         version = version + 1 WHERE id = $3 AND version = $4",
    );
    let done = sqlx::query(&sql)
        .bind(failed_logins)
        .bind(locked_until.map(instant))
        .bind(id.as_str())
        .bind(version)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deactivates a user of a tenant; false when there is no such active user.
pub async fn disable(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    id: &UserId,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE users SET disabled_at = $1::timestamptz, version = version + 1 \
         WHERE id = $2 AND tenant_id = $3 AND disabled_at IS NULL",
    );
    let done = sqlx::query(&sql)
        .bind(instant(at))
        .bind(id.as_str())
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a session under its token hash.
pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: &UserId,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    insert_token(conn, "user_sessions", token_hash, user, now, expires_at).await
}

/// Stores a one-time login link under its token hash.
pub async fn insert_login_link(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: &UserId,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    insert_token(conn, "user_login_links", token_hash, user, now, expires_at).await
}

async fn insert_token(
    conn: &mut AnyConnection,
    table: &str,
    token_hash: &str,
    user: &UserId,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO {table} (token_hash, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3::timestamptz, $4::timestamptz)"
    );
    let sql = for_engine(conn, &sql);
    sqlx::query(&sql)
        .bind(token_hash)
        .bind(user.as_str())
        .bind(instant(now))
        .bind(instant(expires_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The active user whose session has this token hash, if the session is open at `now`.
pub async fn find_session_user(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<UserRecord>> {
    let sql = format!(
        "SELECT {} FROM user_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2::timestamptz AND u.disabled_at IS NULL",
        UserRow::TABLE.select_list("u.")
    );
    let sql = for_engine(conn, &sql);
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .bind(instant(now))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Ends a session.
pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user but `keep` (the one that changed the password).
pub async fn delete_other_sessions(
    conn: &mut AnyConnection,
    user: &UserId,
    keep: &str,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.as_str())
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user of an unused, unexpired login link.
pub async fn find_login_link(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<UserId>> {
    let sql = for_engine(
        conn,
        "SELECT user_id FROM user_login_links \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2::timestamptz",
    );
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .bind(instant(now))
        .fetch_optional(conn)
        .await?;
    row.map(|row| crate::codec::text(&row, "user_id").map(UserId::from_trusted))
        .transpose()
}

/// Uses a login link: marks it used if it was unused and unexpired at `now`, and returns
/// its user. Of two racing uses, one gets the user and the other `None`.
pub async fn use_login_link(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<UserId>> {
    let sql = for_engine(
        conn,
        "UPDATE user_login_links SET used_at = $1::timestamptz \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3::timestamptz \
         RETURNING user_id",
    );
    let row = sqlx::query(&sql)
        .bind(instant(now))
        .bind(token_hash)
        .bind(instant(now))
        .fetch_optional(conn)
        .await?;
    row.map(|row| crate::codec::text(&row, "user_id").map(UserId::from_trusted))
        .transpose()
}

fn decode(row: &sqlx::any::AnyRow) -> StoreResult<UserRecord> {
    let row = UserRow::read(row)?;
    Ok(UserRecord {
        id: UserId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        email: row.email,
        password_hash: row.password_hash,
        roles: Roles::from_csv(&row.roles).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        failed_logins: row.failed_logins,
        locked_until: row.locked_until,
        created_at: row.created_at,
        disabled_at: row.disabled_at,
        version: row.version,
    })
}

/// Assigns a partner to a user; false when it was assigned already.
pub async fn assign(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    user: &UserId,
    partner: &settle_core::ids::PartnerId,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "INSERT INTO partner_assignments (user_id, partner_id, tenant_id, created_at) \
         VALUES ($1, $2, $3, $4::timestamptz) ON CONFLICT DO NOTHING RETURNING user_id",
    );
    let stored = sqlx::query(&sql)
        .bind(user.as_str())
        .bind(partner.as_str())
        .bind(tenant.as_str())
        .bind(instant(at))
        .fetch_optional(conn)
        .await?;
    Ok(stored.is_some())
}

/// Takes a partner from a user; false when it was not assigned.
pub async fn unassign(
    conn: &mut AnyConnection,
    user: &UserId,
    partner: &settle_core::ids::PartnerId,
) -> StoreResult<bool> {
    let done =
        sqlx::query("DELETE FROM partner_assignments WHERE user_id = $1 AND partner_id = $2")
            .bind(user.as_str())
            .bind(partner.as_str())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The partners assigned to a user, in id order.
pub async fn assigned(
    conn: &mut AnyConnection,
    user: &UserId,
) -> StoreResult<Vec<settle_core::ids::PartnerId>> {
    let rows = sqlx::query(
        "SELECT partner_id FROM partner_assignments WHERE user_id = $1 ORDER BY partner_id",
    )
    .bind(user.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            crate::codec::text(row, "partner_id").map(settle_core::ids::PartnerId::from_trusted)
        })
        .collect()
}
