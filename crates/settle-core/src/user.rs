//! Staff users: people of a tenant who sign in to the pages with an email and a password,
//! holding one or more of the four roles. The rules here — what an email and a password
//! must be, and when repeated wrong passwords lock an account — are the only ones; the
//! store keeps the record and the app hashes the password.

use time::{Duration, OffsetDateTime};

use crate::access::Roles;
use crate::ids::{TenantId, UserId};
use crate::validation::{FieldError, is_plausible_email};

/// Longest email, in characters.
pub const MAX_EMAIL: usize = 254;
/// Shortest password, in characters.
pub const MIN_PASSWORD: usize = 10;
/// Longest password, in characters (hashing cost grows with the length).
pub const MAX_PASSWORD: usize = 128;
/// Wrong passwords in a row that lock an account.
pub const LOCK_AFTER: i64 = 5;
/// How long a lock lasts.
pub const LOCK_FOR: Duration = Duration::minutes(15);
/// How long a signed-in session lasts.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// How long a one-time login link can be used.
pub const LOGIN_LINK_LIFETIME: Duration = Duration::days(7);

/// A stored staff user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// Its id.
    pub id: UserId,
    /// The tenant it works for.
    pub tenant_id: TenantId,
    /// The sign-in email, lower case.
    pub email: String,
    /// The argon2 PHC string; `None` until the user sets a password through its link.
    pub password_hash: Option<String>,
    /// What it may do.
    pub roles: Roles,
    /// Wrong passwords since the last success.
    pub failed_logins: i64,
    /// Until when sign-in is refused, if it is locked.
    pub locked_until: Option<OffsetDateTime>,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it was deactivated, if it was.
    pub disabled_at: Option<OffsetDateTime>,
    /// Compare-and-set counter for updates.
    pub version: i64,
}

impl UserRecord {
    /// Whether sign-in is refused at `now` because of wrong passwords.
    pub fn is_locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// The account's state after one more wrong password at `now`: the count, and the lock
/// when the count reaches [`LOCK_AFTER`] (the count starts again after a lock).
pub fn after_wrong_password(
    failed_before: i64,
    now: OffsetDateTime,
) -> (i64, Option<OffsetDateTime>) {
    let failed = failed_before + 1;
    if failed >= LOCK_AFTER {
        (0, Some(now + LOCK_FOR))
    } else {
        (failed, None)
    }
}

/// The sign-in form of an email: trimmed, lower case, plausible.
pub fn normalize_email(text: &str) -> Result<String, FieldError> {
    let email = text.trim().to_lowercase();
    if email.is_empty() {
        return Err(FieldError::new(
            "user.missing_field",
            "email",
            "email is required",
        ));
    }
    if email.chars().count() > MAX_EMAIL || !is_plausible_email(&email) {
        return Err(FieldError::new(
            "user.invalid_email",
            "email",
            "email is not a valid address",
        ));
    }
    Ok(email)
}

/// Whether a new password is acceptable: [`MIN_PASSWORD`] to [`MAX_PASSWORD`] characters,
/// not only blanks.
pub fn check_new_password(password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD || password.trim().is_empty() {
        return Err(FieldError::new(
            "user.weak_password",
            "password",
            format!("a password needs at least {MIN_PASSWORD} characters"),
        ));
    }
    if chars > MAX_PASSWORD {
        return Err(FieldError::new(
            "user.password_too_long",
            "password",
            format!("a password has at most {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::minutes(minutes)
    }

    #[test]
    fn the_fifth_wrong_password_locks_for_a_while() {
        let mut failed = 0;
        for _ in 0..LOCK_AFTER - 1 {
            let (count, lock) = after_wrong_password(failed, at(0));
            assert_eq!(lock, None);
            failed = count;
        }
        let (count, lock) = after_wrong_password(failed, at(0));
        assert_eq!((count, lock), (0, Some(at(0) + LOCK_FOR)));
    }

    #[test]
    fn a_lock_ends() {
        let user = UserRecord {
            id: UserId::generate(),
            tenant_id: TenantId::generate(),
            email: "kim@example.kr".into(),
            password_hash: None,
            roles: Roles::all(),
            failed_logins: 0,
            locked_until: Some(at(15)),
            created_at: at(0),
            disabled_at: None,
            version: 1,
        };
        assert!(user.is_locked(at(14)));
        assert!(!user.is_locked(at(15)));
    }

    #[test]
    fn emails_are_trimmed_and_lower_case() {
        assert_eq!(
            normalize_email("  Kim@Example.KR "),
            Ok("kim@example.kr".into())
        );
        assert_eq!(
            normalize_email("kim").unwrap_err().code,
            "user.invalid_email"
        );
        assert_eq!(normalize_email(" ").unwrap_err().code, "user.missing_field");
    }

    #[test]
    fn passwords_have_a_length_range() {
        assert!(check_new_password("correct horse").is_ok());
        assert_eq!(
            check_new_password("short").unwrap_err().code,
            "user.weak_password"
        );
        assert_eq!(
            check_new_password(&" ".repeat(12)).unwrap_err().code,
            "user.weak_password"
        );
        assert_eq!(
            check_new_password(&"a".repeat(MAX_PASSWORD + 1))
                .unwrap_err()
                .code,
            "user.password_too_long"
        );
    }
}
