//! `settle demo`: a demo tenant with a handful of partners, made idempotently, a fresh
//! key to look at them with, a demo user whose password is printed, tax invoices in every
//! state and a billed, credited, rebilled and partly paid period (made once), and a fresh
//! requested tax invoice whose supplier link and certificate files let a person approve it.

mod billing;
mod issuance;
mod states;

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use settle_core::access::Roles;
use settle_core::ids::{TenantId, UserId};
use settle_core::partner::{Partner, PartnerInput};
use settle_core::user::UserRecord;
use settle_store::{api_keys, partners, tenants, users};

pub use issuance::{CERTIFICATE_PASSWORD, DemoRequest};

use crate::auth::generate_key;
use crate::tenants::create;
use crate::{App, AppError, audit};

/// The demo user's sign-in email.
pub const DEMO_USER: &str = "demo@settle.localhost";

/// The demo tenant's name.
pub const DEMO_TENANT: &str = "settle demo platform";
const DEMO_BRN: &str = "220-81-62517";

/// What the demo made.
pub struct Demo {
    /// The tenant id.
    pub tenant_id: String,
    /// A new key holding every role.
    pub api_key: String,
    /// Partners the tenant has now.
    pub partners: i64,
    /// The demo user's email.
    pub user_email: String,
    /// The demo user's password, new on every run.
    pub user_password: String,
    /// A requested tax invoice waiting for its supplier.
    pub request: DemoRequest,
}

/// (brn, company, representative, address, business type, item, contact, email)
type DemoPartner = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const PARTNERS: [DemoPartner; 5] = [
    (
        "120-81-47521",
        "주식회사 한빛상회",
        "김한빛",
        "서울특별시 중구 세종대로 110",
        "도소매",
        "생활용품",
        "이정산",
        "tax@hanbit.example",
    ),
    (
        "214-86-39108",
        "(주)바다수산",
        "박바다",
        "부산광역시 해운대구 센텀중앙로 79",
        "도매",
        "수산물",
        "최회계",
        "account@bada.example",
    ),
    (
        "314-81-77009",
        "산들공방",
        "정산들",
        "대전광역시 유성구 대학로 99",
        "제조",
        "목공예품",
        "정산들",
        "sandeul@sandeul.example",
    ),
    (
        "605-86-21541",
        "주식회사 푸른코드",
        "오푸른",
        "경기도 성남시 분당구 판교역로 235",
        "서비스",
        "소프트웨어 개발",
        "한세금",
        "billing@pureun.example",
    ),
    (
        "107-87-90314",
        "별빛디자인",
        "윤별빛",
        "서울특별시 마포구 월드컵북로 396",
        "서비스",
        "디자인",
        "윤별빛",
        "hello@byeolbit.example",
    ),
];

/// Makes (or finds) the demo tenant, adds the demo partners it lacks, a new key, the demo
/// user with a new password, and a requested invoice; the supplier's certificate files
/// go under `dir`.
pub async fn seed(app: &App, dir: &Path) -> Result<Demo, AppError> {
    let existing = {
        let mut conn = app.store.read().await?;
        tenants::find_by_name(&mut conn, DEMO_TENANT).await?
    };
    let (tenant_id, api_key) = match existing {
        Some(tenant) => {
            let key = generate_key(app, &tenant.id, Roles::all(), Some("demo".to_owned()));
            let mut tx = app.store.write().await?;
            api_keys::insert(&mut tx, &key.record).await?;
            tx.commit().await?;
            (tenant.id, key.token)
        }
        None => {
            let created = create(app, DEMO_TENANT, DEMO_BRN).await?;
            (created.tenant.id, created.api_key)
        }
    };
    let now = app.now();
    let mut fresh = Vec::new();
    for (brn, name, ceo, address, biz_type, biz_item, contact, email) in PARTNERS {
        let input = PartnerInput {
            brn: Some(brn.into()),
            name: Some(name.into()),
            ceo_name: Some(ceo.into()),
            address: Some(address.into()),
            biz_type: Some(biz_type.into()),
            biz_item: Some(biz_item.into()),
            contact_name: Some(contact.into()),
            contact_email: Some(email.into()),
            tags: Some(vec!["demo".into()]),
            ..PartnerInput::default()
        };
        let data = input.validate().map_err(AppError::validation)?;
        fresh.push(Partner::new(tenant_id.clone(), data, now));
    }
    let mut tx = app.store.write().await?;
    let stored = partners::insert_many(&mut tx, &fresh).await?;
    if !stored.is_empty() {
        let data = serde_json::json!({ "created": stored.len() });
        let event = audit(
            &tenant_id,
            "cli",
            "partners.imported",
            ("tenant", tenant_id.as_str()),
            data,
            now,
        );
        crate::webhooks::record(&mut tx, &event).await?;
    }
    tx.commit().await?;
    let user_password = demo_user(app, &tenant_id).await?;
    let request = issuance::request_demo_invoice(app, &tenant_id, PARTNERS[0].0, dir).await?;
    billing::fill_once(app, &tenant_id, PARTNERS[2].0).await?;
    let count = {
        let mut conn = app.store.read().await?;
        partners::count(&mut conn, &tenant_id).await?
    };
    Ok(Demo {
        tenant_id: tenant_id.to_string(),
        api_key,
        partners: count,
        user_email: DEMO_USER.to_owned(),
        user_password,
        request,
    })
}

/// Makes the demo user with every role if it is missing, and gives it a new password.
async fn demo_user(app: &App, tenant: &TenantId) -> Result<String, AppError> {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    let password = URL_SAFE_NO_PAD.encode(bytes);
    let mut tx = app.store.write().await?;
    let id = match users::find_by_email(&mut tx, DEMO_USER).await? {
        Some(user) => user.id,
        None => {
            let user = UserRecord {
                id: UserId::generate(),
                tenant_id: tenant.clone(),
                email: DEMO_USER.to_owned(),
                password_hash: None,
                roles: Roles::all(),
                failed_logins: 0,
                locked_until: None,
                created_at: app.now(),
                disabled_at: None,
                version: 1,
            };
            users::insert(&mut tx, &user).await?;
            user.id
        }
    };
    crate::users::set_password(&mut tx, &id, &password).await?;
    tx.commit().await?;
    Ok(password)
}
