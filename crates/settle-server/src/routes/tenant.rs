//! `GET /v1/tenant`: the platform's own data.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use settle_core::access::Right;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;

/// The tenant as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct TenantView {
    /// Its id.
    pub id: String,
    /// Company name.
    pub name: String,
    /// Business registration number, 10 digits.
    pub brn: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// The caller's tenant.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenant", security(("api_key" = [])),
    responses((status = 200, body = TenantView), (status = 401, body = ErrorBody)))]
pub async fn get_tenant(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<TenantView>> {
    by.require(Right::ReadTenant)?;
    let tenant = settle_app::tenants::get(&state.app, &by.tenant_id).await?;
    Ok(Json(TenantView {
        id: tenant.id.to_string(),
        name: tenant.name,
        brn: tenant.brn.to_string(),
        created_at: tenant.created_at,
    }))
}
