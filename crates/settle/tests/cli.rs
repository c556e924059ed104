//! The `settle` binary as an operator uses it: a server process, CLI commands beside it,
//! a restart. On SQLite (the default data directory) and on PostgreSQL (`DATABASE_URL`).

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use support::{Api, Settle, onboard};

async fn cli_beside_a_running_server_and_data_survives_restart(engine: TestEngine) {
    let settle = Settle::on(engine).await;
    let (mut server, base) = settle.serve().await;
    let tenant = settle.create_tenant("주식회사 플랫폼", "220-81-62517");
    let tenant_id = tenant["tenant_id"].as_str().unwrap().to_owned();
    let owner = tenant["api_key"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let body = json!({
        "brn": "120-81-47521", "name": "주식회사 한빛", "ceo_name": "김한빛", "address": "서울",
        "biz_type": "도소매", "biz_item": "생활용품", "contact": { "name": "이정산", "email": "tax@hanbit.example" }
    });
    let created: Value = client
        .post(format!("{base}/v1/partners"))
        .bearer_auth(&owner)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();

    // A key made by the CLI works on the running server at once.
    let (ok, key, stderr) = settle.run(&[
        "key",
        "create",
        "--tenant",
        &tenant_id,
        "--role",
        "sales_agent",
    ]);
    assert!(ok, "{stderr}");
    let reader = key["api_key"].as_str().unwrap().to_owned();
    let response = client
        .get(format!("{base}/v1/partners/{id}"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = client
        .post(format!("{base}/v1/partners"))
        .bearer_auth(&reader)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    // Bad input on the command line: a clear message and a failing exit status.
    let (ok, _, stderr) = settle.run(&["key", "create", "--tenant", &tenant_id, "--role", "owner"]);
    assert!(!ok && stderr.contains("unknown role"), "{stderr}");
    let (ok, _, stderr) = settle.run(&["tenant", "create", "--name", "x", "--brn", "220-81-62518"]);
    assert!(!ok && stderr.contains("tenant.invalid_brn"), "{stderr}");
    let (ok, _, stderr) = settle.run(&[
        "key",
        "create",
        "--tenant",
        "ten_01arz3ndektsv4rrffq69g5fav",
        "--role",
        "sales_agent",
    ]);
    assert!(!ok && stderr.contains("tenant.not_found"), "{stderr}");

    server.kill().unwrap();
    server.wait().unwrap();
    let (mut server, base) = settle.serve().await;
    let read: Value = client
        .get(format!("{base}/v1/partners/{id}"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, created, "the partner survived the restart");
    server.kill().unwrap();
    server.wait().unwrap();
}

async fn demo_fills_a_tenant_and_prints_a_working_key(engine: TestEngine) {
    let settle = Settle::on(engine).await;
    for _ in 0..2 {
        let output = settle.command().arg("demo").output().unwrap();
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        // The five Korean partners and the reseller billed in USD.
        assert!(text.contains("with 6 partners"), "{text}");
        let key = text
            .lines()
            .find_map(|l| l.strip_prefix("API key (all four roles): "))
            .unwrap()
            .to_owned();
        let (mut server, base) = settle.serve().await;
        let list: Value = reqwest::Client::new()
            .get(format!("{base}/v1/partners"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            list["data"].as_array().unwrap().len(),
            6,
            "running the demo twice adds nothing twice"
        );
        server.kill().unwrap();
        server.wait().unwrap();
    }
}

/// `SETTLE_POPBILL_ADDR` serves the Popbill-compatible API alone on an address of its own,
/// beside the main listener (which serves it too).
async fn the_popbill_api_listens_on_its_own_address(engine: TestEngine) {
    let mut settle = Settle::on(engine).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let popbill = format!("http://127.0.0.1:{port}");
    settle
        .env
        .push(("SETTLE_POPBILL_ADDR".into(), format!("127.0.0.1:{port}")));
    let (_server, base) = settle.serve().await;
    for host in [&popbill, &base] {
        let time = reqwest::get(format!("{host}/Time")).await.unwrap();
        assert_eq!(time.status(), 200, "{host}");
        let text = time.text().await.unwrap();
        assert!(
            text.len() == 20 && text.ends_with('Z'),
            "Linkhub's time: {text}"
        );
    }
    let api = reqwest::get(format!("{popbill}/v1/partners"))
        .await
        .unwrap();
    assert_eq!(api.status(), 404, "only the Popbill API is there");
    let member = reqwest::get(format!("{popbill}/Join?CorpNum=1234567890&LID=NOSUCH"))
        .await
        .unwrap();
    let answer: Value = member.json().await.unwrap();
    assert_eq!(answer["code"], 0);
}

/// The served worker writes the request email into `$SETTLE_DATA/outbox`, the supplier
/// follows it, and `settle nts run-batch` files the issued invoice.
async fn served_outbox_and_the_filing_batch_command(engine: TestEngine) {
    issue_and_file(&Settle::on(engine).await).await;
}

/// As above, filing through `settle nts-simulator serve` (another process, its own
/// database) that fails, and cuts off answers after taking the filing, a third of the
/// time each: the invoice is filed once, and both parties are members there.
async fn filing_through_the_simulator_service(engine: TestEngine) {
    let service = Settle::on(TestEngine::Sqlite).await;
    let args = [
        "nts-simulator",
        "serve",
        "--fail-rate",
        "0.3",
        "--drop-after-accept",
        "0.3",
        "--latency",
        "5ms",
        "--seed",
        "3",
    ];
    let (_simulator, url) = service.start(&args, "/stats").await;
    let mut settle = Settle::on(engine).await;
    settle.filer_url = Some(url.clone());
    issue_and_file(&settle).await;
    let stats: Value = reqwest::get(format!("{url}/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (stats["received"].as_i64(), stats["resubmitted"].as_i64()),
        (Some(1), Some(0)),
        "{stats}"
    );
}

/// Links a tenant and a partner on a served settle, requests an invoice, has the supplier
/// issue it from the emailed link, and files it with `settle nts run-batch`.
async fn issue_and_file(settle: &Settle) {
    let (_server, base) = settle.serve().await;
    let tenant = settle.create_tenant("플랫폼", "124-81-01231");
    let api = Api {
        base: base.clone(),
        key: tenant["api_key"].as_str().unwrap().to_owned(),
        client: reqwest::Client::new(),
    };
    let ca = ThrowawayCa::new("cli CA").unwrap();
    let onboarded = onboard(settle, &api, &ca, "CLI-1").await;
    let (client, auth) = (&api.client, &onboarded.supplier);
    let id = &onboarded.first_id;
    let issued: Value = client
        .post(format!("{base}/v1/supplier/tax-invoices/{id}/issue"))
        .header("authorization", auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(issued["state"], "issued", "{issued}");

    // The batch of today files nothing issued today; tomorrow's files it.
    let now = time::OffsetDateTime::now_utc().to_offset(settle_core::KST);
    let format = &time::format_description::well_known::Rfc3339;
    let (ok, report, stderr) =
        settle.run(&["nts", "run-batch", "--as-of", &now.format(format).unwrap()]);
    assert!(ok, "{stderr}");
    assert_eq!(report["filed"], 0);
    let tomorrow = (now + time::Duration::days(1)).format(format).unwrap();
    let (ok, report, stderr) = settle.run(&["nts", "run-batch", "--as-of", &tomorrow]);
    assert!(ok, "{stderr}");
    assert_eq!(
        (report["filed"].as_u64(), report["sent"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    let sent = api
        .call(reqwest::Method::GET, "/v1/tax-invoices/CLI-1", None)
        .await;
    assert_eq!(
        (sent["state"].as_str(), sent["nts_result_code"].as_str()),
        (Some("sent"), Some("SUC001"))
    );
    let (ok, _, stderr) = settle.run(&["nts", "run-batch", "--as-of", "tomorrow"]);
    assert!(!ok && stderr.contains("RFC 3339"), "{stderr}");
}

async fn user_create_prints_a_one_time_login_link(engine: TestEngine) {
    let settle = Settle::on(engine).await;
    let created = settle.create_tenant("플랫폼", "220-81-62517");
    let tenant = created["tenant_id"].as_str().unwrap();
    let args = [
        "user",
        "create",
        "--tenant",
        tenant,
        "--email",
        "kim@platform.example",
        "--role",
        "billing_admin,user_admin",
    ];
    let (ok, user, stderr) = settle.run(&args);
    assert!(ok, "{stderr}");
    assert!(
        user["user_id"].as_str().unwrap().starts_with("usr_"),
        "{user}"
    );
    let link = user["login_url"].as_str().unwrap();
    let (ok, _, stderr) = settle.run(&args);
    assert!(!ok && stderr.contains("user.email_taken"), "{stderr}");
    let (mut server, base) = settle.serve().await;
    let path = &link[link.find("/login/link/").expect("a login link")..];
    let page = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("kim@platform.example"));
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A receiver on `port` that counts the event ids it is sent.
async fn receiver_on(port: u16) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    use axum::http::HeaderMap;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap| {
            let kept = kept.clone();
            async move {
                let id = headers
                    .get("settle-event-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                kept.lock().unwrap().push(id);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    seen
}

async fn a_webhook_committed_before_kill_9_is_delivered_after_restart(engine: TestEngine) {
    let settle = Settle::on(engine).await;
    let (mut server, base) = settle.serve().await;
    let tenant = settle.create_tenant("주식회사 플랫폼", "220-81-62517");
    let key = tenant["api_key"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    // The receiver is down while the event is made: nothing can be delivered yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let created = post(
        "/v1/webhook-endpoints",
        json!({"url": format!("http://127.0.0.1:{port}/hook"), "events": ["payment.recorded"]}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let body = json!({
        "brn": "120-81-47521", "name": "주식회사 한빛", "ceo_name": "김한빛", "address": "서울",
        "biz_type": "도소매", "biz_item": "생활용품", "contact": { "name": "이정산", "email": "tax@hanbit.example" }
    });
    let partner: Value = post("/v1/partners", body)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let address = json!({"name": "Hanbit", "address": "Seoul", "country": "KR"});
    let profile = json!({"partner_id": partner["id"], "sold_to": address, "bill_to": address,
        "payment_terms_days": 30, "billing_currency": "USD", "template": "lrd", "country": "KR"});
    assert_eq!(
        post("/v1/billing-profiles", profile)
            .await
            .unwrap()
            .status(),
        201
    );
    let payment = json!({"partner_id": partner["id"], "amount": "1.00", "currency": "USD",
        "paid_on": "2026-11-20", "reference": "wire"});
    assert_eq!(post("/v1/payments", payment).await.unwrap().status(), 201);
    // kill -9 right after the commit, before any delivery could succeed.
    server.kill().unwrap();
    server.wait().unwrap();
    let seen = receiver_on(port).await;
    let (mut server, _) = settle.serve().await;
    for _ in 0..600 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids = seen.lock().unwrap().clone();
    assert_eq!(ids.len(), 1, "the payment event, once: {ids:?}");
    server.kill().unwrap();
    server.wait().unwrap();
}

both_engines!(
    a_webhook_committed_before_kill_9_is_delivered_after_restart,
    user_create_prints_a_one_time_login_link,
    cli_beside_a_running_server_and_data_survives_restart,
    demo_fills_a_tenant_and_prints_a_working_key,
    served_outbox_and_the_filing_batch_command,
    filing_through_the_simulator_service,
    the_popbill_api_listens_on_its_own_address,
    export_and_reconcile_a_billed_period,
    settle_a_month_from_files,
);

/// POSTs `body` with `key`; the answer's JSON.
async fn post(base: &str, key: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

async fn export_and_reconcile_a_billed_period(engine: TestEngine) {
    let settle = Settle::on(engine).await;
    let (mut server, base) = settle.serve().await;
    let tenant = settle.create_tenant("Platform", "220-81-62517");
    let tenant_id = tenant["tenant_id"].as_str().unwrap().to_owned();
    let key = tenant["api_key"].as_str().unwrap().to_owned();
    let partner = post(&base, &key, "/v1/partners", json!({
        "brn": "120-81-47521", "name": "Hanbit", "ceo_name": "Kim", "address": "Seoul",
        "biz_type": "retail", "biz_item": "goods", "contact": {"name": "Lee", "email": "tax@hanbit.example"}
    }))
    .await;
    let address = json!({"name": "Hanbit", "address": "1 Teheran-ro", "country": "KR"});
    post(
        &base,
        &key,
        "/v1/billing-profiles",
        json!({
            "partner_id": partner["id"], "sold_to": address, "bill_to": address,
            "billing_currency": "USD", "country": "KR", "template": "lrd", "payment_terms_days": 30
        }),
    )
    .await;
    let charges: Vec<Value> = (1..=25)
        .map(|n| json!({
            "partner_id": partner["id"], "order_id": format!("O-{n}"), "order_date": "2026-10-01",
            "product_id": "P", "sku_id": "S", "product_name": "Seats", "charge_type": "new",
            "quantity": n, "unit_price": "10.005", "pricing_currency": "USD", "tax_rate": "0.10",
            "charge_start": "2026-10-01", "charge_end": "2026-10-31", "series": "G"
        }))
        .collect();
    post(&base, &key, "/v1/charges", json!({"charges": charges})).await;
    let run = post(
        &base,
        &key,
        "/v1/billing-runs",
        json!({"period": "2026-10"}),
    )
    .await;
    let run = run["id"].as_str().unwrap();
    post(
        &base,
        &key,
        &format!("/v1/billing-runs/{run}/finalize"),
        json!({}),
    )
    .await;

    let out = settle.db.dir.path().join("october.csv");
    let out_text = out.to_str().unwrap();
    for format in ["csv", "xlsx", "jsonl"] {
        let (ok, summary, stderr) = settle.run(&[
            "export",
            "reconciliation",
            "--tenant",
            &tenant_id,
            "--period",
            "2026-10",
            "--format",
            format,
            "--out",
            out_text,
        ]);
        assert!(ok, "{stderr}");
        assert_eq!(summary["lines"], 25, "{summary}");
        let bytes = std::fs::read(&out).unwrap();
        let rows = match format {
            "jsonl" => String::from_utf8(bytes).unwrap().lines().count(),
            _ => settle_tabular::read_table(&bytes).unwrap().rows.len(),
        };
        assert_eq!(rows, 25, "{format}");
    }
    let (ok, report, stderr) =
        settle.run(&["reconcile", "--tenant", &tenant_id, "--period", "2026-10"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        (report["clean"].as_bool(), report["lines_checked"].as_u64()),
        (Some(true), Some(25))
    );
    let (ok, _, stderr) = settle.run(&["reconcile", "--tenant", &tenant_id, "--period", "2026-13"]);
    assert!(!ok && stderr.contains("YYYY-MM"), "{stderr}");
    server.kill().unwrap();
    server.wait().unwrap();
}

async fn put(base: &str, key: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .put(format!("{base}{path}"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}");
    response.json().await.unwrap()
}

async fn settle_a_month_from_files(engine: TestEngine) {
    let settle = Settle::on(engine).await;
    let (mut server, base) = settle.serve().await;
    let tenant = settle.create_tenant("Platform", "220-81-62517");
    let tenant_id = tenant["tenant_id"].as_str().unwrap().to_owned();
    let key = tenant["api_key"].as_str().unwrap().to_owned();
    let partner = post(&base, &key, "/v1/partners", json!({
        "brn": "120-81-47521", "name": "Hanbit", "ceo_name": "Kim", "address": "Seoul",
        "biz_type": "retail", "biz_item": "goods", "contact": {"name": "Lee", "email": "tax@hanbit.example"}
    }))
    .await;
    let partner = partner["id"].as_str().unwrap().to_owned();
    post(&base, &key, "/v1/settlement-contracts", json!({
        "partner_id": partner, "effective_from": "2026-01-01", "currency": "KRW",
        "fee_rate": "0.1", "cycle": "monthly", "payout_day": 10, "taxation": "reverse_tax_invoice"
    }))
    .await;
    put(
        &base,
        &key,
        &format!("/v1/partners/{partner}/bank-account"),
        json!({"bank_code": "004", "account": "123-45-678901", "holder": "Hanbit"}),
    )
    .await;

    let dir = settle.db.dir.path();
    let transfers = dir.join("transfers.csv");
    let mut csv = String::from("external_id,partner_id,kind,occurred_on,amount\n");
    for n in 1..=30 {
        csv.push_str(&format!(
            "T-{n},{partner},order,2026-10-{n:02},{}\n",
            n * 1000
        ));
    }
    std::fs::write(&transfers, csv).unwrap();
    let file = transfers.to_str().unwrap();
    let args = [
        "import",
        "transfers",
        "--tenant",
        &tenant_id,
        "--file",
        file,
    ];
    let (ok, report, stderr) = settle.run(&args);
    assert!(ok, "{stderr}");
    assert_eq!(report["recorded"], 30, "{report}");

    let (ok, run, stderr) =
        settle.run(&["settle-run", "--tenant", &tenant_id, "--period", "2026-10"]);
    assert!(ok, "{stderr}");
    // Σ 1,000 … 30,000 = 465,000, less 10 %.
    assert_eq!(
        (run["closed"].as_u64(), run["owed"].as_str()),
        (Some(1), Some("418500")),
        "{run}"
    );
    let (ok, again, _) = settle.run(&["settle-run", "--tenant", &tenant_id, "--period", "2026-10"]);
    assert!(ok && again["closed"] == 0, "nothing left to close: {again}");

    let payouts = dir.join("payouts.csv");
    let out = payouts.to_str().unwrap();
    let (ok, summary, stderr) = settle.run(&[
        "export",
        "payouts",
        "--tenant",
        &tenant_id,
        "--payout-date",
        "2026-11-10",
        "--out",
        out,
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(
        (summary["payouts"].as_u64(), summary["total"].as_str()),
        (Some(1), Some("418500"))
    );
    let table = settle_tabular::read_table(&std::fs::read(&payouts).unwrap()).unwrap();
    assert_eq!(table.rows[0].cells[1], "12345678901");
    let paid = dir.join("paid.csv");
    std::fs::write(
        &paid,
        format!(
            "settlement_id,paid_on\n{},2026-11-10\n",
            table.rows[0].cells[5]
        ),
    )
    .unwrap();
    let args = [
        "import",
        "payouts",
        "--tenant",
        &tenant_id,
        "--file",
        paid.to_str().unwrap(),
    ];
    let (ok, marked, stderr) = settle.run(&args);
    assert!(ok, "{stderr}");
    assert_eq!(marked["paid"].as_array().unwrap().len(), 1);
    let (ok, _, stderr) = settle.run(&args);
    assert!(
        !ok && (stderr.contains("settlement.paid") || stderr.contains("paid already")),
        "{stderr}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
