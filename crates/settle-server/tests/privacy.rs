//! A partner's contact person: the export of everything settle holds about them, and the
//! erasure, checked by scanning every text column of every table on both engines, the
//! outbox folder and the export itself. The one documented exception: a tax invoice that
//! was issued (and is filed) keeps its document as a tax record.

mod support;

use serde_json::{Value, json};
use settle_testkit::{TestEngine, both_engines};
use sqlx::Row;
use support::issuance::{certificate_form, invoice, leaf, requested_invoice};
use support::{TestApp, send};

const EMAIL: &str = "kim.privacy@supplier.example";
const PHONE: &str = "010-5555-0199";

/// Every (table, column, row count) whose text holds `needle`, leaving out the rows of the
/// issued tax invoice `kept_id`.
async fn scan(t: &TestApp, needle: &str, kept_id: &str) -> Vec<(String, String, i64)> {
    let mut conn = t.app.store.read().await.unwrap();
    let postgres = conn.backend_name() == "PostgreSQL";
    let columns: Vec<(String, String)> = if postgres {
        sqlx::query(
            "SELECT CAST(table_name AS TEXT) AS t, CAST(column_name AS TEXT) AS c \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'character varying')",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>("t"), r.get::<String, _>("c")))
        .collect()
    } else {
        let tables: Vec<String> = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect();
        let mut all = Vec::new();
        for table in tables {
            for row in sqlx::query(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&mut *conn)
                .await
                .unwrap()
            {
                all.push((table.clone(), row.get::<String, _>("name")));
            }
        }
        all
    };
    let mut found = Vec::new();
    for (table, column) in columns {
        let kept = if table == "tax_invoices" {
            format!(" AND id <> '{kept_id}'")
        } else {
            String::new()
        };
        let sql =
            format!("SELECT COUNT(*) AS n FROM {table} WHERE CAST({column} AS TEXT) LIKE $1{kept}");
        let n: i64 = sqlx::query(&sql)
            .bind(format!("%{needle}%"))
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .get("n");
        if n > 0 {
            found.push((table, column, n));
        }
    }
    found
}

/// A supplier whose contact is EMAIL/PHONE with an issued invoice, a drafted one and a
/// withdrawn request; returns the partner id and the issued invoice's id.
async fn supplier_with_documents(t: &TestApp) -> (String, String) {
    let requested = requested_invoice(t, "PRIV-ISSUED", EMAIL).await;
    let (_, issued) = send(t.get("/v1/tax-invoices/PRIV-ISSUED")).await;
    let partner = issued["partner_id"].as_str().unwrap().to_owned();
    let patched = t.patch(
        &format!("/v1/partners/{partner}"),
        &json!({"contact": {"name": "김개인", "email": EMAIL, "phone": PHONE}}),
    );
    assert_eq!(send(patched).await.0, 200);
    let opened =
        settle_app::supplier::open_session(&t.app, &requested.token, &requested.supplier_brn)
            .await
            .unwrap();
    let session = format!("Supplier {}", opened.session);
    let own = leaf(&requested.ca, &requested.supplier_brn);
    let certificate = t
        .client
        .post(t.url("/v1/supplier/certificates"))
        .header("authorization", &session)
        .multipart(certificate_form(&own));
    assert_eq!(send(certificate).await.0, 201);
    let issue = t
        .client
        .post(t.url(&format!(
            "/v1/supplier/tax-invoices/{}/issue",
            opened.tax_invoice_id
        )))
        .header("authorization", &session)
        .json(&json!({}));
    assert_eq!(send(issue).await.0, 200);
    let draft = invoice("PRIV-DRAFT", &partner);
    assert_eq!(send(t.post("/v1/tax-invoices", &draft)).await.0, 201);
    let mut withdrawn = invoice("PRIV-WITHDRAWN", &partner);
    withdrawn["request"] = json!(true);
    assert_eq!(send(t.post("/v1/tax-invoices", &withdrawn)).await.0, 201);
    let cancel = t.post("/v1/tax-invoices/PRIV-WITHDRAWN/cancel-request", &json!({}));
    assert_eq!(send(cancel).await.0, 200);
    t.email_to(EMAIL, "세금계산서 발행 요청").await;
    (partner, opened.tax_invoice_id.to_string())
}

async fn the_export_lists_the_contact_person_wherever_it_is(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (partner, _) = supplier_with_documents(&t).await;
    let (status, export) = send(t.get(&format!("/v1/partners/{partner}/personal-data"))).await;
    assert_eq!(status, 200, "{export}");
    let records = export["data"].as_array().unwrap();
    let has = |source: &str, reference: Option<&str>, value: &str| {
        records.iter().any(|r| {
            r["source"] == source
                && reference.is_none_or(|x| r["reference"] == x)
                && r["value"] == value
        })
    };
    assert!(has("partner", Some(&partner), EMAIL), "{export}");
    assert!(has("partner", Some(&partner), PHONE), "{export}");
    assert!(has("tax_invoice", Some("PRIV-ISSUED"), EMAIL), "{export}");
    assert!(has("email", None, EMAIL), "{export}");
    let response = t
        .get(&format!("/v1/partners/{partner}/personal-data?format=csv"))
        .send()
        .await
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    let csv = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    assert!(csv.starts_with("source,reference,field,value,state"));
    assert!(csv.contains(&format!("partner,{partner},contact.phone,{PHONE},")));
    let (status, body) =
        send(t.get(&format!("/v1/partners/{partner}/personal-data?format=xml"))).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("format"))
    );
}

async fn erasure_leaves_the_contact_only_in_the_filed_tax_invoice(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (partner, issued_id) = supplier_with_documents(&t).await;
    let before = scan(&t, EMAIL, &issued_id).await;
    assert!(
        before.iter().any(|(table, _, _)| table == "partners"),
        "{before:?}"
    );
    assert!(
        before.iter().any(|(table, _, _)| table == "jobs"),
        "{before:?}"
    );
    let (status, report) = send(t.post(&format!("/v1/partners/{partner}/erase"), &json!({}))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["tax_invoices_kept"], json!(["PRIV-ISSUED"]));
    assert!(
        report["tax_invoices_redacted"].as_u64().unwrap() >= 2,
        "{report}"
    );
    assert!(report["emails_erased"].as_u64().unwrap() >= 1, "{report}");
    for needle in [EMAIL, PHONE] {
        let left = scan(&t, needle, &issued_id).await;
        assert!(left.is_empty(), "{needle} is still in {left:?}");
    }
    let outbox = settle_testkit::outbox_messages(&t.outbox);
    assert!(
        outbox
            .iter()
            .all(|m| m.to != EMAIL && !m.body.contains(EMAIL))
    );
    let (_, export) = send(t.get(&format!("/v1/partners/{partner}/personal-data"))).await;
    let others: Vec<&Value> = export["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reference"] != "PRIV-ISSUED")
        .collect();
    assert!(
        others.is_empty(),
        "only the filed invoice keeps it: {export}"
    );
    let (_, events) = send(t.get(&format!("/v1/partners/{partner}"))).await;
    assert_eq!(events["contact"]["email"], "");
    let mut conn = t.app.store.read().await.unwrap();
    let tenant = settle_core::ids::TenantId::from_trusted(t.tenant_id.clone());
    let erased = settle_store::events::for_subject(&mut conn, &tenant, "partner", &partner)
        .await
        .unwrap();
    assert!(erased.iter().any(|e| e.action == "partner.erased"));
}

both_engines!(
    the_export_lists_the_contact_person_wherever_it_is,
    erasure_leaves_the_contact_only_in_the_filed_tax_invoice,
);
