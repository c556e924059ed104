//! Amending a filed tax invoice (수정세금계산서): the reason (1–6), the new document keys,
//! and for the reasons that need them the items of the difference or of what was returned;
//! the use case drafts what the law asks for and the page shows the first amendment.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::tax_invoices::{self as use_case, AmendInput};
use settle_app::{AppError, ErrorKind};

use super::Submitted;
use super::forms::{FieldErrors, Input, filled, path_segment};
use super::{Frame, Staff, lines};
use crate::AppState;
use crate::pages::i18n::Texts;
use crate::pages::replies::Posted;

/// The amendment form.
#[derive(Template)]
#[template(path = "workspace/amend.html")]
struct AmendPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    reason_code: String,
    reasons: Vec<(String, &'static str)>,
    inputs: Vec<Input>,
    lines: Vec<Vec<Input>>,
    errors: FieldErrors,
}

/// The amendment form as posted.
#[derive(Deserialize, Default)]
pub struct AmendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    document_key: String,
    #[serde(default)]
    corrected_document_key: String,
    #[serde(default)]
    write_date: String,
    #[serde(flatten)]
    cells: std::collections::HashMap<String, String>,
}

impl Posted for AmendForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl AmendForm {
    /// The API's input; items only when some row is filled.
    fn input(&self) -> Result<AmendInput, AppError> {
        let reason = |_| {
            AppError::invalid(
                "tax_invoice.invalid_reason_code",
                "reason_code",
                "reason_code must be 1 to 6",
            )
        };
        let reason_code = self.reason_code.trim().parse::<u8>().map_err(reason)?;
        let items = lines::items(&self.cells);
        let items = if items.is_empty() {
            None
        } else {
            let parsed = serde_json::from_value(serde_json::Value::Array(items))
                .map_err(|e| AppError::invalid("request.invalid_field", "items", e.to_string()))?;
            Some(parsed)
        };
        Ok(AmendInput {
            reason_code: Some(reason_code),
            document_key: filled(&self.document_key),
            corrected_document_key: filled(&self.corrected_document_key),
            write_date: filled(&self.write_date),
            items,
        })
    }
}

fn amend_page(
    staff: Staff,
    form: &AmendForm,
    status: StatusCode,
    error: Option<&AppError>,
) -> Response {
    if let Some(refusal) = error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let w = staff.ctx.lang.workspace();
    let f = staff.frame(w.amend);
    let t = f.t;
    let mut inputs = vec![
        Input::text("document_key", w.document_key, &form.document_key),
        Input::text(
            "corrected_document_key",
            w.corrected_document_key,
            &form.corrected_document_key,
        ),
        Input::text("write_date", t.write_date, &form.write_date).kind("date"),
    ];
    let errors = error
        .map_or_else(FieldErrors::none, FieldErrors::of)
        .place(&mut inputs);
    let (lines, errors) = lines::rows(t, w, &form.cells, errors);
    let reasons = w
        .amend_reasons
        .iter()
        .enumerate()
        .map(|(i, words)| ((i + 1).to_string(), *words))
        .collect();
    let page = AmendPage {
        t,
        title: f.title,
        reason_code: if form.reason_code.is_empty() {
            "1".into()
        } else {
            form.reason_code.clone()
        },
        reasons,
        inputs,
        lines,
        errors,
        f,
    };
    staff.respond(status, &page)
}

/// `GET /app/tax-invoices/{key}/amend`.
pub async fn form(Path(_key): Path<String>, staff: Staff) -> Response {
    amend_page(staff, &AmendForm::default(), StatusCode::OK, None)
}

/// `POST /app/tax-invoices/{key}/amend`: drafts the amendments, then shows the first.
pub async fn amend(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Submitted(staff, form): Submitted<AmendForm>,
) -> Response {
    let amended = match form.input() {
        Ok(input) => use_case::amend(&state.app, staff.principal(), &key, input).await,
        Err(error) => Err(error),
    };
    match amended {
        Ok(drafts) => match drafts.first() {
            Some(first) => staff.go(&format!(
                "/app/tax-invoices/{}",
                path_segment(first.document_key.as_str())
            )),
            None => staff.go("/app/tax-invoices"),
        },
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            amend_page(staff, &form, status, Some(&error))
        }
    }
}
