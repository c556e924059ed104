//! A settle filing through Popbill's API (`SETTLE_FILER=popbill`), pointed at a second
//! settle serving the Popbill-compatible API, files a day's batch while either process is
//! killed (`kill -9`) at random points of it, twenty times, and restarted. Afterwards every
//! invoice is filed, and the receiving side holds each exactly once.

mod support;

use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use support::{Server, Settle, certificate_form};

const PLATFORM_BRN: &str = "124-81-01231";
const SUPPLIER_BRN: &str = "1208147521";
const INVOICES: usize = 600;
const KILLS: usize = 20;

/// The tenant's API on a served settle.
struct Api {
    base: String,
    key: String,
    client: reqwest::Client,
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
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

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn count(&self, query: &str) -> usize {
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

/// A small deterministic generator for the kill points (the same run each time).
struct Draws(u64);

impl Draws {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Links the tenant and the supplier, and registers the supplier's certificate from the
/// link of a request email (that invoice is then withdrawn and deleted); the supplier's
/// `Authorization` and its partner id.
async fn onboard(settle: &Settle, api: &Api, ca: &ThrowawayCa) -> (String, String) {
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
    api.post("/v1/tax-invoices", invoice("ONBOARD", &partner_id))
        .await;
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
    api.post("/v1/tax-invoices/ONBOARD/cancel-request", json!({}))
        .await;
    api.call(reqwest::Method::DELETE, "/v1/tax-invoices/ONBOARD", None)
        .await;
    (auth, partner_id)
}

fn invoice(key: &str, partner_id: &str) -> Value {
    let today = time::OffsetDateTime::now_utc()
        .to_offset(settle_core::KST)
        .date();
    json!({"document_key": key, "partner_id": partner_id, "write_date": today.to_string(),
        "tax_type": "taxable", "purpose": "claim", "request": true,
        "items": [{"name": "정산", "supply_amount": 50000}]})
}

fn tomorrow() -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// `settle nts run-batch` of tomorrow, started.
fn batch(platform: &Settle) -> Child {
    platform
        .command()
        .args(["nts", "run-batch", "--as-of", &tomorrow()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the batch")
}

/// Waits for `child` to end, at most `limit`; kills it after that.
async fn finish(mut child: Child, limit: Duration) -> bool {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn killing_either_side_files_every_invoice_once(engine: TestEngine) {
    let lease = [("SETTLE_FILING_LEASE".to_owned(), "2".to_owned())];
    let ca = ThrowawayCa::new("crash CA").unwrap();

    // The Popbill side, on a fixed address so that it comes back where the client looks.
    let mut popbill = Settle::on(engine).await;
    popbill.env.extend(lease.clone());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let serve_popbill = |popbill: &Settle| {
        let addr = addr.clone();
        let popbill_args = ["serve", "--addr", addr.as_str()];
        Server(
            popbill
                .command()
                .args(popbill_args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the Popbill side"),
        )
    };
    let base = format!("http://{addr}");
    let up = |base: String| async move {
        for _ in 0..400 {
            if reqwest::get(format!("{base}/health"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{base} did not come up");
    };
    let mut popbill_server = serve_popbill(&popbill);
    up(base.clone()).await;
    let tenant = popbill.create_tenant("플랫폼", PLATFORM_BRN);
    let popbill_api = Api {
        base: base.clone(),
        key: tenant["api_key"].as_str().unwrap().to_owned(),
        client: reqwest::Client::new(),
    };
    onboard(&popbill, &popbill_api, &ca).await;
    let tenant_id = tenant["tenant_id"].as_str().unwrap();
    let (ok, credentials, stderr) = popbill.run(&["popbill-key", "create", "--tenant", tenant_id]);
    assert!(ok, "{stderr}");

    // The platform's settle, filing through it.
    let mut platform = Settle::on(engine).await;
    platform.env.extend(lease);
    platform.env.extend(
        [
            ("SETTLE_FILER", "popbill"),
            ("SETTLE_POPBILL_URL", base.as_str()),
            (
                "SETTLE_POPBILL_LINK_ID",
                credentials["link_id"].as_str().unwrap(),
            ),
            (
                "SETTLE_POPBILL_SECRET_KEY",
                credentials["secret_key"].as_str().unwrap(),
            ),
            ("SETTLE_POPBILL_TEST", "true"),
            ("SETTLE_FILER_TIMEOUT", "3"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let platform_tenant = platform.create_tenant("플랫폼", PLATFORM_BRN);
    {
        let (_server, platform_base) = platform.serve().await;
        let api = Api {
            base: platform_base,
            key: platform_tenant["api_key"].as_str().unwrap().to_owned(),
            client: reqwest::Client::new(),
        };
        let (supplier, partner_id) = onboard(&platform, &api, &ca).await;
        for n in 0..INVOICES {
            let record = api
                .post(
                    "/v1/tax-invoices",
                    invoice(&format!("CRASH-{n}"), &partner_id),
                )
                .await;
            let id = record["id"].as_str().unwrap();
            let issued = api
                .client
                .post(format!("{}/v1/supplier/tax-invoices/{id}/issue", api.base))
                .header("authorization", &supplier)
                .send()
                .await
                .unwrap();
            assert_eq!(issued.status(), 200);
        }
    }

    // Twenty kills at random points of the batch, alternating the two sides: the batch
    // is killed and started again, or the Popbill side is killed under it and restarted
    // while the batch goes on.
    let mut draws = Draws(0x5eed);
    let mut running: Option<Child> = None;
    for round in 0..KILLS {
        // The batch that is still running, or a new one.
        let mut current = match running.take().map(|mut child| {
            let ended = child.try_wait().unwrap().is_some();
            (child, ended)
        }) {
            Some((child, false)) => child,
            _ => batch(&platform),
        };
        tokio::time::sleep(Duration::from_millis(100 + draws.next(600))).await;
        if round % 2 == 0 {
            let _ = current.kill();
            let _ = current.wait();
            // The killed batch's claims lapse before another takes them over.
            tokio::time::sleep(Duration::from_millis(2_100)).await;
        } else {
            popbill_server.kill().unwrap();
            popbill_server.wait().unwrap();
            popbill_server = serve_popbill(&popbill);
            up(base.clone()).await;
            running = Some(current);
        }
        let held = popbill_api.count("").await;
        let sent = popbill_api.count("&state=sent").await;
        eprintln!(
            "after kill {}: the Popbill side holds {held}, {sent} sent",
            round + 1
        );
    }
    if let Some(current) = running {
        finish(current, Duration::from_secs(300)).await;
    }
    // Then the batch runs until nothing is left.
    for _ in 0..10 {
        let output = batch(&platform).wait_with_output().unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        if output.status.success() && report["filed"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2_100)).await;
    }

    let (_server, platform_base) = platform.serve().await;
    let api = Api {
        base: platform_base,
        key: platform_tenant["api_key"].as_str().unwrap().to_owned(),
        client: reqwest::Client::new(),
    };
    assert_eq!(
        api.count("&state=sent").await,
        INVOICES,
        "every invoice is sent"
    );
    assert_eq!(
        popbill_api.count("").await,
        INVOICES,
        "the Popbill side holds each invoice once"
    );
    assert_eq!(popbill_api.count("&state=sent").await, INVOICES);
}

both_engines!(killing_either_side_files_every_invoice_once);
