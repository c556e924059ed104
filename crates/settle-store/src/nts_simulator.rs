//! The embedded NTS simulator's own register: the businesses linked with it and every
//! invoice it received (so a resubmission is recognised and a reused number refused).

use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::StoreResult;
use crate::codec::{instant, text};

/// Registers a business as a member (idempotent).
pub async fn add_member(
    conn: &mut AnyConnection,
    brn: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let sql = crate::columns::for_engine(
        conn,
        "INSERT INTO nts_simulator_members (brn, linked_at) VALUES ($1, $2::timestamptz) \
         ON CONFLICT DO NOTHING",
    );
    sqlx::query(&sql)
        .bind(brn)
        .bind(instant(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether a business is a member.
pub async fn is_member(conn: &mut AnyConnection, brn: &str) -> StoreResult<bool> {
    let row = sqlx::query("SELECT brn FROM nts_simulator_members WHERE brn = $1")
        .bind(brn)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// What the simulator answered for an approval number before: (content hash, result).
pub async fn receipt(
    conn: &mut AnyConnection,
    approval_number: &str,
) -> StoreResult<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT content_hash, result_code FROM nts_simulator_receipts WHERE approval_number = $1",
    )
    .bind(approval_number)
    .fetch_optional(conn)
    .await?;
    row.map(|row| Ok((text(&row, "content_hash")?, text(&row, "result_code")?)))
        .transpose()
}

/// What the simulator answered before for each of `numbers` that it received:
/// number → (content hash, result).
pub async fn receipts(
    conn: &mut AnyConnection,
    numbers: &[&str],
) -> StoreResult<std::collections::HashMap<String, (String, String)>> {
    let mut found = std::collections::HashMap::new();
    for chunk in numbers.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT approval_number, content_hash, result_code FROM nts_simulator_receipts \
             WHERE approval_number IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for number in chunk {
            query = query.bind(*number);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(
                text(&row, "approval_number")?,
                (text(&row, "content_hash")?, text(&row, "result_code")?),
            );
        }
    }
    Ok(found)
}

/// Records a received invoice; false if the number was recorded meanwhile.
pub async fn record_receipt(
    conn: &mut AnyConnection,
    approval_number: &str,
    content_hash: &str,
    supplier_brn: &str,
    result_code: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = crate::columns::for_engine(
        conn,
        "INSERT INTO nts_simulator_receipts (approval_number, content_hash, supplier_brn, \
         result_code, received_at) VALUES ($1, $2, $3, $4, $5::timestamptz) ON CONFLICT DO NOTHING",
    );
    let done = sqlx::query(&sql)
        .bind(approval_number)
        .bind(content_hash)
        .bind(supplier_brn)
        .bind(result_code)
        .bind(instant(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many invoices the simulator received.
pub async fn receipt_count(conn: &mut AnyConnection) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM nts_simulator_receipts")
        .fetch_one(conn)
        .await?;
    crate::codec::int(&row, "n")
}
