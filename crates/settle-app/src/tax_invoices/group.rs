//! Group commit for actions that arrive many at a time (suppliers issuing at once): each
//! caller queues its prepared action and waits for its turn to write; whoever gets the turn
//! writes everything queued by then in one transaction, and those whose action was taken
//! just wait for their answer. So a burst of issues costs a few transactions instead of one
//! each, and writers never queue on the database lock only to find nothing to write. Every caller still gets its own answer (its record, or
//! the 409 of its lost race); a failed transaction fails everything it carried, and nothing
//! of it is stored.

use std::sync::Mutex;

use settle_core::tax_invoice::TaxInvoiceRecord;
use tokio::sync::oneshot;

use super::lifecycle::{Prepared, write_many};
use crate::{App, AppError};

type Reply = oneshot::Sender<Result<TaxInvoiceRecord, AppError>>;

/// The actions waiting for a writer, and the turn of the one writer of this process.
#[derive(Default)]
pub struct WriteQueue {
    waiting: Mutex<Vec<(u64, Prepared, Reply)>>,
    next_ticket: std::sync::atomic::AtomicU64,
    turn: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for WriteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteQueue").finish_non_exhaustive()
    }
}

impl WriteQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Prepared, Reply)>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Everything queued, if `ticket` is still among it; nothing when a writer took it.
    fn take_with(&self, ticket: u64) -> Vec<(u64, Prepared, Reply)> {
        let mut waiting = self.lock();
        if waiting.iter().any(|(t, _, _)| *t == ticket) {
            std::mem::take(&mut *waiting)
        } else {
            Vec::new()
        }
    }
}

/// Writes `prepared` together with whatever else is queued, and answers its own result.
pub(crate) async fn write_grouped(
    app: &App,
    prepared: Prepared,
) -> Result<TaxInvoiceRecord, AppError> {
    let queue = &app.write_queue;
    let ticket = queue
        .next_ticket
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (reply, answer) = oneshot::channel();
    queue.lock().push((ticket, prepared, reply));
    {
        // One writer at a time: while it writes, the others' actions gather in the queue,
        // and the next one to get its turn writes them all (its own among them, unless a
        // writer before it took that already).
        let _turn = queue.turn.lock().await;
        let batch = queue.take_with(ticket);
        if !batch.is_empty() {
            write_batch(app, batch).await;
        }
    }
    answer
        .await
        .unwrap_or_else(|_| Err(AppError::internal("the writer stopped before answering")))
}

/// Writes `batch` in one transaction and answers each action; a failure answers all.
async fn write_batch(app: &App, batch: Vec<(u64, Prepared, Reply)>) {
    let (prepared, replies): (Vec<_>, Vec<_>) = batch.into_iter().map(|(_, p, r)| (p, r)).unzip();
    let written = async {
        let mut tx = app.store.write().await?;
        let results = write_many(&mut tx, prepared).await?;
        tx.commit().await?;
        Ok::<_, AppError>(results)
    }
    .await;
    match written {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        Err(error) => {
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }
}
