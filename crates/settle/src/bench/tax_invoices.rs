//! `settle bench tax-invoice-batch`: documents submitted as XLSX files through the batch
//! endpoint (the whole HTTP stack, in process: auth, body limits, multipart, parsing,
//! validation, storage, links, queued emails), then optionally issued and filed.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use settle_app::auth::Principal;
use settle_app::certificates::CertificateFiles;
use settle_app::nts_link::TenantPatch;
use settle_app::secrets::SecretKey;
use settle_app::supplier::SupplierPrincipal;
use settle_app::{App, Settings};
use settle_core::brn::Brn;
use settle_core::partner::PartnerInput;
use settle_core::tax_invoice::TaxInvoiceState;
use settle_nts::certificate::{LeafSpec, OID_SEED_CBC_WITH_SHA1, ThrowawayCa};
use settle_store::Store;
use tower::ServiceExt;

use super::per_second;

const PASSWORD: &str = "bench-password";

/// What one run measured.
struct RunResult {
    submit: Duration,
    filing: Option<(Duration, Duration)>,
}

/// Runs the benchmark `runs` times on fresh SQLite files and prints the medians.
pub async fn run(
    documents: usize,
    files: usize,
    clients: usize,
    partners: usize,
    runs: usize,
    filing: bool,
) -> anyhow::Result<()> {
    let files = files.max(1);
    let per_file = documents.div_ceil(files);
    println!(
        "tax-invoice-batch: {documents} documents in {files} XLSX files from {clients} uploaders, {partners} partners, {runs} runs{}",
        if filing {
            ", then issued and filed"
        } else {
            ""
        }
    );
    let mut results = Vec::new();
    for run in 1..=runs.max(1) {
        let result = one_run(documents, per_file, clients, partners.max(1), filing).await?;
        print!(
            "  run {run}: submitted in {} ms ({} documents/s)",
            result.submit.as_millis(),
            per_second(documents, result.submit)
        );
        if let Some((issue, file)) = result.filing {
            print!(
                "; issued in {} ms; filing batch {} ms ({} documents/s)",
                issue.as_millis(),
                file.as_millis(),
                per_second(documents, file)
            );
        }
        println!();
        results.push(result);
    }
    let mut submits: Vec<Duration> = results.iter().map(|r| r.submit).collect();
    submits.sort();
    let median = submits[submits.len() / 2];
    println!(
        "median submit: {} ms, {} documents/s",
        median.as_millis(),
        per_second(documents, median)
    );
    let mut filings: Vec<Duration> = results
        .iter()
        .filter_map(|r| r.filing.map(|f| f.1))
        .collect();
    filings.sort();
    if let Some(median) = filings.get(filings.len() / 2) {
        println!(
            "median filing batch: {} ms, {} documents/s",
            median.as_millis(),
            per_second(documents, *median)
        );
    }
    Ok(())
}

async fn one_run(
    documents: usize,
    per_file: usize,
    clients: usize,
    partner_count: usize,
    filing: bool,
) -> anyhow::Result<RunResult> {
    let scratch = tempfile::tempdir()?;
    let app = bench_app(scratch.path()).await?;
    let world = World::set_up(&app, partner_count).await?;
    let submit = submit_requested(&app, &world, documents, per_file, clients).await?;
    let filing = if filing {
        Some(issue_and_file(&app, &world, documents).await?)
    } else {
        None
    };
    app.store.close().await;
    Ok(RunResult { submit, filing })
}

/// An app on a fresh SQLite file in `scratch`, with a secret key (certificates can be
/// registered) and its outbox there.
pub(super) async fn bench_app(scratch: &std::path::Path) -> anyhow::Result<App> {
    let url = format!("sqlite://{}", scratch.join("bench.db").display());
    let settings = Settings {
        outbox_dir: scratch.join("outbox"),
        ..Settings::default()
    };
    Ok(App::new(Store::open(&url).await?)
        .with_settings(settings)
        .with_secret_key(SecretKey::from_secret("bench secret key, not for use")?))
}

/// Submits `documents` single-line documents with `request: true` as XLSX files of
/// `per_file` through the batch endpoint from `clients` uploaders, checks that every one
/// is requested with its email queued, and returns how long the submission took.
pub(super) async fn submit_requested(
    app: &App,
    world: &World,
    documents: usize,
    per_file: usize,
    clients: usize,
) -> anyhow::Result<Duration> {
    let workbooks = (0..documents.div_ceil(per_file))
        .map(|file| {
            let first = file * per_file;
            workbook(first..(first + per_file).min(documents), &world.brns)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let router = settle_server::router(app.clone());
    // Files go out from `clients` uploaders at once, as a platform's uploader would send
    // them; each uploader sends its files one after the other.
    let mut queues: Vec<Vec<(usize, Vec<u8>)>> = vec![Vec::new(); clients.max(1)];
    for (index, xlsx) in workbooks.into_iter().enumerate() {
        queues[index % clients.max(1)].push((index, xlsx));
    }
    let started = Instant::now();
    let uploaders: Vec<_> = queues
        .into_iter()
        .map(|queue| {
            let router = router.clone();
            let api_key = world.api_key.clone();
            tokio::spawn(async move {
                for (index, xlsx) in queue {
                    let expected = per_file.min(documents - index * per_file);
                    let response = router.clone().oneshot(upload(&api_key, xlsx)?).await?;
                    let status = response.status();
                    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
                    let report: serde_json::Value = serde_json::from_slice(&body)?;
                    anyhow::ensure!(
                        status == 200 && report["created"] == expected,
                        "file {index}: {status} {report}"
                    );
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for uploader in uploaders {
        uploader.await??;
    }
    let submit = started.elapsed();
    let mut conn = app.store.read().await?;
    let requested = settle_store::tax_invoices::count_in_state(
        &mut conn,
        &world.admin.tenant_id,
        TaxInvoiceState::Requested,
    )
    .await?;
    let emails = settle_store::jobs::count(
        &mut conn,
        settle_app::mail::JOB_KIND,
        settle_core::job::JobState::Pending,
    )
    .await?;
    drop(conn);
    anyhow::ensure!(
        requested == documents as i64 && emails >= documents as i64,
        "{requested} requested documents and {emails} queued emails"
    );
    Ok(submit)
}

/// Issues every document (each signed with its supplier's certificate), then times the
/// filing batch of the next day.
async fn issue_and_file(
    app: &App,
    world: &World,
    documents: usize,
) -> anyhow::Result<(Duration, Duration)> {
    let started = Instant::now();
    issue_all(app, world).await?;
    let issued = started.elapsed();
    let started = Instant::now();
    let report = settle_app::filing::run_batch(app, app.now() + time::Duration::days(1)).await?;
    let filed = started.elapsed();
    anyhow::ensure!(
        report.sent == documents as u64,
        "filed {report:?}, expected {documents} sent"
    );
    Ok((issued, filed))
}

/// Issues every requested document of the world, each signed with its supplier's
/// certificate.
pub(super) async fn issue_all(app: &App, world: &World) -> anyhow::Result<()> {
    for record in all_records(app, world).await? {
        settle_app::supplier::issue(app, world.supplier_of(&record)?, record.id.as_str(), None)
            .await?;
    }
    Ok(())
}

/// Every tax invoice of the world's tenant, in creation order.
pub(super) async fn all_records(
    app: &App,
    world: &World,
) -> anyhow::Result<Vec<settle_core::tax_invoice::TaxInvoiceRecord>> {
    let mut records = Vec::new();
    loop {
        let mut conn = app.store.read().await?;
        let page = settle_store::tax_invoices::list(
            &mut conn,
            &world.admin.tenant_id,
            &Default::default(),
            records
                .last()
                .map(|r: &settle_core::tax_invoice::TaxInvoiceRecord| r.id.as_str()),
            1000,
        )
        .await?;
        if page.is_empty() {
            return Ok(records);
        }
        records.extend(page);
    }
}

/// A tenant linked with the NTS, and linked partners with registered certificates.
pub(super) struct World {
    /// The platform's principal.
    pub(super) admin: Principal,
    api_key: String,
    brns: Vec<String>,
    /// One principal per supplier.
    pub(super) suppliers: Vec<SupplierPrincipal>,
}

impl World {
    /// The supplier of `record`.
    pub(super) fn supplier_of(
        &self,
        record: &settle_core::tax_invoice::TaxInvoiceRecord,
    ) -> anyhow::Result<&SupplierPrincipal> {
        self.suppliers
            .iter()
            .find(|s| s.partner_id == record.partner_id)
            .ok_or_else(|| anyhow::anyhow!("unknown supplier"))
    }

    /// Creates the tenant and `partners` linked suppliers with certificates.
    pub(super) async fn set_up(app: &App, partners: usize) -> anyhow::Result<Self> {
        let created = settle_app::tenants::create(app, "bench platform", "124-81-01231").await?;
        let admin = Principal::cli(created.tenant.id.clone());
        settle_app::nts_link::update_tenant(
            app,
            &admin,
            TenantPatch {
                ceo_name: Some("대표".into()),
                contact_email: Some("billing@platform.example".into()),
                ..TenantPatch::default()
            },
        )
        .await?;
        let ca = ThrowawayCa::new("bench CA")?;
        let files = |brn: &str| -> anyhow::Result<CertificateFiles> {
            let mut spec = LeafSpec::new("bench");
            spec.vid_brn = Some(brn.to_owned());
            let leaf = ca.issue(&spec)?;
            Ok(CertificateFiles::Npki {
                certificate: leaf.certificate_der()?,
                key: leaf.sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)?,
            })
        };
        settle_app::nts_link::link_tenant(app, &admin, files("1248101231")?, PASSWORD).await?;
        let mut brns = Vec::new();
        let mut suppliers = Vec::new();
        for brn in (201_010_001u32..)
            .filter_map(Brn::from_prefix)
            .take(partners)
        {
            let partner = settle_app::partners::create(
                app,
                &admin,
                PartnerInput {
                    brn: Some(brn.to_string()),
                    name: Some(format!("파트너 {brn}")),
                    ceo_name: Some("대표".into()),
                    address: Some("서울특별시".into()),
                    biz_type: Some("서비스".into()),
                    biz_item: Some("판매".into()),
                    contact_name: Some("담당".into()),
                    contact_email: Some(format!("tax{}@partner.example", brn.digits())),
                    ..PartnerInput::default()
                },
            )
            .await?;
            settle_app::nts_link::link_partner(app, &admin, partner.id.as_str()).await?;
            let supplier = SupplierPrincipal {
                tenant_id: admin.tenant_id.clone(),
                partner_id: partner.id,
                actor: format!("supplier:{}", brn.digits()),
                brn,
            };
            settle_app::supplier::register_certificate(
                app,
                &supplier,
                files(brn.digits())?,
                PASSWORD,
            )
            .await?;
            brns.push(brn.to_string());
            suppliers.push(supplier);
        }
        Ok(Self {
            admin,
            api_key: created.api_key,
            brns,
            suppliers,
        })
    }
}

/// An XLSX batch file with one single-line document per row.
fn workbook(range: std::ops::Range<usize>, brns: &[String]) -> anyhow::Result<Vec<u8>> {
    let today = settle_nts::approval::korean_local(time::OffsetDateTime::now_utc()).date();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "document_key",
        "partner_brn",
        "write_date",
        "tax_type",
        "purpose",
        "request",
        "item_name",
        "supply_amount",
    ];
    for (column, name) in header.iter().enumerate() {
        sheet.write_string(0, column as u16, *name)?;
    }
    for (row, n) in range.enumerate() {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, format!("B{n:08}"))?;
        sheet.write_string(row, 1, &brns[n % brns.len()])?;
        sheet.write_string(row, 2, today.to_string())?;
        sheet.write_string(row, 3, "taxable")?;
        sheet.write_string(row, 4, "claim")?;
        sheet.write_string(row, 5, "true")?;
        sheet.write_string(row, 6, "11월 판매 정산")?;
        sheet.write_number(row, 7, (10_000 + (n % 90_000) * 10) as f64)?;
    }
    Ok(book.save_to_buffer()?)
}

fn upload(api_key: &str, xlsx: Vec<u8>) -> anyhow::Result<Request<Body>> {
    let boundary = "settle-bench-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"batch.xlsx\"\r\n\
         Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&xlsx);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Ok(Request::post("/v1/tax-invoices/batch")
        .header("authorization", format!("Bearer {api_key}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("content-length", body.len())
        .body(Body::from(body))?)
}
