//! Users and API keys, for user admins: invite a user (its one-time link is shown once and
//! emailed), change its roles, deactivate it or give it a new link; make an API key (shown
//! once) and revoke one. Others see the lists without the forms.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::{AppError, ErrorKind};
use settle_core::access::{Right, Role, Roles};

use super::Submitted;
use super::forms::{FieldErrors, Input};
use super::{Frame, Staff};
use crate::AppState;
use crate::pages::i18n::Texts;
use crate::pages::replies::Posted;

/// The users or keys page.
#[derive(Template)]
#[template(path = "workspace/people.html")]
struct PeoplePage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    done: Option<String>,
    secret: Option<String>,
    action: &'static str,
    submit: &'static str,
    inputs: Vec<Input>,
    roles: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
    heads: Vec<&'static str>,
    rows: Vec<PersonRow>,
    can_write: bool,
}

/// A user or key in the list.
struct PersonRow {
    name: String,
    /// Each role: its name, its words, whether held.
    roles: Vec<(&'static str, &'static str, bool)>,
    roles_action: String,
    state: &'static str,
    active: bool,
    buttons: Vec<(String, &'static str)>,
}

/// A form with role checkboxes (`role_user_admin=on`…) and an email or a name.
#[derive(Deserialize, Default)]
pub struct PeopleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    role_user_admin: Option<String>,
    role_billing_admin: Option<String>,
    role_admin_agent: Option<String>,
    role_sales_agent: Option<String>,
}

impl Posted for PeopleForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl PeopleForm {
    fn roles(&self) -> Roles {
        let checked = [
            (Role::UserAdmin, &self.role_user_admin),
            (Role::BillingAdmin, &self.role_billing_admin),
            (Role::AdminAgent, &self.role_admin_agent),
            (Role::SalesAgent, &self.role_sales_agent),
        ];
        Roles::new(
            checked
                .into_iter()
                .filter(|(_, on)| on.is_some())
                .map(|(role, _)| role),
        )
    }
}

fn role_words(staff: &Staff) -> Vec<(&'static str, &'static str)> {
    let names = &staff.ctx.lang.staff().roles_names;
    Role::ALL
        .iter()
        .zip(names.iter())
        .map(|(role, name)| (role.as_str(), *name))
        .collect()
}

fn held(staff: &Staff, roles: &Roles) -> Vec<(&'static str, &'static str, bool)> {
    role_words(staff)
        .into_iter()
        .zip(Role::ALL)
        .map(|((name, words), role)| (name, words, roles.iter().any(|r| r == role)))
        .collect()
}

/// What a page shows after an action.
#[derive(Default)]
struct Outcome<'a> {
    done: Option<String>,
    secret: Option<String>,
    form: Option<&'a PeopleForm>,
    error: Option<&'a AppError>,
}

async fn users_page(
    state: &AppState,
    staff: Staff,
    status: StatusCode,
    outcome: Outcome<'_>,
) -> Response {
    if let Some(refusal) = outcome.error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let users = match settle_app::users::list(&state.app, staff.principal()).await {
        Ok(users) => users,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let rows = users
        .iter()
        .map(|user| {
            let base = format!("/app/users/{}", user.id);
            let active = user.disabled_at.is_none();
            PersonRow {
                name: user.email.clone(),
                roles: held(&staff, &user.roles),
                roles_action: format!("{base}/roles"),
                state: if active { w.active } else { w.deactivated },
                active,
                buttons: if active {
                    vec![
                        (format!("{base}/login-link"), w.new_login_link),
                        (format!("{base}/deactivate"), w.deactivate),
                    ]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let email = outcome.form.map(|f| f.email.clone()).unwrap_or_default();
    let listing = Listing {
        title: w.users,
        action: "/app/users",
        submit: w.invite,
        name_head: w.email,
        right: Right::ManageUsers,
        input: Input::text("email", w.email, email)
            .kind("email")
            .required(),
        rows,
    };
    people_page(staff, status, outcome, listing)
}

/// What differs between the users page and the keys page.
struct Listing {
    title: &'static str,
    action: &'static str,
    submit: &'static str,
    name_head: &'static str,
    right: Right,
    input: Input,
    rows: Vec<PersonRow>,
}

fn people_page(
    staff: Staff,
    status: StatusCode,
    outcome: Outcome<'_>,
    listing: Listing,
) -> Response {
    let mut inputs = vec![listing.input];
    let errors = outcome
        .error
        .map_or_else(FieldErrors::none, FieldErrors::of)
        .place(&mut inputs);
    let w = staff.ctx.lang.workspace();
    let f = staff.frame(listing.title);
    let page = PeoplePage {
        t: f.t,
        title: f.title,
        done: outcome.done,
        secret: outcome.secret,
        action: listing.action,
        submit: listing.submit,
        inputs,
        roles: role_words(&staff),
        errors,
        heads: vec![listing.name_head, w.roles, f.t.state, f.t.actions],
        rows: listing.rows,
        can_write: staff.principal().roles.allows(listing.right),
        f,
    };
    staff.respond(status, &page)
}

/// `GET /app/users`.
pub async fn users(State(state): State<AppState>, staff: Staff) -> Response {
    users_page(&state, staff, StatusCode::OK, Outcome::default()).await
}

/// `POST /app/users`: invites a user; its one-time link is shown once.
pub async fn invite(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<PeopleForm>,
) -> Response {
    let created =
        settle_app::users::create(&state.app, staff.principal(), &form.email, form.roles()).await;
    match created {
        Ok(created) => {
            let w = staff.ctx.lang.workspace();
            let outcome = Outcome {
                done: Some(w.invited.replace("{email}", &created.user.email)),
                secret: Some(created.login_url),
                ..Outcome::default()
            };
            users_page(&state, staff, StatusCode::OK, outcome).await
        }
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            let outcome = Outcome {
                form: Some(&form),
                error: Some(&error),
                ..Outcome::default()
            };
            users_page(&state, staff, status, outcome).await
        }
    }
}

/// `POST /app/users/{id}/{action}`: `roles`, `deactivate` or `login-link`.
pub async fn user_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Submitted(staff, form): Submitted<PeopleForm>,
) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let w = staff.ctx.lang.workspace();
    let done = match action.as_str() {
        "roles" => settle_app::users::set_roles(app, by, &id, form.roles())
            .await
            .map(|user| (w.saved.to_owned(), None, user.email)),
        "deactivate" => settle_app::users::disable(app, by, &id)
            .await
            .map(|user| (w.saved.to_owned(), None, user.email)),
        "login-link" => match settle_app::users::reissue_link(app, by, &id).await {
            Ok(url) => Ok((w.new_login_link.to_owned(), Some(url), String::new())),
            Err(error) => Err(error),
        },
        _ => Err(AppError::not_found("action")),
    };
    match done {
        Ok((done, secret, _)) => {
            let outcome = Outcome {
                done: Some(done),
                secret,
                ..Outcome::default()
            };
            users_page(&state, staff, StatusCode::OK, outcome).await
        }
        Err(error) if error.kind == ErrorKind::Invalid || error.kind == ErrorKind::Conflict => {
            let status = crate::error::status_of(error.kind);
            let outcome = Outcome {
                error: Some(&error),
                ..Outcome::default()
            };
            users_page(&state, staff, status, outcome).await
        }
        Err(error) => staff.refused(&error),
    }
}

async fn keys_page(
    state: &AppState,
    staff: Staff,
    status: StatusCode,
    outcome: Outcome<'_>,
) -> Response {
    if let Some(refusal) = outcome.error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let keys = match settle_app::keys::list(&state.app, staff.principal()).await {
        Ok(keys) => keys,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let rows = keys
        .iter()
        .map(|key| {
            let active = key.revoked_at.is_none();
            PersonRow {
                name: format!("{} {}", key.id, key.name.clone().unwrap_or_default()),
                roles: held(&staff, &key.roles),
                roles_action: String::new(),
                state: if active { w.active } else { w.revoked },
                active: false,
                buttons: if active {
                    vec![(format!("/app/api-keys/{}/revoke", key.id), w.revoke)]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let name = outcome.form.map(|f| f.name.clone()).unwrap_or_default();
    let listing = Listing {
        title: w.api_keys,
        action: "/app/api-keys",
        submit: w.create_key,
        name_head: w.key_name,
        right: Right::ManageKeys,
        input: Input::text("name", w.key_name, name),
        rows,
    };
    people_page(staff, status, outcome, listing)
}

/// `GET /app/api-keys`.
pub async fn keys(State(state): State<AppState>, staff: Staff) -> Response {
    keys_page(&state, staff, StatusCode::OK, Outcome::default()).await
}

/// `POST /app/api-keys`: makes a key; it is shown once.
pub async fn create_key(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<PeopleForm>,
) -> Response {
    let name = Some(form.name.trim().to_owned()).filter(|n| !n.is_empty());
    match settle_app::keys::create(&state.app, staff.principal(), form.roles(), name).await {
        Ok(created) => {
            let outcome = Outcome {
                done: Some(staff.ctx.lang.workspace().key_shown_once.to_owned()),
                secret: Some(created.token),
                ..Outcome::default()
            };
            keys_page(&state, staff, StatusCode::OK, outcome).await
        }
        Err(error) => {
            let status = crate::error::status_of(error.kind);
            let outcome = Outcome {
                form: Some(&form),
                error: Some(&error),
                ..Outcome::default()
            };
            keys_page(&state, staff, status, outcome).await
        }
    }
}

/// `POST /app/api-keys/{id}/revoke`.
pub async fn revoke_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, _): Submitted<PeopleForm>,
) -> Response {
    match settle_app::keys::revoke(&state.app, staff.principal(), &id).await {
        Ok(_) => staff.go("/app/api-keys"),
        Err(error) => staff.refused(&error),
    }
}
