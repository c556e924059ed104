//! `/v1/partners`: create, read, list, edit (JSON merge patch) and import.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_app::import::ImportReport;
use settle_app::pagination::{Page, PageRequest};
use settle_core::partner::PartnerFilter;
use settle_core::partner::{NtsLink, Partner, PartnerInput};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::merge_patch;
use super::upload::upload;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, MergePatch, parse_json};

/// A partner's contact person.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// Name.
    pub name: Option<String>,
    /// Email for issuance requests and notices.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// A partner as clients send it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerBody {
    /// Business registration number: 10 digits, hyphens allowed (`220-81-62517`). Required
    /// for businesses.
    #[schema(example = "220-81-62517")]
    pub brn: Option<String>,
    /// 종사업장번호, 4 digits.
    pub sub_business_id: Option<String>,
    /// Company name (≤ 200 characters).
    pub name: Option<String>,
    /// Representative (≤ 100).
    pub ceo_name: Option<String>,
    /// Address (≤ 300).
    pub address: Option<String>,
    /// 업태, business type (≤ 100).
    pub biz_type: Option<String>,
    /// 종목, business item (≤ 100).
    pub biz_item: Option<String>,
    /// `business` (default), `individual` or `foreign`.
    pub partner_type: Option<String>,
    /// The platform's own id for the partner, unique per tenant.
    pub external_id: Option<String>,
    /// Contact person.
    pub contact: Option<ContactBody>,
    /// Labels.
    pub tags: Option<Vec<String>>,
    /// `ko` (default) or `en`: the language of the partner's documents and messages.
    pub language: Option<String>,
}

impl From<PartnerBody> for PartnerInput {
    fn from(body: PartnerBody) -> Self {
        let contact = body.contact.unwrap_or_default();
        PartnerInput {
            brn: body.brn,
            sub_business_id: body.sub_business_id,
            name: body.name,
            ceo_name: body.ceo_name,
            address: body.address,
            biz_type: body.biz_type,
            biz_item: body.biz_item,
            partner_type: body.partner_type,
            external_id: body.external_id,
            contact_name: contact.name,
            contact_email: contact.email,
            contact_phone: contact.phone,
            tags: body.tags,
            language: body.language,
        }
    }
}

/// The NTS link state.
#[derive(Serialize, ToSchema)]
pub struct NtsLinkView {
    /// `unlinked` or `linked`.
    pub status: &'static str,
    /// When it was linked.
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub linked_at: Option<OffsetDateTime>,
}

/// A partner as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct PartnerView {
    /// Its id.
    pub id: String,
    /// 10-digit BRN, or null for partners without one.
    pub brn: Option<String>,
    /// 종사업장번호.
    pub sub_business_id: Option<String>,
    /// Company name.
    pub name: String,
    /// Representative.
    pub ceo_name: String,
    /// Address.
    pub address: String,
    /// 업태.
    pub biz_type: String,
    /// 종목.
    pub biz_item: String,
    /// `business`, `individual` or `foreign`.
    pub partner_type: String,
    /// The platform's own id.
    pub external_id: Option<String>,
    /// Contact person.
    pub contact: ContactBody,
    /// Labels.
    pub tags: Vec<String>,
    /// `ko` or `en`: the language of the partner's documents and messages.
    pub language: &'static str,
    /// Link with the filing service.
    pub nts_link: NtsLinkView,
    /// Changes with every edit.
    pub version: i64,
    /// Created at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Last changed at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<Partner> for PartnerView {
    fn from(p: Partner) -> Self {
        let d = p.data;
        Self {
            id: p.id.to_string(),
            brn: d.brn.map(|b| b.to_string()),
            sub_business_id: d.sub_business_id,
            name: d.name,
            ceo_name: d.ceo_name,
            address: d.address,
            biz_type: d.biz_type,
            biz_item: d.biz_item,
            partner_type: d.partner_type.to_string(),
            external_id: d.external_id,
            contact: ContactBody {
                name: Some(d.contact.name),
                email: Some(d.contact.email),
                phone: d.contact.phone,
            },
            tags: d.tags,
            language: d.language.as_str(),
            nts_link: match p.nts_link {
                NtsLink::Unlinked => NtsLinkView {
                    status: "unlinked",
                    linked_at: None,
                },
                NtsLink::Linked { linked_at } => NtsLinkView {
                    status: "linked",
                    linked_at: Some(linked_at),
                },
            },
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Creates a partner.
#[utoipa::path(post, path = "/v1/partners", tag = "partners", security(("api_key" = [])), request_body = PartnerBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first response")),
    responses((status = 201, body = PartnerView), (status = 409, body = ErrorBody, description = "duplicate brn or external_id"),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<PartnerBody>,
) -> ApiResult<(StatusCode, Json<PartnerView>)> {
    let partner = settle_app::partners::create(&state.app, &by, body.into()).await?;
    Ok((StatusCode::CREATED, Json(partner.into())))
}

/// One partner.
#[utoipa::path(get, path = "/v1/partners/{id}", tag = "partners", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = PartnerView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PartnerView>> {
    Ok(Json(
        settle_app::partners::get(&state.app, &by, &id)
            .await?
            .into(),
    ))
}

/// List filters.
#[derive(Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Exact BRN (hyphens allowed).
    pub brn: Option<String>,
    /// Exact platform id.
    pub external_id: Option<String>,
    /// `linked` or `unlinked`.
    pub nts_link: Option<String>,
    /// Has this tag.
    pub tag: Option<String>,
    /// Name contains.
    pub q: Option<String>,
}

impl ListQuery {
    /// The page and the filter asked for; 422 `request.invalid_query` for a bad value.
    pub fn into_request(self) -> Result<(PageRequest, PartnerFilter), settle_app::AppError> {
        let page = PageRequest::parse(self.limit, self.cursor.as_deref())?;
        let invalid = |field: &str, message: &str| {
            settle_app::AppError::invalid("request.invalid_query", field, message)
        };
        let linked = match self.nts_link.as_deref() {
            None => None,
            Some("linked") => Some(true),
            Some("unlinked") => Some(false),
            Some(_) => return Err(invalid("nts_link", "nts_link is linked or unlinked")),
        };
        let brn = self.brn.map(|b| b.replace('-', ""));
        if brn
            .as_deref()
            .is_some_and(|b| b.len() != 10 || !b.bytes().all(|c| c.is_ascii_digit()))
        {
            return Err(invalid("brn", "brn is 10 digits, hyphens allowed"));
        }
        let filter = PartnerFilter {
            among: None,
            brn,
            external_id: self.external_id,
            linked,
            tag: self.tag,
            name_contains: self.q,
        };
        Ok((page, filter))
    }
}

/// A page of partners, oldest first.
#[utoipa::path(get, path = "/v1/partners", tag = "partners", security(("api_key" = [])), params(ListQuery),
    responses((status = 200, body = Object, description = "`{data: [PartnerView], next_cursor}`"), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<PartnerView>>> {
    let (page, filter) = query.into_request()?;
    let page = settle_app::partners::list(&state.app, &by, &filter, &page).await?;
    Ok(Json(Page {
        data: page.data.into_iter().map(PartnerView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Edits a partner with a JSON merge patch (RFC 7396): given fields replace, `null`
/// clears. A linked partner's business data cannot change (409 `partner.linked`).
#[utoipa::path(patch, path = "/v1/partners/{id}", tag = "partners", security(("api_key" = [])), request_body = PartnerBody,
    params(("id" = String, Path)),
    responses((status = 200, body = PartnerView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    MergePatch(patch): MergePatch,
) -> ApiResult<Json<PartnerView>> {
    let current = settle_app::partners::get(&state.app, &by, &id).await?;
    let version = current.version;
    let mut document = serde_json::to_value(PartnerBody::from_view(PartnerView::from(current)))
        .map_err(|e| ApiError(settle_app::AppError::internal(e)))?;
    merge_patch(&mut document, patch);
    let body: PartnerBody = parse_json(document.to_string().as_bytes())?;
    let partner = settle_app::partners::update(&state.app, &by, &id, body.into(), version).await?;
    Ok(Json(partner.into()))
}

impl PartnerBody {
    fn from_view(view: PartnerView) -> Self {
        Self {
            brn: view.brn,
            sub_business_id: view.sub_business_id,
            name: Some(view.name),
            ceo_name: Some(view.ceo_name),
            address: Some(view.address),
            biz_type: Some(view.biz_type),
            biz_item: Some(view.biz_item),
            partner_type: Some(view.partner_type),
            external_id: view.external_id,
            contact: Some(view.contact),
            tags: Some(view.tags),
            language: Some(view.language.to_owned()),
        }
    }
}

/// Imports partners from a CSV (UTF-8 or CP949) or XLSX file: multipart field `file`, or
/// the file itself as the body. Valid rows are stored; bad rows are reported by number.
#[utoipa::path(post, path = "/v1/partners/import", tag = "partners", security(("api_key" = [])),
    request_body(content_type = "multipart/form-data", description = "field `file`: CSV or XLSX; header row of the JSON field names, contact flattened (`contact_email`), tags separated by `;`"),
    responses((status = 200, body = Object, description = "`{created, failed:[{row, errors:[{code, field, message}]}]}`"),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody, description = "not CSV/XLSX, or unknown columns")))]
pub async fn import(
    State(state): State<AppState>,
    Auth(by): Auth,
    request: Request,
) -> ApiResult<Json<ImportReport>> {
    let file = upload(request, &state).await?;
    Ok(Json(
        settle_app::import::import_partners(&state.app, &by, &file).await?,
    ))
}

/// Registers the partner with the filing service and emails it "registration complete".
#[utoipa::path(post, path = "/v1/partners/{id}/nts-link", tag = "partners", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PartnerView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "no BRN")))]
pub async fn link(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PartnerView>> {
    Ok(Json(
        settle_app::nts_link::link_partner(&state.app, &by, &id)
            .await?
            .into(),
    ))
}

/// Unlinks the partner (needed before editing its business data).
#[utoipa::path(delete, path = "/v1/partners/{id}/nts-link", tag = "partners", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PartnerView), (status = 404, body = ErrorBody)))]
pub async fn unlink(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PartnerView>> {
    Ok(Json(
        settle_app::nts_link::unlink_partner(&state.app, &by, &id)
            .await?
            .into(),
    ))
}
