//! `/v1/supplier`: the supplier's side, authenticated by a session opened with the emailed
//! link and its BRN (`Authorization: Supplier <session>`), not by an API key.

use axum::Json;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use settle_app::ErrorKind;
use settle_app::supplier::{self as use_case, OpenedSession, SupplierPrincipal};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::tax_invoices::{ActionBody, TaxInvoiceView};
use super::upload::certificate_form;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;

/// The supplier behind `Authorization: Supplier <session>`.
pub struct SupplierAuth(pub SupplierPrincipal);

impl FromRequestParts<AppState> for SupplierAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("supplier"))
            .map(|(_, token)| token.trim().to_owned())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorKind::Unauthorized,
                    "supplier.invalid_session",
                    "use Authorization: Supplier <session> (POST /v1/supplier/sessions opens one)",
                )
            })?;
        Ok(SupplierAuth(
            use_case::authenticate(&state.app, &token).await?,
        ))
    }
}

/// The link token and the supplier's BRN.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    /// The token from the emailed link (`…/s/{token}`).
    pub token: String,
    /// The supplier's business registration number.
    pub brn: String,
}

/// A session.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// Send as `Authorization: Supplier <session>`.
    pub session: String,
    /// When it ends.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// The document the link was about.
    pub tax_invoice_id: String,
}

impl From<OpenedSession> for SessionView {
    fn from(s: OpenedSession) -> Self {
        Self {
            session: s.session,
            expires_at: s.expires_at,
            tax_invoice_id: s.tax_invoice_id,
        }
    }
}

/// Opens a session with the emailed link's token and the supplier's BRN. Wrong BRNs get
/// 403; after five within 15 minutes the link answers 429.
#[utoipa::path(post, path = "/v1/supplier/sessions", tag = "supplier", request_body = SessionBody,
    responses((status = 201, body = SessionView), (status = 403, body = ErrorBody, description = "wrong BRN or expired link"),
              (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn open_session(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SessionBody>,
) -> ApiResult<(axum::http::StatusCode, Json<SessionView>)> {
    let session = use_case::open_session(&state.app, &body.token, &body.brn).await?;
    Ok((axum::http::StatusCode::CREATED, Json(session.into())))
}

fn view(
    state: &AppState,
    record: &settle_core::tax_invoice::TaxInvoiceRecord,
) -> Json<TaxInvoiceView> {
    Json(TaxInvoiceView::new(record, state.app.now()))
}

/// One of the supplier's invoices.
#[utoipa::path(get, path = "/v1/supplier/tax-invoices/{id}", tag = "supplier", params(("id" = String, Path)),
    responses((status = 200, body = TaxInvoiceView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    SupplierAuth(by): SupplierAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<TaxInvoiceView>> {
    Ok(view(&state, &use_case::get(&state.app, &by, &id).await?))
}

/// A registered certificate.
#[derive(Serialize, ToSchema)]
pub struct CertificateView {
    /// Subject DN.
    pub subject: String,
    /// Serial, hex.
    pub serial: String,
    /// End of the certificate's validity.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub not_after: OffsetDateTime,
    /// When the registration lapses (a year at most).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// Whether the chain to the configured trust bundle was verified.
    pub chain_verified: bool,
}

/// Registers the supplier's joint certificate.
#[utoipa::path(post, path = "/v1/supplier/certificates", tag = "supplier",
    request_body(content_type = "multipart/form-data", description = "`sign_cert` + `sign_key` + `password`, or `pfx` + `password`"),
    responses((status = 201, body = CertificateView), (status = 422, body = ErrorBody)))]
pub async fn register_certificate(
    State(state): State<AppState>,
    SupplierAuth(by): SupplierAuth,
    request: Request,
) -> ApiResult<(axum::http::StatusCode, Json<CertificateView>)> {
    let (files, password) = certificate_form(request, &state).await?;
    let r = use_case::register_certificate(&state.app, &by, files, &password).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(CertificateView {
            subject: r.subject,
            serial: r.serial,
            not_after: r.not_after,
            expires_at: r.expires_at,
            chain_verified: r.chain_verified,
        }),
    ))
}

/// Issues (signs) a requested invoice with the registered certificate.
#[utoipa::path(post, path = "/v1/supplier/tax-invoices/{id}/issue", tag = "supplier", params(("id" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = TaxInvoiceView), (status = 409, body = ErrorBody, description = "wrong state, or no valid certificate")))]
pub async fn issue(
    State(state): State<AppState>,
    SupplierAuth(by): SupplierAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<TaxInvoiceView>> {
    Ok(view(
        &state,
        &use_case::issue(&state.app, &by, &id, body.memo).await?,
    ))
}

/// Refuses a requested invoice (memo required).
#[utoipa::path(post, path = "/v1/supplier/tax-invoices/{id}/refuse", tag = "supplier", params(("id" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = TaxInvoiceView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refuse(
    State(state): State<AppState>,
    SupplierAuth(by): SupplierAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<TaxInvoiceView>> {
    Ok(view(
        &state,
        &use_case::refuse(&state.app, &by, &id, body.memo).await?,
    ))
}

/// Cancels an issued invoice before filing starts.
#[utoipa::path(post, path = "/v1/supplier/tax-invoices/{id}/cancel-issue", tag = "supplier", params(("id" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = TaxInvoiceView), (status = 409, body = ErrorBody)))]
pub async fn cancel_issue(
    State(state): State<AppState>,
    SupplierAuth(by): SupplierAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<TaxInvoiceView>> {
    Ok(view(
        &state,
        &use_case::cancel_issue(&state.app, &by, &id, body.memo).await?,
    ))
}
