//! The platform's workspace under `/app`: what staff do in the browser, page by page, with
//! the same use cases and rights as the API (a signed-in user acts as its `Principal`).
//! Every page needs a session (else it goes to `/login`); every form is checked for its
//! CSRF token; a refusal shows the use case's error code and message next to its field.

mod amend;
mod billing;
mod forms;
mod invoices;
mod lines;
mod partner_settlement;
mod partners;
mod people;
mod printed;
mod profiles;
mod reconciliation;
mod sections;
mod settlement_forms;
mod settlements;
mod setup;
mod tax_invoices;
mod texts;
mod upload;
mod uploads;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use settle_app::auth::Principal;
use settle_app::users::SignedIn;
use settle_app::{AppError, ErrorKind};
use settle_core::access::Right;

pub use texts::WorkspaceTexts;

use super::context::Context;
use super::i18n::Texts;
use super::replies::{Checked, Kind, Posted, error_page, message, see_other};
use super::staff::{StaffTexts, signed_in};
use crate::AppState;

/// The workspace routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/app", get(home))
        .route("/app/setup", get(setup::page).post(setup::save))
        .route("/app/setup/nts-link", post(setup::link))
        .route("/app/partners", get(partners::list).post(partners::create))
        .route("/app/partners/new", get(partners::new_form))
        .route(
            "/app/partners/import",
            get(partners::import_form).post(partners::import),
        )
        .route(
            "/app/partners/{id}",
            get(partners::show).post(partners::update),
        )
        .route("/app/partners/{id}/nts-link", post(partners::link))
        .route("/app/partners/{id}/nts-unlink", post(partners::unlink))
        .route(
            "/app/partners/{id}/agents/{user}/{action}",
            post(partners::assign),
        )
        .route(
            "/app/tax-invoices",
            get(tax_invoices::list).post(tax_invoices::create),
        )
        .route("/app/tax-invoices/new", get(tax_invoices::new_form))
        .route(
            "/app/tax-invoices/upload",
            get(tax_invoices::upload_form).post(tax_invoices::upload),
        )
        .route("/app/tax-invoices/{key}", get(tax_invoices::show))
        .route("/app/tax-invoices/{key}/xml", get(tax_invoices::xml))
        .route("/app/tax-invoices/{key}/pdf", get(printed::tax_invoice_pdf))
        .route(
            "/app/tax-invoices/{key}/edit",
            get(tax_invoices::edit_form).post(tax_invoices::edit),
        )
        .route(
            "/app/tax-invoices/{key}/amend",
            get(amend::form).post(amend::amend),
        )
        .route("/app/tax-invoices/{key}/{action}", post(tax_invoices::act))
        .route("/app/reconciliation", get(reconciliation::page))
        .route("/app/reconciliation/file", get(reconciliation::file))
        .route("/app/invoices", get(invoices::list))
        .route("/app/invoices/{id}", get(invoices::show))
        .route("/app/invoices/{id}/pdf", get(printed::invoice_pdf))
        .route("/app/invoices/{id}/ubl", get(printed::invoice_ubl))
        .route(
            "/app/invoices/{id}/reconciliation",
            get(printed::invoice_reconciliation),
        )
        .route("/app/invoices/{id}/finalize", post(invoices::finalize))
        .route(
            "/app/invoices/{id}/credit-note",
            get(invoices::credit_form).post(invoices::credit),
        )
        .route(
            "/app/invoices/{id}/rebill",
            get(invoices::rebill_form).post(invoices::rebill),
        )
        .route("/app/billing-runs", get(billing::runs).post(billing::run))
        .route("/app/billing-runs/{id}", get(billing::show_run))
        .route(
            "/app/billing-runs/{id}/finalize",
            post(billing::finalize_run),
        )
        .route("/app/rebill-requests", get(billing::rebills))
        .route(
            "/app/rebill-requests/{id}/{decision}",
            post(billing::decide),
        )
        .route("/app/payments", get(billing::payments).post(billing::pay))
        .route("/app/partners/{id}/statement", get(billing::statement))
        .route(
            "/app/partners/{id}/statement/{format}",
            get(printed::statement_file),
        )
        .route(
            "/app/partners/{id}/billing-profiles",
            get(profiles::profiles).post(profiles::add_profile),
        )
        .route("/app/charges", get(profiles::charges))
        .route(
            "/app/charges/new",
            get(profiles::charge_form).post(profiles::record_charge),
        )
        .route(
            "/app/billing-profiles/{id}",
            get(profiles::profile).post(profiles::edit_profile),
        )
        .route("/app/settlements", get(settlements::list))
        .route("/app/settlements/close", post(settlements::close))
        .route("/app/settlements/payouts", get(settlements::payout_file))
        .route("/app/settlements/{id}", get(settlement_forms::show))
        .route(
            "/app/settlements/{id}/tax-invoice",
            post(settlement_forms::document),
        )
        .route(
            "/app/settlements/{id}/paid",
            post(settlement_forms::mark_paid),
        )
        .route(
            "/app/partners/{id}/settlement",
            get(partner_settlement::partner),
        )
        .route(
            "/app/partners/{id}/settlement/contracts",
            post(partner_settlement::add_contract),
        )
        .route(
            "/app/partners/{id}/settlement/bank-account",
            post(partner_settlement::set_bank_account),
        )
        .route(
            "/app/transfers/upload",
            get(settlement_forms::upload_form).post(settlement_forms::upload),
        )
        .route("/app/uploads/{id}", get(uploads::show))
        .route("/app/users", get(people::users).post(people::invite))
        .route("/app/users/{id}/{action}", post(people::user_action))
        .route("/app/api-keys", get(people::keys).post(people::create_key))
        .route("/app/api-keys/{id}/revoke", post(people::revoke_key))
}

/// A signed-in staff member's page request: the page context and who is asking. Without
/// an open session the page goes to `/login`.
pub struct Staff {
    /// The page context.
    pub ctx: Context,
    /// The user.
    pub user: SignedIn,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(ctx) = Context::from_request_parts(parts, state).await;
        match signed_in(state, &ctx).await {
            Some(user) => Ok(Staff { ctx, user }),
            None => Err(see_other(ctx, "/login")),
        }
    }
}

/// A form posted by a signed-in staff member, parsed and checked for this browser's CSRF
/// token: the handler gets both, or the request is answered with the refusal (the sign-in
/// page, 400 or 403) and nothing else happens.
pub struct Submitted<T>(pub Staff, pub T);

impl<T> FromRequest<AppState> for Submitted<T>
where
    T: serde::de::DeserializeOwned + Posted + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Staff { user, .. } = Staff::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let Checked(ctx, form) = Checked::<T>::from_request(request, state).await?;
        Ok(Submitted(Staff { ctx, user }, form))
    }
}

impl Staff {
    /// Who the use cases see.
    pub fn principal(&self) -> &Principal {
        &self.user.principal
    }

    /// The workspace's frame for a page titled `title`.
    pub fn frame(&self, title: &'static str) -> Frame {
        let w = self.ctx.lang.workspace();
        let roles = &self.user.principal.roles;
        let mut nav = vec![NavLink::new("/app", w.home)];
        if roles.allows(Right::ReadTenant) {
            nav.push(NavLink::new("/app/setup", w.setup));
        }
        if roles.allows(Right::ReadPartners) {
            nav.push(NavLink::new("/app/partners", w.partners));
        }
        if roles.allows(Right::ReadTaxInvoices) {
            nav.push(NavLink::new("/app/tax-invoices", w.tax_invoices));
        }
        if roles.allows(Right::ReadInvoices) {
            nav.push(NavLink::new("/app/invoices", w.invoices));
            nav.push(NavLink::new("/app/reconciliation", w.reconciliation));
            nav.push(NavLink::new("/app/settlements", w.settlements.title));
        }
        nav.push(NavLink::new(
            "/account",
            self.ctx.lang.staff().account_title,
        ));
        Frame {
            t: self.ctx.texts(),
            s: self.ctx.lang.staff(),
            w,
            title,
            csrf: self.ctx.csrf.clone(),
            email: self.user.user.email.clone(),
            nav,
        }
    }

    /// Answers `page` with `status`.
    pub fn respond(self, status: StatusCode, page: &impl Template) -> Response {
        let body = page.render();
        self.ctx.respond(status, body)
    }

    /// The page for a use case's refusal that belongs to no field.
    pub fn refused(self, error: &AppError) -> Response {
        if error.kind == ErrorKind::Forbidden {
            return message(self.ctx, StatusCode::FORBIDDEN, Kind::Forbidden, None);
        }
        error_page(self.ctx, error, None)
    }

    /// Goes to `location`.
    pub fn go(self, location: &str) -> Response {
        see_other(self.ctx, location)
    }
}

/// What every workspace page shows around its content.
pub struct Frame {
    pub t: &'static Texts,
    pub s: &'static StaffTexts,
    pub w: &'static WorkspaceTexts,
    pub title: &'static str,
    pub csrf: String,
    pub email: String,
    pub nav: Vec<NavLink>,
}

/// A link of the workspace's navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

impl NavLink {
    fn new(href: &'static str, label: &'static str) -> Self {
        Self { href, label }
    }
}

/// The workspace's first page.
#[derive(Template)]
#[template(path = "workspace/home.html")]
struct HomePage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
}

/// `GET /app`.
async fn home(staff: Staff) -> Response {
    let f = staff.frame(staff.ctx.lang.workspace().home);
    let page = HomePage {
        t: f.t,
        title: f.title,
        f,
    };
    staff.respond(StatusCode::OK, &page)
}
