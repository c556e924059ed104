//! Assigning NTS approval numbers: the Korean date of issue, the configured issuer code and
//! the next serial of that day, taken in its own transaction so no two documents share one.

use settle_nts::approval::{ApprovalNumber, IssuerCode, MAX_SERIAL, korean_local};

use crate::{App, AppError};

/// Takes the next approval number for a document issued at `now`, in its own transaction
/// (so signing can happen outside the transaction that stores the issue).
pub async fn assign(
    app: &App,
    now: time::OffsetDateTime,
    issuer: &IssuerCode,
) -> Result<ApprovalNumber, AppError> {
    let mut tx = app.store.write().await?;
    let number = assign_in(&mut tx, now, issuer).await?;
    tx.commit().await?;
    Ok(number)
}

/// Takes the next approval number for a document issued at `now`, in the caller's
/// transaction (so a rolled-back issue gives its serial back).
pub async fn assign_in(
    conn: &mut settle_store::Conn,
    now: time::OffsetDateTime,
    issuer: &IssuerCode,
) -> Result<ApprovalNumber, AppError> {
    let date = korean_local(now).date();
    let serial =
        settle_store::approvals::next_serial(conn, &date.to_string(), &issuer.to_string()).await?;
    let serial = u32::try_from(serial)
        .ok()
        .filter(|s| *s <= MAX_SERIAL)
        .ok_or_else(|| {
            AppError::conflict(
                "nts.approval_serials_exhausted",
                "no approval serials left today",
            )
        })?;
    ApprovalNumber::new(date, issuer, serial).map_err(|e| AppError::internal(e.to_string()))
}
