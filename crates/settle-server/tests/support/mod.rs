//! `TestApp`: the server on a random port over a fresh database, with a tenant and a client.

#![allow(dead_code)]

use reqwest::{Client, RequestBuilder, Response};
use serde_json::{Value, json};
use settle_app::App;
use settle_store::Store;
use settle_testkit::{TestDatabase, TestEngine, fresh_database};

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub tenant_id: String,
    /// A key with all four roles.
    pub key: String,
    pub client: Client,
    _db: TestDatabase,
}

impl TestApp {
    pub async fn start(engine: TestEngine) -> Self {
        let db = fresh_database(engine).await;
        let app = App::new(Store::open(&db.url).await.expect("open store"));
        let tenant = settle_app::tenants::create(&app, "테스트 플랫폼", "220-81-62517")
            .await
            .expect("tenant");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(settle_server::serve_on(app.clone(), listener));
        Self {
            base,
            app,
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
