//! Partners in the workspace: the list with search and filters, the form to create and
//! edit (a stale edit is refused like the API's), linking with the NTS, and the CSV/XLSX
//! import with its per-row report.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::{AppError, ErrorKind};
use settle_core::access::Right;
use settle_core::partner::{NtsLink, Partner, PartnerInput, PartnerType};
use settle_core::upload::UploadKind;

use super::Submitted;
use super::forms::{ButtonForm, FieldErrors, Input, encode, filled};
use super::{Frame, Staff, WorkspaceTexts};
use crate::AppState;
use crate::pages::i18n::Texts;
use crate::pages::replies::Posted;
use crate::routes::partners::ListQuery;

/// The list page.
#[derive(Template)]
#[template(path = "workspace/partners.html")]
struct ListPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    q: String,
    nts_link: String,
    tag: String,
    link_options: Vec<(&'static str, &'static str)>,
    rows: Vec<PartnerRow>,
    next: Option<String>,
    can_write: bool,
}

/// A partner in the list.
struct PartnerRow {
    id: String,
    name: String,
    brn: String,
    contact: String,
    link: &'static str,
    tags: String,
}

/// The list's filters as the form sends them (blank means any).
#[derive(Deserialize, Default)]
pub struct ListForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    nts_link: String,
    #[serde(default)]
    tag: String,
    cursor: Option<String>,
}

/// `GET /app/partners`.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ListForm>, QueryRejection>,
) -> Response {
    let form = query.map(|Query(form)| form).unwrap_or_default();
    let asked = ListQuery {
        q: filled(&form.q),
        nts_link: filled(&form.nts_link),
        tag: filled(&form.tag),
        cursor: form.cursor.clone(),
        ..ListQuery::default()
    };
    let found = match asked.into_request() {
        Ok((page, filter)) => {
            settle_app::partners::list(&state.app, staff.principal(), &filter, &page).await
        }
        Err(error) => Err(error),
    };
    let page = match found {
        Ok(page) => page,
        Err(error) => return staff.refused(&error),
    };
    let w = staff.ctx.lang.workspace();
    let f = staff.frame(w.partners);
    let next = page.next_cursor.map(|cursor| {
        let query = [
            ("q", form.q.as_str()),
            ("nts_link", form.nts_link.as_str()),
            ("tag", form.tag.as_str()),
            ("cursor", cursor.as_str()),
        ];
        format!("/app/partners?{}", encode(&query))
    });
    let list = ListPage {
        t: f.t,
        title: f.title,
        can_write: staff.principal().roles.allows(Right::WritePartners),
        rows: page.data.iter().map(|p| row(w, p)).collect(),
        link_options: vec![("", w.any), ("linked", w.linked), ("unlinked", w.unlinked)],
        q: form.q,
        nts_link: form.nts_link,
        tag: form.tag,
        next,
        f,
    };
    staff.respond(StatusCode::OK, &list)
}

fn row(w: &WorkspaceTexts, partner: &Partner) -> PartnerRow {
    PartnerRow {
        id: partner.id.to_string(),
        name: partner.data.name.clone(),
        brn: partner
            .data
            .brn
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        contact: format!(
            "{} <{}>",
            partner.data.contact.name, partner.data.contact.email
        ),
        link: link_state(w, partner),
        tags: partner.data.tags.join(", "),
    }
}

fn link_state(w: &WorkspaceTexts, partner: &Partner) -> &'static str {
    match partner.nts_link {
        NtsLink::Unlinked => w.unlinked,
        NtsLink::Linked { .. } => w.linked,
    }
}

/// The create and edit form.
#[derive(Template)]
#[template(path = "workspace/partner_form.html")]
struct FormPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    action: String,
    version: i64,
    partner_type: String,
    type_options: Vec<(&'static str, &'static str)>,
    language: String,
    language_options: [(&'static str, &'static str); 2],
    inputs: Vec<Input>,
    errors: FieldErrors,
    saved: bool,
    can_write: bool,
    link_state: Option<&'static str>,
    link_action: String,
    link_button: &'static str,
    billing_links: Option<String>,
    agents: Vec<(String, String, bool)>,
    agent_base: String,
    entrusted: Option<(String, String, String)>,
}

/// The partner form as posted; inputs are named like the API's fields.
#[derive(Deserialize, Default, Clone)]
pub struct PartnerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    partner_type: String,
    #[serde(default)]
    brn: String,
    #[serde(default)]
    sub_business_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    ceo_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    biz_type: String,
    #[serde(default)]
    biz_item: String,
    #[serde(default)]
    external_id: String,
    #[serde(default, rename = "contact.name")]
    contact_name: String,
    #[serde(default, rename = "contact.email")]
    contact_email: String,
    #[serde(default, rename = "contact.phone")]
    contact_phone: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    language: String,
}

impl Posted for PartnerForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl PartnerForm {
    fn of(partner: &Partner) -> Self {
        let data = &partner.data;
        Self {
            csrf: String::new(),
            version: partner.version,
            partner_type: data.partner_type.as_str().to_owned(),
            brn: data
                .brn
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            sub_business_id: data.sub_business_id.clone().unwrap_or_default(),
            name: data.name.clone(),
            ceo_name: data.ceo_name.clone(),
            address: data.address.clone(),
            biz_type: data.biz_type.clone(),
            biz_item: data.biz_item.clone(),
            external_id: data.external_id.clone().unwrap_or_default(),
            contact_name: data.contact.name.clone(),
            contact_email: data.contact.email.clone(),
            contact_phone: data.contact.phone.clone().unwrap_or_default(),
            tags: data.tags.join(", "),
            language: data.language.as_str().to_owned(),
        }
    }

    /// The API's input: blank fields are absent, tags are comma-separated.
    fn input(&self) -> PartnerInput {
        let tags: Vec<String> = self.tags.split(',').filter_map(filled).collect();
        PartnerInput {
            brn: filled(&self.brn),
            sub_business_id: filled(&self.sub_business_id),
            name: filled(&self.name),
            ceo_name: filled(&self.ceo_name),
            address: filled(&self.address),
            biz_type: filled(&self.biz_type),
            biz_item: filled(&self.biz_item),
            partner_type: filled(&self.partner_type),
            external_id: filled(&self.external_id),
            contact_name: filled(&self.contact_name),
            contact_email: filled(&self.contact_email),
            contact_phone: filled(&self.contact_phone),
            tags: Some(tags),
            language: filled(&self.language),
        }
    }

    fn inputs(&self, t: &Texts, w: &WorkspaceTexts) -> Vec<Input> {
        vec![
            Input::text("brn", t.reg_no, &self.brn),
            Input::text("sub_business_id", t.sub_id, &self.sub_business_id),
            Input::text("name", t.company, &self.name).required(),
            Input::text("ceo_name", t.ceo, &self.ceo_name),
            Input::text("address", t.address, &self.address).required(),
            Input::text("biz_type", t.biz_type, &self.biz_type),
            Input::text("biz_item", t.biz_item, &self.biz_item),
            Input::text("contact.name", w.contact_name, &self.contact_name).required(),
            Input::text("contact.email", w.contact_email, &self.contact_email)
                .kind("email")
                .required(),
            Input::text("contact.phone", w.contact_phone, &self.contact_phone).kind("tel"),
            Input::text("external_id", w.external_id, &self.external_id),
            Input::text("tags", w.tags_hint, &self.tags),
        ]
    }
}

/// What the form page shows besides the form.
struct Shown<'a> {
    partner: Option<&'a Partner>,
    status: StatusCode,
    error: Option<&'a AppError>,
    saved: bool,
    /// The sales agents (users whose only role is sales agent), each with whether the
    /// partner is assigned to it; shown to user admins.
    agents: Vec<(String, String, bool)>,
}

fn form_page(staff: Staff, form: &PartnerForm, shown: Shown<'_>) -> Response {
    if let Some(refusal) = shown.error.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let w = staff.ctx.lang.workspace();
    let title = if shown.partner.is_some() {
        w.edit_partner
    } else {
        w.new_partner
    };
    let f = staff.frame(title);
    let mut inputs = form.inputs(f.t, w);
    let errors = shown
        .error
        .map_or_else(FieldErrors::none, FieldErrors::of)
        .place(&mut inputs);
    let (action, link_action, link_button, state) = match shown.partner {
        Some(partner) => {
            let id = &partner.id;
            let linked = matches!(partner.nts_link, NtsLink::Linked { .. });
            let (path, button) = if linked {
                ("nts-unlink", w.unlink)
            } else {
                ("nts-link", w.link)
            };
            (
                format!("/app/partners/{id}"),
                format!("/app/partners/{id}/{path}"),
                button,
                Some(link_state(w, partner)),
            )
        }
        None => ("/app/partners".to_owned(), String::new(), "", None),
    };
    let page = FormPage {
        t: f.t,
        title: f.title,
        action,
        version: form.version,
        partner_type: form.partner_type.clone(),
        type_options: PartnerType::ALL
            .iter()
            .map(|kind| (kind.as_str(), w.partner_type_name(*kind)))
            .collect(),
        language: form.language.clone(),
        language_options: [("ko", "한국어"), ("en", "English")],
        inputs,
        errors,
        saved: shown.saved,
        can_write: staff.principal().roles.allows(Right::WritePartners),
        link_state: state,
        agent_base: shown
            .partner
            .map(|p| format!("/app/partners/{}/agents", p.id))
            .unwrap_or_default(),
        agents: shown.agents,
        entrusted: shown.partner.map(|p| {
            let contact = &p.data.contact;
            let phone = contact.phone.clone().unwrap_or_default();
            (contact.name.clone(), contact.email.clone(), phone)
        }),
        billing_links: shown
            .partner
            .filter(|_| staff.principal().roles.allows(Right::ReadInvoices))
            .map(|p| format!("/app/partners/{}", p.id)),
        link_action,
        link_button,
        f,
    };
    staff.respond(shown.status, &page)
}

/// For a user admin: every active sales agent (id, email) and whether `partner` is
/// assigned to it. Empty for everyone else.
async fn sales_agents(
    state: &AppState,
    staff: &Staff,
    partner: &Partner,
) -> Vec<(String, String, bool)> {
    let (app, by) = (&state.app, staff.principal());
    if !by.roles.allows(Right::ManageUsers) {
        return Vec::new();
    }
    let Ok(users) = settle_app::users::list(app, by).await else {
        return Vec::new();
    };
    let mut agents = Vec::new();
    for user in users
        .iter()
        .filter(|u| u.disabled_at.is_none() && u.roles.sees_assigned_partners_only())
    {
        let id = user.id.to_string();
        let assigned = settle_app::users::assigned_partners(app, by, &id)
            .await
            .is_ok_and(|ids| ids.contains(&partner.id));
        agents.push((id, user.email.clone(), assigned));
    }
    agents
}

/// `POST /app/partners/{id}/agents/{user}/{assign|unassign}`.
pub async fn assign(
    State(state): State<AppState>,
    Path((id, user, action)): Path<(String, String, String)>,
    Submitted(staff, _): Submitted<ButtonForm>,
) -> Response {
    let assigned = match action.as_str() {
        "assign" => true,
        "unassign" => false,
        _ => return staff.refused(&AppError::not_found("action")),
    };
    let done =
        settle_app::users::assign_partner(&state.app, staff.principal(), &user, &id, assigned)
            .await;
    match done {
        Ok(_) => staff.go(&format!("/app/partners/{id}")),
        Err(error) => staff.refused(&error),
    }
}

/// `GET /app/partners/new`.
pub async fn new_form(staff: Staff) -> Response {
    if let Err(error) = staff.principal().require(Right::WritePartners) {
        return staff.refused(&error);
    }
    let form = PartnerForm {
        partner_type: "business".into(),
        language: "ko".into(),
        ..PartnerForm::default()
    };
    let shown = Shown {
        partner: None,
        status: StatusCode::OK,
        error: None,
        saved: false,
        agents: Vec::new(),
    };
    form_page(staff, &form, shown)
}

/// `POST /app/partners`: creates, then shows the partner.
pub async fn create(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<PartnerForm>,
) -> Response {
    match settle_app::partners::create(&state.app, staff.principal(), form.input()).await {
        Ok(partner) => staff.go(&format!("/app/partners/{}?saved=1", partner.id)),
        Err(error) => {
            let shown = Shown {
                partner: None,
                status: crate::error::status_of(error.kind),
                error: Some(&error),
                saved: false,
                agents: Vec::new(),
            };
            form_page(staff, &form, shown)
        }
    }
}

/// Whether a page was reached right after saving.
#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

impl SavedQuery {
    /// Whether the page follows a save.
    pub fn is_saved(&self) -> bool {
        self.saved.is_some()
    }
}

/// `GET /app/partners/{id}`: the partner's form, its NTS link.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    staff: Staff,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Response {
    let saved = query.is_ok_and(|Query(q)| q.is_saved());
    match settle_app::partners::get(&state.app, staff.principal(), &id).await {
        Ok(partner) => {
            let agents = sales_agents(&state, &staff, &partner).await;
            let shown = Shown {
                partner: Some(&partner),
                status: StatusCode::OK,
                error: None,
                saved,
                agents,
            };
            form_page(staff, &PartnerForm::of(&partner), shown)
        }
        Err(error) => staff.refused(&error),
    }
}

/// `POST /app/partners/{id}`: saves the edit made on version `version`.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, form): Submitted<PartnerForm>,
) -> Response {
    let app = &state.app;
    let by = staff.principal();
    match settle_app::partners::update(app, by, &id, form.input(), form.version).await {
        Ok(partner) => staff.go(&format!("/app/partners/{}?saved=1", partner.id)),
        Err(error) => match settle_app::partners::get(app, by, &id).await {
            Ok(partner) => {
                let shown = Shown {
                    partner: Some(&partner),
                    status: crate::error::status_of(error.kind),
                    error: Some(&error),
                    saved: false,
                    agents: Vec::new(),
                };
                form_page(staff, &form, shown)
            }
            Err(missing) => staff.refused(&missing),
        },
    }
}

/// `POST /app/partners/{id}/nts-link`.
pub async fn link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, _): Submitted<ButtonForm>,
) -> Response {
    press(state, id, staff, true).await
}

/// `POST /app/partners/{id}/nts-unlink`.
pub async fn unlink(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted(staff, _): Submitted<ButtonForm>,
) -> Response {
    press(state, id, staff, false).await
}

async fn press(state: AppState, id: String, staff: Staff, linking: bool) -> Response {
    let (app, by) = (&state.app, staff.principal());
    let done = if linking {
        settle_app::nts_link::link_partner(app, by, &id).await
    } else {
        settle_app::nts_link::unlink_partner(app, by, &id).await
    };
    match done {
        Ok(partner) => staff.go(&format!("/app/partners/{}", partner.id)),
        Err(error) => staff.refused(&error),
    }
}

/// `GET /app/partners/import`.
pub async fn import_form(staff: Staff) -> Response {
    super::uploads::form(staff, UploadKind::Partners, StatusCode::OK, None)
}

/// `POST /app/partners/import`: stores the file and shows its progress.
pub async fn import(State(state): State<AppState>, staff: Staff, request: Request) -> Response {
    super::uploads::send(state, staff, request, UploadKind::Partners).await
}
