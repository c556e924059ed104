//! `/v1/api-keys`: a `user_admin` makes, lists and revokes the tenant's keys.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_core::access::ApiKeyRecord;
use settle_core::access::{Role, Roles};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};

/// A key to make.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    /// One or more of `user_admin`, `billing_admin`, `admin_agent`, `sales_agent`.
    #[schema(value_type = Vec<String>, example = json!(["admin_agent"]), min_items = 1)]
    pub roles: Vec<Role>,
    /// A label.
    pub name: Option<String>,
}

/// A key as the API shows it (never its secret, except once at creation).
#[derive(Serialize, ToSchema)]
pub struct KeyView {
    /// Its id.
    pub id: String,
    /// Its roles.
    #[schema(value_type = Vec<String>)]
    pub roles: Roles,
    /// Its label.
    pub name: Option<String>,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    /// The key itself: only in the answer to its creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

impl KeyView {
    fn of(record: ApiKeyRecord, api_key: Option<String>) -> Self {
        Self {
            id: record.id.to_string(),
            roles: record.roles,
            name: record.name,
            created_at: record.created_at,
            revoked_at: record.revoked_at,
            api_key,
        }
    }
}

/// Makes a key; its secret is shown only in this answer.
#[utoipa::path(post, path = "/v1/api-keys", tag = "api keys", security(("api_key" = [])), request_body = KeyBody,
    responses((status = 201, body = KeyView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<KeyBody>,
) -> ApiResult<(StatusCode, Json<KeyView>)> {
    let created =
        settle_app::keys::create(&state.app, &by, Roles::new(body.roles), body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyView::of(created.record, Some(created.token))),
    ))
}

/// The tenant's keys.
#[utoipa::path(get, path = "/v1/api-keys", tag = "api keys", security(("api_key" = [])),
    responses((status = 200, body = Object, description = "`{data: [KeyView]}`"), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<serde_json::Value>> {
    let keys: Vec<KeyView> = settle_app::keys::list(&state.app, &by)
        .await?
        .into_iter()
        .map(|k| KeyView::of(k, None))
        .collect();
    Ok(Json(
        serde_json::json!({ "data": keys, "next_cursor": null }),
    ))
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "api keys", security(("api_key" = [])),
    params(("id" = String, Path, description = "key id")),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<KeyView>> {
    let record = settle_app::keys::revoke(&state.app, &by, &id).await?;
    Ok(Json(KeyView::of(record, None)))
}

/// Credentials for the Popbill-compatible API, shown once.
#[derive(Serialize, ToSchema)]
pub struct PopbillKeyView {
    /// The SDK's `LinkID`.
    pub link_id: String,
    /// The SDK's `SecretKey` (base64); shown only now.
    pub secret_key: String,
}

/// Makes link credentials for the official Popbill SDKs pointed at settle (`LinkID` and
/// `SecretKey`): tokens for the tenant's BRN act as the platform, for a linked partner's
/// BRN as that supplier.
#[utoipa::path(post, path = "/v1/popbill-keys", tag = "keys", security(("api_key" = [])),
    responses((status = 201, body = PopbillKeyView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "no SETTLE_SECRET_KEY")))]
pub async fn create_popbill_key(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<(StatusCode, Json<PopbillKeyView>)> {
    let key = settle_app::popbill::create_key(&state.app, &by).await?;
    Ok((
        StatusCode::CREATED,
        Json(PopbillKeyView {
            link_id: key.link_id,
            secret_key: key.secret_key,
        }),
    ))
}
