//! The `settle` binary as the tests run it: a data directory (or a PostgreSQL database),
//! commands, and server processes killed when dropped.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use settle_nts::certificate::{LeafSpec, ThrowawayCa};
use settle_testkit::{TestDatabase, TestEngine, fresh_database};

pub struct Settle {
    pub db: TestDatabase,
    pub engine: TestEngine,
    /// A filing service to file through instead of the embedded simulator.
    pub filer_url: Option<String>,
    /// More environment for every command.
    pub env: Vec<(String, String)>,
}

impl Settle {
    /// settle on a fresh database of `engine`.
    pub async fn on(engine: TestEngine) -> Self {
        Settle {
            db: fresh_database(engine).await,
            engine,
            filer_url: None,
            env: Vec::new(),
        }
    }

    /// `settle tenant create`; its JSON (`tenant_id`, `api_key`).
    pub fn create_tenant(&self, name: &str, brn: &str) -> Value {
        let (ok, tenant, stderr) = self.run(&["tenant", "create", "--name", name, "--brn", brn]);
        assert!(ok, "{stderr}");
        tenant
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_settle"));
        command
            .env_remove("DATABASE_URL")
            .env("SETTLE_DATA", self.db.dir.path().join("data"))
            .env("SETTLE_SECRET_KEY", "a secret key for the cli tests")
            .env("SETTLE_WEBHOOK_ALLOW_PRIVATE", "true");
        if self.engine == TestEngine::Postgres {
            command.env("DATABASE_URL", &self.db.url);
        }
        if let Some(url) = &self.filer_url {
            command
                .env("SETTLE_FILER", "remote")
                .env("SETTLE_FILER_URL", url)
                .env("SETTLE_FILER_TIMEOUT", "5");
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    pub fn run(&self, args: &[&str]) -> (bool, Value, String) {
        let output = self.command().args(args).output().expect("run settle");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (
            output.status.success(),
            serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
            stderr,
        )
    }

    pub async fn serve(&self) -> (Server, String) {
        self.start(&["serve"], "/health").await
    }

    /// Runs `args --addr A` until `ready` answers 200 there; the process and its URL.
    pub async fn start(&self, args: &[&str], ready: &str) -> (Server, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let server = Server(
            self.command()
                .args(args)
                .args(["--addr", &addr])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start settle"),
        );
        let base = format!("http://{addr}");
        for _ in 0..200 {
            if reqwest::get(format!("{base}{ready}"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return (server, base);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("settle {args:?} did not come up on {addr}");
    }
}

/// A `settle serve` process, killed when dropped (also when a test fails).
pub struct Server(pub Child);

impl Server {
    pub fn kill(&mut self) -> std::io::Result<()> {
        self.0.kill()
    }

    pub fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.0.wait()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A form with a throwaway joint certificate as a PFX (without a VID, as test
/// certificates are).
pub fn certificate_form(ca: &ThrowawayCa) -> Form {
    let leaf = ca.issue(&LeafSpec::new("cli")).unwrap();
    Form::new()
        .part("pfx", Part::bytes(leaf.pfx("pfx-password").unwrap()))
        .text("password", "pfx-password")
}
