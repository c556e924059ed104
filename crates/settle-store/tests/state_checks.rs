//! Every state and kind column accepts exactly the names settle-core defines, on both
//! engines: the CHECK constraints are read back from each engine's schema and compared
//! with the enums, and a name outside them is refused.

use settle_core::billing::{DocumentKind, DocumentStatus, RebillStatus, Series};
use settle_core::job::JobState;
use settle_core::tax_invoice::ALL_STATES;
use settle_store::jobs::{self, NewJob};
use settle_store::{Engine, Store};
use settle_testkit::{TestEngine, both_engines, fresh_database};
use sqlx::Row;
use time::OffsetDateTime;

/// The quoted names in a CHECK constraint, as the engine stores it.
async fn checked_names(store: &Store, table: &str, constraint: &str) -> Vec<String> {
    let mut conn = store.read().await.unwrap();
    let definition: String = match store.engine() {
        Engine::Postgres => sqlx::query(
            "SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = $1 AND c.conname = $2",
        )
        .bind(table)
        .bind(constraint)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get("def"),
        Engine::Sqlite => {
            let sql: String =
                sqlx::query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1")
                    .bind(table)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap()
                    .get("sql");
            let start = sql
                .find(&format!("CONSTRAINT {constraint} CHECK"))
                .unwrap_or_else(|| panic!("{table} has no constraint {constraint}: {sql}"));
            let rest = &sql[start..];
            rest[..rest.find('\n').unwrap_or(rest.len())].to_owned()
        }
    };
    let mut names: Vec<String> = definition
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

fn sorted(names: impl IntoIterator<Item = &'static str>) -> Vec<String> {
    let mut names: Vec<String> = names.into_iter().map(str::to_owned).collect();
    names.sort();
    names
}

async fn state_columns_check_exactly_the_core_names(engine: TestEngine) {
    let db = fresh_database(engine).await;
    let store = Store::open(&db.url).await.unwrap();
    let tax_states = sorted(ALL_STATES.iter().map(|s| s.as_str()));
    let expected = [
        ("tax_invoices", "tax_invoices_state", tax_states.clone()),
        (
            "tax_invoice_history",
            "tax_invoice_history_from_state",
            tax_states.clone(),
        ),
        (
            "tax_invoice_history",
            "tax_invoice_history_to_state",
            tax_states,
        ),
        (
            "invoices",
            "invoices_status",
            sorted(DocumentStatus::ALL.iter().map(|s| s.as_str())),
        ),
        (
            "invoices",
            "invoices_kind",
            sorted(DocumentKind::ALL.iter().map(|s| s.as_str())),
        ),
        (
            "invoices",
            "invoices_series",
            sorted(Series::ALL.iter().map(|s| s.as_str())),
        ),
        (
            "rebill_requests",
            "rebill_requests_status",
            sorted(RebillStatus::ALL.iter().map(|s| s.as_str())),
        ),
        (
            "jobs",
            "jobs_state",
            sorted(JobState::ALL.iter().map(|s| s.as_str())),
        ),
        (
            "uploads",
            "uploads_kind",
            sorted(
                settle_core::upload::UploadKind::ALL
                    .iter()
                    .map(|s| s.as_str()),
            ),
        ),
    ];
    for (table, constraint, names) in expected {
        assert_eq!(
            checked_names(&store, table, constraint).await,
            names,
            "{table}.{constraint}"
        );
    }
}

async fn a_state_outside_the_lifecycle_is_refused(engine: TestEngine) {
    let db = fresh_database(engine).await;
    let store = Store::open(&db.url).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let mut tx = store.write().await.unwrap();
    let job = NewJob {
        tenant_id: None,
        kind: "test".to_owned(),
        payload: serde_json::json!({}),
        dedupe_key: None,
        run_at: now,
    };
    assert!(jobs::enqueue(&mut tx, &job, now).await.unwrap());
    tx.commit().await.unwrap();
    let mut conn = store.read().await.unwrap();
    let refused = sqlx::query("UPDATE jobs SET state = $1")
        .bind("queued")
        .execute(&mut *conn)
        .await;
    assert!(refused.is_err(), "a state outside JobState was stored");
    let accepted = sqlx::query("UPDATE jobs SET state = $1")
        .bind(JobState::Done.as_str())
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(accepted.rows_affected(), 1);
}

both_engines!(
    state_columns_check_exactly_the_core_names,
    a_state_outside_the_lifecycle_is_refused
);
