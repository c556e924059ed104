//! The answers pages share: a page that only says something (expired, locked, not found,
//! refused form, too large), the page for a use case's refusal, a redirect, and the check
//! every posted form passes first (it parsed, and it carries this browser's CSRF token).

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use settle_app::{AppError, ErrorKind};

use super::context::Context;
use super::views::MessagePage;
use crate::AppState;

/// A posted form: it carries the CSRF token.
pub(super) trait Posted {
    /// The token the form carried.
    fn csrf(&self) -> &str;
}

/// A posted form, parsed and checked for this browser's CSRF token, with the page context:
/// the handler gets both, or the request is answered with the refusal (400, or 403 for the
/// token) and nothing else happens.
pub(super) struct Checked<T>(pub Context, pub T);

impl<T> FromRequest<AppState> for Checked<T>
where
    T: serde::de::DeserializeOwned + Posted + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Ok(ctx) = Context::from_request_parts(&mut parts, state).await;
        let form = Form::<T>::from_request(Request::from_parts(parts, body), state).await;
        let (ctx, form) = accept(ctx, form).map_err(|refused| *refused)?;
        Ok(Checked(ctx, form))
    }
}

/// The posted form, with the context back, if it parsed and carries this browser's CSRF
/// token; otherwise the page that refuses it (400, or 403 for the token), and nothing
/// else happens.
fn accept<T: Posted>(
    ctx: Context,
    form: Result<Form<T>, FormRejection>,
) -> Result<(Context, T), Box<Response>> {
    let Ok(Form(form)) = form else {
        return Err(Box::new(message(
            ctx,
            StatusCode::BAD_REQUEST,
            Kind::Error,
            None,
        )));
    };
    if !ctx.csrf_ok(form.csrf()) {
        return Err(Box::new(message(
            ctx,
            StatusCode::FORBIDDEN,
            Kind::Csrf,
            None,
        )));
    }
    Ok((ctx, form))
}

/// What a message page says.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    Expired,
    Locked,
    NotFound,
    Csrf,
    Conflict,
    TooLarge,
    Forbidden,
    Error,
}

impl Kind {
    pub(super) fn status(self) -> StatusCode {
        match self {
            Kind::Expired | Kind::Csrf | Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::Locked => StatusCode::TOO_MANY_REQUESTS,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::Error => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

pub(super) fn render_message(
    ctx: &Context,
    kind: Kind,
    contact: Option<&str>,
) -> Result<String, askama::Error> {
    let t = ctx.texts();
    let (title, message) = match kind {
        Kind::Expired => (t.expired_title, t.expired),
        Kind::Locked => (t.locked_title, t.locked),
        Kind::NotFound => (t.not_found_title, t.not_found),
        Kind::Csrf => (t.csrf_title, t.csrf),
        Kind::Conflict => (t.conflict_title, t.conflict),
        Kind::TooLarge => (t.too_large_title, t.too_large),
        Kind::Forbidden => (t.forbidden_title, t.forbidden),
        Kind::Error => (t.error_title, t.error),
    };
    askama::Template::render(&MessagePage {
        t,
        title,
        message,
        contact,
    })
}

pub(super) fn message(
    ctx: Context,
    status: StatusCode,
    kind: Kind,
    contact: Option<&str>,
) -> Response {
    let body = render_message(&ctx, kind, contact);
    ctx.respond(status, body)
}

/// The page for a use case's refusal.
pub(super) fn error_page(ctx: Context, error: &AppError, contact: Option<&str>) -> Response {
    let kind = match (error.kind, error.code.as_ref()) {
        (_, "supplier.link_expired") => Kind::Expired,
        (_, "supplier.too_many_attempts") => Kind::Locked,
        (ErrorKind::NotFound, _) => Kind::NotFound,
        (ErrorKind::Conflict, _) => Kind::Conflict,
        (ErrorKind::TooLarge, _) => Kind::TooLarge,
        (ErrorKind::Forbidden, _) => Kind::Forbidden,
        _ => Kind::Error,
    };
    message(ctx, kind.status(), kind, contact)
}

pub(super) fn see_other(ctx: Context, location: &str) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response();
    ctx.add_cookies(&mut response);
    response
}
