//! Uploads in the workspace: the form that sends a spreadsheet (partners or tax
//! invoices), and the page that follows its work — a progress bar that refreshes itself
//! (no script) until the report is there. A file that is not a spreadsheet, or lacks a
//! required column, is refused on the form at once.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use settle_app::{AppError, ErrorKind};
use settle_core::upload::Upload;
use settle_core::upload::UploadKind;

use super::forms::FieldErrors;
use super::{Frame, Staff, WorkspaceTexts};
use crate::AppState;
use crate::pages::i18n::Texts;

/// The upload form, with the error of the last try.
#[derive(Template)]
#[template(path = "workspace/import.html")]
struct FormPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    intro: &'static str,
    errors: FieldErrors,
}

fn title_and_intro(w: &'static WorkspaceTexts, kind: UploadKind) -> (&'static str, &'static str) {
    match kind {
        UploadKind::Partners => (w.import_partners, w.import_intro),
        UploadKind::TaxInvoices => (w.upload_tax_invoices, w.upload_intro),
    }
}

/// The form that sends a `kind` spreadsheet.
pub fn form(
    staff: Staff,
    kind: UploadKind,
    status: StatusCode,
    error: Option<&AppError>,
) -> Response {
    if let Some(refusal) = error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let (title, intro) = title_and_intro(staff.ctx.lang.workspace(), kind);
    let f = staff.frame(title);
    let page = FormPage {
        t: f.t,
        title: f.title,
        intro,
        errors: error.map_or_else(FieldErrors::none, |e| FieldErrors::of(e).place(&mut [])),
        f,
    };
    staff.respond(status, &page)
}

/// Stores the posted file and goes to its progress page; a refused file goes back to the
/// form with the error.
pub async fn send(state: AppState, staff: Staff, request: Request, kind: UploadKind) -> Response {
    let started = async {
        let file = super::upload::file(&state, &staff, request).await?;
        settle_app::uploads::start(&state.app, staff.principal(), kind, "", &file).await
    };
    match started.await {
        Ok(upload) => staff.go(&format!("/app/uploads/{}", upload.id)),
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            form(staff, kind, status, Some(&error))
        }
    }
}

/// An upload's progress and, at the end, its report.
#[derive(Template)]
#[template(path = "workspace/upload.html")]
struct ProgressPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    running: bool,
    status: &'static str,
    done: i64,
    total: i64,
    error: Option<String>,
    report: Option<ReportView>,
    back: &'static str,
}

/// A report: a summary and a row per problem (row or document, field, problem).
struct ReportView {
    summary: String,
    unit: &'static str,
    rows: Vec<(String, String, String)>,
}

/// The report as the upload stored it (the import's or the batch's JSON).
fn report_view(w: &WorkspaceTexts, kind: UploadKind, report: &serde_json::Value) -> ReportView {
    let failed = report["failed"].as_array().cloned().unwrap_or_default();
    let summary = match kind {
        UploadKind::Partners => w.import_summary,
        UploadKind::TaxInvoices => w.batch_summary,
    }
    .replace("{created}", &report["created"].to_string())
    .replace("{failed}", &failed.len().to_string());
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let rows = failed
        .iter()
        .flat_map(|row| {
            let at = match row["document_key"].as_str() {
                Some(key) => format!("{} ({key})", row["row"]),
                None => row["row"].to_string(),
            };
            let errors = row["errors"].as_array().cloned().unwrap_or_default();
            errors.into_iter().map(move |e| {
                (
                    at.clone(),
                    text(&e["field"]),
                    format!("{} ({})", text(&e["message"]), text(&e["code"])),
                )
            })
        })
        .collect();
    ReportView {
        summary,
        unit: w.row,
        rows,
    }
}

/// `GET /app/uploads/{id}`.
pub async fn show(State(state): State<AppState>, Path(id): Path<String>, staff: Staff) -> Response {
    let upload: Upload = match settle_app::uploads::get(&state.app, staff.principal(), &id).await {
        Ok(upload) => upload,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let (title, _) = title_and_intro(w, upload.kind);
    let running = upload.finished_at.is_none();
    let status = match (running, &upload.error) {
        (true, _) => w.upload_running,
        (false, None) => w.upload_done,
        (false, Some(_)) => w.upload_failed,
    };
    let f = staff.frame(title);
    let page = ProgressPage {
        t: f.t,
        title: f.title,
        running,
        status,
        done: upload.done,
        total: upload.total,
        error: upload.error.clone(),
        report: upload
            .report
            .as_ref()
            .map(|report| report_view(w, upload.kind, report)),
        back: match upload.kind {
            UploadKind::Partners => "/app/partners",
            UploadKind::TaxInvoices => "/app/tax-invoices",
        },
        f,
    };
    staff.respond(StatusCode::OK, &page)
}
