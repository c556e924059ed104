//! Configuration shared by every subcommand: flags, or the environment variables they name.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use settle_app::secrets::SecretKey;
use settle_app::{App, Settings};
use settle_store::{Engine, Store};

/// Where settle keeps its data and how it reaches its database.
#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Data directory (the SQLite file, outbox, generated keys).
    #[arg(
        long = "data",
        env = "SETTLE_DATA",
        default_value = "./settle-data",
        global = true
    )]
    pub data: PathBuf,
    /// Database URL: `postgres://…`, or `sqlite://…` (default: settle.db in the data directory).
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Key that encrypts stored private keys (required with PostgreSQL once certificates
    /// are registered; with SQLite a key file is generated in the data directory).
    #[arg(
        long = "secret-key",
        env = "SETTLE_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
    /// PEM bundle of trusted certificate authorities for joint certificates.
    #[arg(long = "trust", env = "SETTLE_CERT_TRUST", global = true)]
    pub cert_trust: Option<PathBuf>,
    /// The 8-digit issuer code in NTS approval numbers (assigned to the filing system).
    #[arg(
        long = "nts-issuer-code",
        env = "SETTLE_NTS_ISSUER_CODE",
        default_value = "90000001",
        global = true
    )]
    pub nts_issuer_code: String,
    /// Public base URL used in emailed links (default `http://{SETTLE_ADDR}`).
    #[arg(long = "public-url", env = "SETTLE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// SMTP server for outgoing mail (`smtp://host:25`, `smtps://user:pass@host`); without
    /// one, messages are written as `.eml` files to `$SETTLE_DATA/outbox/`.
    #[arg(
        long = "smtp-url",
        env = "SETTLE_SMTP_URL",
        global = true,
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,
    /// The From of outgoing mail.
    #[arg(
        long = "mail-from",
        env = "SETTLE_MAIL_FROM",
        default_value = "settle <noreply@settle.localhost>",
        global = true
    )]
    pub mail_from: String,
    /// Korean local time of the daily NTS filing batch, `HH:MM`.
    #[arg(
        long = "filing-time",
        env = "SETTLE_FILING_TIME",
        default_value = "15:00",
        global = true
    )]
    pub filing_time: String,
    /// Seconds a filer's claim on the invoices it files lasts; a filer that died is taken
    /// over once it lapses.
    #[arg(
        long = "filing-lease",
        env = "SETTLE_FILING_LEASE",
        default_value_t = 600,
        global = true
    )]
    pub filing_lease: u32,
    /// Allow webhook endpoints on private, loopback and link-local addresses.
    #[arg(
        long = "webhook-allow-private",
        env = "SETTLE_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        global = true
    )]
    pub webhook_allow_private: bool,
    /// Where issued invoices are filed: `simulator` (the embedded NTS simulator), `remote`
    /// (a filing service speaking the filer protocol at `SETTLE_FILER_URL`, such as `settle
    /// nts-simulator serve`) or `popbill` (Popbill, or a service speaking its API, at
    /// `SETTLE_POPBILL_URL`).
    #[arg(
        long = "filer",
        env = "SETTLE_FILER",
        default_value = "simulator",
        global = true
    )]
    pub filer: FilerKind,
    /// The filing service's base URL, for `SETTLE_FILER=remote`.
    #[arg(long = "filer-url", env = "SETTLE_FILER_URL", global = true)]
    pub filer_url: Option<String>,
    /// The Popbill(-compatible) service's base URL, for `SETTLE_FILER=popbill` (it answers
    /// both the token handshake and the API).
    #[arg(long = "popbill-url", env = "SETTLE_POPBILL_URL", global = true)]
    pub popbill_url: Option<String>,
    /// The link id of settle's account at that service.
    #[arg(
        long = "popbill-link-id",
        env = "SETTLE_POPBILL_LINK_ID",
        global = true
    )]
    pub popbill_link_id: Option<String>,
    /// The link id's secret key (base64).
    #[arg(
        long = "popbill-secret-key",
        env = "SETTLE_POPBILL_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub popbill_secret_key: Option<String>,
    /// Use Popbill's test environment (`POPBILL_TEST` tokens).
    #[arg(
        long = "popbill-test",
        env = "SETTLE_POPBILL_TEST",
        default_value_t = false,
        global = true
    )]
    pub popbill_test: bool,
    /// Seconds a filing request may take before it is given up and retried.
    #[arg(
        long = "filer-timeout",
        env = "SETTLE_FILER_TIMEOUT",
        default_value_t = 30,
        global = true
    )]
    pub filer_timeout: u64,
}

/// Where issued invoices are filed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilerKind {
    /// The embedded NTS simulator.
    Simulator,
    /// A filing service over HTTP (the filer protocol).
    Remote,
    /// Popbill, or a service speaking its API.
    Popbill,
}

impl Config {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}", self.data.join("settle.db").display()),
        }
    }

    /// The filer configured, unless it is the embedded simulator.
    fn filer(&self) -> anyhow::Result<Option<Arc<dyn settle_app::filing::Filer>>> {
        match self.filer {
            FilerKind::Simulator => Ok(None),
            FilerKind::Remote => {
                let url = self
                    .filer_url
                    .as_deref()
                    .filter(|u| !u.trim().is_empty())
                    .ok_or_else(|| anyhow::anyhow!("SETTLE_FILER=remote needs SETTLE_FILER_URL"))?;
                let timeout = std::time::Duration::from_secs(self.filer_timeout.max(1));
                let filer = settle_app::filing::RemoteFiler::new(url, timeout)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(Some(Arc::new(filer)))
            }
            FilerKind::Popbill => {
                let given = |value: &Option<String>, name: &str| {
                    value
                        .clone()
                        .filter(|v| !v.trim().is_empty())
                        .ok_or_else(|| anyhow::anyhow!("SETTLE_FILER=popbill needs {name}"))
                };
                let url = given(&self.popbill_url, "SETTLE_POPBILL_URL")?;
                let link_id = given(&self.popbill_link_id, "SETTLE_POPBILL_LINK_ID")?;
                let secret = given(&self.popbill_secret_key, "SETTLE_POPBILL_SECRET_KEY")?;
                let service = if self.popbill_test {
                    settle_app::popbill::ServiceId::PopbillTest
                } else {
                    settle_app::popbill::ServiceId::Popbill
                };
                let timeout = std::time::Duration::from_secs(self.filer_timeout.max(1));
                let filer = settle_app::filing::PopbillFiler::new(
                    &url, &link_id, &secret, service, timeout,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(Some(Arc::new(filer)))
            }
        }
    }

    /// The settings use cases read; `addr` is where the server listens (the default base
    /// of emailed links).
    pub fn settings(&self, addr: Option<&str>) -> anyhow::Result<Settings> {
        let addr = addr
            .map(str::to_owned)
            .or_else(|| std::env::var("SETTLE_ADDR").ok())
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let public_url = match &self.public_url {
            Some(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
            _ => format!("http://{addr}"),
        };
        let issuer_code = self
            .nts_issuer_code
            .parse()
            .map_err(|e: settle_nts::approval::ApprovalError| anyhow::anyhow!("{e}"))?;
        let format = time::macros::format_description!("[hour]:[minute]");
        let filing_time = time::Time::parse(self.filing_time.trim(), &format).map_err(|_| {
            anyhow::anyhow!(
                "SETTLE_FILING_TIME must be HH:MM, got {:?}",
                self.filing_time
            )
        })?;
        Ok(Settings {
            public_url,
            issuer_code,
            filing_time,
            outbox_dir: self.data.join("outbox"),
            smtp_url: self.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            mail_from: self.mail_from.clone(),
            webhook_allow_private: self.webhook_allow_private,
            filing_lease: time::Duration::seconds(i64::from(self.filing_lease.max(1))),
        })
    }

    /// Opens the store (creating the data directory) and builds the app.
    pub async fn open(&self) -> anyhow::Result<App> {
        self.open_at(None).await
    }

    /// Like [`Config::open`], for a server listening on `addr`.
    pub async fn open_at(&self, addr: Option<&str>) -> anyhow::Result<App> {
        let settings = self.settings(addr)?;
        std::fs::create_dir_all(&self.data).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the data directory {}: {e}",
                self.data.display()
            )
        })?;
        let store = Store::open(&self.database_url()).await?;
        let embedded = store.engine() == Engine::Sqlite;
        let mut app = App::new(store).with_settings(settings);
        match &self.secret_key {
            Some(secret) => app = app.with_secret_key(SecretKey::from_secret(secret)?),
            // The embedded database keeps its key file beside it; a server database needs
            // the key from outside, or a copy of the database would carry its own key.
            None if embedded => {
                app = app.with_secret_key(SecretKey::load_or_create(&self.data.join("secret.key"))?)
            }
            None => {}
        }
        if let Some(filer) = self.filer()? {
            app = app.with_filer(filer);
        }
        if let Some(path) = &self.cert_trust {
            let trust = settle_nts::TrustBundle::from_pem_file(path)
                .map_err(|e| anyhow::anyhow!("{e} [{}]", e.code()))?;
            app = app.with_cert_trust(trust);
        }
        Ok(app)
    }
}
