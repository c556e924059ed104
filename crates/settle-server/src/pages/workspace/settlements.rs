//! Settlements in the workspace: the closed settlements with their filters, closing the
//! cycles that have ended, and the payout file. The pages of one settlement or partner are
//! in `settlement_forms`; the pieces all of them are made of in `sections`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::pagination::PageRequest;
use settle_app::settlement::{self as use_case, CloseFailure, SettlementFilter};
use settle_app::{AppError, ErrorKind};
use settle_core::access::Right;
use settle_core::display::amount;
use settle_core::ids::PartnerId;
use settle_core::settlement::SettlementState;
use time::Date;

use super::forms::{Input, encode, filled};
use super::invoices::{Cell, TableRow};
use super::{Staff, Submitted};
use crate::AppState;
use crate::pages::replies::Posted;
use crate::routes::billing::{invalid_query, query_param};
use crate::routes::printed::attachment;
use crate::routes::settlement::date_param;

use super::sections::{
    PageForm, Section, partner_names, period, render, state_name, tax_invoice_cell,
    tax_invoice_keys,
};

/// The list's filters and page, as links and the form below it carry them.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    partner_id: Option<String>,
    paid: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    fn request(&self) -> Result<(PageRequest, SettlementFilter), AppError> {
        let page = PageRequest::parse(None, self.cursor.as_deref())?;
        let partner_id = query_param(
            "partner_id",
            self.partner_id.as_deref().and_then(filled),
            PartnerId::parse,
            "not a partner id",
        )
        .map_err(|e| e.0)?;
        let state = query_param(
            "paid",
            self.paid.as_deref().and_then(filled),
            |text| match text {
                "true" => Some(SettlementState::Paid),
                "false" => Some(SettlementState::Closed),
                _ => None,
            },
            "paid is true or false",
        )
        .map_err(|e| e.0)?;
        let filter = SettlementFilter {
            partner_id,
            state,
            ..SettlementFilter::default()
        };
        Ok((page, filter))
    }

    /// The list's address with `paid` (and this query's partner).
    fn with_paid(&self, paid: &str) -> String {
        let partner = self.partner_id.as_deref().unwrap_or_default().trim();
        let mut pairs = Vec::new();
        if !partner.is_empty() {
            pairs.push(("partner_id", partner));
        }
        if !paid.is_empty() {
            pairs.push(("paid", paid));
        }
        if pairs.is_empty() {
            return "/app/settlements".to_owned();
        }
        format!("/app/settlements?{}", encode(&pairs))
    }
}

/// What the list page shows besides the list: what closing did, the forms as they were
/// sent, and a refusal of one of them.
#[derive(Default)]
struct Extras<'a> {
    status: Option<StatusCode>,
    done: Option<String>,
    failures: Vec<CloseFailure>,
    close: CloseForm,
    payout_date: String,
    error: Option<(&'static str, &'a AppError)>,
}

async fn list_page(
    state: &AppState,
    staff: Staff,
    query: &ListQuery,
    extras: Extras<'_>,
) -> Response {
    let w = staff.ctx.lang.workspace();
    let s = &w.settlements;
    let roles = &staff.principal().roles;
    let can_write = roles.allows(Right::WriteInvoices);
    let found = match query.request() {
        Ok((page, filter)) => use_case::list(&state.app, staff.principal(), &filter, &page).await,
        Err(error) => Err(error),
    };
    let (records, next, invalid) = match found {
        Ok(page) => (page.data, page.next_cursor, None),
        Err(error) if error.kind == ErrorKind::Invalid => (Vec::new(), None, Some(error)),
        Err(error) => return staff.refused(&error),
    };
    let partners: Vec<PartnerId> = records.iter().map(|r| r.partner_id.clone()).collect();
    let names = partner_names(state, &staff, &partners).await;
    let keys = tax_invoice_keys(state, &staff, &records).await;
    let rows = records
        .iter()
        .map(|r| TableRow {
            cells: vec![
                Cell::link(
                    period(r.period_start, r.period_end),
                    format!("/app/settlements/{}", r.id),
                ),
                Cell::link(
                    names
                        .get(r.partner_id.as_str())
                        .cloned()
                        .unwrap_or_default(),
                    format!("/app/partners/{}/settlement", r.partner_id),
                ),
                Cell::text(r.payout_date.to_string()),
                Cell::text(r.currency.code()),
                Cell::text(amount(r.currency, r.totals.owed)),
                Cell::text(amount(r.currency, r.totals.payout)),
                Cell::text(state_name(s, r.state)),
                tax_invoice_cell(r, &keys),
            ],
            buttons: Vec::new(),
        })
        .collect();
    let mut links = vec![
        (query.with_paid(""), w.any),
        (query.with_paid("false"), s.unpaid),
        (query.with_paid("true"), s.paid),
    ];
    if let Some(partner) = query.partner_id.as_deref().and_then(filled) {
        links.push((
            format!(
                "/app/partners/{}/settlement",
                super::forms::path_segment(&partner)
            ),
            s.terms_link,
        ));
    }
    if can_write {
        links.push(("/app/transfers/upload".to_owned(), s.upload_transfers));
    }
    let after = next
        .map(|cursor| {
            let partner = query.partner_id.as_deref().unwrap_or_default();
            let paid = query.paid.as_deref().unwrap_or_default();
            let pairs = [("partner_id", partner), ("paid", paid), ("cursor", &cursor)];
            vec![(format!("/app/settlements?{}", encode(&pairs)), w.next_page)]
        })
        .unwrap_or_default();
    let mut sections = Vec::new();
    if !extras.failures.is_empty() {
        let rows = extras
            .failures
            .iter()
            .map(|f| TableRow {
                cells: vec![
                    Cell::link(
                        f.partner_id.clone(),
                        format!("/app/partners/{}/settlement", f.partner_id),
                    ),
                    Cell::text(f.code),
                    Cell::text(f.message.clone()),
                ],
                buttons: Vec::new(),
            })
            .collect();
        sections.push(Section {
            heads: vec![w.partner, s.code, w.problem],
            rows,
            ..Section::titled("failed", s.failed_partners)
        });
    }
    sections.push(Section {
        intro: s.list_intro,
        links,
        heads: vec![
            s.period,
            w.partner,
            s.payout_date,
            w.currency,
            s.owed,
            s.payout,
            staff.ctx.texts().state,
            w.tax_invoice,
        ],
        rows,
        numeric: vec![4, 5],
        empty: w.nothing_found,
        after,
        ..Section::default()
    });
    if can_write {
        let mut form = PageForm::post("close", "/app/settlements/close", s.close);
        form.inputs = vec![
            Input::text("through", s.through, &extras.close.through)
                .kind("date")
                .required(),
            Input::text("partner_id", s.partner_optional, &extras.close.partner_id),
        ];
        sections.push(Section {
            intro: s.close_intro,
            forms: vec![form],
            ..Section::titled("close", s.close_title)
        });
    }
    let mut payouts = PageForm::get("payouts", "/app/settlements/payouts", w.download_csv);
    payouts.inputs = vec![
        Input::text("payout_date", s.payout_date, &extras.payout_date)
            .kind("date")
            .required(),
    ];
    sections.push(Section {
        intro: s.payout_file_intro,
        forms: vec![payouts],
        ..Section::titled("payouts", s.payout_file)
    });
    let (status, error) = match (&invalid, extras.error) {
        (_, Some(error)) => (extras.status.unwrap_or(StatusCode::OK), Some(error)),
        (Some(invalid), None) => (StatusCode::UNPROCESSABLE_ENTITY, Some(("", invalid))),
        (None, None) => (extras.status.unwrap_or(StatusCode::OK), None),
    };
    render(staff, s.title, status, extras.done, sections, error)
}

/// `GET /app/settlements?partner_id=&paid=&cursor=`.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    list_page(&state, staff, &query, Extras::default()).await
}

/// The close form as posted.
#[derive(Deserialize, Default)]
pub struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    through: String,
    #[serde(default)]
    partner_id: String,
}

impl Posted for CloseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A `YYYY-MM-DD` field, as the API reads it.
fn parse_day(field: &str, text: &str) -> Result<Date, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), format).map_err(|_| {
        AppError::invalid(
            "settlement.invalid_date",
            field,
            format!("{field} is a date YYYY-MM-DD"),
        )
    })
}

/// `POST /app/settlements/close`: closes the cycles ended by `through`, of one partner or
/// of all, and shows how many closed and which partners could not be.
pub async fn close(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<CloseForm>,
) -> Response {
    let partner = filled(&form.partner_id);
    let closed = match parse_day("through", &form.through) {
        Ok(through) => {
            use_case::close(&state.app, staff.principal(), through, partner.as_deref()).await
        }
        Err(error) => Err(error),
    };
    let w = staff.ctx.lang.workspace();
    let query = ListQuery::default();
    match closed {
        Ok(report) => {
            let done = w
                .settlements
                .closed_summary
                .replace("{closed}", &report.closed.len().to_string())
                .replace("{failed}", &report.failed.len().to_string());
            let extras = Extras {
                done: Some(done),
                failures: report.failed,
                ..Extras::default()
            };
            list_page(&state, staff, &query, extras).await
        }
        Err(error) => {
            let extras = Extras {
                status: Some(crate::error::status_of(error.kind)),
                close: form,
                error: Some(("close", &error)),
                ..Extras::default()
            };
            list_page(&state, staff, &query, extras).await
        }
    }
}

/// The payout file's query.
#[derive(Deserialize, Default)]
pub struct PayoutQuery {
    payout_date: Option<String>,
}

/// `GET /app/settlements/payouts?payout_date=`: the payout file as a CSV attachment; a
/// refusal shows the list with the error at the form.
pub async fn payout_file(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<PayoutQuery>, QueryRejection>,
) -> Response {
    let asked = query.map(|Query(q)| q).unwrap_or_default();
    let shown = asked.payout_date.clone().unwrap_or_default();
    let made = async {
        let day = date_param("payout_date", asked.payout_date.as_deref().and_then(filled))
            .and_then(|day| {
                day.ok_or_else(|| {
                    invalid_query("payout_date", "payout_date is required (YYYY-MM-DD)")
                })
            })
            .map_err(|e| e.0)?;
        let (bytes, _, _) = use_case::payout_file(&state.app, staff.principal(), day).await?;
        Ok::<_, AppError>((day, bytes))
    };
    match made.await {
        Ok((day, bytes)) => attachment(
            "text/csv; charset=utf-8",
            &format!("payouts-{day}.csv"),
            bytes,
        ),
        Err(error) => {
            let extras = Extras {
                status: Some(crate::error::status_of(error.kind)),
                payout_date: shown,
                error: Some(("payouts", &error)),
                ..Extras::default()
            };
            list_page(&state, staff, &ListQuery::default(), extras).await
        }
    }
}
