//! Test support shared by the crates' integration tests: every test gets a database of its
//! own, on SQLite (a temporary file) or PostgreSQL (a new database on the server named by
//! `SETTLE_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! [`both_engines!`] turns one async test function into a test per engine.

mod checkers;

pub use checkers::{ParsedEmail, SmtpServer, outbox_messages, parse_eml, python, xmlsec1_accepts};
use sqlx::{Connection, Executor, PgConnection};

/// A database engine under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestEngine {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A fresh, empty database; a SQLite file lives as long as this value.
pub struct TestDatabase {
    /// URL to open it with.
    pub url: String,
    /// The directory of a SQLite file (also usable as a data directory).
    pub dir: tempfile::TempDir,
}

/// The PostgreSQL server tests use.
pub fn postgres_admin_url() -> String {
    std::env::var("SETTLE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Creates a fresh database on `engine`.
///
/// # Panics
/// When the PostgreSQL server cannot be reached: the suite must run on both engines, so a
/// missing server is a failure, not a skip.
pub async fn fresh_database(engine: TestEngine) -> TestDatabase {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = match engine {
        TestEngine::Sqlite => format!("sqlite://{}", dir.path().join("settle.db").display()),
        TestEngine::Postgres => {
            let admin = postgres_admin_url();
            let mut conn = PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is needed by the tests: {e}"));
            let name = format!(
                "settle_test_{}",
                ulid::Ulid::new().to_string().to_ascii_lowercase()
            );
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            let base = admin
                .rsplit_once('/')
                .map(|(base, _)| base)
                .unwrap_or(&admin);
            format!("{base}/{name}")
        }
    };
    TestDatabase { url, dir }
}

/// Expands `both_engines!(name1, name2, …)` into `mod sqlite { #[tokio::test] async fn name1 }`
/// and `mod postgres { … }`, each calling `name(engine)` from the enclosing module.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::TestEngine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::TestEngine::Postgres).await
                }
            )*
        }
    };
}
