//! A partner's settlement terms in the workspace: its contracts and the form that adds one,
//! its bank account (only the last digits shown) and the form that sets it, and its cycles
//! that have ended but are not closed, line by line.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::settlement::{self as use_case, BankAccountView, Planned};
use settle_app::{AppError, ErrorKind};
use settle_core::access::Right;
use settle_core::display::{amount, plain};
use settle_core::money::{DecimalInput, parse_decimal};
use settle_core::settlement::{BankAccountInput, ContractInput, ContractRecord};
use settle_core::validation::FieldError;

use super::forms::{Input, filled, path_segment};
use super::invoices::{Cell, TableRow};
use super::partners::SavedQuery;
use super::sections::{
    Fact, LINE_AMOUNTS, PageForm, Section, line_heads, line_row, period, render, total_facts,
};
use super::texts::SettlementTexts;
use super::{Staff, Submitted};
use crate::AppState;
use crate::pages::replies::Posted;
use crate::routes::settlement::contracts::ContractView;

/// The contract form as posted; inputs are named like the API's fields.
#[derive(Deserialize, Default)]
pub struct ContractForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    fee_rate: String,
    #[serde(default)]
    fixed_fee_per_order: String,
    #[serde(default)]
    partner_discount_share: String,
    #[serde(default)]
    cycle: String,
    #[serde(default)]
    payout_day: String,
    #[serde(default)]
    taxation: String,
    #[serde(default)]
    income_tax_rate: String,
}

impl Posted for ContractForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl ContractForm {
    /// The contract as the use case takes it; a number that does not read is refused on
    /// its field, every one at once.
    fn input(&self, partner: &str) -> Result<ContractInput, AppError> {
        let mut errors = Vec::new();
        let mut decimal = |field: &str, text: &str| {
            let text = filled(text)?;
            match parse_decimal(&text.replace(',', "")) {
                Ok(value) => Some(DecimalInput(value)),
                Err(_) => {
                    errors.push(FieldError::new(
                        "request.invalid_field",
                        field,
                        format!("{field} is not a decimal number"),
                    ));
                    None
                }
            }
        };
        let fee_rate = decimal("fee_rate", &self.fee_rate);
        let fixed_fee_per_order = decimal("fixed_fee_per_order", &self.fixed_fee_per_order);
        let partner_discount_share =
            decimal("partner_discount_share", &self.partner_discount_share);
        let income_tax_rate = decimal("income_tax_rate", &self.income_tax_rate);
        let payout_day = filled(&self.payout_day).and_then(|text| match text.parse::<u8>() {
            Ok(day) => Some(day),
            Err(_) => {
                errors.push(FieldError::new(
                    "request.invalid_field",
                    "payout_day",
                    "payout_day is a whole number",
                ));
                None
            }
        });
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        Ok(ContractInput {
            partner_id: Some(partner.to_owned()),
            effective_from: filled(&self.effective_from),
            currency: filled(&self.currency).map(|c| c.to_ascii_uppercase()),
            fee_rate,
            category_fee_rates: None,
            product_fee_rates: None,
            fixed_fee_per_order,
            partner_discount_share,
            cycle: filled(&self.cycle),
            payout_day,
            taxation: filled(&self.taxation),
            income_tax_rate,
        })
    }
}

/// The bank account form as posted.
#[derive(Deserialize, Default)]
pub struct BankForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    bank_code: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    holder: String,
}

impl Posted for BankForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// What the partner's forms carried, and the refusal of one of them.
#[derive(Default)]
struct Sent<'a> {
    contract: ContractForm,
    bank: BankForm,
    saved: bool,
    failed: Option<(&'static str, &'a AppError)>,
}

fn cycle_choices(s: &SettlementTexts) -> Vec<(&'static str, &'static str)> {
    vec![
        ("monthly", s.cycles[2]),
        ("weekly", s.cycles[1]),
        ("daily", s.cycles[0]),
    ]
}

fn taxation_choices(s: &SettlementTexts) -> Vec<(&'static str, &'static str)> {
    vec![
        ("reverse_tax_invoice", s.taxations[0]),
        ("forward_fee_invoice", s.taxations[1]),
        ("withholding", s.taxations[2]),
    ]
}

/// The words for an API name among `choices`.
fn word(choices: &[(&'static str, &'static str)], name: &str) -> String {
    choices
        .iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| name.to_owned(), |(_, w)| (*w).to_owned())
}

fn contract_row(s: &SettlementTexts, record: &ContractRecord) -> TableRow {
    let view = ContractView::from(record);
    let c = &record.contract;
    let others: Vec<String> = c
        .fee
        .category_rates
        .iter()
        .chain(&c.fee.product_rates)
        .map(|(name, rate)| format!("{name} {}", plain(*rate)))
        .collect();
    TableRow {
        cells: vec![
            Cell::text(view.effective_from),
            Cell::text(view.currency),
            Cell::text(plain(c.fee.rate)),
            Cell::text(amount(c.currency, c.fee.fixed_per_order)),
            Cell::text(plain(c.partner_discount_share)),
            Cell::text(others.join(", ")),
            Cell::text(word(&cycle_choices(s), view.cycle)),
            Cell::text(view.payout_day.to_string()),
            Cell::text(word(&taxation_choices(s), view.taxation)),
            Cell::text(view.income_tax_rate.unwrap_or_default()),
        ],
        buttons: Vec::new(),
    }
}

/// A cycle that would close now, with its lines.
fn open_section(w: &'static super::WorkspaceTexts, index: usize, planned: &Planned) -> Section {
    let s = &w.settlements;
    let record = &planned.record;
    let mut facts = vec![
        Fact::new(s.payout_date, record.payout_date.to_string()),
        Fact::new(w.currency, record.currency.code()),
    ];
    facts.extend(total_facts(w, record));
    let rows = planned
        .transfers
        .iter()
        .zip(&planned.settlement.lines)
        .map(|(transfer, line)| line_row(s, record.currency, transfer, line, None))
        .collect();
    Section {
        facts,
        heads: line_heads(w),
        rows,
        numeric: LINE_AMOUNTS.to_vec(),
        ..Section::titled(
            &format!("open-{index}"),
            format!(
                "{} {}",
                s.open_cycles,
                period(record.period_start, record.period_end)
            ),
        )
    }
}

/// The form that adds a contract, with what was sent.
fn contract_form(w: &'static super::WorkspaceTexts, base: &str, f: &ContractForm) -> PageForm {
    let s = &w.settlements;
    let or = |value: &str, default: &str| {
        if value.is_empty() {
            default.to_owned()
        } else {
            value.to_owned()
        }
    };
    let mut form = PageForm::post(
        "contract",
        format!("{base}/settlement/contracts"),
        s.add_contract,
    );
    form.inputs = vec![
        Input::text("effective_from", s.effective_from, &f.effective_from)
            .kind("date")
            .required(),
        Input::text("currency", w.currency, or(&f.currency, "KRW")).required(),
        Input::text("fee_rate", s.fee_rate_input, &f.fee_rate).required(),
        Input::text("fixed_fee_per_order", s.fixed_fee, &f.fixed_fee_per_order),
        Input::text(
            "partner_discount_share",
            s.discount_share_input,
            &f.partner_discount_share,
        ),
        Input::text("cycle", s.cycle, or(&f.cycle, "monthly")),
        Input::text("payout_day", s.payout_day_input, &f.payout_day)
            .kind("number")
            .required(),
        Input::text(
            "taxation",
            s.taxation,
            or(&f.taxation, "reverse_tax_invoice"),
        ),
        Input::text(
            "income_tax_rate",
            s.income_tax_rate_input,
            &f.income_tax_rate,
        ),
    ];
    form.choices = vec![
        ("cycle", cycle_choices(s)),
        ("taxation", taxation_choices(s)),
    ];
    form
}

/// The partner's bank account, only its last digits shown, and the form that sets it for
/// those who may (with what they sent).
fn bank_section(
    s: &'static SettlementTexts,
    base: &str,
    account: Option<BankAccountView>,
    form: Option<&BankForm>,
) -> Section {
    let mut section = Section::titled("bank-account", s.bank_account);
    match account {
        Some(account) => {
            section.facts = vec![
                Fact::new(s.bank_code, account.bank_code),
                Fact::new(s.holder, account.holder),
                Fact::new(s.account, format!("····{}", account.account_last4)),
            ];
        }
        None => section.intro = s.no_bank_account,
    }
    if let Some(f) = form {
        let mut form = PageForm::post(
            "bank",
            format!("{base}/settlement/bank-account"),
            s.save_bank_account,
        );
        form.inputs = vec![
            Input::text("bank_code", s.bank_code, &f.bank_code).required(),
            Input::text("account", s.account, &f.account).required(),
            Input::text("holder", s.holder, &f.holder).required(),
        ];
        section.forms.push(form);
    }
    section
}

async fn partner_page(state: &AppState, staff: Staff, id: &str, sent: Sent<'_>) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let read = async {
        let partner = settle_app::partners::get(app, by, id).await?;
        let contracts = use_case::contracts(app, by, id).await?;
        Ok::<_, AppError>((partner, contracts))
    };
    let (partner, contracts) = match read.await {
        Ok(read) => read,
        Err(error) => return staff.refused(&error),
    };
    let bank = match use_case::bank_account(app, by, id).await {
        Ok(account) => Some(Some(account)),
        Err(error) if error.kind == ErrorKind::NotFound => Some(None),
        Err(error) if error.kind == ErrorKind::Forbidden => None,
        Err(error) => return staff.refused(&error),
    };
    let open = use_case::open(app, by, id, use_case::today(app)).await;
    let w = staff.ctx.lang.workspace();
    let s = &w.settlements;
    let base = format!("/app/partners/{}", partner.id);
    let mut sections = vec![Section {
        facts: vec![Fact::link(w.partner, partner.data.name.clone(), &base)],
        links: vec![(
            format!(
                "/app/settlements?partner_id={}",
                path_segment(partner.id.as_str())
            ),
            s.closed_of_partner,
        )],
        ..Section::default()
    }];

    sections.push(Section {
        intro: s.contracts_intro,
        heads: vec![
            s.effective_from,
            w.currency,
            s.fee_rate,
            s.fixed_fee,
            s.discount_share,
            s.other_rates,
            s.cycle,
            s.payout_day,
            s.taxation,
            s.income_tax_rate,
        ],
        rows: contracts.iter().map(|r| contract_row(s, r)).collect(),
        numeric: vec![3],
        empty: w.nothing_found,
        ..Section::titled("contracts", s.contracts)
    });
    if by.roles.allows(Right::WriteInvoices) {
        sections.push(Section {
            forms: vec![contract_form(w, &base, &sent.contract)],
            ..Section::default()
        });
    }
    if let Some(account) = bank {
        let can_write = by.roles.allows(Right::WritePartners);
        sections.push(bank_section(
            s,
            &base,
            account,
            can_write.then_some(&sent.bank),
        ));
    }

    let (cycles, open_error) = match open {
        Ok(cycles) => (cycles, None),
        Err(error) => (Vec::new(), Some(error)),
    };
    sections.push(Section {
        intro: s.open_intro,
        empty: if cycles.is_empty() && open_error.is_none() {
            w.nothing_found
        } else {
            ""
        },
        ..Section::titled("open", s.open_cycles)
    });
    sections.extend(
        cycles
            .iter()
            .enumerate()
            .map(|(i, planned)| open_section(w, i, planned)),
    );

    let failed = sent.failed.or_else(|| open_error.as_ref().map(|e| ("", e)));
    let status = failed.map_or(StatusCode::OK, |(_, e)| crate::error::status_of(e.kind));
    let done = sent.saved.then(|| w.saved.to_owned());
    render(staff, s.terms, status, done, sections, failed)
}

/// `GET /app/partners/{id}/settlement`.
pub async fn partner(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Response {
    let sent = Sent {
        saved: query.is_ok_and(|Query(q)| q.is_saved()),
        ..Sent::default()
    };
    partner_page(&state, staff, &id, sent).await
}

/// `POST /app/partners/{id}/settlement/contracts`: adds a contract from its first day.
pub async fn add_contract(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, form): Submitted<ContractForm>,
) -> Response {
    let created = match form.input(&id) {
        Ok(input) => use_case::create_contract(&state.app, staff.principal(), input).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(record) => staff.go(&format!(
            "/app/partners/{}/settlement?saved=1",
            record.contract.partner_id
        )),
        Err(error) => {
            let sent = Sent {
                contract: form,
                failed: Some(("contract", &error)),
                ..Sent::default()
            };
            partner_page(&state, staff, &id, sent).await
        }
    }
}

/// `POST /app/partners/{id}/settlement/bank-account`: sets where the payouts go.
pub async fn set_bank_account(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, form): Submitted<BankForm>,
) -> Response {
    let input = BankAccountInput {
        bank_code: filled(&form.bank_code),
        account: filled(&form.account),
        holder: filled(&form.holder),
    };
    match use_case::set_bank_account(&state.app, staff.principal(), &id, input).await {
        Ok(account) => staff.go(&format!(
            "/app/partners/{}/settlement?saved=1",
            account.partner_id
        )),
        Err(error) => {
            let sent = Sent {
                bank: form,
                failed: Some(("bank", &error)),
                ..Sent::default()
            };
            partner_page(&state, staff, &id, sent).await
        }
    }
}
