//! The `jobs` table: durable background work (emails, webhooks, filing) claimed with leases.
//! A job enqueued inside a use case's transaction exists exactly when that work committed
//! (the outbox pattern); a worker that dies loses its lease and another takes the job over.

use settle_core::ids::{JobId, TenantId};
use settle_core::job::{JobAction, JobState};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use time::{Duration, OffsetDateTime};

use crate::StoreResult;
use crate::codec::{instant, int};
use crate::columns::{Int, Json, Kind, Null, Text, for_engine};

crate::table_row! {
    /// What a claim reads of a `jobs` row.
    pub(crate) struct JobRow in "jobs" {
        id: Text,
        tenant_id: Null<Text>,
        kind: Text,
        payload: Json<serde_json::Value>,
        attempts: Int,
    }
}

/// A job to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// The tenant it works for, if any.
    pub tenant_id: Option<TenantId>,
    /// What to do (`email`, `webhook`, `nts.file`…).
    pub kind: String,
    /// The arguments, as JSON.
    pub payload: serde_json::Value,
    /// How many times it has been claimed, this time included.
    pub attempts: i64,
}

/// A job to enqueue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// The tenant it works for, if any.
    pub tenant_id: Option<TenantId>,
    /// What to do.
    pub kind: String,
    /// The arguments.
    pub payload: serde_json::Value,
    /// When given, a second job with the same key is not enqueued.
    pub dedupe_key: Option<String>,
    /// Not before this instant.
    pub run_at: OffsetDateTime,
}

/// Enqueues a job; false when one with the same dedupe key exists already.
pub async fn enqueue(
    conn: &mut AnyConnection,
    job: &NewJob,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "INSERT INTO jobs (id, tenant_id, kind, payload, dedupe_key, state, run_at, attempts, \
         created_at) VALUES ($1, $2, $3, $4::jsonb, $5, $8, $6::timestamptz, 0, \
         $7::timestamptz) ON CONFLICT DO NOTHING",
    );
    let done = sqlx::query(&sql)
        .bind(JobId::generate().to_string())
        .bind(job.tenant_id.as_ref().map(|t| t.to_string()))
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(job.dedupe_key.as_deref())
        .bind(instant(job.run_at))
        .bind(instant(now))
        .bind(JobState::Pending.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Enqueues many jobs with multi-row inserts (jobs with a taken dedupe key are skipped).
pub async fn enqueue_many(
    conn: &mut AnyConnection,
    jobs: &[NewJob],
    now: OffsetDateTime,
) -> StoreResult<()> {
    const KINDS: [Kind; 8] = [
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Json,
        Kind::Text,
        Kind::Text,
        Kind::Instant,
        Kind::Instant,
    ];
    let sqlite = crate::bulk::sqlite(conn);
    let created = instant(now);
    for chunk in jobs.chunks(crate::bulk::chunk_rows(KINDS.len())) {
        let sql = crate::bulk::insert_sql(
            "jobs (id, tenant_id, kind, payload, dedupe_key, state, run_at, created_at)",
            &KINDS,
            chunk.len(),
            sqlite,
            "ON CONFLICT DO NOTHING",
        );
        let mut query = sqlx::query(&sql);
        for job in chunk {
            query = query
                .bind(JobId::generate().to_string())
                .bind(job.tenant_id.as_ref().map(|t| t.to_string()))
                .bind(job.kind.as_str())
                .bind(job.payload.to_string())
                .bind(job.dedupe_key.as_deref())
                .bind(JobState::Pending.as_str())
                .bind(instant(job.run_at))
                .bind(created.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Claims up to `limit` jobs of `kind` that are due, or whose last lease lapsed, for
/// `owner` until `now + lease`. Several processes may claim at once: each job goes to one.
pub async fn claim(
    conn: &mut AnyConnection,
    kind: &str,
    owner: &str,
    now: OffsetDateTime,
    lease: Duration,
    limit: u32,
) -> StoreResult<Vec<Job>> {
    // PostgreSQL skips rows another claimer holds; SQLite has one writer, so no lock clause.
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE jobs SET state = $5, lease_owner = $1, lease_until = $2::timestamptz, \
         attempts = attempts + 1 WHERE id IN (SELECT id FROM jobs WHERE kind = $3 AND \
         ((state = $6 AND run_at <= $4::timestamptz) OR \
         (state = $7 AND lease_until < $4::timestamptz)) \
         ORDER BY run_at, id LIMIT {limit}{lock}) RETURNING {}",
        JobRow::columns()
    );
    let sql = for_engine(conn, &sql);
    // A waiting job, or a running one whose worker's lease lapsed.
    let (waiting, abandoned) = (JobState::Pending, JobState::Running);
    let rows = sqlx::query(&sql)
        .bind(owner)
        .bind(instant(now + lease))
        .bind(kind)
        .bind(instant(now))
        .bind(JobAction::Claim.to_state().as_str())
        .bind(waiting.as_str())
        .bind(abandoned.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// Marks a claimed job done; false if the lease was lost to another worker meanwhile.
pub async fn complete(
    conn: &mut AnyConnection,
    id: &JobId,
    owner: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = for_engine(
        conn,
        "UPDATE jobs SET state = $4, finished_at = $1::timestamptz, lease_owner = NULL, \
         lease_until = NULL WHERE id = $2 AND lease_owner = $3 AND state = $5",
    );
    let done = sqlx::query(&sql)
        .bind(instant(now))
        .bind(id.as_str())
        .bind(owner)
        .bind(JobAction::Complete.to_state().as_str())
        .bind(JobState::Running.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when `None`.
pub async fn fail(
    conn: &mut AnyConnection,
    id: &JobId,
    owner: &str,
    error: &str,
    retry_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let (action, run_at, finished) = match retry_at {
        Some(at) => (JobAction::Retry, Some(instant(at)), None),
        None => (JobAction::Fail, None, Some(instant(now))),
    };
    let sql = for_engine(
        conn,
        "UPDATE jobs SET state = $1, run_at = COALESCE($2::timestamptz, run_at), \
         finished_at = $3::timestamptz, last_error = $4, lease_owner = NULL, lease_until = NULL \
         WHERE id = $5 AND lease_owner = $6 AND state = $7",
    );
    let done = sqlx::query(&sql)
        .bind(action.to_state().as_str())
        .bind(run_at)
        .bind(finished)
        .bind(error)
        .bind(id.as_str())
        .bind(owner)
        .bind(JobState::Running.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts jobs of `kind` in `state` (for operators and tests).
pub async fn count(conn: &mut AnyConnection, kind: &str, state: JobState) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND state = $2")
        .bind(kind)
        .bind(state.as_str())
        .fetch_one(conn)
        .await?;
    int(&row, "n")
}

fn decode(row: &AnyRow) -> StoreResult<Job> {
    let row = JobRow::read(row)?;
    Ok(Job {
        id: JobId::from_trusted(row.id),
        tenant_id: row.tenant_id.map(TenantId::from_trusted),
        kind: row.kind,
        payload: row.payload,
        attempts: row.attempts,
    })
}
