//! `/v1/users`: a `user_admin` invites staff users (each gets a one-time link to set its
//! password), lists them, changes their roles and deactivates them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_core::access::{Role, Roles};
use settle_core::user::UserRecord;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};

/// A user to invite.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    /// The sign-in email (unique across settle).
    #[schema(example = "kim@platform.example")]
    pub email: String,
    /// One or more of `user_admin`, `billing_admin`, `admin_agent`, `sales_agent`.
    #[schema(value_type = Vec<String>, example = json!(["admin_agent"]), min_items = 1)]
    pub roles: Vec<Role>,
}

/// New roles for a user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRolesBody {
    /// One or more of `user_admin`, `billing_admin`, `admin_agent`, `sales_agent`.
    #[schema(value_type = Vec<String>, example = json!(["sales_agent"]), min_items = 1)]
    pub roles: Vec<Role>,
}

/// A user as the API shows it (never its password).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    /// Its id.
    pub id: String,
    /// Its sign-in email.
    pub email: String,
    /// Its roles.
    #[schema(value_type = Vec<String>)]
    pub roles: Roles,
    /// Whether it has set a password.
    pub has_password: bool,
    /// Until when sign-in is locked after wrong passwords.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub locked_until: Option<OffsetDateTime>,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When it was deactivated.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<OffsetDateTime>,
    /// The one-time link to set a password: only in the answers that make one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
}

impl UserView {
    fn of(user: UserRecord, login_url: Option<String>) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email,
            roles: user.roles,
            has_password: user.password_hash.is_some(),
            locked_until: user.locked_until,
            created_at: user.created_at,
            disabled_at: user.disabled_at,
            login_url,
        }
    }
}

/// Invites a user: it is emailed a one-time link (also in this answer) to set its password.
#[utoipa::path(post, path = "/v1/users", tag = "users", security(("api_key" = [])), request_body = UserBody,
    responses((status = 201, body = UserView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<UserBody>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let created =
        settle_app::users::create(&state.app, &by, &body.email, Roles::new(body.roles)).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserView::of(created.user, Some(created.login_url))),
    ))
}

/// The tenant's users.
#[utoipa::path(get, path = "/v1/users", tag = "users", security(("api_key" = [])),
    responses((status = 200, body = Object, description = "`{data: [UserView]}`"), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<serde_json::Value>> {
    let users: Vec<UserView> = settle_app::users::list(&state.app, &by)
        .await?
        .into_iter()
        .map(|user| UserView::of(user, None))
        .collect();
    Ok(Json(
        serde_json::json!({ "data": users, "next_cursor": null }),
    ))
}

/// One user.
#[utoipa::path(get, path = "/v1/users/{id}", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    let user = settle_app::users::get(&state.app, &by, &id).await?;
    Ok(Json(UserView::of(user, None)))
}

/// Replaces a user's roles; they apply to its next request.
#[utoipa::path(patch, path = "/v1/users/{id}", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "user id")), request_body = UserRolesBody,
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserRolesBody>,
) -> ApiResult<Json<UserView>> {
    let user = settle_app::users::set_roles(&state.app, &by, &id, Roles::new(body.roles)).await?;
    Ok(Json(UserView::of(user, None)))
}

/// Deactivates a user: its sessions end at once; it stays listed with `disabled_at`.
#[utoipa::path(post, path = "/v1/users/{id}/deactivate", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    let user = settle_app::users::disable(&state.app, &by, &id).await?;
    Ok(Json(UserView::of(user, None)))
}

/// A new one-time login link for a user (a lost invitation, a forgotten password).
#[utoipa::path(post, path = "/v1/users/{id}/login-link", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn login_link(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    let url = settle_app::users::reissue_link(&state.app, &by, &id).await?;
    let user = settle_app::users::get(&state.app, &by, &id).await?;
    Ok(Json(UserView::of(user, Some(url))))
}

/// A partner to assign to a user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPartnerBody {
    /// One of the tenant's partners.
    pub partner_id: String,
}

/// The partners assigned to a user.
#[derive(Serialize, ToSchema)]
pub struct UserPartnersView {
    /// Their ids. A user whose only role is `sales_agent` sees only these partners and
    /// their documents.
    pub data: Vec<String>,
}

fn partners_view(ids: Vec<settle_core::ids::PartnerId>) -> Json<UserPartnersView> {
    Json(UserPartnersView {
        data: ids.into_iter().map(|id| id.to_string()).collect(),
    })
}

/// The partners assigned to a user.
#[utoipa::path(get, path = "/v1/users/{id}/partners", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserPartnersView), (status = 404, body = ErrorBody)))]
pub async fn partners(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<UserPartnersView>> {
    let ids = settle_app::users::assigned_partners(&state.app, &by, &id).await?;
    Ok(partners_view(ids))
}

/// Assigns a partner to a user (a sales agent then sees it).
#[utoipa::path(post, path = "/v1/users/{id}/partners", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "user id")), request_body = UserPartnerBody,
    responses((status = 200, body = UserPartnersView), (status = 404, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserPartnerBody>,
) -> ApiResult<Json<UserPartnersView>> {
    let ids =
        settle_app::users::assign_partner(&state.app, &by, &id, &body.partner_id, true).await?;
    Ok(partners_view(ids))
}

/// Takes a partner away from a user.
#[utoipa::path(delete, path = "/v1/users/{id}/partners/{partner_id}", tag = "users", security(("api_key" = [])),
    params(("id" = String, Path, description = "user id"), ("partner_id" = String, Path, description = "partner id")),
    responses((status = 200, body = UserPartnersView), (status = 404, body = ErrorBody)))]
pub async fn unassign(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path((id, partner)): Path<(String, String)>,
) -> ApiResult<Json<UserPartnersView>> {
    let ids = settle_app::users::assign_partner(&state.app, &by, &id, &partner, false).await?;
    Ok(partners_view(ids))
}
