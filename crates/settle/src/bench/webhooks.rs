//! `settle bench webhooks`: events delivered to a receiver on loopback. Payments are
//! recorded through their use case (setup: each publishes a `payment.recorded` event in its
//! transaction), then the delivery worker is timed until every event was POSTed, signed,
//! answered 200 and recorded.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use settle_app::App;
use settle_app::billing::PaymentInput;
use settle_app::secrets::SecretKey;
use settle_app::webhooks::{EndpointInput, create_endpoint, deliver_webhooks};
use settle_core::billing::{AddressInput, BillingProfileInput};
use settle_core::money::DecimalInput;
use settle_core::partner::PartnerInput;

use super::{create_tenant, open_app, per_second};
use crate::config::Config;

/// A receiver on loopback that answers 200 and counts; returns its URL and the count.
async fn receiver() -> anyhow::Result<(String, Arc<AtomicUsize>)> {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, count))
}

fn address() -> Option<AddressInput> {
    Some(AddressInput {
        name: Some("Bench Partner".to_owned()),
        address: Some("1 Teheran-ro, Seoul".to_owned()),
        ..AddressInput::default()
    })
}

/// One run: returns the setup time and the delivery time.
async fn one_run(app: &App, events: usize) -> anyhow::Result<(Duration, Duration)> {
    let by = create_tenant(app, "webhook bench").await?;
    let (url, count) = receiver().await?;
    create_endpoint(
        app,
        &by,
        EndpointInput {
            url: Some(url),
            events: Some(vec!["payment.recorded".to_owned()]),
            enabled: None,
        },
    )
    .await?;
    let partner = settle_app::partners::create(
        app,
        &by,
        PartnerInput {
            brn: Some("120-81-47521".to_owned()),
            name: Some("주식회사 벤치".to_owned()),
            ceo_name: Some("김벤치".to_owned()),
            address: Some("서울".to_owned()),
            biz_type: Some("서비스".to_owned()),
            biz_item: Some("소프트웨어".to_owned()),
            contact_name: Some("이정산".to_owned()),
            contact_email: Some("tax@bench.example".to_owned()),
            ..PartnerInput::default()
        },
    )
    .await?;
    settle_app::billing::create_profile(
        app,
        &by,
        BillingProfileInput {
            partner_id: Some(partner.id.to_string()),
            sold_to: address(),
            bill_to: address(),
            payment_terms_days: Some(30),
            billing_currency: Some("USD".to_owned()),
            template: Some("lrd".to_owned()),
            country: Some("KR".to_owned()),
            ..BillingProfileInput::default()
        },
    )
    .await?;
    let setup = Instant::now();
    for n in 0..events {
        let payment = PaymentInput {
            partner_id: Some(partner.id.to_string()),
            amount: Some(DecimalInput(Decimal::ONE)),
            currency: Some("USD".to_owned()),
            paid_on: Some("2026-11-20".to_owned()),
            reference: Some(format!("wire {n}")),
            allocations: None,
        };
        settle_app::billing::record_payment(app, &by, payment).await?;
    }
    let setup = setup.elapsed();
    let started = Instant::now();
    while count.load(Ordering::SeqCst) < events {
        deliver_webhooks(app, "bench").await?;
    }
    Ok((setup, started.elapsed()))
}

/// Runs the benchmark and prints each run and the median.
pub async fn run(events: usize, runs: usize, config: &Config) -> anyhow::Result<()> {
    println!("webhooks: {events} payment.recorded events to a receiver on loopback, {runs} runs");
    let mut times = Vec::new();
    for run in 1..=runs.max(1) {
        let scratch = tempfile::tempdir()?;
        let mut settings = config.settings(None)?;
        settings.webhook_allow_private = true;
        let app = open_app(config, scratch.path())
            .await?
            .with_settings(settings)
            .with_secret_key(SecretKey::from_secret("the webhook benchmark's key")?);
        let result = one_run(&app, events).await;
        app.store.close().await;
        let (setup, delivery) = result?;
        println!(
            "  run {run}: setup {} ms; delivery {} ms, {} events/s",
            setup.as_millis(),
            delivery.as_millis(),
            per_second(events, delivery)
        );
        times.push(delivery);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "median: {} ms to deliver {events} events, {} events/s",
        median.as_millis(),
        per_second(events, median)
    );
    Ok(())
}
