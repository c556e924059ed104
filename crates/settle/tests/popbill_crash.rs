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
use support::{Api, Settle, free_addr, invoice, onboard, wait_ready};

const PLATFORM_BRN: &str = "124-81-01231";
const INVOICES: usize = 600;
const KILLS: usize = 20;

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
    let addr = free_addr();
    let base = format!("http://{addr}");
    let health = format!("{base}/health");
    let mut popbill_server = popbill.spawn_at(&["serve"], &addr);
    wait_ready(&health).await;
    let tenant = popbill.create_tenant("플랫폼", PLATFORM_BRN);
    let popbill_api = Api {
        base: base.clone(),
        key: tenant["api_key"].as_str().unwrap().to_owned(),
        client: reqwest::Client::new(),
    };
    onboard(&popbill, &popbill_api, &ca, "ONBOARD").await;
    // The invoice that brought the supplier in is withdrawn and deleted there.
    popbill_api
        .post("/v1/tax-invoices/ONBOARD/cancel-request", json!({}))
        .await;
    popbill_api
        .call(reqwest::Method::DELETE, "/v1/tax-invoices/ONBOARD", None)
        .await;
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
        let onboarded = onboard(&platform, &api, &ca, "ONBOARD").await;
        let (supplier, partner_id) = (onboarded.supplier, onboarded.partner_id);
        api.post("/v1/tax-invoices/ONBOARD/cancel-request", json!({}))
            .await;
        api.call(reqwest::Method::DELETE, "/v1/tax-invoices/ONBOARD", None)
            .await;
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
            popbill_server = popbill.spawn_at(&["serve"], &addr);
            wait_ready(&health).await;
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
