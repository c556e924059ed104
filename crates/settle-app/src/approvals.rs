//! Assigning NTS approval numbers: the Korean date of issue, the configured issuer code and
//! the next serial of that day, taken in its own transaction so no two documents share one.

use settle_nts::approval::{ApprovalNumber, IssuerCode, MAX_SERIAL, korean_local};

use crate::{App, AppError};

/// Takes the next approval number for a document issued now.
pub async fn assign(app: &App, issuer: &IssuerCode) -> Result<ApprovalNumber, AppError> {
    let date = korean_local(app.now()).date();
    let mut tx = app.store.write().await?;
    let serial =
        settle_store::approvals::next_serial(&mut tx, &date.to_string(), &issuer.to_string())
            .await?;
    tx.commit().await?;
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
