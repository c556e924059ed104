//! The supplier's actions on its documents, each behind a confirmation step: issue (sign
//! with the registered certificate), refuse (a memo is required) and cancel issue (until
//! filing starts); and the registration of its joint certificate. Which actions a page
//! offers is read from the core's state machine; the use cases decide.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::AppError;
use settle_app::supplier::{self as use_case, SupplierPrincipal};
use settle_core::tax_invoice::{TaxInvoiceAction, TaxInvoiceState};

use super::context::Context;
use super::i18n::Texts;
use super::replies::{Checked, Kind, Posted, error_page, message, see_other};
use super::supplier::{invoice_path, session};
use super::views::{ActionPage, CertificatePage, RegisteredRow, UploadField};
use crate::AppState;
use crate::routes::upload::{certificate_parts, form_parts};

/// An action the supplier's pages offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageAction {
    /// Sign and issue.
    Issue,
    /// Refuse, with a reason.
    Refuse,
    /// Cancel an issued invoice before its filing.
    CancelIssue,
}

const ALL: [PageAction; 3] = [
    PageAction::Issue,
    PageAction::Refuse,
    PageAction::CancelIssue,
];

impl PageAction {
    /// The action named in a page path.
    fn parse(slug: &str) -> Option<Self> {
        ALL.into_iter().find(|a| a.slug() == slug)
    }

    /// Its name in page paths.
    pub fn slug(self) -> &'static str {
        match self {
            PageAction::Issue => "issue",
            PageAction::Refuse => "refuse",
            PageAction::CancelIssue => "cancel-issue",
        }
    }

    /// The core action it is.
    fn core(self) -> TaxInvoiceAction {
        match self {
            PageAction::Issue => TaxInvoiceAction::Issue,
            PageAction::Refuse => TaxInvoiceAction::Refuse,
            PageAction::CancelIssue => TaxInvoiceAction::CancelIssue,
        }
    }

    /// The actions a document in `state` allows.
    pub fn allowed(state: TaxInvoiceState) -> impl Iterator<Item = PageAction> {
        ALL.into_iter()
            .filter(move |a| a.core().allowed_from().contains(&state))
    }

    /// Its button label.
    pub fn label(self, t: &'static Texts) -> &'static str {
        match self {
            PageAction::Issue => t.issue,
            PageAction::Refuse => t.refuse,
            PageAction::CancelIssue => t.cancel_issue,
        }
    }

    fn question(self, t: &'static Texts) -> &'static str {
        match self {
            PageAction::Issue => t.issue_question,
            PageAction::Refuse => t.refuse_question,
            PageAction::CancelIssue => t.cancel_question,
        }
    }
}

/// `GET /s/{token}/tax-invoices/{id}/{action}`: the confirmation step.
pub async fn confirm(
    State(state): State<AppState>,
    Path((token, id, slug)): Path<(String, String, String)>,
    ctx: Context,
) -> Response {
    let Some(action) = PageAction::parse(&slug) else {
        return message(ctx, StatusCode::NOT_FOUND, Kind::NotFound, None);
    };
    let Some(by) = session(&state, &ctx).await else {
        return see_other(ctx, &format!("/s/{token}"));
    };
    match use_case::get(&state.app, &by, &id).await {
        Ok(record) if action.core().allowed_from().contains(&record.state) => {
            confirm_page(ctx, StatusCode::OK, action, &token, &id, "", None)
        }
        Ok(_) => message(ctx, StatusCode::CONFLICT, Kind::Conflict, None),
        Err(error) => error_page(ctx, &error, None),
    }
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    memo: String,
}

impl Posted for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /s/{token}/tax-invoices/{id}/{action}`: does it, then shows the invoice.
pub async fn perform(
    State(state): State<AppState>,
    Path((token, id, slug)): Path<(String, String, String)>,
    Checked(ctx, form): Checked<ActionForm>,
) -> Response {
    let Some(action) = PageAction::parse(&slug) else {
        return message(ctx, StatusCode::NOT_FOUND, Kind::NotFound, None);
    };
    let Some(by) = session(&state, &ctx).await else {
        return see_other(ctx, &format!("/s/{token}"));
    };
    match run(&state, &by, action, &id, &form.memo).await {
        Ok(()) => see_other(ctx, &invoice_path(&token, &id)),
        Err(error) => {
            let t = ctx.texts();
            let (status, problem) = match error.code.as_ref() {
                "tax_invoice.memo_required" => (StatusCode::UNPROCESSABLE_ENTITY, t.memo_needed),
                "tax_invoice.certificate_required" | "tax_invoice.certificate_expired" => {
                    (StatusCode::CONFLICT, t.certificate_required)
                }
                _ => return error_page(ctx, &error, None),
            };
            confirm_page(ctx, status, action, &token, &id, &form.memo, Some(problem))
        }
    }
}

async fn run(
    state: &AppState,
    by: &SupplierPrincipal,
    action: PageAction,
    id: &str,
    memo: &str,
) -> Result<(), AppError> {
    let memo = Some(memo.to_owned());
    let app = &state.app;
    match action {
        PageAction::Issue => use_case::issue(app, by, id, memo).await,
        PageAction::Refuse => use_case::refuse(app, by, id, memo).await,
        PageAction::CancelIssue => use_case::cancel_issue(app, by, id, memo).await,
    }
    .map(|_| ())
}

fn confirm_page(
    ctx: Context,
    status: StatusCode,
    action: PageAction,
    token: &str,
    id: &str,
    memo: &str,
    error: Option<&'static str>,
) -> Response {
    let t = ctx.texts();
    let needs_certificate = error == Some(t.certificate_required);
    let page = ActionPage {
        t,
        title: action.label(t),
        question: action.question(t),
        csrf: &ctx.csrf,
        memo_label: t.memo,
        memo_required: action == PageAction::Refuse,
        memo,
        error,
        certificate_href: needs_certificate.then(|| format!("/s/{token}/certificate")),
        back: invoice_path(token, id),
    };
    let body = askama::Template::render(&page);
    ctx.respond(status, body)
}

/// `GET /s/{token}/certificate`: the registration form.
pub async fn certificate_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Context,
) -> Response {
    if session(&state, &ctx).await.is_none() {
        return see_other(ctx, &format!("/s/{token}"));
    }
    certificate_page(ctx, StatusCode::OK, &token, None, None)
}

/// `POST /s/{token}/certificate`: registers the uploaded certificate.
pub async fn register_certificate(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Context,
    request: Request,
) -> Response {
    let Some(by) = session(&state, &ctx).await else {
        return see_other(ctx, &format!("/s/{token}"));
    };
    let mut parts = match form_parts(request, &state).await {
        Ok(parts) => parts,
        Err(error) => return error_page(ctx, &error.0, None),
    };
    let csrf = parts.remove("csrf").unwrap_or_default();
    if !ctx.csrf_ok(&String::from_utf8_lossy(&csrf)) {
        return message(ctx, StatusCode::FORBIDDEN, Kind::Csrf, None);
    }
    // Empty file inputs arrive as empty parts: they were not chosen.
    parts.retain(|_, bytes| !bytes.is_empty());
    let result = match certificate_parts(parts) {
        Ok((files, password)) => {
            use_case::register_certificate(&state.app, &by, files, &password).await
        }
        Err(error) => Err(error.0),
    };
    match result {
        Ok(registration) => {
            let done = RegisteredRow::new(registration.subject, registration.not_after);
            certificate_page(ctx, StatusCode::OK, &token, Some(done), None)
        }
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            certificate_page(ctx, status, &token, None, Some(&error))
        }
    }
}

fn certificate_page(
    ctx: Context,
    status: StatusCode,
    token: &str,
    registered: Option<RegisteredRow>,
    error: Option<&AppError>,
) -> Response {
    let t = ctx.texts();
    // The use case's message goes next to the field it names (the password otherwise).
    let error_on = |name: &str| {
        error
            .filter(|e| e.field.as_deref().unwrap_or("password") == name)
            .map(|e| e.message.clone())
    };
    let field = |name, label, kind| UploadField {
        name,
        label,
        kind,
        error: error_on(name),
    };
    let page = CertificatePage {
        t,
        title: t.certificate_title,
        csrf: &ctx.csrf,
        fields: vec![
            field("sign_cert", t.sign_cert, "file"),
            field("sign_key", t.sign_key, "file"),
            field("pfx", t.pfx, "file"),
            field("password", t.password, "password"),
        ],
        registered,
        back: format!("/s/{token}"),
    };
    let body = askama::Template::render(&page);
    ctx.respond(status, body)
}
