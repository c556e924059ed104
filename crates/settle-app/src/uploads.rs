//! Spreadsheets worked on in the background. [`start`] checks the file can be read (a
//! file that is not a spreadsheet, or lacks a required column, is refused at once), stores
//! it with the sender's tenant, actor and roles, and queues an `upload` job; the worker
//! ([`work`]) goes through it in chunks of [`CHUNK`] with the same use cases as the API,
//! under the sender's rights, recording progress after each chunk and the report at the
//! end. A page polls [`get`] to show the progress.
//!
//! A worker that dies half-way leaves its job's lease to lapse; the next one starts the
//! file again, and what was already created is reported as duplicate keys, never twice.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use settle_core::access::{Right, Roles};
use settle_core::ids::UploadId;
use settle_core::upload::{CHUNK, UploadKind};
use settle_store::jobs::{self, Job, NewJob};
use settle_store::uploads::{self, Upload};
use time::Duration;

use crate::auth::Principal;
use crate::tax_invoices::batch::{self, BatchReport};
use crate::{App, AppError};

/// The job kind of uploads.
pub const JOB_KIND: &str = "upload";
/// A worker's lease on an upload; long enough for the largest batch.
const LEASE: Duration = Duration::minutes(30);

/// Stores `file` and queues its work; returns the upload (total known, nothing done).
pub async fn start(
    app: &App,
    by: &Principal,
    kind: UploadKind,
    file_name: &str,
    file: &[u8],
) -> Result<Upload, AppError> {
    let total = match kind {
        UploadKind::Partners => {
            by.require(Right::WritePartners)?;
            crate::import::count_rows(file)?
        }
        UploadKind::TaxInvoices => {
            by.require(Right::WriteTaxInvoices)?;
            batch::documents_from_file(file)?.len()
        }
    };
    let upload = Upload {
        id: UploadId::generate(),
        tenant_id: by.tenant_id.clone(),
        kind,
        actor: by.actor.clone(),
        roles: by.roles.to_csv(),
        file_name: file_name.chars().take(200).collect(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
        done: 0,
        report: None,
        error: None,
        created_at: app.now(),
        finished_at: None,
    };
    let job = NewJob {
        tenant_id: Some(by.tenant_id.clone()),
        kind: JOB_KIND.to_owned(),
        payload: serde_json::json!({ "upload_id": upload.id }),
        dedupe_key: None,
        run_at: upload.created_at,
    };
    let mut tx = app.store.write().await?;
    uploads::insert(&mut tx, &upload, &BASE64.encode(file)).await?;
    jobs::enqueue(&mut tx, &job, upload.created_at).await?;
    tx.commit().await?;
    Ok(upload)
}

/// An upload of the principal's tenant.
pub async fn get(app: &App, by: &Principal, id: &str) -> Result<Upload, AppError> {
    let id = UploadId::parse(id.trim()).ok_or_else(|| AppError::not_found("upload"))?;
    let mut conn = app.store.read().await?;
    uploads::get(&mut conn, &id)
        .await?
        .filter(|upload| upload.tenant_id == by.tenant_id)
        .ok_or_else(|| AppError::not_found("upload"))
}

/// Works through every queued upload; returns how many were finished.
pub async fn work(app: &App, owner: &str) -> Result<usize, AppError> {
    let mut finished = 0;
    loop {
        let claimed = crate::worker::claim(app, JOB_KIND, owner, LEASE, 1).await?;
        let Some(job) = claimed.into_iter().next() else {
            return Ok(finished);
        };
        let outcome = process(app, &job).await;
        let mut tx = app.store.write().await?;
        match &outcome {
            Ok(()) => {
                jobs::complete(&mut tx, &job.id, owner, app.now()).await?;
            }
            Err(error) => {
                tracing::warn!(job = %job.id, %error, "upload failed");
                jobs::fail(&mut tx, &job.id, owner, &error.message, None, app.now()).await?;
            }
        }
        tx.commit().await?;
        finished += 1;
    }
}

/// Works through one upload and records its report (or why it stopped).
async fn process(app: &App, job: &Job) -> Result<(), AppError> {
    let id = job.payload["upload_id"]
        .as_str()
        .and_then(UploadId::parse)
        .ok_or_else(|| AppError::internal("an upload job without its upload"))?;
    let (upload, file) = {
        let mut conn = app.store.read().await?;
        let upload = uploads::get(&mut conn, &id)
            .await?
            .ok_or_else(|| AppError::not_found("upload"))?;
        let file = uploads::file(&mut conn, &id).await?.unwrap_or_default();
        (upload, file)
    };
    if upload.finished_at.is_some() {
        return Ok(());
    }
    let file = BASE64.decode(file).map_err(AppError::internal)?;
    let by = Principal {
        tenant_id: upload.tenant_id.clone(),
        roles: Roles::from_csv(&upload.roles).map_err(AppError::internal)?,
        actor: upload.actor.clone(),
        scope: settle_core::access::PartnerScope::All,
    };
    let outcome = match upload.kind {
        UploadKind::Partners => crate::import::import_partners(app, &by, &file)
            .await
            .and_then(|report| serde_json::to_value(report).map_err(AppError::internal)),
        UploadKind::TaxInvoices => tax_invoices(app, &by, &id, &file)
            .await
            .and_then(|report| serde_json::to_value(report).map_err(AppError::internal)),
    };
    let mut tx = app.store.write().await?;
    match &outcome {
        Ok(report) => {
            uploads::progress(&mut tx, &id, upload.total).await?;
            uploads::finish(&mut tx, &id, Some(report), None, app.now()).await?;
        }
        Err(error) => {
            let said = format!("{} ({})", error.message, error.code);
            uploads::finish(&mut tx, &id, None, Some(&said), app.now()).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Submits the file's documents a chunk at a time, recording progress after each.
async fn tax_invoices(
    app: &App,
    by: &Principal,
    id: &UploadId,
    file: &[u8],
) -> Result<BatchReport, AppError> {
    let documents = batch::documents_from_file(file)?;
    let mut report = BatchReport::default();
    let mut done = 0i64;
    for chunk in documents.chunks(CHUNK) {
        // A refusal of a whole chunk (rights, a missing tenant profile) ends the upload.
        let part = batch::submit(app, by, chunk.to_vec(), false).await?;
        report.created += part.created;
        report.failed.extend(part.failed);
        done += i64::try_from(chunk.len()).unwrap_or(0);
        let mut tx = app.store.write().await?;
        uploads::progress(&mut tx, id, done).await?;
        tx.commit().await?;
    }
    Ok(report)
}
