//! Background work inside `settle serve`: delivering queued emails and webhooks, working
//! through uploaded spreadsheets, and the daily filing batch. Both go through the durable jobs table with leases, so several servers on one
//! database share the work without doing any of it twice, and a crashed server's jobs are
//! taken over when their leases lapse.

use std::time::Duration as StdDuration;

use settle_core::KST;
use settle_store::jobs::{self, Job, NewJob};
use time::{Duration, OffsetDateTime};

use crate::mail::{self, Outgoing};
use crate::{App, AppError, filing};

/// Emails claimed per round.
const EMAIL_BATCH: u32 = 200;
/// A delivery's lease.
const EMAIL_LEASE: Duration = Duration::minutes(2);
/// Attempts before an email is given up.
const MAX_EMAIL_ATTEMPTS: i64 = 10;
/// A batch's lease; renewed work is per invoice, so a long batch is safe.
const BATCH_LEASE: Duration = Duration::minutes(30);

/// Runs the worker until the task is dropped: emails every `tick`, the filing schedule
/// every few ticks.
pub async fn run(app: App, owner: String, tick: StdDuration) {
    let mut round: u64 = 0;
    loop {
        if let Err(error) = deliver_emails(&app, &owner).await {
            tracing::warn!(%error, "email delivery round failed");
        }
        if let Err(error) = crate::webhooks::deliver_webhooks(&app, &owner).await {
            tracing::warn!(%error, "webhook delivery round failed");
        }
        if let Err(error) = crate::uploads::work(&app, &owner).await {
            tracing::warn!(%error, "upload round failed");
        }
        if let Err(error) = crate::billing::korean::issue_queued(&app, &owner).await {
            tracing::warn!(%error, "tax-invoice round failed");
        }
        if round.is_multiple_of(10)
            && let Err(error) = schedule_and_run_batches(&app, &owner).await
        {
            tracing::warn!(%error, "filing round failed");
        }
        if round.is_multiple_of(10)
            && let Err(error) = crate::reminders::send_due_reminders(&app).await
        {
            tracing::warn!(%error, "reminder round failed");
        }
        round = round.wrapping_add(1);
        tokio::time::sleep(tick).await;
    }
}

/// Claims up to `limit` due jobs of `kind` for `owner` in a transaction of their own, so
/// the work that follows holds no write lock.
pub(crate) async fn claim(
    app: &App,
    kind: &str,
    owner: &str,
    lease: Duration,
    limit: u32,
) -> Result<Vec<Job>, AppError> {
    let mut tx = app.store.write().await?;
    let claimed = jobs::claim(&mut tx, kind, owner, app.now(), lease, limit).await?;
    tx.commit().await?;
    Ok(claimed)
}

/// Delivers every due email; returns how many were delivered.
pub async fn deliver_emails(app: &App, owner: &str) -> Result<usize, AppError> {
    let mut delivered = 0;
    loop {
        let claimed = claim(app, mail::JOB_KIND, owner, EMAIL_LEASE, EMAIL_BATCH).await?;
        if claimed.is_empty() {
            return Ok(delivered);
        }
        for job in claimed {
            let outcome = match serde_json::from_value::<Outgoing>(job.payload.clone()) {
                Ok(outgoing) => {
                    let mut conn = app.store.read().await?;
                    let email = mail::render(&mut conn, outgoing).await?;
                    drop(conn);
                    match email {
                        Some(email) => app.mailer.deliver(job.id.as_str(), &email).await,
                        // The document was deleted: nothing to say any more.
                        None => Ok(()),
                    }
                }
                Err(error) => Err(format!("unreadable email job: {error}")),
            };
            finish(app, &job, owner, outcome.as_ref().err()).await?;
            if outcome.is_ok() {
                delivered += 1;
            }
        }
    }
}

async fn finish(app: &App, job: &Job, owner: &str, error: Option<&String>) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store.write().await?;
    match error {
        None => {
            jobs::complete(&mut tx, &job.id, owner, now).await?;
        }
        Some(error) => {
            tracing::warn!(job = %job.id, %error, "email delivery failed");
            // 1, 2, 4 … minutes, then given up.
            let retry = (job.attempts < MAX_EMAIL_ATTEMPTS)
                .then(|| now + Duration::minutes(1 << job.attempts.clamp(0, 9)));
            jobs::fail(&mut tx, &job.id, owner, error, retry, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The instant today's batch is due (Korean date of `now` at the filing time).
pub fn batch_due(app: &App, now: OffsetDateTime) -> OffsetDateTime {
    now.to_offset(KST).replace_time(app.settings.filing_time)
}

/// Enqueues today's batch once its time has come (one job per day, whoever enqueues it
/// first), then runs any batch job that is due.
pub async fn schedule_and_run_batches(app: &App, owner: &str) -> Result<(), AppError> {
    let now = app.now();
    let due = batch_due(app, now);
    if now >= due {
        let day = due.date();
        let mut tx = app.store.write().await?;
        jobs::enqueue(
            &mut tx,
            &NewJob {
                tenant_id: None,
                kind: filing::JOB_KIND.to_owned(),
                payload: serde_json::json!({ "as_of": due.unix_timestamp() }),
                dedupe_key: Some(format!("{}:{day}", filing::JOB_KIND)),
                run_at: due,
            },
            now,
        )
        .await?;
        tx.commit().await?;
    }
    let claimed = {
        let mut tx = app.store.write().await?;
        let claimed = jobs::claim(&mut tx, filing::JOB_KIND, owner, now, BATCH_LEASE, 1).await?;
        tx.commit().await?;
        claimed
    };
    for job in claimed {
        let as_of = job
            .payload
            .get("as_of")
            .and_then(serde_json::Value::as_i64)
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .unwrap_or(now);
        let report = filing::run_batch(app, as_of).await;
        let mut tx = app.store.write().await?;
        match report {
            Ok(report) => {
                tracing::info!(
                    filed = report.filed,
                    sent = report.sent,
                    failed = report.failed,
                    "filing batch done"
                );
                jobs::complete(&mut tx, &job.id, owner, app.now()).await?;
            }
            Err(error) => {
                let retry = Some(app.now() + Duration::minutes(5));
                jobs::fail(
                    &mut tx,
                    &job.id,
                    owner,
                    &error.to_string(),
                    retry,
                    app.now(),
                )
                .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}
