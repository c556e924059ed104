//! NTS approval-number serials: a counter per issue date and issuer code, advanced in the
//! caller's transaction so a serial is used exactly once.

use sqlx::AnyConnection;

use crate::StoreResult;

/// Takes the next serial (1, 2, …) for `issue_date` (`YYYY-MM-DD`) and `issuer_code`.
pub async fn next_serial(
    conn: &mut AnyConnection,
    issue_date: &str,
    issuer_code: &str,
) -> StoreResult<i64> {
    reserve_serials(conn, issue_date, issuer_code, 1).await
}

/// Takes the next `count` serials for `issue_date` and `issuer_code`; returns the last of
/// them (the first is `last - count + 1`).
pub async fn reserve_serials(
    conn: &mut AnyConnection,
    issue_date: &str,
    issuer_code: &str,
    count: i64,
) -> StoreResult<i64> {
    let sql = crate::columns::for_engine(
        conn,
        "INSERT INTO nts_approval_serials (issue_date, issuer_code, last_serial) \
         VALUES ($1::date, $2, $3) \
         ON CONFLICT (issue_date, issuer_code) \
         DO UPDATE SET last_serial = nts_approval_serials.last_serial + $3 \
         RETURNING last_serial",
    );
    let serial: i64 = sqlx::query_scalar(&sql)
        .bind(issue_date)
        .bind(issuer_code)
        .bind(count)
        .fetch_one(conn)
        .await?;
    Ok(serial)
}
