//! The `settle` binary as the tests run it: a data directory (or a PostgreSQL database),
//! commands, and server processes killed when dropped.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use settle_nts::certificate::{LeafSpec, ThrowawayCa};
use settle_testkit::{TestDatabase, TestEngine, fresh_database};

pub struct Settle {
    pub db: TestDatabase,
    pub engine: TestEngine,
    /// A filing service to file through instead of the embedded simulator.
    pub filer_url: Option<String>,
    /// More environment for every command.
    pub env: Vec<(String, String)>,
}

impl Settle {
    /// settle on a fresh database of `engine`.
    pub async fn on(engine: TestEngine) -> Self {
        Settle {
            db: fresh_database(engine).await,
            engine,
            filer_url: None,
            env: Vec::new(),
        }
    }

    /// `settle tenant create`; its JSON (`tenant_id`, `api_key`).
    pub fn create_tenant(&self, name: &str, brn: &str) -> Value {
        let (ok, tenant, stderr) = self.run(&["tenant", "create", "--name", name, "--brn", brn]);
        assert!(ok, "{stderr}");
        tenant
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_settle"));
        command
            .env_remove("DATABASE_URL")
            .env("SETTLE_DATA", self.db.dir.path().join("data"))
            .env("SETTLE_SECRET_KEY", "a secret key for the cli tests")
            .env("SETTLE_WEBHOOK_ALLOW_PRIVATE", "true");
        if self.engine == TestEngine::Postgres {
            command.env("DATABASE_URL", &self.db.url);
        }
        if let Some(url) = &self.filer_url {
            command
                .env("SETTLE_FILER", "remote")
                .env("SETTLE_FILER_URL", url)
                .env("SETTLE_FILER_TIMEOUT", "5");
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    pub fn run(&self, args: &[&str]) -> (bool, Value, String) {
        let output = self.command().args(args).output().expect("run settle");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (
            output.status.success(),
            serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
            stderr,
        )
    }

    pub async fn serve(&self) -> (Server, String) {
        self.start(&["serve"], "/health").await
    }

    /// Runs `args --addr A` until `ready` answers 200 there; the process and its URL.
    pub async fn start(&self, args: &[&str], ready: &str) -> (Server, String) {
        let addr = free_addr();
        let server = self.spawn_at(args, &addr);
        let base = format!("http://{addr}");
        wait_ready(&format!("{base}{ready}")).await;
        (server, base)
    }

    /// Runs `args --addr addr` (not waiting for it).
    pub fn spawn_at(&self, args: &[&str], addr: &str) -> Server {
        Server(
            self.command()
                .args(args)
                .args(["--addr", addr])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start settle"),
        )
    }
}

/// A loopback address no one listens on now.
pub fn free_addr() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// Waits until `url` answers 200 (ten seconds at most).
pub async fn wait_ready(url: &str) {
    for _ in 0..400 {
        if reqwest::get(url).await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{url} did not come up");
}

/// A `settle serve` process, killed when dropped (also when a test fails).
pub struct Server(pub Child);

impl Server {
    pub fn kill(&mut self) -> std::io::Result<()> {
        self.0.kill()
    }

    pub fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.0.wait()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A form with a throwaway joint certificate as a PFX (without a VID, as test
/// certificates are).
pub fn certificate_form(ca: &ThrowawayCa) -> Form {
    let leaf = ca.issue(&LeafSpec::new("cli")).unwrap();
    Form::new()
        .part("pfx", Part::bytes(leaf.pfx("pfx-password").unwrap()))
        .text("password", "pfx-password")
}

/// The supplier every onboarding links.
pub const SUPPLIER_BRN: &str = "1208147521";

/// The tenant's API on a served settle.
pub struct Api {
    /// The server.
    pub base: String,
    /// An API key of the tenant.
    pub key: String,
    /// The HTTP client.
    pub client: reqwest::Client,
}

impl Api {
    /// Calls `path`; the JSON answer (the call must succeed).
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }

    /// POSTs `body` to `path`.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// How many tax invoices the list shows for `query`.
    pub async fn count(&self, query: &str) -> usize {
        let page = self
            .call(
                reqwest::Method::GET,
                &format!("/v1/tax-invoices?limit=1000{query}"),
                None,
            )
            .await;
        page["data"].as_array().map_or(0, Vec::len)
    }
}

/// A tenant and its supplier, linked, the supplier's certificate registered.
pub struct Onboarded {
    /// The supplier's `Authorization` (a session opened from the emailed link).
    pub supplier: String,
    /// The supplier's partner id.
    pub partner_id: String,
    /// The id of the invoice whose request email brought the supplier in.
    pub first_id: String,
}

/// Links the tenant and the supplier, requests the invoice `first_key`, and registers the
/// supplier's certificate from the link of its request email (read from the outbox the
/// served worker writes).
pub async fn onboard(settle: &Settle, api: &Api, ca: &ThrowawayCa, first_key: &str) -> Onboarded {
    let profile = json!({"ceo_name": "대표", "contact": {"email": "billing@platform.example"}});
    api.call(reqwest::Method::PATCH, "/v1/tenant", Some(profile))
        .await;
    let linked = api
        .client
        .post(format!("{}/v1/tenant/nts-link", api.base))
        .bearer_auth(&api.key)
        .multipart(certificate_form(ca))
        .send()
        .await
        .unwrap();
    assert_eq!(linked.status(), 200, "{}", linked.text().await.unwrap());
    let partner = api
        .post(
            "/v1/partners",
            json!({"brn": SUPPLIER_BRN, "name": "한빛", "ceo_name": "김한빛", "address": "서울",
                "biz_type": "도소매", "biz_item": "생활용품",
                "contact": {"name": "이정산", "email": "tax@hanbit.example"}}),
        )
        .await;
    let partner_id = partner["id"].as_str().unwrap().to_owned();
    api.post(&format!("/v1/partners/{partner_id}/nts-link"), json!({}))
        .await;
    let first = api
        .post("/v1/tax-invoices", invoice(first_key, &partner_id))
        .await;
    assert_eq!(first["state"], "requested", "{first}");
    let outbox = settle.db.dir.path().join("data/outbox");
    let mut mail = None;
    for _ in 0..400 {
        mail = settle_testkit::outbox_messages(&outbox)
            .into_iter()
            .find(|m| m.subject.contains("발행 요청"));
        if mail.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mail = mail.expect("the request email is in the outbox");
    let start = mail.body.find(&format!("{}/s/", api.base)).unwrap() + api.base.len() + 3;
    let token: String = mail.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let session: Value = api
        .client
        .post(format!("{}/v1/supplier/sessions", api.base))
        .json(&json!({"token": token, "brn": SUPPLIER_BRN}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let auth = format!("Supplier {}", session["session"].as_str().unwrap());
    let registered = api
        .client
        .post(format!("{}/v1/supplier/certificates", api.base))
        .header("authorization", &auth)
        .multipart(certificate_form(ca))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    Onboarded {
        supplier: auth,
        partner_id,
        first_id: first["id"].as_str().unwrap().to_owned(),
    }
}

/// A one-line reverse-issued invoice of today, requested at once.
pub fn invoice(key: &str, partner_id: &str) -> Value {
    let today = time::OffsetDateTime::now_utc()
        .to_offset(settle_core::KST)
        .date();
    json!({"document_key": key, "partner_id": partner_id, "write_date": today.to_string(),
        "tax_type": "taxable", "purpose": "claim", "request": true,
        "items": [{"name": "정산", "supply_amount": 50000}]})
}
