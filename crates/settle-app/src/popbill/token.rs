//! Session tokens: issued by the Linkhub handshake for one member business number, and
//! checked on every call of the tax-invoice API.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use settle_core::ids::TenantId;
use settle_store::popbill::{self, PopbillTokenRow};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::keys::sealing_context;
use super::members::{Member, is_member};
use super::signature::{ServiceId, body_digest, sign, string_to_sign};
use super::{
    NOT_A_MEMBER, PopbillError, TOKEN_GENERATION_FAILED, TOKEN_INTERPRETATION_FAILED, TOKEN_MISSING,
};
use crate::App;
use crate::certificates::secret_key;

/// How long a token lasts.
pub const TOKEN_LIFETIME: Duration = Duration::hours(3);
/// How far `x-lh-date` may be from the server's clock.
const CLOCK_SKEW: Duration = Duration::minutes(5);
/// A token is still accepted this long past its expiration: the SDK refreshes with no
/// margin, so a call made just before it expires arrives just after.
const GRACE: Duration = Duration::seconds(60);
/// The scope codes a tax-invoice client asks for.
const SCOPES: [&str; 2] = ["member", "110"];

/// A token request as it arrived.
#[derive(Clone, Debug)]
pub struct TokenRequest<'a> {
    /// The path (`/POPBILL_TEST/Token`).
    pub path: &'a str,
    /// Its service.
    pub service: ServiceId,
    /// `Authorization: LINKHUB <LinkID> <signature>`.
    pub authorization: Option<&'a str>,
    /// `x-lh-date`.
    pub date: Option<&'a str>,
    /// `x-lh-version`.
    pub version: Option<&'a str>,
    /// `x-lh-forwarded`, when sent.
    pub forwarded: Option<&'a str>,
    /// The raw body.
    pub body: &'a [u8],
    /// The caller's address.
    pub peer: IpAddr,
}

/// An issued token, as the SDK reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    /// The bearer token.
    pub session_token: String,
    /// The service it is for.
    pub service_id: &'static str,
    /// The link id.
    pub link_id: String,
    /// The business number it acts for.
    pub corp_num: String,
    /// The address it is bound to (`*`: any).
    pub ip_address: String,
    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, as the SDKs parse it.
    pub expiration: String,
    /// The scopes granted.
    pub scope: Vec<String>,
}

#[derive(Deserialize)]
struct TokenBody {
    access_id: String,
    #[serde(default)]
    scope: Vec<String>,
}

fn refused(message: impl Into<String>) -> PopbillError {
    PopbillError::new(TOKEN_GENERATION_FAILED, 401, message)
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `yyyy-MM-ddTHH:mm:ss.SSSZ`.
fn expiration_text(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

fn parse_date(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        PrimitiveDateTime::parse(text, format)
            .ok()
            .map(PrimitiveDateTime::assume_utc)
    })
}

/// Checks the signed request and issues a token for its member business number.
pub async fn issue_token(
    app: &App,
    request: TokenRequest<'_>,
) -> Result<IssuedToken, PopbillError> {
    let authorization = request
        .authorization
        .ok_or_else(|| refused("the Authorization header is missing"))?;
    let mut words = authorization.split_whitespace();
    let (Some(scheme), Some(link_id), Some(signature), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(refused("Authorization is LINKHUB <LinkID> <signature>"));
    };
    if !scheme.eq_ignore_ascii_case("LINKHUB") {
        return Err(refused("Authorization is LINKHUB <LinkID> <signature>"));
    }
    let date = request
        .date
        .ok_or_else(|| refused("x-lh-date is missing"))?;
    let version = request.version.unwrap_or("2.0");
    let now = app.now();
    let sent = parse_date(date).ok_or_else(|| refused("x-lh-date is not a UTC time"))?;
    if (sent - now).abs() > CLOCK_SKEW {
        return Err(refused(format!(
            "x-lh-date {date} is more than 5 minutes from the server's time; use GET /Time"
        )));
    }
    let mut conn = app.store.read().await?;
    let key = popbill::key(&mut conn, link_id)
        .await?
        .ok_or_else(|| refused("unknown LinkID or wrong signature"))?;
    let secret = secret_key(app)?
        .open(&key.secret_sealed, &sealing_context(link_id))
        .map_err(crate::AppError::internal)?;
    let secret = String::from_utf8(secret).map_err(crate::AppError::internal)?;
    let text = string_to_sign(
        &body_digest(request.body),
        date,
        request.forwarded,
        version,
        request.path,
    );
    let expected = sign(&secret, &text).unwrap_or_default();
    if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
        return Err(refused("unknown LinkID or wrong signature"));
    }
    let body: TokenBody = serde_json::from_slice(request.body)
        .map_err(|_| refused("the body is {\"access_id\": <CorpNum>, \"scope\": [...]}"))?;
    if let Some(unknown) = body.scope.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(refused(format!("scope {unknown:?} is not offered")));
    }
    let tenant = TenantId::from_trusted(key.tenant_id.clone());
    if is_member(&mut conn, &tenant, &body.access_id)
        .await?
        .is_none()
    {
        return Err(PopbillError::new(
            NOT_A_MEMBER,
            403,
            format!("{} is not a member of {link_id}", body.access_id),
        ));
    }
    // Without x-lh-forwarded the token is bound to the caller's address; `*` frees it.
    let ip_address = match request.forwarded {
        Some(forwarded) => forwarded.trim().to_owned(),
        None => request.peer.to_string(),
    };
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let session_token = URL_SAFE_NO_PAD.encode(random);
    let expires_at = now + TOKEN_LIFETIME;
    let row = PopbillTokenRow {
        token_hash: hash(&session_token),
        link_id: link_id.to_owned(),
        tenant_id: key.tenant_id,
        corp_num: body.access_id.trim().replace('-', ""),
        service_id: request.service.as_str().to_owned(),
        ip_address: Some(ip_address.clone()),
        expires_at,
        created_at: now,
    };
    drop(conn);
    let mut tx = app.store.write().await?;
    popbill::insert_token(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(IssuedToken {
        session_token,
        service_id: request.service.as_str(),
        link_id: row.link_id,
        corp_num: row.corp_num,
        ip_address,
        expiration: expiration_text(expires_at),
        scope: body.scope,
    })
}

/// Who a tax-invoice API call acts as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The link id.
    pub link_id: String,
    /// The business number the token is for.
    pub corp_num: String,
    /// The platform, or a supplier.
    pub member: Member,
}

fn unreadable(message: &str) -> PopbillError {
    PopbillError::new(TOKEN_INTERPRETATION_FAILED, 401, message)
}

/// The caller of `Authorization: Bearer <token>` from `peer`.
pub async fn authenticate(
    app: &App,
    authorization: Option<&str>,
    peer: IpAddr,
) -> Result<Caller, PopbillError> {
    let token = authorization
        .and_then(|value| value.trim().strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| PopbillError::new(TOKEN_MISSING, 401, "Auth token is not entered"))?;
    let mut conn = app.store.read().await?;
    let row = popbill::token(&mut conn, &hash(token))
        .await?
        .ok_or_else(|| unreadable("Token Interpretation failed"))?;
    if app.now() > row.expires_at + GRACE {
        return Err(unreadable("Token has expired"));
    }
    match row.ip_address.as_deref() {
        Some("*") | None => {}
        Some(bound) if bound == peer.to_string() => {}
        Some(_) => return Err(unreadable("Token's ipaddress is mismatch.")),
    }
    let tenant_id = TenantId::from_trusted(row.tenant_id);
    let member = is_member(&mut conn, &tenant_id, &row.corp_num)
        .await?
        .ok_or_else(|| {
            PopbillError::new(NOT_A_MEMBER, 403, "the business is no longer a member")
        })?;
    Ok(Caller {
        tenant_id,
        link_id: row.link_id,
        corp_num: row.corp_num,
        member,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn the_expiration_has_milliseconds_and_a_z() {
        assert_eq!(
            expiration_text(datetime!(2026-12-03 22:02:34.123 UTC)),
            "2026-12-03T22:02:34.123Z"
        );
    }

    #[test]
    fn the_sdks_date_reads_as_utc() {
        assert_eq!(
            parse_date("2026-12-03T19:02:34Z"),
            Some(datetime!(2026-12-03 19:02:34 UTC))
        );
        assert_eq!(parse_date("yesterday"), None);
    }
}
