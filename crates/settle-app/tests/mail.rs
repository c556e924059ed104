//! Email delivery: through a real SMTP server on loopback when one is configured, as `.eml`
//! files otherwise; both read back by Python's email parser.

use settle_app::mail::{Email, Mailer};
use settle_app::{Settings, worker};
use settle_testkit::{SmtpServer, TestEngine, fresh_database, parse_eml};

fn email() -> Email {
    Email {
        to: "담당자 <tax@supplier.example>".into(),
        subject: "[플랫폼] 세금계산서 발행 요청 (INV-1, 합계 11,000원)".into(),
        body: "안녕하세요.\n링크: http://127.0.0.1:8080/s/abc_DEF-123\n".into(),
        attachments: Vec::new(),
    }
}

#[tokio::test]
async fn smtp_delivers_korean_mail_to_a_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(dir.path());
    let settings = Settings {
        smtp_url: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
        ..Settings::default()
    };
    let mailer = Mailer::from_settings(&settings);
    mailer.deliver("job_1", &email()).await.unwrap();
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subject, email().subject);
    assert_eq!(received[0].to, email().to);
    assert!(received[0].body.contains("/s/abc_DEF-123"));
    assert!(received[0].message_id.contains("job_1"));
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_an_error_not_a_loss() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = Settings {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Settings::default()
    };
    let error = Mailer::from_settings(&settings)
        .deliver("job_2", &email())
        .await
        .unwrap_err();
    assert!(error.contains("SMTP"), "{error}");
    let broken = Settings {
        smtp_url: Some("not a url".into()),
        ..Settings::default()
    };
    assert!(
        Mailer::from_settings(&broken)
            .deliver("job_3", &email())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_outbox_writes_parsable_eml_files() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        outbox_dir: dir.path().join("outbox"),
        ..Settings::default()
    };
    Mailer::from_settings(&settings)
        .deliver("job_4", &email())
        .await
        .unwrap();
    let parsed = parse_eml(&dir.path().join("outbox/job_4.eml"));
    assert_eq!(
        (parsed.subject.as_str(), parsed.to.as_str()),
        (email().subject.as_str(), email().to.as_str())
    );
    // RFC 5322 lines end in CRLF.
    assert_eq!(
        parsed.body.replace("\r\n", "\n").trim_end(),
        email().body.trim_end()
    );
}

#[tokio::test]
async fn failed_deliveries_are_retried_later() {
    let db = fresh_database(TestEngine::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = settle_app::App::new(settle_store::Store::open(&db.url).await.unwrap())
        .with_settings(Settings {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            ..Settings::default()
        });
    let tenant = settle_app::tenants::create(&app, "t", "124-81-01231")
        .await
        .unwrap()
        .tenant;
    let mut tx = app.store.write().await.unwrap();
    settle_store::jobs::enqueue(
        &mut tx,
        &settle_store::jobs::NewJob {
            tenant_id: Some(tenant.id),
            kind: settle_app::mail::JOB_KIND.into(),
            payload: serde_json::to_value(email()).unwrap(),
            dedupe_key: None,
            run_at: app.now(),
        },
        app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(worker::deliver_emails(&app, "w").await.unwrap(), 0);
    let mut conn = app.store.read().await.unwrap();
    assert_eq!(
        settle_store::jobs::count(
            &mut conn,
            settle_app::mail::JOB_KIND,
            settle_core::job::JobState::Pending
        )
        .await
        .unwrap(),
        1,
        "kept for a retry"
    );
}
