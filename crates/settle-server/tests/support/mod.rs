//! `TestApp`: the server on a random port over a fresh database, with a tenant and a client.

#![allow(dead_code)]

pub mod billing;
pub mod browser;
pub mod filing;
pub mod issuance;
pub mod pages;
pub mod receiver;

use reqwest::{Client, RequestBuilder, Response};
use serde_json::{Value, json};
use settle_app::secrets::SecretKey;
use settle_app::{App, Settings};
use settle_store::Store;
use settle_testkit::{TestDatabase, TestEngine, fresh_database};

pub struct TestApp {
    pub base: String,
    pub app: App,
    /// Where the outbox worker writes messages.
    pub outbox: std::path::PathBuf,
    pub tenant_id: String,
    /// A key with all four roles.
    pub key: String,
    pub client: Client,
    _db: TestDatabase,
}

/// The wall clock moved forward by a shift the test sets.
#[derive(Default)]
pub struct ShiftedClock {
    seconds: std::sync::atomic::AtomicI64,
}

impl ShiftedClock {
    /// Moves the clock forward by `by` from now on.
    pub fn advance(&self, by: time::Duration) {
        self.seconds
            .fetch_add(by.whole_seconds(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl settle_app::Clock for ShiftedClock {
    fn now(&self) -> time::OffsetDateTime {
        let shift = self.seconds.load(std::sync::atomic::Ordering::SeqCst);
        time::OffsetDateTime::now_utc() + time::Duration::seconds(shift)
    }
}

impl TestApp {
    pub async fn start(engine: TestEngine) -> Self {
        Self::start_with_clock(engine, std::sync::Arc::new(settle_app::SystemClock)).await
    }

    /// The server on `clock`.
    pub async fn start_with_clock(
        engine: TestEngine,
        clock: std::sync::Arc<dyn settle_app::Clock>,
    ) -> Self {
        Self::start_with(engine, clock, None, None).await
    }

    /// The server filing through `filer` instead of the embedded simulator.
    pub async fn start_filing_to(
        engine: TestEngine,
        filer: std::sync::Arc<dyn settle_app::filing::Filer>,
    ) -> Self {
        let clock = std::sync::Arc::new(settle_app::SystemClock);
        Self::start_with(engine, clock, None, Some(filer)).await
    }

    /// The server announcing `public_url` (as behind a TLS proxy) in links and cookies.
    pub async fn start_with_public_url(engine: TestEngine, public_url: &str) -> Self {
        let clock = std::sync::Arc::new(settle_app::SystemClock);
        Self::start_with(engine, clock, Some(public_url), None).await
    }

    async fn start_with(
        engine: TestEngine,
        clock: std::sync::Arc<dyn settle_app::Clock>,
        public_url: Option<&str>,
        filer: Option<std::sync::Arc<dyn settle_app::filing::Filer>>,
    ) -> Self {
        let db = fresh_database(engine).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let outbox = db.dir.path().join("outbox");
        let settings = Settings {
            public_url: public_url.unwrap_or(&base).to_owned(),
            outbox_dir: outbox.clone(),
            webhook_allow_private: true,
            ..Settings::default()
        };
        let mut app = App::new(Store::open(&db.url).await.expect("open store"));
        if let Some(filer) = filer {
            app = app.with_filer(filer);
        }
        let app = app
            .with_clock(clock)
            .with_settings(settings)
            .with_secret_key(SecretKey::from_secret("a secret key for the tests").unwrap());
        let tenant = settle_app::tenants::create(&app, "테스트 플랫폼", "220-81-62517")
            .await
            .expect("tenant");
        tokio::spawn(settle_server::serve_on(app.clone(), listener));
        tokio::spawn(settle_app::worker::run(
            app.clone(),
            "test-worker".to_owned(),
            std::time::Duration::from_millis(50),
        ));
        Self {
            base,
            app,
            outbox,
            tenant_id: tenant.tenant.id.to_string(),
            key: tenant.api_key,
            client: Client::new(),
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.key)
    }

    pub fn post(&self, path: &str, body: &Value) -> RequestBuilder {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.key)
            .json(body)
    }

    pub fn patch(&self, path: &str, body: &Value) -> RequestBuilder {
        self.client
            .patch(self.url(path))
            .bearer_auth(&self.key)
            .json(body)
    }

    /// A second server's app on the same database (its own pool, same settings and key),
    /// with its own background worker named `owner`.
    pub async fn second_worker(&self, owner: &str) -> App {
        let store = settle_store::Store::open(&self._db.url)
            .await
            .expect("open store");
        let app = App::new(store)
            .with_clock(self.app.clock.clone())
            .with_settings((*self.app.settings).clone())
            .with_secret_key(SecretKey::from_secret("a secret key for the tests").unwrap());
        tokio::spawn(settle_app::worker::run(
            app.clone(),
            owner.to_owned(),
            std::time::Duration::from_millis(50),
        ));
        app
    }

    /// A key of this tenant holding `roles`.
    pub async fn key_with(&self, roles: &[&str]) -> String {
        let (status, body) = send(self.post("/v1/api-keys", &json!({ "roles": roles }))).await;
        assert_eq!(status, 201, "{body}");
        body["api_key"].as_str().expect("api_key").to_owned()
    }
}

/// Sends and returns the status and the JSON body (`null` when there is none).
pub async fn send(request: RequestBuilder) -> (u16, Value) {
    let response: Response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A valid partner body; `brn` picks the partner.
pub fn partner_body(brn: &str) -> Value {
    json!({
        "brn": brn,
        "name": "주식회사 가나다",
        "ceo_name": "홍길동",
        "address": "서울특별시 강남구 테헤란로 1",
        "biz_type": "서비스",
        "biz_item": "소프트웨어",
        "contact": { "name": "김정산", "email": "tax@ganada.example", "phone": "02-555-0100" },
        "tags": ["seller"]
    })
}

/// A valid BRN from a 9-digit prefix.
pub fn brn(prefix: u32) -> String {
    settle_core::brn::Brn::from_prefix(prefix)
        .expect("valid prefix")
        .to_string()
}

impl TestApp {
    /// Waits (up to 10 s) for a message to `to` whose subject contains `subject`.
    pub async fn email_to(&self, to: &str, subject: &str) -> settle_testkit::ParsedEmail {
        for _ in 0..200 {
            let found = self
                .emails(0)
                .await
                .into_iter()
                .find(|m| m.to == to && m.subject.contains(subject));
            if let Some(found) = found {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no email to {to} about {subject:?} arrived in the outbox");
    }

    /// Waits (up to 10 s) until the outbox holds at least `count` messages; returns them
    /// all, parsed by Python's email package, oldest first.
    pub async fn emails(&self, count: usize) -> Vec<settle_testkit::ParsedEmail> {
        for _ in 0..200 {
            let messages = settle_testkit::outbox_messages(&self.outbox);
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fewer than {count} emails arrived in the outbox");
    }
}

/// The Python of the test venv (`scripts/test` exports `SETTLE_TEST_PYTHON`).
pub fn python() -> std::path::PathBuf {
    match std::env::var_os("SETTLE_TEST_PYTHON") {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            let home = std::env::var_os("HOME").expect("HOME is set");
            std::path::Path::new(&home).join(".cache/settle-test-venv/bin/python")
        }
    }
}
