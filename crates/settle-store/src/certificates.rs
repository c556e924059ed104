//! The `certificates` table: registered joint certificates, keys sealed by the caller.

use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::StoreResult;
use crate::codec::instant;
use crate::columns::{Instant, Int, Null, Text, for_engine};

crate::table_row! {
    /// A row of `certificates` (without `replaced_at`, which only selects).
    pub(crate) struct CertificateRow in "certificates" {
        id: Text,
        tenant_id: Text,
        party_kind: Text,
        party_id: Text,
        subject: Text,
        serial: Text,
        fingerprint: Text,
        not_after: Instant,
        registered_at: Instant,
        expires_at: Instant,
        chain_verified: Int,
        certificate_der: Text,
        sealed_key: Text,
        sealed_random: Null<Text>,
    }
}

/// One registration as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    /// Registration id.
    pub id: String,
    /// Owning tenant.
    pub tenant_id: String,
    /// `tenant` (the platform itself) or `partner`.
    pub party_kind: String,
    /// The tenant id or partner id.
    pub party_id: String,
    /// Subject DN.
    pub subject: String,
    /// Serial, hex.
    pub serial: String,
    /// SHA-256 of the certificate, hex.
    pub fingerprint: String,
    /// Certificate end of validity.
    pub not_after: OffsetDateTime,
    /// When it was registered.
    pub registered_at: OffsetDateTime,
    /// When the registration lapses (certificate expiry or one year, whichever first).
    pub expires_at: OffsetDateTime,
    /// Whether the chain to the trust bundle was verified at registration.
    pub chain_verified: bool,
    /// The certificate, base64 DER.
    pub certificate_der: String,
    /// The sealed private key (`PrivateKeyInfo`), base64.
    pub sealed_key: String,
    /// The sealed R value, base64, if the key had one.
    pub sealed_random: Option<String>,
}

/// Stores a registration and marks the party's earlier ones replaced.
pub async fn replace(conn: &mut AnyConnection, record: &CertificateRecord) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "UPDATE certificates SET replaced_at = $1::timestamptz \
         WHERE tenant_id = $2 AND party_kind = $3 AND party_id = $4 AND replaced_at IS NULL",
    );
    sqlx::query(&sql)
        .bind(instant(record.registered_at))
        .bind(&record.tenant_id)
        .bind(&record.party_kind)
        .bind(&record.party_id)
        .execute(&mut *conn)
        .await?;
    let sql = for_engine(
        conn,
        "INSERT INTO certificates (id, tenant_id, party_kind, party_id, subject, serial, \
         fingerprint, not_after, registered_at, expires_at, chain_verified, certificate_der, \
         sealed_key, sealed_random) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz, \
         $10::timestamptz, $11, $12, $13, $14)",
    );
    sqlx::query(&sql)
        .bind(&record.id)
        .bind(&record.tenant_id)
        .bind(&record.party_kind)
        .bind(&record.party_id)
        .bind(&record.subject)
        .bind(&record.serial)
        .bind(&record.fingerprint)
        .bind(instant(record.not_after))
        .bind(instant(record.registered_at))
        .bind(instant(record.expires_at))
        .bind(i64::from(record.chain_verified))
        .bind(&record.certificate_der)
        .bind(&record.sealed_key)
        .bind(record.sealed_random.as_deref())
        .execute(conn)
        .await?;
    Ok(())
}

/// The party's current registration, if any (expired ones included: the caller decides).
pub async fn current(
    conn: &mut AnyConnection,
    tenant_id: &str,
    party_kind: &str,
    party_id: &str,
) -> StoreResult<Option<CertificateRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM certificates WHERE tenant_id = $1 AND party_kind = $2 \
         AND party_id = $3 AND replaced_at IS NULL",
        CertificateRow::columns()
    ))
    .bind(tenant_id)
    .bind(party_kind)
    .bind(party_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// Current registrations whose certificate ends between `from` and `until`.
pub async fn expiring(
    conn: &mut AnyConnection,
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> StoreResult<Vec<CertificateRecord>> {
    let sql = format!(
        "SELECT {} FROM certificates WHERE replaced_at IS NULL AND \
         not_after >= $1::timestamptz AND not_after < $2::timestamptz ORDER BY not_after",
        CertificateRow::columns()
    );
    let sql = crate::columns::for_engine(conn, &sql);
    let rows = sqlx::query(&sql)
        .bind(crate::codec::instant(from))
        .bind(crate::codec::instant(until))
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

fn decode(row: &sqlx::any::AnyRow) -> StoreResult<CertificateRecord> {
    let row = CertificateRow::read(row)?;
    Ok(CertificateRecord {
        id: row.id,
        tenant_id: row.tenant_id,
        party_kind: row.party_kind,
        party_id: row.party_id,
        subject: row.subject,
        serial: row.serial,
        fingerprint: row.fingerprint,
        not_after: row.not_after,
        registered_at: row.registered_at,
        expires_at: row.expires_at,
        chain_verified: row.chain_verified != 0,
        certificate_der: row.certificate_der,
        sealed_key: row.sealed_key,
        sealed_random: row.sealed_random,
    })
}
