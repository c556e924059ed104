//! Platform setup: the tenant's party data (it is the buyer on every reverse-issued
//! invoice) and its NTS link with its joint certificate, whose end is shown, with a
//! warning 30 days before it lapses.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use settle_app::nts_link::{self, TenantPatch};
use settle_app::{AppError, ErrorKind};
use settle_core::access::Right;
use settle_core::tenant::Tenant;

use super::Submitted;
use super::forms::{FieldErrors, Input};
use super::partners::SavedQuery;
use super::{Frame, Staff};
use crate::AppState;
use crate::pages::i18n::Texts;
use crate::pages::replies::Posted;
use crate::pages::views::{RegisteredRow, UploadField};
use crate::routes::upload::certificate_parts;

/// The setup page.
#[derive(Template)]
#[template(path = "workspace/setup.html")]
struct SetupPage {
    t: &'static Texts,
    title: &'static str,
    f: Frame,
    name: String,
    brn: String,
    link_state: &'static str,
    certificate: Option<CertificateRow>,
    upload: Vec<UploadField>,
    inputs: Vec<Input>,
    errors: FieldErrors,
    saved: bool,
    can_write: bool,
}

/// The registered certificate as shown.
struct CertificateRow {
    subject: String,
    not_after: String,
    lapses_soon: bool,
}

/// The party data form.
#[derive(Deserialize, Default)]
pub struct PartyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ceo_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    biz_type: String,
    #[serde(default)]
    biz_item: String,
    #[serde(default, rename = "contact.name")]
    contact_name: String,
    #[serde(default, rename = "contact.email")]
    contact_email: String,
    #[serde(default, rename = "contact.phone")]
    contact_phone: String,
}

impl Posted for PartyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl PartyForm {
    fn of(tenant: &Tenant) -> Self {
        let profile = &tenant.profile;
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        Self {
            csrf: String::new(),
            ceo_name: text(&profile.ceo_name),
            address: text(&profile.address),
            biz_type: text(&profile.biz_type),
            biz_item: text(&profile.biz_item),
            contact_name: text(&profile.contact.name),
            contact_email: text(&profile.contact.email),
            contact_phone: text(&profile.contact.phone),
        }
    }

    /// The API's patch: every field as given (blank clears an optional one).
    fn patch(&self) -> TenantPatch {
        TenantPatch {
            ceo_name: Some(self.ceo_name.clone()),
            address: Some(self.address.clone()),
            biz_type: Some(self.biz_type.clone()),
            biz_item: Some(self.biz_item.clone()),
            contact_name: Some(self.contact_name.clone()),
            contact_email: Some(self.contact_email.clone()),
            contact_phone: Some(self.contact_phone.clone()),
            ..TenantPatch::default()
        }
    }
}

/// What the page shows besides the tenant.
struct Shown<'a> {
    status: StatusCode,
    form: Option<&'a PartyForm>,
    party_error: Option<&'a AppError>,
    upload_error: Option<&'a AppError>,
    saved: bool,
}

async fn page_of(state: &AppState, staff: Staff, shown: Shown<'_>) -> Response {
    let refusal = shown.party_error.or(shown.upload_error);
    if let Some(refusal) = refusal.filter(|e| e.kind == ErrorKind::Forbidden) {
        return staff.refused(refusal);
    }
    let (app, by) = (&state.app, staff.principal());
    let read = async {
        let tenant = nts_link::tenant(app, by).await?;
        let certificate = nts_link::tenant_certificate(app, by).await?;
        Ok::<_, AppError>((tenant, certificate))
    };
    let (tenant, certificate) = match read.await {
        Ok(read) => read,
        Err(error) => return staff.refused(&error),
    };
    let now = app.now();
    let w = staff.ctx.lang.workspace();
    let f = staff.frame(w.setup);
    let t = f.t;
    let stored = PartyForm::of(&tenant);
    let form = shown.form.unwrap_or(&stored);
    let mut inputs = vec![
        Input::text("ceo_name", t.ceo, &form.ceo_name).required(),
        Input::text("address", t.address, &form.address).required(),
        Input::text("biz_type", t.biz_type, &form.biz_type),
        Input::text("biz_item", t.biz_item, &form.biz_item),
        Input::text("contact.name", w.contact_name, &form.contact_name),
        Input::text("contact.email", w.contact_email, &form.contact_email)
            .kind("email")
            .required(),
        Input::text("contact.phone", w.contact_phone, &form.contact_phone).kind("tel"),
    ];
    let errors = shown
        .party_error
        .map_or_else(FieldErrors::none, FieldErrors::of)
        .place(&mut inputs);
    let upload_error = |name: &str| {
        shown
            .upload_error
            .filter(|e| e.field.as_deref().unwrap_or("password") == name)
            .map(|e| format!("{} ({})", e.message, e.code))
    };
    let upload = [
        ("sign_cert", t.sign_cert, "file"),
        ("sign_key", t.sign_key, "file"),
        ("pfx", t.pfx, "file"),
        ("password", t.password, "password"),
    ]
    .into_iter()
    .map(|(name, label, kind)| UploadField {
        name,
        label,
        kind,
        error: upload_error(name),
    })
    .collect();
    let page = SetupPage {
        t,
        title: f.title,
        name: tenant.name.clone(),
        brn: tenant.brn.to_string(),
        link_state: if tenant.nts_linked_at.is_some() {
            w.linked
        } else {
            w.unlinked
        },
        certificate: certificate.map(|c| CertificateRow {
            lapses_soon: c.lapses_soon(now),
            not_after: RegisteredRow::new(c.subject.clone(), c.expires_at).not_after,
            subject: c.subject,
        }),
        upload,
        inputs,
        errors,
        saved: shown.saved,
        can_write: by.roles.allows(Right::ManageTenant),
        f,
    };
    staff.respond(shown.status, &page)
}

/// `GET /app/setup`.
pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Response {
    let saved = query.is_ok_and(|Query(q)| q.is_saved());
    let shown = Shown {
        status: StatusCode::OK,
        form: None,
        party_error: None,
        upload_error: None,
        saved,
    };
    page_of(&state, staff, shown).await
}

/// `POST /app/setup`: saves the party data.
pub async fn save(
    State(state): State<AppState>,
    Submitted(staff, form): Submitted<PartyForm>,
) -> Response {
    match nts_link::update_tenant(&state.app, staff.principal(), form.patch()).await {
        Ok(_) => staff.go("/app/setup?saved=1"),
        Err(error) => {
            let shown = Shown {
                status: crate::error::status_of(error.kind),
                form: Some(&form),
                party_error: Some(&error),
                upload_error: None,
                saved: false,
            };
            page_of(&state, staff, shown).await
        }
    }
}

/// `POST /app/setup/nts-link`: registers the certificate and links the platform.
pub async fn link(State(state): State<AppState>, staff: Staff, request: Request) -> Response {
    let linked = async {
        let parts = super::upload::parts(&state, &staff, request).await?;
        let parts = parts
            .into_iter()
            .filter(|(_, bytes)| !bytes.is_empty())
            .collect();
        let (files, password) = certificate_parts(parts).map_err(|e| e.0)?;
        nts_link::link_tenant(&state.app, staff.principal(), files, &password).await
    };
    match linked.await {
        Ok(_) => staff.go("/app/setup?saved=1"),
        Err(error) => {
            let shown = Shown {
                status: crate::error::status_of(error.kind),
                form: None,
                party_error: None,
                upload_error: Some(&error),
                saved: false,
            };
            page_of(&state, staff, shown).await
        }
    }
}
