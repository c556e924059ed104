//! Schemathesis, an independent OpenAPI fuzzer, against a fresh `settle serve --demo` on
//! SQLite: every operation of the served document, with the demo key, and every check. It
//! must find no server error, no undocumented status, no answer that breaks its documented
//! schema or content type, no valid request refused and no invalid one accepted. The
//! repository's `schemathesis.toml` names the operations whose rules depend on stored data
//! or on arithmetic across fields, and `scripts/schemathesis_hooks.py` generates valid BRNs.
//! (`./scripts/test` installs schemathesis and sets `SETTLE_SCHEMATHESIS`.)

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the demo server and returns it with its API key (read from what it prints).
fn demo_server(data: &std::path::Path, addr: &str) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_settle"))
        .env_remove("DATABASE_URL")
        .env("SETTLE_DATA", data)
        .env("SETTLE_SECRET_KEY", "a secret key for the fuzz test")
        .args(["serve", "--demo", "--addr", addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start settle serve --demo");
    let stdout = child.stdout.take().expect("piped stdout");
    let server = Server(child);
    // Read on until the server ends, so its later output never meets a closed pipe.
    let (found, key) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(word) = line.split_whitespace().find(|w| w.starts_with("sk_")) {
                let _ = found.send(word.to_owned());
            }
        }
    });
    let key = key
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("settle serve --demo printed an API key");
    (server, key)
}

/// The number after `Tested:` in schemathesis' summary.
fn tested_operations(report: &str) -> usize {
    report
        .lines()
        .find_map(|line| line.trim().strip_prefix("Tested:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn schemathesis_finds_no_failure_with_every_check() {
    let schemathesis = std::env::var("SETTLE_SCHEMATHESIS").expect(
        "SETTLE_SCHEMATHESIS names the schemathesis executable (./scripts/test installs it)",
    );
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let (_server, key) = demo_server(&dir.path().join("data"), &format!("127.0.0.1:{port}"));
    // The repository's settings, with their hooks at the relative path they name; the run
    // itself (and the fuzzer's example database) stays in the temporary directory.
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::os::unix::fs::symlink(repository.join("scripts"), dir.path().join("scripts")).unwrap();
    let output = Command::new(schemathesis)
        .current_dir(dir.path())
        .arg("--config-file")
        .arg(repository.join("schemathesis.toml"))
        .args(["run", &format!("{base}/v1/openapi.json"), "--url", &base])
        .args(["--header", &format!("Authorization: Bearer {key}")])
        .args(["--checks", "all"])
        .args(["--max-examples", "10", "--seed", "20261204", "--no-color"])
        .output()
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{report}"
    );
    assert!(
        tested_operations(&report) >= 50,
        "schemathesis tested too few operations:\n{report}"
    );
}
