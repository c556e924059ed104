//! `/v1/billing-runs`: bill a period's unbilled charges into drafts, read a run, finalize
//! every draft it made or extended.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_app::billing as use_case;
use settle_core::billing::BillingRun;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{InvoiceSummary, today};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::routes::tax_invoices::ActionBody;

/// The body of `POST /v1/billing-runs`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// The month to bill, `YYYY-MM`; it must have begun (in Korea).
    #[schema(example = "2026-10", required, nullable = false)]
    pub period: Option<String>,
}

/// A billing run.
#[derive(Serialize, ToSchema)]
pub struct RunView {
    /// Its id.
    pub id: String,
    /// The month billed, `YYYY-MM`.
    pub period: String,
    /// Charges it put on invoices.
    pub charges_billed: i64,
    /// Drafts it created.
    pub invoices_created: i64,
    /// Drafts of earlier runs it added lines to.
    pub invoices_extended: i64,
    /// Who ran it.
    pub created_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&BillingRun> for RunView {
    fn from(run: &BillingRun) -> Self {
        Self {
            id: run.id.to_string(),
            period: run.period.to_string(),
            charges_billed: run.charges_billed,
            invoices_created: run.invoices_created,
            invoices_extended: run.invoices_extended,
            created_by: run.actor.clone(),
            created_at: run.created_at,
        }
    }
}

/// What finalizing a run did.
#[derive(Serialize, ToSchema)]
pub struct RunFinalizedView {
    /// How many drafts were finalized.
    pub finalized: usize,
    /// The finalized invoices (without lines).
    pub data: Vec<InvoiceSummary>,
}

/// Bills every unbilled charge of a period: drafts per partner, billing profile, series
/// and first-party or marketplace; drafts of the period still open grow instead.
#[utoipa::path(post, path = "/v1/billing-runs", tag = "partner invoices", security(("api_key" = [])), request_body = RunBody,
    responses((status = 201, body = RunView), (status = 422, body = ErrorBody, description = "bad or future period")))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<RunBody>,
) -> ApiResult<(StatusCode, Json<RunView>)> {
    let period = body.period.unwrap_or_default();
    let run = use_case::run_billing(&state.app, &by, &period).await?;
    Ok((StatusCode::CREATED, Json((&run).into())))
}

/// One billing run.
#[utoipa::path(get, path = "/v1/billing-runs/{id}", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = RunView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<RunView>> {
    let run = use_case::get_run(&state.app, &by, &id).await?;
    Ok(Json((&run).into()))
}

/// Finalizes every draft the run made or extended, in one transaction: numbers, document
/// and due dates.
#[utoipa::path(post, path = "/v1/billing-runs/{id}/finalize", tag = "partner invoices", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = RunFinalizedView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn finalize(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<ActionBody>,
) -> ApiResult<Json<RunFinalizedView>> {
    let documents = use_case::finalize_run(&state.app, &by, &id).await?;
    Ok(Json(RunFinalizedView {
        finalized: documents.len(),
        data: documents
            .iter()
            .map(|d| InvoiceSummary::new(d, today(&state)))
            .collect(),
    }))
}
