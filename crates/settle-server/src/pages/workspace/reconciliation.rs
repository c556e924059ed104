//! The workspace's reconciliation page: a period's checks with their findings, and the
//! period's reconciliation file in each format.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::billing::reconciliation::{self, ExportScope};
use settle_tabular::write::Format;

use super::Staff;
use super::billing::{Simple, simple};
use super::forms::{Input, encode};
use super::invoices::{Cell, TableRow};
use crate::AppState;

/// What the page's form and links carry.
#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    period: Option<String>,
    format: Option<String>,
}

/// `GET /app/reconciliation?period=`: the form, and once a period is given, its checks.
pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Response {
    let w = staff.ctx.lang.workspace();
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let period = query
        .period
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let mut page = Simple {
        intro: w.reconciliation_intro,
        method: "get",
        action: "/app/reconciliation".into(),
        submit: w.check_period,
        inputs: vec![Input::text("period", w.period, &period).required()],
        ..Simple::table(
            vec![w.finding, w.documents, w.expected, w.found, w.details],
            Vec::new(),
            "",
        )
    };
    if period.is_empty() {
        return simple(staff, w.reconciliation, StatusCode::OK, page, None);
    }
    let report = match reconciliation::check_period(&state.app, staff.principal(), &period).await {
        Ok(report) => report,
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            return simple(staff, w.reconciliation, status, page, Some(&error));
        }
    };
    let summary = if report.clean {
        w.checks_clean
    } else {
        w.checks_found
    };
    page.done = Some(
        summary
            .replace("{period}", &report.period)
            .replace("{documents}", &report.documents_checked.to_string())
            .replace("{lines}", &report.lines_checked.to_string())
            .replace("{count}", &report.findings.len().to_string()),
    );
    page.rows = report
        .findings
        .iter()
        .map(|finding| TableRow {
            cells: vec![
                Cell::text(finding.code.as_str()),
                documents_cell(&finding.documents),
                Cell::text(finding.expected.to_string()),
                Cell::text(finding.found.to_string()),
                Cell::text(finding.message.clone()),
            ],
            buttons: Vec::new(),
        })
        .collect();
    page.downloads = [
        (Format::Csv, w.file_csv),
        (Format::Xlsx, w.file_xlsx),
        (Format::Jsonl, w.file_jsonl),
    ]
    .into_iter()
    .map(|(format, label)| {
        let href = format!(
            "/app/reconciliation/file?{}",
            encode(&[("period", &report.period), ("format", format.as_str())])
        );
        (href, label)
    })
    .collect();
    simple(staff, w.reconciliation, StatusCode::OK, page, None)
}

/// The first document of a finding, linked to its page (numbers are letters and digits);
/// the others named after it.
fn documents_cell(documents: &[String]) -> Cell {
    match documents.split_first() {
        Some((first, [])) => Cell::link(first.clone(), format!("/app/invoices/{first}")),
        Some((first, rest)) => Cell::link(
            format!("{first} ({})", rest.join(", ")),
            format!("/app/invoices/{first}"),
        ),
        None => Cell::text(""),
    }
}

/// `GET /app/reconciliation/file?period=&format=`: the period's file, streamed.
pub async fn file(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let period = query.period.unwrap_or_default();
    let opened = async {
        let format = reconciliation::parse_format(query.format.as_deref())?;
        let export =
            reconciliation::open(&state.app, staff.principal(), ExportScope::Period(&period))
                .await?;
        Ok::<_, settle_app::AppError>((export, format))
    };
    match opened.await {
        Ok((export, format)) => crate::routes::reconciliation::stream(export, format),
        Err(error) => staff.refused(&error),
    }
}
