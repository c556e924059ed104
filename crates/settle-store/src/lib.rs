//! settle's storage: one SQL layer over SQLite (the default, a file in the data directory)
//! and PostgreSQL. Queries are written once in the SQL both engines share and run through
//! sqlx's `Any` driver; the few engine differences (transaction start, row locking) live
//! here in one place. Migrations for both engines run when the store opens.
//!
//! Every module is one table or one concern; functions take `&mut AnyConnection` so that a
//! use case can run several of them inside one [`WriteTx`].

pub mod api_keys;
pub mod approvals;
pub mod billing;
mod bulk;
pub mod certificates;
mod codec;
pub mod columns;
pub mod events;
mod filters;
pub mod idempotency;
pub mod jobs;
pub mod nts_simulator;
pub mod partners;
pub mod popbill;
pub mod privacy;
pub mod settlement;
pub mod supplier;
pub mod tax_invoices;
pub mod tenants;
pub mod uploads;
pub mod users;
pub mod webhooks;

use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use sqlx::AnyConnection as Conn;

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// What can go wrong in storage. Constraint outcomes the callers must handle (duplicates,
/// lost races) are not errors: the functions return them as values.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no supported engine.
    #[error("unsupported database URL {0:?}: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// A unique constraint refused a write.
    #[error("a unique constraint refused the write: {0}")]
    Duplicate(String),
    /// A stored value could not be read back (corruption or a foreign writer).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate(db.message().to_owned())
            }
            _ => StoreError::Database(error),
        }
    }
}

/// Result of storage calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// A pooled connection, held as long as a read needs it (e.g. a streamed export).
pub type PooledConn = PoolConnection<Any>;

/// A handle on the database: a connection pool plus what is needed to write safely.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// SQLite allows one writer at a time; taking this lock in-process before `BEGIN
    /// IMMEDIATE` queues writers without SQLite's sleep-and-retry busy loop. Other
    /// processes on the same file still wait through `busy_timeout`.
    sqlite_writer: Option<Arc<Mutex<()>>>,
}

impl Store {
    /// Opens the database at `url` (`sqlite://path` or `postgres://…`), creating a SQLite
    /// file if needed, and runs the migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match engine {
            Engine::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(30))
            // An embedded database cannot drop a connection, so checking one before each
            // use only costs a round trip to its worker thread; a server can.
            .test_before_acquire(engine == Engine::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // WAL lets readers run beside the writer; NORMAL sync is safe against
                        // process crashes (a power cut may lose the last commits). A 32 MB page cache keeps
                        // the indexes of a large import in memory.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 15000; \
                             PRAGMA cache_size = -32768;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store {
            pool,
            engine,
            sqlite_writer: (engine == Engine::Sqlite).then(|| Arc::new(Mutex::new(()))),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        match self.engine {
            Engine::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
            Engine::Sqlite => {
                // SQLite changes a table's constraints only by rebuilding it, and dropping a
                // parent table counts its children as violations even when the rebuilt
                // table takes its place; so migrations run with foreign keys off (which
                // SQLite allows only outside a transaction), and then every key is checked.
                let mut conn = self.pool.acquire().await?;
                conn.execute("PRAGMA foreign_keys = OFF").await?;
                let migrated = sqlx::migrate!("./migrations/sqlite").run(&mut *conn).await;
                let violations = sqlx::query("PRAGMA foreign_key_check")
                    .fetch_all(&mut *conn)
                    .await;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                migrated?;
                if !violations?.is_empty() {
                    return Err(StoreError::Corrupt(
                        "a migration left rows whose foreign keys point nowhere".to_owned(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The engine behind this store.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// A pooled connection for reads (or single-statement writes).
    pub async fn read(&self) -> StoreResult<PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a transaction that reads before it writes cannot fail half-way on a
    /// lock upgrade. Dropping it without [`WriteTx::commit`] rolls back.
    pub async fn write(&self) -> StoreResult<WriteTx> {
        let guard = match &self.sqlite_writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _guard: guard })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    /// Closes every connection (flushes SQLite's WAL on the last one).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// An open write transaction; derefs to the connection the table modules take.
pub struct WriteTx {
    // Declared first so the transaction ends before the write lock is released.
    tx: Transaction<'static, Any>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits every write made through this transaction.
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
