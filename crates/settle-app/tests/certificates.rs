//! Certificate registration: sealed at rest, expiring, replaced, and usable for signing;
//! approval numbers that never repeat. On SQLite and on PostgreSQL.

use settle_app::App;
use settle_app::certificates::{self, CertificateFiles, Party};
use settle_app::secrets::SecretKey;
use settle_core::brn::Brn;
use settle_nts::approval::IssuerCode;
use settle_nts::certificate::{LeafSpec, OID_SEED_CBC_WITH_SHA1, ThrowawayCa, ThrowawayLeaf};
use settle_store::Store;
use settle_testkit::{TestEngine, both_engines, fresh_database};
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "reg-pass";
const SECRET: &str = "a secret key for the tests";

fn files(leaf: &ThrowawayLeaf) -> CertificateFiles {
    CertificateFiles::Npki {
        certificate: leaf.certificate_der().unwrap(),
        key: leaf
            .sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
            .unwrap(),
    }
}

async fn registration_is_sealed_and_signs(engine: TestEngine) {
    let db = fresh_database(engine).await;
    let store = Store::open(&db.url).await.unwrap();
    let app = App::new(store.clone()).with_secret_key(SecretKey::from_secret(SECRET).unwrap());
    let tenant = settle_app::tenants::create(&app, "t", "124-81-01231")
        .await
        .unwrap()
        .tenant;
    let brn = Brn::parse("220-81-62517").unwrap();
    let ca = ThrowawayCa::new("reg CA").unwrap();
    let mut spec = LeafSpec::new("supplier");
    spec.vid_brn = Some(brn.digits().to_owned());
    spec.not_after = OffsetDateTime::now_utc() + Duration::days(90);
    let leaf = ca.issue(&spec).unwrap();
    let party = Party::Tenant;

    let error = certificates::register(&app, &tenant.id, &party, &brn, files(&leaf), "wrong")
        .await
        .unwrap_err();
    assert_eq!(
        (error.code.as_ref(), error.field.as_deref()),
        ("cert.wrong_password", Some("password"))
    );
    let stranger = Brn::parse("124-81-01231").unwrap();
    let error = certificates::register(&app, &tenant.id, &party, &stranger, files(&leaf), PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(error.code, "cert.brn_mismatch");
    assert_eq!(
        certificates::signing_identity(&app, &tenant.id, &party)
            .await
            .unwrap_err()
            .code,
        "cert.not_registered"
    );

    let registration =
        certificates::register(&app, &tenant.id, &party, &brn, files(&leaf), PASSWORD)
            .await
            .unwrap();
    // A 90-day certificate: the registration ends with it, not after a year.
    assert_eq!(registration.expires_at, registration.not_after);
    assert!(!registration.chain_verified);

    // Nothing in the database reveals the key.
    let plain = leaf.key.private_key_to_pkcs8().unwrap();
    let mut conn = store.read().await.unwrap();
    let record = settle_store::certificates::current(
        &mut conn,
        tenant.id.as_str(),
        "tenant",
        tenant.id.as_str(),
    )
    .await
    .unwrap()
    .unwrap();
    drop(conn);
    use base64::Engine as _;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&record.sealed_key)
        .unwrap();
    assert!(
        !sealed
            .windows(32)
            .any(|w| plain.windows(32).next() == Some(w))
    );

    let identity = certificates::signing_identity(&app, &tenant.id, &party)
        .await
        .unwrap();
    assert_eq!(
        identity.certificate_der(),
        leaf.certificate_der().unwrap().as_slice()
    );
    assert_eq!(identity.random_num(), Some(leaf.random_num.as_slice()));

    // Another secret cannot unseal it.
    let other = App::new(store.clone())
        .with_secret_key(SecretKey::from_secret("some other secret key").unwrap());
    assert!(
        certificates::signing_identity(&other, &tenant.id, &party)
            .await
            .is_err()
    );
    // Without a secret key nothing is stored.
    let bare = App::new(store.clone());
    let error = certificates::register(&bare, &tenant.id, &party, &brn, files(&leaf), PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(error.code, "config.secret_key_required");

    // A second registration replaces the first.
    let second = ca.issue(&spec).unwrap();
    certificates::register(&app, &tenant.id, &party, &brn, files(&second), PASSWORD)
        .await
        .unwrap();
    let identity = certificates::signing_identity(&app, &tenant.id, &party)
        .await
        .unwrap();
    assert_eq!(
        identity.certificate_der(),
        second.certificate_der().unwrap().as_slice()
    );
}

async fn approval_numbers_never_repeat(engine: TestEngine) {
    let db = fresh_database(engine).await;
    let app = App::new(Store::open(&db.url).await.unwrap());
    let issuer: IssuerCode = "41000001".parse().unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let app = app.clone();
            let issuer = issuer.clone();
            tokio::spawn(async move {
                settle_app::approvals::assign(&app, app.now(), &issuer)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().to_string());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 16);
    assert!(
        numbers
            .iter()
            .all(|n| n.len() == 24 && &n[8..16] == "41000001")
    );
    assert_eq!(&numbers[15][16..], "00000016");
}

both_engines!(
    registration_is_sealed_and_signs,
    approval_numbers_never_repeat
);
