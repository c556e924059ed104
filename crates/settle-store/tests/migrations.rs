//! A SQLite database made before the state CHECK constraints keeps every row and every
//! foreign key when migration 0006 rebuilds its tables.

use settle_store::Store;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

const ROWS: &[&str] = &[
    "INSERT INTO tenants (id, name, brn, created_at) VALUES ('ten_1', 'T', '1248101231', '2026-11-01T00:00:00.000000Z')",
    "INSERT INTO partners (id, tenant_id, brn, name, ceo_name, address, biz_type, biz_item, partner_type, contact_name, contact_email, version, created_at, updated_at) \
     VALUES ('par_1', 'ten_1', '2208162517', 'P', 'C', 'A', 'B', 'I', 'business', 'N', 'e@x.example', 1, '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z')",
    "INSERT INTO billing_profiles (id, tenant_id, partner_id, currency, details, version, created_at, updated_at) \
     VALUES ('bpr_1', 'ten_1', 'par_1', 'USD', '{}', 1, '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z')",
    "INSERT INTO invoices (id, tenant_id, partner_id, profile_id, kind, series, number, status, marketplace, billing_period, currency, totals, total, settled, line_count, version, created_at, updated_at) \
     VALUES ('inv_1', 'ten_1', 'par_1', 'bpr_1', 'invoice', 'G', 'G000000001', 'open', 0, '2026-11', 'USD', '{}', '10.00', '0.00', 1, 2, '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z')",
    "INSERT INTO invoice_lines (id, invoice_id, line_no, item, priced) VALUES ('inl_1', 'inv_1', 1, '{}', '{}')",
    "INSERT INTO allocations (tenant_id, invoice_id, source_type, source_id, amount, on_date, created_at) \
     VALUES ('ten_1', 'inv_1', 'payment', 'pay_1', '4.00', '2026-11-02', '2026-11-02T00:00:00.000000Z')",
    "INSERT INTO rebill_requests (id, tenant_id, invoice_id, changes, reason, status, requested_by, created_at) \
     VALUES ('rbr_1', 'ten_1', 'inv_1', '{}', 'po', 'pending', 'key:a', '2026-11-03T00:00:00.000000Z')",
    "INSERT INTO tax_invoices (id, tenant_id, document_key, partner_id, state, write_date, late_from, document, supply_total, tax_total, total, version, created_at, updated_at) \
     VALUES ('tin_1', 'ten_1', 'K1', 'par_1', 'requested', '2026-11-01', '2026-12-11T15:00:00.000000Z', '{}', '100', '10', '110', 2, '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z')",
    "INSERT INTO tax_invoice_history (tax_invoice_id, from_state, to_state, actor, at) VALUES ('tin_1', NULL, 'drafted', 'key:a', '2026-11-01T00:00:00.000000Z')",
    "INSERT INTO tax_invoice_history (tax_invoice_id, from_state, to_state, actor, at) VALUES ('tin_1', 'drafted', 'requested', 'key:a', '2026-11-01T00:00:00.000000Z')",
    "INSERT INTO jobs (id, kind, payload, state, run_at, created_at) VALUES ('job_1', 'email', '{}', 'pending', '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z')",
];

const TABLES: &[(&str, i64)] = &[
    ("invoices", 1),
    ("invoice_lines", 1),
    ("allocations", 1),
    ("rebill_requests", 1),
    ("tax_invoices", 1),
    ("tax_invoice_history", 2),
    ("jobs", 1),
];

#[tokio::test]
async fn sqlite_rows_and_keys_survive_the_state_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let mut before = sqlx::migrate!("./migrations/sqlite");
    let old: Vec<_> = before
        .migrations
        .iter()
        .filter(|m| m.version < 6)
        .cloned()
        .collect();
    before.migrations = old.into();
    before.run(&pool).await.unwrap();
    for sql in ROWS {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mut conn = store.read().await.unwrap();
    for (table, count) in TABLES {
        let found: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .get("n");
        assert_eq!(found, *count, "{table}");
    }
    let state: String = sqlx::query("SELECT state FROM tax_invoices WHERE id = 'tin_1'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get("state");
    assert_eq!(state, "requested");
    // Foreign keys still point at the rebuilt tables and are enforced.
    let orphan = sqlx::query(
        "INSERT INTO invoice_lines (id, invoice_id, line_no, item, priced) \
         VALUES ('inl_2', 'inv_missing', 1, '{}', '{}')",
    )
    .execute(&mut *conn)
    .await;
    assert!(orphan.is_err(), "a line of a missing invoice was stored");
    let removal = sqlx::query("DELETE FROM invoices WHERE id = 'inv_1'")
        .execute(&mut *conn)
        .await;
    assert!(removal.is_err(), "an invoice with lines was deleted");
    // The rebuilt table carries its constraint.
    let bogus = sqlx::query("UPDATE invoices SET status = 'lost'")
        .execute(&mut *conn)
        .await;
    assert!(bogus.is_err(), "a status outside the lifecycle was stored");
}
