//! Group commit for actions that arrive many at a time (suppliers issuing at once): each
//! caller queues its prepared action and waits for the write lock; whoever gets it writes
//! everything queued by then in one transaction, so a burst of issues costs a few
//! transactions instead of one each. Every caller still gets its own answer (its record, or
//! the 409 of its lost race); a failed transaction fails everything it carried, and nothing
//! of it is stored.

use std::sync::Mutex;

use settle_core::tax_invoice::TaxInvoiceRecord;
use tokio::sync::oneshot;

use super::lifecycle::{Prepared, write_many};
use crate::{App, AppError};

type Reply = oneshot::Sender<Result<TaxInvoiceRecord, AppError>>;

/// The actions waiting for a writer.
#[derive(Default)]
pub struct WriteQueue {
    waiting: Mutex<Vec<(u64, Prepared, Reply)>>,
    next_ticket: std::sync::atomic::AtomicU64,
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

    /// Takes back a queued action no writer has taken yet; false when one took it.
    fn withdraw(&self, ticket: u64) -> bool {
        let mut waiting = self.lock();
        let before = waiting.len();
        waiting.retain(|(t, _, _)| *t != ticket);
        waiting.len() != before
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
    match app.store.write().await {
        Ok(mut tx) => {
            let batch = std::mem::take(&mut *queue.lock());
            if !batch.is_empty() {
                let (prepared, replies): (Vec<_>, Vec<_>) =
                    batch.into_iter().map(|(_, p, r)| (p, r)).unzip();
                let written = match write_many(&mut tx, prepared).await {
                    Ok(results) => tx.commit().await.map(|()| results).map_err(AppError::from),
                    Err(error) => Err(error),
                };
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
        }
        // Answer the error only if no other writer took the action meanwhile; otherwise
        // its answer is that writer's.
        Err(error) if queue.withdraw(ticket) => return Err(error.into()),
        Err(_) => {}
    }
    answer
        .await
        .unwrap_or_else(|_| Err(AppError::internal("the writer stopped before answering")))
}
