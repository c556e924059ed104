//! The supplier's pages under `/s/{token}`: the BRN gate, then the invoice the link is
//! about with its history and the supplier's other waiting documents. They go through the
//! same use cases as `/v1/supplier`; the session they open lives in a cookie scoped to the
//! link's path (`HttpOnly`, `SameSite=Strict`, `Secure` on https).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::AppError;
use settle_app::settings::SESSION_LIFETIME;
use settle_app::supplier::{self as use_case, SupplierPrincipal};
use settle_app::supplier_pages::{self as pages, LinkInfo, LinkStatus};

use super::actions::PageAction;
use super::context::Context;
use super::replies::{Checked, Kind, Posted, error_page, render_message, see_other};
use super::views::{ActionLink, GatePage, HistoryRow, InvoiceForm, InvoicePage, WaitingRow};
use crate::AppState;

/// The cookie holding the supplier session, under the link's path.
const SESSION_COOKIE: &str = "settle_supplier";

/// `GET /s/{token}`: the gate, or the invoice when the session is open already.
pub async fn gate(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Context,
) -> Response {
    let info = match pages::link_info(&state.app, &token).await {
        Ok(info) => info,
        Err(error) => return error_page(ctx, &error, None),
    };
    if let Some(page) = closed_link(&ctx, &info) {
        return ctx.respond(page.0, page.1);
    }
    if session(&state, &ctx).await.is_some() {
        return see_other(ctx, &invoice_path(&token, &info.tax_invoice_id));
    }
    gate_page(ctx, &info, StatusCode::OK, "", None)
}

/// The gate form.
#[derive(Deserialize)]
pub struct GateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    brn: String,
}

impl Posted for GateForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /s/{token}`: the BRN; opens the session and shows the invoice.
pub async fn open_session(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Checked(mut ctx, form): Checked<GateForm>,
) -> Response {
    let info = match pages::link_info(&state.app, &token).await {
        Ok(info) => info,
        Err(error) => return error_page(ctx, &error, None),
    };
    if let Some(page) = closed_link(&ctx, &info) {
        return ctx.respond(page.0, page.1);
    }
    match use_case::open_session(&state.app, &token, &form.brn).await {
        Ok(opened) => {
            let cookie = ctx.cookie_value(
                SESSION_COOKIE,
                &opened.session,
                &format!("/s/{token}"),
                SESSION_LIFETIME.whole_seconds(),
                "Strict",
            );
            ctx.set_cookie(cookie);
            see_other(ctx, &invoice_path(&token, &opened.tax_invoice_id))
        }
        Err(error) if error.code == "supplier.wrong_brn" => {
            let wrong = ctx.texts().wrong_brn;
            gate_page(ctx, &info, StatusCode::FORBIDDEN, &form.brn, Some(wrong))
        }
        Err(error) => error_page(ctx, &error, info.sender_email.as_deref()),
    }
}

/// `GET /s/{token}/tax-invoices/{id}`: one of the supplier's documents.
pub async fn invoice(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    ctx: Context,
) -> Response {
    let Some(by) = session(&state, &ctx).await else {
        return see_other(ctx, &format!("/s/{token}"));
    };
    let t = ctx.texts();
    let app = &state.app;
    let read = async {
        let record = use_case::get(app, &by, &id).await?;
        let history = pages::history(app, &by, &id).await?;
        let waiting = pages::waiting(app, &by).await?;
        Ok::<_, AppError>((record, history, waiting))
    };
    match read.await {
        Ok((record, history, waiting)) => {
            let page = InvoicePage {
                t,
                title: t.invoice_title,
                invoice: InvoiceForm::new(t, &record),
                history: history.into_iter().map(|e| HistoryRow::new(t, e)).collect(),
                waiting: waiting
                    .iter()
                    .filter(|other| other.id != record.id)
                    .map(|other| WaitingRow::new(&token, other))
                    .collect(),
                actions: PageAction::allowed(record.state)
                    .map(|action| ActionLink {
                        href: format!("{}/{}", invoice_path(&token, &id), action.slug()),
                        label: action.label(t),
                    })
                    .collect(),
                certificate_href: format!("/s/{token}/certificate"),
                pdf_href: format!("{}/pdf", invoice_path(&token, &id)),
            };
            let body = askama::Template::render(&page);
            ctx.respond(StatusCode::OK, body)
        }
        Err(error) => error_page(ctx, &error, None),
    }
}

/// `GET /s/{token}/tax-invoices/{id}/pdf`: the invoice as PDF, for the open session.
pub async fn invoice_pdf(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    ctx: Context,
) -> Response {
    let Some(by) = session(&state, &ctx).await else {
        return see_other(ctx, &format!("/s/{token}"));
    };
    match settle_app::printed::supplier_tax_invoice_pdf(&state.app, &by, &id).await {
        Ok(printed) => crate::routes::printed::pdf(printed),
        Err(error) => error_page(ctx, &error, None),
    }
}

/// The supplier of the session cookie, if it is open.
pub(super) async fn session(state: &AppState, ctx: &Context) -> Option<SupplierPrincipal> {
    let token = ctx.cookie(SESSION_COOKIE)?;
    use_case::authenticate(&state.app, token).await.ok()
}

pub(super) fn invoice_path(token: &str, id: &str) -> String {
    format!("/s/{token}/tax-invoices/{id}")
}

fn gate_page(
    ctx: Context,
    info: &LinkInfo,
    status: StatusCode,
    brn: &str,
    error: Option<&str>,
) -> Response {
    let t = ctx.texts();
    let page = GatePage {
        t,
        title: t.gate_title,
        intro: t.gate_intro.replace("{sender}", &info.sender),
        csrf: &ctx.csrf,
        brn,
        error,
    };
    let body = askama::Template::render(&page);
    ctx.respond(status, body)
}

/// The page of an expired or locked link, if it is one.
fn closed_link(
    ctx: &Context,
    info: &LinkInfo,
) -> Option<(StatusCode, Result<String, askama::Error>)> {
    let kind = match info.status {
        LinkStatus::Open => return None,
        LinkStatus::Expired => Kind::Expired,
        LinkStatus::Locked => Kind::Locked,
    };
    Some((
        kind.status(),
        render_message(ctx, kind, info.sender_email.as_deref()),
    ))
}
