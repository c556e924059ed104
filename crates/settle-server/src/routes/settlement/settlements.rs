//! `/v1/settlements`: closing cycles, reading settlements line by line, their tax invoices
//! and payouts recorded as made.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use settle_app::pagination::{Page, PageRequest};
use settle_app::settlement::{self as use_case, ExplainedLine, Planned, SettlementFilter};
use settle_core::ids::PartnerId;
use settle_core::settlement::{
    SettlementLine, SettlementRecord, SettlementState, Taxation, Totals,
};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::{amount, date_param};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::routes::billing::query_param;

/// A settlement's sums.
#[derive(Serialize, ToSchema)]
pub struct TotalsView {
    /// Σ sales, net of cancellations and refunds, shipping included.
    pub sales: String,
    /// Σ the platform's fees.
    pub fees: String,
    /// Σ discounts the partner bears.
    pub partner_discounts: String,
    /// Σ discounts the platform bears.
    pub platform_discounts: String,
    /// Σ adjustments.
    pub adjustments: String,
    /// Owed: sales − fees − partner discounts + adjustments.
    pub owed: String,
    /// Income tax withheld (individuals).
    pub income_tax: String,
    /// Local income tax withheld (individuals).
    pub local_income_tax: String,
    /// Paid out: owed − withholding.
    pub payout: String,
    /// How many transfers.
    pub transfers: u32,
}

fn totals(currency: settle_core::currency::Currency, t: &Totals) -> TotalsView {
    let a = |v| amount(currency, v);
    TotalsView {
        sales: a(t.sales),
        fees: a(t.fees),
        partner_discounts: a(t.partner_discounts),
        platform_discounts: a(t.platform_discounts),
        adjustments: a(t.adjustments),
        owed: a(t.owed),
        income_tax: a(t.withholding.income_tax),
        local_income_tax: a(t.withholding.local_income_tax),
        payout: a(t.payout),
        transfers: t.transfers,
    }
}

fn taxation_name(taxation: Taxation) -> &'static str {
    match taxation {
        Taxation::ReverseTaxInvoice => "reverse_tax_invoice",
        Taxation::ForwardFeeInvoice => "forward_fee_invoice",
        Taxation::Withholding { .. } => "withholding",
    }
}

/// A settlement.
#[derive(Serialize, ToSchema)]
pub struct SettlementView {
    /// Its id (none for an open cycle).
    pub id: Option<String>,
    /// The partner.
    pub partner_id: String,
    /// `open` (not closed yet), `closed` or `paid`.
    pub state: &'static str,
    /// The cycle's first day.
    pub period_start: String,
    /// The cycle's last day.
    pub period_end: String,
    /// When it is paid.
    pub payout_date: String,
    /// Currency.
    pub currency: String,
    /// `reverse_tax_invoice`, `forward_fee_invoice` or `withholding`.
    pub taxation: &'static str,
    /// The sums.
    pub totals: TotalsView,
    /// Its tax invoice, once documented.
    pub tax_invoice_id: Option<String>,
    /// The day it was paid.
    pub paid_on: Option<String>,
    /// The payout's reference.
    pub payout_reference: Option<String>,
    /// When it was closed.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<OffsetDateTime>,
}

impl SettlementView {
    fn new(record: &SettlementRecord, open: bool) -> Self {
        SettlementView {
            id: (!open).then(|| record.id.to_string()),
            partner_id: record.partner_id.to_string(),
            state: if open { "open" } else { record.state.as_str() },
            period_start: record.period_start.to_string(),
            period_end: record.period_end.to_string(),
            payout_date: record.payout_date.to_string(),
            currency: record.currency.code().to_owned(),
            taxation: taxation_name(record.taxation),
            totals: totals(record.currency, &record.totals),
            tax_invoice_id: record.tax_invoice_id.as_ref().map(ToString::to_string),
            paid_on: record.payout.as_ref().map(|p| p.paid_on.to_string()),
            payout_reference: record.payout.as_ref().and_then(|p| p.reference.clone()),
            closed_at: (!open).then_some(record.closed_at),
        }
    }
}

impl From<&SettlementRecord> for SettlementView {
    fn from(record: &SettlementRecord) -> Self {
        SettlementView::new(record, false)
    }
}

/// What one transfer added.
#[derive(Serialize, ToSchema)]
pub struct LineView {
    /// The transfer's external id.
    pub external_id: String,
    /// Its kind.
    pub kind: &'static str,
    /// When it happened.
    pub occurred_on: String,
    /// Its order.
    pub order_id: Option<String>,
    /// Sales.
    pub sales: String,
    /// The fee rate applied.
    pub fee_rate: String,
    /// The fee.
    pub fee: String,
    /// The partner's share of the discount.
    pub partner_discount: String,
    /// The platform's share of the discount.
    pub platform_discount: String,
    /// An adjustment's amount.
    pub adjustment: String,
    /// Owed for it.
    pub owed: String,
    /// The closed settlement it corrects (it arrived late, or takes back an order settled
    /// there).
    pub corrects: Option<String>,
}

fn line_view(
    currency: settle_core::currency::Currency,
    transfer: &settle_core::settlement::Transfer,
    line: &SettlementLine,
    corrects: Option<String>,
) -> LineView {
    let a = |v| amount(currency, v);
    LineView {
        external_id: transfer.external_id.clone(),
        kind: transfer.kind.as_str(),
        occurred_on: transfer.occurred_on.to_string(),
        order_id: transfer.order_id.clone(),
        sales: a(line.sales),
        fee_rate: line.fee_rate.to_string(),
        fee: a(line.fee),
        partner_discount: a(line.partner_discount),
        platform_discount: a(line.platform_discount),
        adjustment: a(line.adjustment),
        owed: a(line.owed),
        corrects,
    }
}

/// A settlement with its lines.
#[derive(Serialize, ToSchema)]
pub struct SettlementDetailView {
    /// The settlement.
    #[serde(flatten)]
    pub settlement: SettlementView,
    /// Its transfers, in date order.
    pub lines: Vec<LineView>,
}

fn open_view(planned: &Planned) -> SettlementDetailView {
    let record = &planned.record;
    SettlementDetailView {
        settlement: SettlementView::new(record, true),
        lines: planned
            .transfers
            .iter()
            .zip(&planned.settlement.lines)
            .map(|(transfer, line)| line_view(record.currency, transfer, line, None))
            .collect(),
    }
}

/// What to close.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// Close every cycle that has ended by this day (`YYYY-MM-DD`, before today).
    pub through: String,
    /// Only this partner's (default: every partner's).
    pub partner_id: Option<String>,
}

/// A partner left open, and why.
#[derive(Serialize, ToSchema)]
pub struct CloseFailureView {
    /// The partner.
    pub partner_id: String,
    /// A stable code.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// What a close did.
#[derive(Serialize, ToSchema)]
pub struct CloseView {
    /// The settlements closed.
    pub closed: Vec<SettlementView>,
    /// The partners left open.
    pub failed: Vec<CloseFailureView>,
}

/// Closes every cycle that has ended by `through`, of one partner or of all, in one
/// transaction: each settlement final, its transfers settled, its statement emailed.
#[utoipa::path(post, path = "/v1/settlements/close", tag = "settlement", security(("api_key" = [])),
    request_body = CloseBody,
    responses((status = 200, body = CloseView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "nothing to close for the partner, or closed meanwhile"),
              (status = 422, body = ErrorBody, description = "through is not a past day")))]
pub async fn close(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<CloseBody>,
) -> ApiResult<Json<CloseView>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let through = time::Date::parse(body.through.trim(), format).map_err(|_| {
        settle_app::AppError::invalid(
            "settlement.invalid_date",
            "through",
            "through is a date YYYY-MM-DD",
        )
    })?;
    let report = use_case::close(&state.app, &by, through, body.partner_id.as_deref()).await?;
    Ok(Json(CloseView {
        closed: report.closed.iter().map(SettlementView::from).collect(),
        failed: report
            .failed
            .into_iter()
            .map(|f| CloseFailureView {
                partner_id: f.partner_id,
                code: f.code.to_owned(),
                message: f.message,
            })
            .collect(),
    }))
}

/// List filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only of this partner.
    pub partner_id: Option<String>,
    /// Only paid (`true`) or unpaid (`false`) settlements.
    #[param(value_type = Option<bool>)]
    pub paid: Option<String>,
    /// Only cycles ending on or after this day.
    pub from: Option<String>,
    /// Only cycles ending on or before this day.
    pub to: Option<String>,
}

/// A page of closed settlements, oldest closed first.
#[utoipa::path(get, path = "/v1/settlements", tag = "settlement", security(("api_key" = [])), params(ListQuery),
    responses((status = 200, body = Object, description = "`{data: [SettlementView], next_cursor}`"), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<SettlementView>>> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let filter = SettlementFilter {
        partner_id: query_param(
            "partner_id",
            query.partner_id,
            PartnerId::parse,
            "not a partner id",
        )?,
        state: query_param(
            "paid",
            query.paid,
            |text| match text {
                "true" => Some(SettlementState::Paid),
                "false" => Some(SettlementState::Closed),
                _ => None,
            },
            "paid is true or false",
        )?,
        ends_from: date_param("from", query.from)?,
        ends_through: date_param("to", query.to)?,
        among: None,
    };
    let found = use_case::list(&state.app, &by, &filter, &page).await?;
    Ok(Json(Page {
        data: found.data.iter().map(SettlementView::from).collect(),
        next_cursor: found.next_cursor,
    }))
}

/// One settlement, explained line by line.
#[utoipa::path(get, path = "/v1/settlements/{id}", tag = "settlement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = SettlementDetailView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SettlementDetailView>> {
    let detail = use_case::get(&state.app, &by, &id).await?;
    let currency = detail.record.currency;
    let lines = detail
        .lines
        .iter()
        .map(
            |ExplainedLine {
                 transfer,
                 line,
                 corrects,
                 ..
             }| {
                line_view(
                    currency,
                    transfer,
                    line,
                    corrects.as_ref().map(ToString::to_string),
                )
            },
        )
        .collect();
    Ok(Json(SettlementDetailView {
        settlement: (&detail.record).into(),
        lines,
    }))
}

/// Through which day to look.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpenQuery {
    /// Cycles ending by this day (`YYYY-MM-DD`; default today).
    pub through: Option<String>,
}

/// Open cycles.
#[derive(Serialize, ToSchema)]
pub struct OpenList {
    /// Oldest first, each with its lines.
    pub data: Vec<SettlementDetailView>,
}

/// A partner's cycles with unsettled transfers that end by `through`, as closing them now
/// would settle them (nothing is written).
#[utoipa::path(get, path = "/v1/partners/{id}/settlements/open", tag = "settlement", security(("api_key" = [])),
    params(("id" = String, Path), OpenQuery),
    responses((status = 200, body = OpenList), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "a transfer no contract covers"), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<OpenQuery>,
) -> ApiResult<Json<OpenList>> {
    let through =
        date_param("through", query.through)?.unwrap_or_else(|| use_case::today(&state.app));
    let planned = use_case::open(&state.app, &by, &id, through).await?;
    Ok(Json(OpenList {
        data: planned.iter().map(open_view).collect(),
    }))
}

/// A settlement and its tax invoice.
#[derive(Serialize, ToSchema)]
pub struct DocumentedView {
    /// The settlement.
    pub settlement: SettlementView,
    /// The tax invoice's document key.
    pub document_key: String,
    /// Its state (`requested` for a reverse one, `issued` for a forward one).
    pub tax_invoice_state: &'static str,
    /// Supply amount.
    pub supply_total: String,
    /// Tax.
    pub tax_total: String,
    /// Total.
    pub total: String,
}

/// Makes a closed settlement's tax invoice: reverse for the partner's supply (drafted and
/// requested), or forward for the fees (issued), per its contract.
#[utoipa::path(post, path = "/v1/settlements/{id}/tax-invoice", tag = "settlement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 201, body = DocumentedView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "has one, an individual's, nothing to invoice, not won, or no certificate")))]
pub async fn document(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<DocumentedView>)> {
    let (record, invoice) = use_case::document(&state.app, &by, &id).await?;
    let doc = &invoice.document;
    Ok((
        StatusCode::CREATED,
        Json(DocumentedView {
            settlement: (&record).into(),
            document_key: invoice.document_key.as_str().to_owned(),
            tax_invoice_state: invoice.state.as_str(),
            supply_total: doc.supply_total.to_string(),
            tax_total: doc.tax_total.to_string(),
            total: doc.total.to_string(),
        }),
    ))
}

/// A payout made.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaidBody {
    /// The day the money left (`YYYY-MM-DD`).
    pub paid_on: Option<String>,
    /// The bank's or the platform's reference.
    pub reference: Option<String>,
}

/// Records a closed settlement's payout as made (settle moves no money itself).
#[utoipa::path(post, path = "/v1/settlements/{id}/paid", tag = "settlement", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = PaidBody,
    responses((status = 200, body = SettlementView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "paid already, or nothing to pay"), (status = 422, body = ErrorBody)))]
pub async fn paid(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PaidBody>,
) -> ApiResult<Json<SettlementView>> {
    let record = use_case::mark_paid(&state.app, &by, &id, body.paid_on, body.reference).await?;
    Ok(Json((&record).into()))
}
