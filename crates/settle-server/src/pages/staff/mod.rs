//! The staff's way in: sign-in with email and password, sign-out, the account page with
//! the password change, and the one-time link that sets a first password. The session
//! lives in a cookie for the whole site (`HttpOnly`, `SameSite=Lax`, `Secure` on https);
//! every form carries the CSRF token. The rules (lock, password length, one use of a link)
//! are the use cases' (`settle_app::users`).

mod texts;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::users::{self, OpenedUserSession, SignedIn};
use settle_app::{AppError, ErrorKind};
use settle_core::access::Role;
use settle_core::user::SESSION_LIFETIME;

pub use texts::StaffTexts;

use super::context::Context;
use super::i18n::Texts;
use super::replies::{Checked, Kind, Posted, message, see_other};
use crate::AppState;

/// The cookie holding the staff session.
const SESSION_COOKIE: &str = "settle_session";

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'static Texts,
    s: &'static StaffTexts,
    title: &'static str,
    csrf: &'a str,
    email: &'a str,
    error: Option<&'static str>,
}

/// The account page with the password change form.
#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    t: &'static Texts,
    s: &'static StaffTexts,
    title: &'static str,
    csrf: &'a str,
    email: &'a str,
    roles: String,
    fields: Vec<PasswordField>,
    changed: bool,
}

/// The page of a one-time login link.
#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage<'a> {
    t: &'static Texts,
    s: &'static StaffTexts,
    title: &'static str,
    csrf: &'a str,
    email: &'a str,
    fields: Vec<PasswordField>,
}

/// A password input with its error.
struct PasswordField {
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    error: Option<&'static str>,
}

impl PasswordField {
    fn new(name: &'static str, label: &'static str, autocomplete: &'static str) -> Self {
        Self {
            name,
            label,
            autocomplete,
            error: None,
        }
    }
}

/// The signed-in user of the request's session cookie, if there is one.
pub(super) async fn signed_in(state: &AppState, ctx: &Context) -> Option<SignedIn> {
    let token = ctx.cookie(SESSION_COOKIE)?;
    users::authenticate(&state.app, token).await.ok()
}

/// `GET /`: the account when signed in, else the sign-in page.
pub async fn home(ctx: Context) -> Response {
    see_other(ctx, "/account")
}

/// `GET /login`.
pub async fn login_form(State(state): State<AppState>, ctx: Context) -> Response {
    if signed_in(&state, &ctx).await.is_some() {
        return see_other(ctx, "/account");
    }
    login_page(ctx, StatusCode::OK, "", None)
}

fn login_page(
    ctx: Context,
    status: StatusCode,
    email: &str,
    error: Option<&'static str>,
) -> Response {
    let s = ctx.lang.staff();
    let page = LoginPage {
        t: ctx.texts(),
        s,
        title: s.login_title,
        csrf: &ctx.csrf,
        email,
        error,
    };
    let body = page.render();
    ctx.respond(status, body)
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

impl Posted for LoginForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /login`: opens the session, or says what went wrong next to the form.
pub async fn login(
    State(state): State<AppState>,
    Checked(ctx, form): Checked<LoginForm>,
) -> Response {
    let s = ctx.lang.staff();
    match users::login(&state.app, &form.email, &form.password).await {
        Ok(opened) => open(ctx, opened),
        Err(error) if error.kind == ErrorKind::RateLimited => login_page(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            Some(s.locked),
        ),
        Err(error) if error.kind == ErrorKind::Unauthorized => login_page(
            ctx,
            StatusCode::UNAUTHORIZED,
            &form.email,
            Some(s.wrong_credentials),
        ),
        Err(_) => message(ctx, StatusCode::INTERNAL_SERVER_ERROR, Kind::Error, None),
    }
}

/// Sets the session cookie and goes to the account page.
fn open(mut ctx: Context, opened: OpenedUserSession) -> Response {
    let cookie = ctx.cookie_value(
        SESSION_COOKIE,
        &opened.token,
        "/",
        SESSION_LIFETIME.whole_seconds(),
        "Lax",
    );
    ctx.set_cookie(cookie);
    see_other(ctx, "/account")
}

/// A form that carries only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

impl Posted for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /logout`: ends the session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    Checked(mut ctx, _): Checked<CsrfForm>,
) -> Response {
    if let Some(token) = ctx.cookie(SESSION_COOKIE).map(str::to_owned)
        && users::logout(&state.app, &token).await.is_err()
    {
        return message(ctx, StatusCode::INTERNAL_SERVER_ERROR, Kind::Error, None);
    }
    let cleared = format!(
        "{}; Max-Age=0",
        ctx.cookie_value(SESSION_COOKIE, "", "/", 0, "Lax")
    );
    ctx.set_cookie(cleared);
    see_other(ctx, "/login")
}

/// `GET /account`.
pub async fn account(State(state): State<AppState>, ctx: Context) -> Response {
    let Some(user) = signed_in(&state, &ctx).await else {
        return see_other(ctx, "/login");
    };
    let fields = password_fields(ctx.lang.staff());
    account_page(ctx, &user, StatusCode::OK, fields, false)
}

fn password_fields(s: &StaffTexts) -> Vec<PasswordField> {
    vec![
        PasswordField::new("current_password", s.current_password, "current-password"),
        PasswordField::new("new_password", s.new_password, "new-password"),
        PasswordField::new("confirm_password", s.confirm_password, "new-password"),
    ]
}

fn account_page(
    ctx: Context,
    user: &SignedIn,
    status: StatusCode,
    fields: Vec<PasswordField>,
    changed: bool,
) -> Response {
    let s = ctx.lang.staff();
    let roles: Vec<&str> = user
        .user
        .roles
        .iter()
        .map(|role| role_name(s, role))
        .collect();
    let page = AccountPage {
        t: ctx.texts(),
        s,
        title: s.account_title,
        csrf: &ctx.csrf,
        email: &user.user.email,
        roles: roles.join(", "),
        fields,
        changed,
    };
    let body = page.render();
    ctx.respond(status, body)
}

fn role_name(s: &StaffTexts, role: Role) -> &'static str {
    let index = Role::ALL
        .iter()
        .position(|r| *r == role)
        .unwrap_or_default();
    s.roles_names[index]
}

/// The password change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

impl Posted for PasswordForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /account/password`: changes the password; errors next to their field.
pub async fn change_password(
    State(state): State<AppState>,
    Checked(ctx, form): Checked<PasswordForm>,
) -> Response {
    let Some(user) = signed_in(&state, &ctx).await else {
        return see_other(ctx, "/login");
    };
    let s = ctx.lang.staff();
    let mut fields = password_fields(s);
    if form.new_password != form.confirm_password {
        fields[2].error = Some(s.mismatch);
        return account_page(ctx, &user, StatusCode::UNPROCESSABLE_ENTITY, fields, false);
    }
    let session = ctx.cookie(SESSION_COOKIE).unwrap_or_default().to_owned();
    let changed = users::change_password(
        &state.app,
        &session,
        &form.current_password,
        &form.new_password,
    )
    .await;
    match changed {
        Ok(()) => account_page(ctx, &user, StatusCode::OK, fields, true),
        Err(error) => match password_error(s, &error) {
            Some((index, text)) => {
                fields[index].error = Some(text);
                account_page(ctx, &user, StatusCode::UNPROCESSABLE_ENTITY, fields, false)
            }
            None => message(ctx, StatusCode::INTERNAL_SERVER_ERROR, Kind::Error, None),
        },
    }
}

/// Which field of the password forms (current, new) a refusal belongs to, and its words.
fn password_error(s: &StaffTexts, error: &AppError) -> Option<(usize, &'static str)> {
    match error.code.as_ref() {
        "user.wrong_password" => Some((0, s.wrong_password)),
        "user.weak_password" => Some((1, s.weak_password)),
        "user.password_too_long" => Some((1, s.long_password)),
        _ => None,
    }
}

/// `GET /login/link/{token}`: the form that sets a first (or new) password.
pub async fn link_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Context,
) -> Response {
    match users::link_user(&state.app, &token).await {
        Ok(user) => {
            let fields = link_fields(ctx.lang.staff());
            set_password_page(ctx, StatusCode::OK, &user.email, fields)
        }
        Err(_) => invalid_link(ctx),
    }
}

fn link_fields(s: &StaffTexts) -> Vec<PasswordField> {
    vec![
        PasswordField::new("new_password", s.new_password, "new-password"),
        PasswordField::new("confirm_password", s.confirm_password, "new-password"),
    ]
}

fn set_password_page(
    ctx: Context,
    status: StatusCode,
    email: &str,
    fields: Vec<PasswordField>,
) -> Response {
    let s = ctx.lang.staff();
    let page = SetPasswordPage {
        t: ctx.texts(),
        s,
        title: s.set_password_title,
        csrf: &ctx.csrf,
        email,
        fields,
    };
    let body = page.render();
    ctx.respond(status, body)
}

fn invalid_link(ctx: Context) -> Response {
    let s = ctx.lang.staff();
    let page = super::views::MessagePage {
        t: ctx.texts(),
        title: s.link_invalid_title,
        message: s.link_invalid,
        contact: None,
    };
    let body = page.render();
    ctx.respond(StatusCode::NOT_FOUND, body)
}

/// `POST /login/link/{token}`: sets the password and signs in; the link is used up.
pub async fn use_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Checked(ctx, form): Checked<PasswordForm>,
) -> Response {
    let Ok(user) = users::link_user(&state.app, &token).await else {
        return invalid_link(ctx);
    };
    let s = ctx.lang.staff();
    let mut fields = link_fields(s);
    if form.new_password != form.confirm_password {
        fields[1].error = Some(s.mismatch);
        return set_password_page(ctx, StatusCode::UNPROCESSABLE_ENTITY, &user.email, fields);
    }
    match users::set_password_with_link(&state.app, &token, &form.new_password).await {
        Ok(opened) => open(ctx, opened),
        Err(error) => match password_error(s, &error) {
            Some((_, text)) => {
                fields[0].error = Some(text);
                set_password_page(ctx, StatusCode::UNPROCESSABLE_ENTITY, &user.email, fields)
            }
            None => invalid_link(ctx),
        },
    }
}
