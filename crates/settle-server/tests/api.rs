//! The /v1 API over HTTP, on SQLite and on PostgreSQL.

mod support;

use serde_json::{Value, json};
use settle_testkit::{TestEngine, both_engines};
use support::{TestApp, brn, partner_body, send};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every operation of the document is routed: a request to it without credentials is
/// refused or answered, never `route.not_found`; and a path it does not list is.
async fn every_documented_operation_is_routed(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, doc) = send(t.client.get(t.url("/v1/openapi.json"))).await;
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 40, "{} paths", paths.len());
    for (path, operations) in paths {
        let concrete: String = path
            .split('/')
            .map(|part| if part.starts_with('{') { "x" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        for method in operations.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = send(t.client.request(method.clone(), t.url(&concrete))).await;
            assert_ne!(
                body["error"]["code"], "route.not_found",
                "{method} {path} answered {status}"
            );
        }
    }
    // Every authenticated operation documents the refusal with the error body, and every
    // one with a body its validation answer.
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            let responses = &operation["responses"];
            if path.starts_with("/v1/")
                && path != "/v1/supplier/sessions"
                && path != "/v1/openapi.json"
            {
                assert_eq!(
                    responses["401"]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path}"
                );
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "422"] {
                    assert!(responses[status].is_object(), "{method} {path} {status}");
                }
            }
            if path.contains('{') {
                assert!(responses["404"].is_object(), "{method} {path} 404");
            }
        }
    }
    let (status, body) = send(t.client.get(t.url("/v1/not-documented"))).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("route.not_found"))
    );
}

async fn health_and_openapi(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (status, body) = send(t.client.get(t.url("/health"))).await;
    assert_eq!((status, body), (200, json!({ "status": "ok" })));
    let (status, doc) = send(t.client.get(t.url("/v1/openapi.json"))).await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/v1/partners",
        "/v1/partners/{id}",
        "/v1/partners/import",
        "/v1/partners/{id}/nts-link",
        "/v1/api-keys",
        "/v1/tenant/nts-link",
        "/v1/tax-invoices",
        "/v1/tax-invoices/batch",
        "/v1/tax-invoices/{document_key}/amend",
        "/v1/tax-invoices/{document_key}/xml",
        "/v1/supplier/sessions",
        "/v1/supplier/tax-invoices/{id}/issue",
        "/v1/billing-profiles",
        "/v1/billing-profiles/{id}",
        "/v1/charges",
        "/v1/charges/{id}",
        "/v1/billing-runs",
        "/v1/billing-runs/{id}",
        "/v1/billing-runs/{id}/finalize",
        "/v1/invoices",
        "/v1/invoices/{id}",
        "/v1/invoices/{id}/finalize",
        "/v1/invoices/{id}/credit-notes",
        "/v1/invoices/{id}/rebill",
        "/v1/rebill-requests/{id}",
        "/v1/rebill-requests/{id}/approve",
        "/v1/rebill-requests/{id}/reject",
        "/v1/payments",
        "/v1/payments/{id}",
        "/v1/partners/{id}/statement",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    // Every schema a document refers to is in it.
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is defined"
        );
    }
    let (status, body) = send(t.get("/v1/nothing-here")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("route.not_found"))
    );
}

async fn keys_and_roles_are_enforced(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (status, body) = send(t.client.get(t.url("/v1/partners"))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("auth.missing_key"))
    );
    let (status, body) = send(
        t.client
            .get(t.url("/v1/partners"))
            .bearer_auth("sk_nonsense"),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("auth.invalid_key"))
    );
    let forged = format!("{}x", t.key);
    assert_eq!(
        send(t.client.get(t.url("/v1/partners")).bearer_auth(forged))
            .await
            .0,
        401
    );

    let reader = t.key_with(&["sales_agent"]).await;
    let (status, _) = send(t.client.get(t.url("/v1/partners")).bearer_auth(&reader)).await;
    assert_eq!(status, 200, "a new key works at once");
    let (status, body) = send(
        t.client
            .post(t.url("/v1/partners"))
            .bearer_auth(&reader)
            .json(&partner_body(&brn(101_010_001))),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("auth.forbidden"))
    );
    let (status, _) = send(
        t.client
            .post(t.url("/v1/api-keys"))
            .bearer_auth(&reader)
            .json(&json!({ "roles": ["sales_agent"] })),
    )
    .await;
    assert_eq!(status, 403, "only user_admin makes keys");

    let agent = t.key_with(&["admin_agent", "sales_agent"]).await;
    let (status, _) = send(
        t.client
            .post(t.url("/v1/partners"))
            .bearer_auth(&agent)
            .json(&partner_body(&brn(101_010_001))),
    )
    .await;
    assert_eq!(status, 201);

    let (status, body) = send(t.post("/v1/api-keys", &json!({ "roles": ["owner"] }))).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("roles[0]"))
    );

    let (_, keys) = send(t.get("/v1/api-keys")).await;
    let reader_id = keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["roles"] == json!(["sales_agent"]))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = send(
        t.client
            .delete(t.url(&format!("/v1/api-keys/{reader_id}")))
            .bearer_auth(&t.key),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["revoked_at"].is_string());
    let (status, _) = send(t.client.get(t.url("/v1/partners")).bearer_auth(&reader)).await;
    assert_eq!(status, 401, "a revoked key stops at once");
}

async fn partners_create_read_list_and_patch(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (status, created) = send(t.post("/v1/partners", &partner_body("220-81-62517"))).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["brn"], "2208162517");
    assert_eq!(created["nts_link"], json!({ "status": "unlinked" }));
    assert_eq!(created["contact"]["email"], "tax@ganada.example");
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("par_"));

    let (status, read) = send(t.get(&format!("/v1/partners/{id}"))).await;
    assert_eq!((status, &read), (200, &created));
    let (status, body) = send(t.get("/v1/partners/par_01arz3ndektsv4rrffq69g5fav")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("partner.not_found"))
    );
    assert_eq!(send(t.get("/v1/partners/garbage")).await.0, 404);

    let (status, body) = send(t.post("/v1/partners", &partner_body("220-81-62517"))).await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (409, Some("partner.duplicate_brn"), Some("brn"))
    );
    let mut branch = partner_body("220-81-62517");
    branch["sub_business_id"] = json!("0001");
    assert_eq!(
        send(t.post("/v1/partners", &branch)).await.0,
        201,
        "a branch with its own sub-business id is another partner"
    );

    let (status, body) = send(t.post("/v1/partners", &partner_body("220-81-62518"))).await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (422, Some("partner.invalid_brn"), Some("brn"))
    );
    let (status, body) = send(t.post("/v1/partners", &partner_body("12345"))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("partner.invalid_brn"))
    );

    let (status, patched) = send(t.patch(
        &format!("/v1/partners/{id}"),
        &json!({ "name": "주식회사 새이름", "contact": { "phone": null }, "external_id": "S-1" }),
    ))
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        (patched["name"].as_str(), patched["version"].as_i64()),
        (Some("주식회사 새이름"), Some(2))
    );
    assert_eq!(
        patched["contact"],
        json!({ "name": "김정산", "email": "tax@ganada.example", "phone": null })
    );
    let (status, body) = send(t.patch(
        &format!("/v1/partners/{id}"),
        &json!({ "contact": { "email": "nope" } }),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("contact.email"))
    );
    let (status, body) =
        send(t.patch(&format!("/v1/partners/{id}"), &json!({ "colour": "blue" }))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("request.invalid_field"))
    );
    let (_, unchanged) = send(t.get(&format!("/v1/partners/{id}"))).await;
    assert_eq!(unchanged, patched, "failed patches change nothing");

    for i in 0..5 {
        assert_eq!(
            send(t.post("/v1/partners", &partner_body(&brn(101_010_001 + i))))
                .await
                .0,
            201
        );
    }
    // Seven partners now: a page of four, then the last three.
    let (status, first) = send(t.get("/v1/partners?limit=4")).await;
    assert_eq!(status, 200);
    assert_eq!(first["data"].as_array().unwrap().len(), 4);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = send(t.get(&format!("/v1/partners?limit=4&cursor={cursor}"))).await;
    assert_eq!(second["data"].as_array().unwrap().len(), 3);
    assert_eq!(second["next_cursor"], Value::Null);
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    let (_, by_brn) = send(t.get("/v1/partners?brn=220-81-62517")).await;
    assert_eq!(by_brn["data"].as_array().unwrap().len(), 2);
    let (status, body) = send(t.get("/v1/partners?limit=0")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("pagination.invalid_limit"))
    );
    let (status, _) = send(t.get("/v1/partners?cursor=%%%")).await;
    assert_eq!(status, 422);
}

async fn bad_bodies_get_clear_errors(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let raw = |body: &'static str| {
        t.client
            .post(t.url("/v1/partners"))
            .bearer_auth(&t.key)
            .header("content-type", "application/json")
            .body(body)
    };
    let (status, body) = send(raw("{\"brn\": ")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("request.malformed_json"))
    );
    let (status, body) = send(raw(
        "{\"brn\": \"2208162517\", \"contact\": {\"email\": 5}}",
    ))
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("contact.email"))
    );
    let (status, body) = send(raw("[1, 2]")).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = send(raw("{} trailing")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("request.malformed_json"))
    );
    let (status, body) = send(
        t.client
            .post(t.url("/v1/partners"))
            .bearer_auth(&t.key)
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("request.unsupported_media_type"))
    );
    let mut conn = t.app.store.read().await.unwrap();
    let tenant = settle_core::ids::TenantId::parse(&t.tenant_id).unwrap();
    assert_eq!(
        settle_store::partners::count(&mut conn, &tenant)
            .await
            .unwrap(),
        0,
        "nothing half-written"
    );
}

async fn oversized_bodies_are_refused_before_reading(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let addr = t.base.trim_start_matches("http://");
    // Declares 11 MB and sends none of it: the answer must come without waiting for it.
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/partners HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 11000000\r\n\r\n",
        t.key
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut buffer = vec![0u8; 4096];
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(10), socket.read(&mut buffer)).await;
    let n = read.expect("answered before the body was sent").unwrap();
    let answer = String::from_utf8_lossy(&buffer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("request.too_large"), "{answer}");
    // A streamed body with no declared length fails when it crosses the limit. (Served
    // in-process: over a socket the client may see the early close before the answer.)
    let chunks =
        futures::stream::iter((0..12).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024 * 1024])));
    let request = axum::http::Request::post("/v1/partners")
        .header("authorization", format!("Bearer {}", t.key))
        .header("content-type", "application/json")
        .body(axum::body::Body::from_stream(chunks))
        .unwrap();
    let response = tower::ServiceExt::oneshot(settle_server::router(t.app.clone()), request)
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "request.too_large");
    // Uploads may be larger: 11 MB to the import endpoint is read (and then judged).
    let mut csv = b"name,address,contact_name,contact_email\n".to_vec();
    csv.resize(11_000_000, b' ');
    let (status, _) = send(
        t.client
            .post(t.url("/v1/partners/import"))
            .bearer_auth(&t.key)
            .body(csv),
    )
    .await;
    assert_ne!(status, 413);
}

async fn idempotency_keys_replay_and_conflict(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let body = partner_body(&brn(101_010_001));
    let first = t
        .post("/v1/partners", &body)
        .header("Idempotency-Key", "create-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = t
        .post("/v1/partners", &body)
        .header("Idempotency-Key", "create-1")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let (status, error) = send(
        t.post("/v1/partners", &partner_body(&brn(101_010_002)))
            .header("Idempotency-Key", "create-1"),
    )
    .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (409, Some("idempotency.conflict"))
    );
    // Errors are replayed too, and a key belongs to one tenant's requests only.
    let bad = json!({ "brn": "1" });
    let (status, _) = send(
        t.post("/v1/partners", &bad)
            .header("Idempotency-Key", "bad-1"),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = send(
        t.post("/v1/partners", &bad)
            .header("Idempotency-Key", "bad-1"),
    )
    .await;
    assert_eq!(status, 422);
    let (_, list) = send(t.get("/v1/partners")).await;
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        1,
        "the replay created nothing"
    );
    let (status, _) = send(
        t.post("/v1/partners", &body)
            .header("Idempotency-Key", "x".repeat(300)),
    )
    .await;
    assert_eq!(status, 422);
}

async fn racing_creations_give_one_winner(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let body = partner_body(&brn(101_010_001));
    let attempts = (0..8).map(|_| send(t.post("/v1/partners", &body)));
    let results = futures::future::join_all(attempts).await;
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let conflicts = results
        .iter()
        .filter(|(s, b)| *s == 409 && b["error"]["code"] == "partner.duplicate_brn")
        .count();
    assert_eq!((created, conflicts), (1, 7), "{results:?}");
}

/// The document states the recurring constraints the server enforces, and the server
/// enforces them: a cursor of another shape, an id of another kind, an unknown currency.
async fn the_document_states_the_enforced_constraints(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, doc) = send(t.client.get(t.url("/v1/openapi.json"))).await;
    let parameter = |path: &str, name: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert!(parameter("/v1/partners", "cursor")["pattern"].is_string());
    let partner_id = parameter("/v1/payments", "partner_id");
    assert!(partner_id["pattern"].as_str().unwrap().starts_with("^par_"));
    let states = parameter("/v1/tax-invoices", "state")["enum"].clone();
    assert!(states.as_array().unwrap().contains(&json!("requested")));
    let payment = &doc["components"]["schemas"]["PaymentBody"];
    assert!(
        payment["properties"]["currency"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("KRW"))
    );
    assert!(
        payment["required"]
            .as_array()
            .unwrap()
            .contains(&json!("amount"))
    );

    let (status, body) =
        send(t.get("/v1/payments?partner_id=inv_01m90kvag3qf546tqjaes4r1ss")).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("partner_id"))
    );
    let (status, _) = send(t.get(&format!("/v1/partners?cursor={}", "a".repeat(65)))).await;
    assert_eq!(status, 422);
    let (status, body) = send(t.post(
        "/v1/payments",
        &json!({"partner_id": "par_01m90kvag3qf546tqjaes4r1ss", "amount": "10.00",
                "currency": "USD", "paid_on": "2026-11-02"}),
    ))
    .await;
    assert_eq!(status, 404, "a partner that does not exist: {body}");
    assert_eq!(body["error"]["code"], "payment.unknown_partner");
}

both_engines!(
    the_document_states_the_enforced_constraints,
    health_and_openapi,
    every_documented_operation_is_routed,
    keys_and_roles_are_enforced,
    partners_create_read_list_and_patch,
    bad_bodies_get_clear_errors,
    oversized_bodies_are_refused_before_reading,
    idempotency_keys_replay_and_conflict,
    racing_creations_give_one_winner,
);
