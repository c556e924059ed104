//! Reconciliation files: every line of a period's (or one invoice's) finalized documents in
//! Partner Center's line-item layout, credit and void notes as negative lines, read from
//! the database as a stream and written as CSV, JSON Lines or XLSX in constant memory.

mod checks;
mod columns;

use std::future::Future;
use std::io::Read;

use futures::TryStreamExt;
use settle_core::access::Right;
use settle_core::billing::Period;
use settle_store::billing::reconciliation::{LineQuery, LineScope};
use settle_tabular::write::{CsvRows, Format, JsonlRows, RowSink, WriteError, XlsxRows};

pub use checks::{CheckReport, check_period};
pub use columns::COLUMNS;

use super::load_document;
use crate::auth::Principal;
use crate::{App, AppError};

/// Bytes handed on at a time.
const CHUNK: usize = 64 * 1024;
/// Files streaming at once; more wait their turn (a pool has 8 to 16 connections).
pub const MAX_EXPORTS: usize = 2;

/// What a reconciliation file covers, as a client names it.
#[derive(Clone, Copy, Debug)]
pub enum ExportScope<'a> {
    /// A billing period, `YYYY-MM`.
    Period(&'a str),
    /// An invoice (its id or number) with its notes, or one note.
    Invoice(&'a str),
}

/// A reconciliation file ready to be written: its rights and scope are checked, and a
/// connection is held for the read.
pub struct ReconciliationExport {
    conn: settle_store::PooledConn,
    query: LineQuery,
    _turn: tokio::sync::OwnedSemaphorePermit,
    /// The file name without extension (`reconciliation-2026-11`, `reconciliation-G000000001`).
    pub file_stem: String,
}

/// The period named `text`, or a 422.
pub fn parse_period(text: &str) -> Result<Period, AppError> {
    Period::parse(text).ok_or_else(|| {
        AppError::invalid(
            "reconciliation.invalid_period",
            "period",
            "period is a billing month, YYYY-MM",
        )
    })
}

/// The format named `text` (CSV when none), or a 422.
pub fn parse_format(text: Option<&str>) -> Result<Format, AppError> {
    match text {
        None => Ok(Format::Csv),
        Some(text) => Format::parse(text).ok_or_else(|| {
            AppError::invalid(
                "reconciliation.invalid_format",
                "format",
                "format is csv, xlsx or jsonl",
            )
        }),
    }
}

/// Prepares the file of `scope` as `by` may see it (a sales agent: assigned partners only).
pub async fn open(
    app: &App,
    by: &Principal,
    scope: ExportScope<'_>,
) -> Result<ReconciliationExport, AppError> {
    by.require(Right::ReadInvoices)?;
    let turn = app
        .exports
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    let mut conn = app.store.read().await?;
    let (scope, file_stem) = match scope {
        ExportScope::Period(text) => {
            let period = parse_period(text)?;
            (
                LineScope::Period(period),
                format!("reconciliation-{period}"),
            )
        }
        ExportScope::Invoice(key) => {
            let document = load_document(&mut conn, &by.tenant_id, key).await?;
            by.sees(&document.partner_id, "invoice")?;
            let Some(number) = &document.number else {
                return Err(AppError::conflict(
                    "invoice.not_finalized",
                    "a draft has no lines to reconcile yet; finalize it first",
                ));
            };
            let stem = format!("reconciliation-{number}");
            (LineScope::Document(document.id), stem)
        }
    };
    let among = by.scope.assigned();
    let query = LineQuery::new(&conn, &by.tenant_id, &scope, among.as_deref());
    Ok(ReconciliationExport {
        conn,
        query,
        _turn: turn,
        file_stem,
    })
}

impl ReconciliationExport {
    /// How many lines the file will have.
    pub async fn count(&mut self) -> Result<u64, AppError> {
        Ok(self.query.count(&mut self.conn).await?)
    }

    /// Writes the file in `format`, handing it to `deliver` a chunk at a time, in order, and
    /// calling `progress` with the lines written so far every few thousand lines. Returns
    /// the number of lines.
    pub async fn write<F, Fut>(
        mut self,
        format: Format,
        mut deliver: F,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64, AppError>
    where
        F: FnMut(Vec<u8>) -> Fut,
        Fut: Future<Output = Result<(), AppError>>,
    {
        let mut sink = match format {
            Format::Csv => {
                FileSink::Csv(CsvRows::new(Vec::with_capacity(CHUNK * 2), &COLUMNS).map_err(err)?)
            }
            Format::Jsonl => {
                FileSink::Jsonl(JsonlRows::new(Vec::with_capacity(CHUNK * 2), &COLUMNS))
            }
            Format::Xlsx => FileSink::Xlsx(Box::new(XlsxRows::new(&COLUMNS).map_err(err)?)),
        };
        let lines = self.rows(&mut sink, &mut deliver, progress).await?;
        // Everything is read: the connection goes back to the pool before the rest goes out.
        drop(self.conn);
        match sink {
            FileSink::Csv(rows) => deliver(rows.finish().map_err(err)?).await?,
            FileSink::Jsonl(rows) => deliver(rows.finish().map_err(err)?).await?,
            FileSink::Xlsx(rows) => deliver_workbook(*rows, &mut deliver).await?,
        }
        Ok(lines)
    }

    async fn rows<F, Fut>(
        &mut self,
        sink: &mut FileSink,
        deliver: &mut F,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64, AppError>
    where
        F: FnMut(Vec<u8>) -> Fut,
        Fut: Future<Output = Result<(), AppError>>,
    {
        let mut lines = 0;
        let mut stream = self.query.fetch(&mut self.conn);
        while let Some(document) = stream.try_next().await? {
            for line in &document.lines {
                sink.row(&columns::cells(&document, line)).map_err(err)?;
                lines += 1;
                if lines % 4096 == 0 {
                    progress(lines);
                }
            }
            if let Some(chunk) = sink.take_full()? {
                deliver(chunk).await?;
            }
        }
        progress(lines);
        Ok(lines)
    }
}

/// A file being written: text formats in memory, handed on a chunk at a time; a workbook
/// in its temporary sheet files until it is complete.
enum FileSink {
    Csv(CsvRows<Vec<u8>>),
    Jsonl(JsonlRows<Vec<u8>>),
    Xlsx(Box<XlsxRows>),
}

impl FileSink {
    fn row(&mut self, cells: &[settle_tabular::write::Cell<'_>]) -> Result<(), WriteError> {
        match self {
            FileSink::Csv(rows) => rows.row(cells),
            FileSink::Jsonl(rows) => rows.row(cells),
            FileSink::Xlsx(rows) => rows.row(cells),
        }
    }

    /// What has been written, once it fills a chunk (never for a workbook).
    fn take_full(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        let buffer = match self {
            FileSink::Csv(rows) => rows.get_mut(),
            FileSink::Jsonl(rows) => rows.get_mut(),
            FileSink::Xlsx(_) => return Ok(None),
        };
        if buffer.len() < CHUNK {
            return Ok(None);
        }
        Ok(Some(std::mem::replace(
            buffer,
            Vec::with_capacity(CHUNK * 2),
        )))
    }
}

/// Completes the workbook in a temporary file (a ZIP archive is whole only at its end) and
/// hands the file on a chunk at a time.
async fn deliver_workbook<F, Fut>(rows: XlsxRows, deliver: &mut F) -> Result<(), AppError>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<(), AppError>>,
{
    let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
    let path = file.path().to_owned();
    tokio::task::spawn_blocking(move || rows.save(&path))
        .await
        .map_err(AppError::internal)?
        .map_err(err)?;
    let mut file = file.reopen().map_err(AppError::internal)?;
    loop {
        let mut chunk = vec![0; CHUNK];
        let read = file.read(&mut chunk).map_err(AppError::internal)?;
        if read == 0 {
            return Ok(());
        }
        chunk.truncate(read);
        deliver(chunk).await?;
    }
}

fn err(error: WriteError) -> AppError {
    AppError::internal(error)
}
