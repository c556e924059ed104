//! The demo as a newcomer meets it: `settle serve --demo` prints a supplier link, a BRN,
//! certificate files and a sign-in; in a real headless Chromium the link's invoice is
//! approved with those files and the demo user signs in. On SQLite and PostgreSQL.

// Shared with the server's browser tests; this test uses part of it.
#[allow(dead_code)]
#[path = "../../settle-server/tests/support/browser.rs"]
mod browser;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use browser::Browser;
use settle_testkit::{TestEngine, both_engines, fresh_database};

/// What `settle serve --demo` printed, by label.
struct Printed(Vec<String>);

impl Printed {
    /// The text after `label` on the first line that starts with it (after blanks).
    fn value(&self, label: &str) -> String {
        self.0
            .iter()
            .find_map(|line| line.trim_start().strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} in {:#?}", self.0))
            .trim()
            .to_owned()
    }
}

/// A server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `settle` with the test's data directory and database.
fn settle(engine: TestEngine, db: &settle_testkit::TestDatabase) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_settle"));
    command
        .env_remove("DATABASE_URL")
        .env("SETTLE_DATA", db.dir.path().join("data"))
        .env("SETTLE_SECRET_KEY", "a secret key for the demo test");
    if engine == TestEngine::Postgres {
        command.env("DATABASE_URL", &db.url);
    }
    command
}

/// Starts `settle serve --demo` and reads what it prints until the API line.
fn serve_demo(engine: TestEngine, db: &settle_testkit::TestDatabase) -> (Server, String, Printed) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = settle(engine, db)
        .args(["serve", "--demo", "--addr", &addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("settle serve --demo");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let last = line.starts_with("API description");
        lines.push(line);
        if last {
            break;
        }
    }
    (server, format!("http://{addr}"), Printed(lines))
}

async fn the_printed_link_lets_a_person_approve_with_the_printed_files(engine: TestEngine) {
    let db = fresh_database(engine).await;
    let (_server, base, printed) = serve_demo(engine, &db);
    for _ in 0..200 {
        if reqwest::get(format!("{base}/health"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let link = printed.value("link");
    assert!(link.starts_with(&format!("{base}/s/")), "{link}");
    let files = printed.value("certificate files");
    let folder = PathBuf::from(files.split_whitespace().next().unwrap());
    let test = format!(
        "demo-{}",
        if engine == TestEngine::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
    let mut browser = Browser::start(&base, &test).await;
    browser.visit(&link).await;
    browser.fill("brn", &printed.value("BRN")).await;
    browser.click("form button[type=submit]").await;
    assert!(
        browser.text().await.contains("상품 판매 정산"),
        "{}",
        browser.text().await
    );
    browser.check_page("demo-invoice").await;
    browser.click_link("공동인증서 등록").await;
    browser
        .choose_file("sign_cert", &folder.join("signCert.der"))
        .await;
    browser
        .choose_file("sign_key", &folder.join("signPri.key"))
        .await;
    browser
        .fill("password", &printed.value("certificate password"))
        .await;
    browser.click("form button[type=submit]").await;
    assert!(
        browser.text().await.contains("공동인증서가 등록되었습니다"),
        "{}",
        browser.text().await
    );
    browser.click_link("돌아가기").await;
    browser.click_link("발행(승인)").await;
    browser.click("form button[type=submit]").await;
    let page = browser.text().await;
    assert!(page.contains("발행 완료"), "{page}");
    let approval = page
        .split_whitespace()
        .find(|word| word.len() == 24 && word.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("an approval number on the page: {page}"));
    assert!(approval.starts_with("20"), "{approval}");
    browser.check_page("demo-issued").await;
    // The demo user signs in with what was printed.
    browser.visit("/login").await;
    browser.fill("email", &printed.value("email")).await;
    browser.fill("password", &printed.value("password")).await;
    browser.click("form button[type=submit]").await;
    assert_eq!(browser.path().await, "/account");
    browser.check_page("demo-account").await;
    // The next day's filing batch, by the command beside the server; the workspace then
    // shows every issued invoice filed.
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let as_of = tomorrow
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let batch = settle(engine, &db)
        .args(["nts", "run-batch", "--as-of", &as_of])
        .output()
        .unwrap();
    assert!(
        batch.status.success(),
        "{}",
        String::from_utf8_lossy(&batch.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&batch.stdout).unwrap();
    assert_eq!(
        report["sent"], 2,
        "the demo's issued invoice and the one approved: {report}"
    );
    browser.visit("/app/tax-invoices?state=issued").await;
    assert!(
        browser.text().await.contains("찾은 항목이 없습니다"),
        "{}",
        browser.text().await
    );
    browser.visit("/app/tax-invoices?state=sent").await;
    assert!(
        browser.text().await.contains("DEMO-ISSUED"),
        "{}",
        browser.text().await
    );
    browser.check_page("demo-filed").await;
    browser.close().await;
}

both_engines!(the_printed_link_lets_a_person_approve_with_the_printed_files);
