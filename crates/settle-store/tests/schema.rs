//! Both engines' migrations describe the same tables and columns, each column's pair of
//! engine types is one [`Kind`], and every row the store declares reads columns of the kind
//! and nullability the schema has.

use std::collections::BTreeMap;

use settle_store::Store;
use settle_store::columns::{Kind, declared_rows};
use settle_testkit::{TestEngine, fresh_database};
use sqlx::Row;

/// `(table, column)` → (declared type, nullable).
type Columns = BTreeMap<(String, String), (String, bool)>;

const KINDS: [Kind; 6] = [
    Kind::Text,
    Kind::Int,
    Kind::Decimal,
    Kind::Instant,
    Kind::Date,
    Kind::Json,
];

async fn columns(engine: TestEngine) -> (Columns, settle_testkit::TestDatabase) {
    let db = fresh_database(engine).await;
    let store = Store::open(&db.url).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let sql = match engine {
        TestEngine::Sqlite => {
            "SELECT m.name AS t, p.name AS c, p.type AS ty, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
        }
        TestEngine::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS t, CAST(column_name AS TEXT) AS c, \
             CAST(data_type AS TEXT) AS ty, \
             CAST(CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS BIGINT) AS nullable \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await.unwrap();
    let found = rows
        .iter()
        .map(|r| {
            let nullable: i64 = r.get("nullable");
            (
                (r.get("t"), r.get("c")),
                (r.get::<String, _>("ty").to_uppercase(), nullable == 1),
            )
        })
        .collect();
    (found, db)
}

fn kind_of(sqlite: &str, postgres: &str) -> Option<Kind> {
    let sqlite = if sqlite == "BIGINT" {
        "INTEGER"
    } else {
        sqlite
    };
    KINDS
        .into_iter()
        .find(|k| k.sqlite_type() == sqlite && k.postgres_type().eq_ignore_ascii_case(postgres))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_describe_the_same_columns_of_the_same_kinds() {
    let (sqlite, _a) = columns(TestEngine::Sqlite).await;
    let (postgres, _b) = columns(TestEngine::Postgres).await;
    let sqlite_names: Vec<_> = sqlite.keys().collect();
    let postgres_names: Vec<_> = postgres.keys().collect();
    assert_eq!(sqlite_names, postgres_names, "tables and columns");
    for (column, (sqlite_type, sqlite_null)) in &sqlite {
        let (postgres_type, postgres_null) = &postgres[column];
        assert!(
            kind_of(sqlite_type, postgres_type).is_some(),
            "{column:?}: {sqlite_type} on SQLite and {postgres_type} on PostgreSQL are no kind"
        );
        assert_eq!(sqlite_null, postgres_null, "{column:?} nullability");
    }
    assert!(
        postgres.values().any(|(ty, _)| ty == "NUMERIC"),
        "money is numeric on PostgreSQL"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_rows_read_columns_of_their_kind() {
    let (sqlite, _a) = columns(TestEngine::Sqlite).await;
    let (postgres, _b) = columns(TestEngine::Postgres).await;
    let declared = declared_rows();
    assert!(declared.len() >= 15, "every record's row is declared");
    for table in declared {
        for column in table.columns {
            let key = (table.name.to_owned(), column.name.to_owned());
            let (sqlite_type, sqlite_null) = sqlite
                .get(&key)
                .unwrap_or_else(|| panic!("{key:?} is not in the SQLite schema"));
            let (postgres_type, _) = &postgres[&key];
            assert_eq!(
                kind_of(sqlite_type, postgres_type),
                Some(column.kind),
                "{key:?} is declared {:?}",
                column.kind
            );
            assert_eq!(*sqlite_null, column.nullable, "{key:?} nullability");
        }
    }
}
