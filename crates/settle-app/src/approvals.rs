//! Assigning NTS approval numbers: the Korean date of issue, the configured issuer code and
//! a serial of that day no other document has. Issuing takes serials from blocks reserved
//! ahead, so it does not need a write of its own per document; serials of a block a process
//! does not use up (it stops, or the day ends) stay unused, so numbers are unique, with gaps.

use std::collections::HashMap;
use std::sync::Mutex;

use settle_nts::approval::{ApprovalNumber, IssuerCode, MAX_SERIAL, korean_local};
use time::Date;

use crate::{App, AppError};

/// Serials reserved per block.
const BLOCK: u32 = 64;

/// The serials this process has reserved and not used yet, per issue date and issuer code.
#[derive(Debug, Default)]
pub struct SerialBlocks {
    blocks: Mutex<HashMap<(Date, String), std::ops::RangeInclusive<u32>>>,
}

impl SerialBlocks {
    fn take(&self, date: Date, issuer: &str) -> Option<u32> {
        let mut blocks = self.blocks.lock().unwrap_or_else(|e| e.into_inner());
        // Blocks of earlier days can never be used again.
        blocks.retain(|(day, _), _| *day >= date);
        let range = blocks.get_mut(&(date, issuer.to_owned()))?;
        let serial = range.next()?;
        Some(serial)
    }

    fn keep(&self, date: Date, issuer: &str, rest: std::ops::RangeInclusive<u32>) {
        let mut blocks = self.blocks.lock().unwrap_or_else(|e| e.into_inner());
        blocks.insert((date, issuer.to_owned()), rest);
    }
}

/// An approval number for a document issued at `now`, from this process's reserved block
/// (reserving the next block in its own transaction when it is used up).
pub async fn take(
    app: &App,
    now: time::OffsetDateTime,
    issuer: &IssuerCode,
) -> Result<ApprovalNumber, AppError> {
    let date = korean_local(now).date();
    let code = issuer.to_string();
    let serial = match app.serials.take(date, &code) {
        Some(serial) => serial,
        None => {
            let mut tx = app.store.write().await?;
            let last = settle_store::approvals::reserve_serials(
                &mut tx,
                &date.to_string(),
                &code,
                i64::from(BLOCK),
            )
            .await?;
            tx.commit().await?;
            let first = serial_in_range(last - i64::from(BLOCK) + 1)?;
            let last = u32::try_from(last).unwrap_or(u32::MAX).min(MAX_SERIAL);
            app.serials.keep(date, &code, first + 1..=last);
            first
        }
    };
    ApprovalNumber::new(date, issuer, serial).map_err(|e| AppError::internal(e.to_string()))
}

fn serial_in_range(serial: i64) -> Result<u32, AppError> {
    u32::try_from(serial)
        .ok()
        .filter(|s| *s <= MAX_SERIAL)
        .ok_or_else(|| {
            AppError::conflict(
                "nts.approval_serials_exhausted",
                "no approval serials left today",
            )
        })
}

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
    let serial = serial_in_range(serial)?;
    ApprovalNumber::new(date, issuer, serial).map_err(|e| AppError::internal(e.to_string()))
}
