//! `/v1/tenant`: the platform's own party data and its NTS link.

use axum::Json;
use axum::extract::{Request, State};
use serde::{Deserialize, Serialize};
use settle_app::certificates::Registration;
use settle_app::nts_link::TenantPatch;
use settle_core::rounding::RoundingMode;
use settle_core::tenant::Tenant;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::partners::{ContactBody, NtsLinkView};
use super::upload::certificate_form;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};

/// The tenant as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct TenantView {
    /// Its id.
    pub id: String,
    /// Company name.
    pub name: String,
    /// Business registration number, 10 digits.
    pub brn: String,
    /// Representative.
    pub ceo_name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// 업태.
    pub biz_type: Option<String>,
    /// 종목.
    pub biz_item: Option<String>,
    /// Who receives issued invoices and notices.
    pub contact: ContactBody,
    /// Rounding of line taxes: `toward_zero` (default), `half_away_from_zero`, `ceiling`.
    pub tax_rounding: &'static str,
    /// Rounding of partner-invoice line amounts: `half_away_from_zero` (default) or `toward_zero`.
    pub billing_rounding: &'static str,
    /// Days after the due date when a partner is reminded of an unpaid invoice, once.
    pub overdue_reminder_days: Option<u32>,
    /// Link with the filing service.
    pub nts_link: NtsLinkView,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<Tenant> for TenantView {
    fn from(t: Tenant) -> Self {
        let rounding = t.tax_policy().rounding;
        let billing_rounding = t.billing_rounding();
        let p = t.profile;
        Self {
            id: t.id.to_string(),
            name: t.name,
            brn: t.brn.to_string(),
            ceo_name: p.ceo_name,
            address: p.address,
            biz_type: p.biz_type,
            biz_item: p.biz_item,
            contact: ContactBody {
                name: p.contact.name,
                email: p.contact.email,
                phone: p.contact.phone,
            },
            tax_rounding: rounding.as_str(),
            billing_rounding: billing_rounding.as_str(),
            overdue_reminder_days: p.overdue_reminder_days,
            nts_link: NtsLinkView {
                status: if t.nts_linked_at.is_some() {
                    "linked"
                } else {
                    "unlinked"
                },
                linked_at: t.nts_linked_at,
            },
            created_at: t.created_at,
        }
    }
}

/// Changes to the tenant; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatchBody {
    /// Company name.
    pub name: Option<String>,
    /// Representative.
    pub ceo_name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// 업태.
    pub biz_type: Option<String>,
    /// 종목.
    pub biz_item: Option<String>,
    /// Contact.
    pub contact: Option<ContactBody>,
    /// `toward_zero` (alias `truncate`), `half_away_from_zero` (alias `half_up`), `ceiling`.
    #[schema(value_type = Option<String>)]
    pub tax_rounding: Option<RoundingMode>,
    /// Partner-invoice line rounding: `half_away_from_zero` or `toward_zero`.
    #[schema(value_type = Option<String>)]
    pub billing_rounding: Option<RoundingMode>,
    /// Remind partners of unpaid invoices this many days after the due date (0: never).
    #[schema(minimum = 0, maximum = 365)]
    pub overdue_reminder_days: Option<u32>,
}

/// The caller's tenant.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenant", security(("api_key" = [])),
    responses((status = 200, body = TenantView), (status = 401, body = ErrorBody)))]
pub async fn get_tenant(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<TenantView>> {
    Ok(Json(
        settle_app::nts_link::tenant(&state.app, &by).await?.into(),
    ))
}

/// Sets the tenant's party data (it is the buyer on every reverse-issued invoice).
#[utoipa::path(patch, path = "/v1/tenant", tag = "tenant", security(("api_key" = [])), request_body = TenantPatchBody,
    responses((status = 200, body = TenantView), (status = 422, body = ErrorBody)))]
pub async fn patch_tenant(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<TenantPatchBody>,
) -> ApiResult<Json<TenantView>> {
    let contact = body.contact.unwrap_or_default();
    let patch = TenantPatch {
        name: body.name,
        ceo_name: body.ceo_name,
        address: body.address,
        biz_type: body.biz_type,
        biz_item: body.biz_item,
        contact_name: contact.name,
        contact_email: contact.email,
        contact_phone: contact.phone,
        tax_rounding: body.tax_rounding,
        billing_rounding: body.billing_rounding,
        overdue_reminder_days: body.overdue_reminder_days,
    };
    Ok(Json(
        settle_app::nts_link::update_tenant(&state.app, &by, patch)
            .await?
            .into(),
    ))
}

/// The tenant after linking, with its registered certificate.
#[derive(Serialize, ToSchema)]
pub struct TenantLinkView {
    /// The tenant.
    pub tenant: TenantView,
    /// The registered certificate.
    #[schema(value_type = Object)]
    pub certificate: Registration,
}

/// Links the platform with the NTS with its joint certificate (seed STEP 1).
#[utoipa::path(post, path = "/v1/tenant/nts-link", tag = "tenant", security(("api_key" = [])),
    request_body(content_type = "multipart/form-data", description = "`sign_cert` + `sign_key` + `password`, or `pfx` + `password`"),
    responses((status = 200, body = TenantLinkView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link_tenant(
    State(state): State<AppState>,
    Auth(by): Auth,
    request: Request,
) -> ApiResult<Json<TenantLinkView>> {
    let (files, password) = certificate_form(request, &state).await?;
    let (tenant, certificate) =
        settle_app::nts_link::link_tenant(&state.app, &by, files, &password).await?;
    Ok(Json(TenantLinkView {
        tenant: tenant.into(),
        certificate,
    }))
}
