//! The `uploads` table: spreadsheets worked on in the background, with their progress and
//! report.

use settle_core::ids::{TenantId, UploadId};
pub use settle_core::upload::Upload;
use settle_core::upload::UploadKind;
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::codec::instant;
use crate::columns::{Instant, Int, Json, Null, Text, for_engine};
use crate::{StoreError, StoreResult};

crate::table_row! {
    /// A row of `uploads` without its file.
    pub(crate) struct UploadRow in "uploads" {
        id: Text,
        tenant_id: Text,
        kind: Text,
        actor: Text,
        roles: Text,
        file_name: Text,
        total: Int,
        done: Int,
        report: Null<Json<serde_json::Value>>,
        error: Null<Text>,
        created_at: Instant,
        finished_at: Null<Instant>,
    }
}

/// Stores an upload and its file (base64).
pub async fn insert(conn: &mut AnyConnection, upload: &Upload, file: &str) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "INSERT INTO uploads (id, tenant_id, kind, actor, roles, file_name, file, total, done, \
         report, error, created_at, finished_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL, NULL, $9::timestamptz, NULL)",
    );
    sqlx::query(&sql)
        .bind(upload.id.as_str())
        .bind(upload.tenant_id.as_str())
        .bind(upload.kind.as_str())
        .bind(&upload.actor)
        .bind(&upload.roles)
        .bind(&upload.file_name)
        .bind(file)
        .bind(upload.total)
        .bind(instant(upload.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The upload with this id (of any tenant).
pub async fn get(conn: &mut AnyConnection, id: &UploadId) -> StoreResult<Option<Upload>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM uploads WHERE id = $1",
        UploadRow::columns()
    ))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// The file of an upload, base64.
pub async fn file(conn: &mut AnyConnection, id: &UploadId) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT file FROM uploads WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|row| crate::codec::text(&row, "file")).transpose()
}

/// Records how far the work is.
pub async fn progress(conn: &mut AnyConnection, id: &UploadId, done: i64) -> StoreResult<()> {
    sqlx::query("UPDATE uploads SET done = $1 WHERE id = $2")
        .bind(done)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the end: the report, or why it stopped; the file is dropped.
pub async fn finish(
    conn: &mut AnyConnection,
    id: &UploadId,
    report: Option<&serde_json::Value>,
    error: Option<&str>,
    at: OffsetDateTime,
) -> StoreResult<()> {
    let sql = for_engine(
        conn,
        "UPDATE uploads SET report = $1::jsonb, error = $2, finished_at = $3::timestamptz, \
         file = '' WHERE id = $4",
    );
    let report = report
        .map(|r| crate::codec::to_json(r, "upload report"))
        .transpose()?;
    sqlx::query(&sql)
        .bind(report)
        .bind(error)
        .bind(instant(at))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

fn decode(row: &sqlx::any::AnyRow) -> StoreResult<Upload> {
    let row = UploadRow::read(row)?;
    Ok(Upload {
        id: UploadId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        kind: UploadKind::parse(&row.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("upload kind {:?}", row.kind)))?,
        actor: row.actor,
        roles: row.roles,
        file_name: row.file_name,
        total: row.total,
        done: row.done,
        report: row.report,
        error: row.error,
        created_at: row.created_at,
        finished_at: row.finished_at,
    })
}
