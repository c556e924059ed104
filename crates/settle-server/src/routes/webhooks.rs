//! `/v1/webhook-endpoints` and `/v1/webhook-deliveries`: where a tenant's events go, and
//! what became of each delivery.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_app::pagination::PageRequest;
use settle_app::webhooks::{self as use_case, EndpointInput, WithSecret};
use settle_core::webhook::{DeliveryAttempt, WebhookDelivery, WebhookEndpoint};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth};

/// An endpoint as clients send it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointBody {
    /// `https://…` (or `http://…`) where events are POSTed. Private and loopback addresses
    /// are refused unless the server allows them.
    pub url: Option<String>,
    /// Event types (e.g. `tax_invoice.issued`), or `["*"]` for all.
    pub events: Option<Vec<String>>,
    /// Whether deliveries are made (default true).
    pub enabled: Option<bool>,
}

impl From<WebhookEndpointBody> for EndpointInput {
    fn from(body: WebhookEndpointBody) -> Self {
        EndpointInput {
            url: body.url,
            events: body.events,
            enabled: body.enabled,
        }
    }
}

/// An endpoint as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct WebhookEndpointView {
    /// Its id.
    pub id: String,
    /// Where events are POSTed.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it is disabled (`failing`: three days of failed deliveries).
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub failing_since: Option<OffsetDateTime>,
    /// Changes with every change.
    pub version: i64,
    /// Created at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Last changed at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// The signing secret: only in the answers to creation and rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookEndpointView {
    fn of(e: WebhookEndpoint, secret: Option<String>) -> Self {
        Self {
            id: e.id.to_string(),
            url: e.url,
            events: e.events,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            failing_since: e.failing_since,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
            secret,
        }
    }
}

impl From<WithSecret> for WebhookEndpointView {
    fn from(created: WithSecret) -> Self {
        Self::of(created.endpoint, Some(created.secret))
    }
}

/// One attempt of a delivery.
#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    /// 1, 2, …
    pub attempt: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The endpoint's HTTP status, if it answered.
    pub status: Option<i64>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

impl From<DeliveryAttempt> for AttemptView {
    fn from(a: DeliveryAttempt) -> Self {
        Self {
            attempt: a.attempt,
            at: a.at,
            status: a.status,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

/// A delivery of one event to one endpoint.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    /// Its id.
    pub id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The event's id (the `id` of the body and the `Settle-Event-Id` header).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub state: &'static str,
    /// Attempts made.
    pub attempts: i64,
    /// The last HTTP status.
    pub last_status: Option<i64>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The body as POSTed.
    pub body: String,
    /// When the event happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Delivered or given up at.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
    /// Every attempt (on a single delivery's read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_log: Option<Vec<AttemptView>>,
}

impl DeliveryView {
    fn of(d: WebhookDelivery, attempts: Option<Vec<DeliveryAttempt>>) -> Self {
        Self {
            id: d.id.to_string(),
            endpoint_id: d.endpoint_id.to_string(),
            event_id: d.event_id.to_string(),
            event_type: d.event_type,
            state: d.state.as_str(),
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            body: d.body,
            created_at: d.created_at,
            finished_at: d.finished_at,
            attempt_log: attempts.map(|list| list.into_iter().map(Into::into).collect()),
        }
    }
}

/// A page of deliveries.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryPageQuery {
    /// 1–1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Registers an endpoint; its signing secret is shown only in this answer.
#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "webhooks", security(("api_key" = [])), request_body = WebhookEndpointBody,
    responses((status = 201, body = WebhookEndpointView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<WebhookEndpointBody>,
) -> ApiResult<(StatusCode, Json<WebhookEndpointView>)> {
    let created = use_case::create_endpoint(&state.app, &by, body.into()).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The tenant's endpoints.
#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "webhooks", security(("api_key" = [])),
    responses((status = 200, body = Object, description = "`{data: [WebhookEndpointView], next_cursor: null}`"), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<serde_json::Value>> {
    let endpoints: Vec<WebhookEndpointView> = use_case::list_endpoints(&state.app, &by)
        .await?
        .into_iter()
        .map(|e| WebhookEndpointView::of(e, None))
        .collect();
    Ok(Json(
        serde_json::json!({ "data": endpoints, "next_cursor": null }),
    ))
}

/// One endpoint.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = WebhookEndpointView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookEndpointView>> {
    let endpoint = use_case::get_endpoint(&state.app, &by, &id).await?;
    Ok(Json(WebhookEndpointView::of(endpoint, None)))
}

/// Changes the URL, the events, or whether deliveries are made (enabling a disabled
/// endpoint clears its failure record).
#[utoipa::path(patch, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = WebhookEndpointBody,
    responses((status = 200, body = WebhookEndpointView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WebhookEndpointBody>,
) -> ApiResult<Json<WebhookEndpointView>> {
    let endpoint = use_case::update_endpoint(&state.app, &by, &id, body.into()).await?;
    Ok(Json(WebhookEndpointView::of(endpoint, None)))
}

/// Stops deliveries to the endpoint (`PATCH {"enabled": false}`).
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/disable", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = WebhookEndpointView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookEndpointView>> {
    let input = EndpointInput {
        enabled: Some(false),
        ..EndpointInput::default()
    };
    let endpoint = use_case::update_endpoint(&state.app, &by, &id, input).await?;
    Ok(Json(WebhookEndpointView::of(endpoint, None)))
}

/// Deletes the endpoint; its deliveries stop.
#[utoipa::path(delete, path = "/v1/webhook-endpoints/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    use_case::delete_endpoint(&state.app, &by, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, shown only in this answer; the previous one keeps signing beside
/// it (a second `v1=` in `Settle-Signature`) for 24 hours.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = WebhookEndpointView), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookEndpointView>> {
    Ok(Json(
        use_case::rotate_secret(&state.app, &by, &id).await?.into(),
    ))
}

/// The endpoint's deliveries, newest first.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}/deliveries", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path), DeliveryPageQuery),
    responses((status = 200, body = Object, description = "`{data: [DeliveryView], next_cursor}`"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<DeliveryPageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let found = use_case::list_deliveries(&state.app, &by, &id, &page).await?;
    let data: Vec<DeliveryView> = found
        .data
        .into_iter()
        .map(|d| DeliveryView::of(d, None))
        .collect();
    Ok(Json(
        serde_json::json!({ "data": data, "next_cursor": found.next_cursor }),
    ))
}

/// One delivery with every attempt.
#[utoipa::path(get, path = "/v1/webhook-deliveries/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = DeliveryView), (status = 404, body = ErrorBody)))]
pub async fn delivery(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryView>> {
    let (delivery, attempts) = use_case::get_delivery(&state.app, &by, &id).await?;
    Ok(Json(DeliveryView::of(delivery, Some(attempts))))
}

/// Delivers the event again; the earlier attempts stay in the log.
#[utoipa::path(post, path = "/v1/webhook-deliveries/{id}/redeliver", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 202, body = DeliveryView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let delivery = use_case::redeliver(&state.app, &by, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(DeliveryView::of(delivery, None))))
}
