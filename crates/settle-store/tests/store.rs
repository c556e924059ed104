//! Store behaviour, on SQLite and on PostgreSQL.

use settle_core::brn::Brn;
use settle_core::ids::{PartnerId, TenantId};
use settle_core::job::JobState;
use settle_core::partner::{NtsLink, Partner, PartnerInput};
use settle_core::tenant::Tenant;
use settle_store::idempotency::{self, Reservation, StoredResponse};
use settle_store::jobs::{self, NewJob};
use settle_store::partners::{self, Clash, PartnerFilter};
use settle_store::{Store, events, tenants};
use settle_testkit::{TestEngine, both_engines, fresh_database};
use time::{Duration, OffsetDateTime};

async fn store_with_tenant(engine: TestEngine) -> (Store, TenantId, settle_testkit::TestDatabase) {
    let db = fresh_database(engine).await;
    let store = Store::open(&db.url).await.unwrap();
    let tenant = Tenant {
        id: TenantId::generate(),
        name: "t".into(),
        brn: Brn::parse("2208162517").unwrap(),
        profile: Default::default(),
        nts_linked_at: None,
        created_at: OffsetDateTime::now_utc(),
    };
    let mut tx = store.write().await.unwrap();
    tenants::insert(&mut tx, &tenant).await.unwrap();
    tx.commit().await.unwrap();
    (store, tenant.id, db)
}

fn partner(tenant: &TenantId, prefix: u32, external_id: Option<&str>) -> Partner {
    let data = PartnerInput {
        brn: Brn::from_prefix(prefix).map(|b| b.to_string()),
        name: Some(format!("파트너 {prefix}")),
        ceo_name: Some("대표".into()),
        address: Some("서울".into()),
        biz_type: Some("서비스".into()),
        biz_item: Some("소프트웨어".into()),
        contact_name: Some("담당".into()),
        contact_email: Some("a@b.kr".into()),
        external_id: external_id.map(str::to_owned),
        tags: Some(vec!["x_y".into(), "100%".into()]),
        ..PartnerInput::default()
    }
    .validate()
    .unwrap();
    let now = OffsetDateTime::now_utc();
    Partner {
        id: PartnerId::generate(),
        tenant_id: tenant.clone(),
        data,
        nts_link: NtsLink::Unlinked,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

async fn partners_round_trip_and_duplicates_are_reported(engine: TestEngine) {
    let (store, tenant, _db) = store_with_tenant(engine).await;
    let first = partner(&tenant, 101_010_001, Some("P-1"));
    let mut tx = store.write().await.unwrap();
    assert_eq!(partners::insert(&mut tx, &first).await.unwrap(), None);
    let same_brn = partner(&tenant, 101_010_001, None);
    assert_eq!(
        partners::insert(&mut tx, &same_brn).await.unwrap(),
        Some(Clash::Brn(first.id.clone()))
    );
    let same_external = partner(&tenant, 101_010_002, Some("P-1"));
    assert_eq!(
        partners::insert(&mut tx, &same_external).await.unwrap(),
        Some(Clash::ExternalId(first.id.clone()))
    );
    tx.commit().await.unwrap();
    let mut conn = store.read().await.unwrap();
    let read = partners::get(&mut conn, &tenant, &first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.data, first.data);
    assert_eq!(partners::count(&mut conn, &tenant).await.unwrap(), 1);
    let other_tenant = TenantId::generate();
    assert_eq!(
        partners::get(&mut conn, &other_tenant, &first.id)
            .await
            .unwrap(),
        None
    );
}

async fn bulk_insert_skips_duplicates_and_pages_in_order(engine: TestEngine) {
    let (store, tenant, _db) = store_with_tenant(engine).await;
    let mut batch: Vec<Partner> = (0..1000)
        .filter_map(|i| {
            Brn::from_prefix(101_010_001 + i).map(|_| partner(&tenant, 101_010_001 + i, None))
        })
        .collect();
    let mut tx = store.write().await.unwrap();
    let stored = partners::insert_many(&mut tx, &batch[..10]).await.unwrap();
    assert_eq!(stored.len(), 10);
    // The second batch repeats the first ten: only the rest is stored.
    for p in &mut batch {
        p.id = PartnerId::generate();
    }
    let stored = partners::insert_many(&mut tx, &batch).await.unwrap();
    assert_eq!(stored.len(), batch.len() - 10);
    tx.commit().await.unwrap();
    let mut conn = store.read().await.unwrap();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = partners::list(
            &mut conn,
            &tenant,
            &PartnerFilter::default(),
            after.as_deref(),
            300,
        )
        .await
        .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|p| p.id.to_string());
        seen.extend(page.into_iter().map(|p| p.id));
    }
    assert_eq!(seen.len(), batch.len());
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "pages are in id order without repeats"
    );
    let tagged = PartnerFilter {
        tag: Some("100%".into()),
        ..PartnerFilter::default()
    };
    assert_eq!(
        partners::list(&mut conn, &tenant, &tagged, None, 5)
            .await
            .unwrap()
            .len(),
        5
    );
    let wildcard = PartnerFilter {
        tag: Some("x%".into()),
        ..PartnerFilter::default()
    };
    assert!(
        partners::list(&mut conn, &tenant, &wildcard, None, 5)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn compare_and_set_update_has_one_winner(engine: TestEngine) {
    let (store, tenant, _db) = store_with_tenant(engine).await;
    let original = partner(&tenant, 101_010_001, None);
    let mut tx = store.write().await.unwrap();
    partners::insert(&mut tx, &original).await.unwrap();
    tx.commit().await.unwrap();
    let mut a = original.clone();
    a.version = 2;
    a.data.name = "A".into();
    let mut b = original.clone();
    b.version = 2;
    b.data.name = "B".into();
    let mut conn = store.read().await.unwrap();
    assert!(partners::update(&mut conn, &a).await.unwrap());
    assert!(!partners::update(&mut conn, &b).await.unwrap());
    let read = partners::get(&mut conn, &tenant, &original.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((read.data.name.as_str(), read.version), ("A", 2));
}

async fn events_are_append_only(engine: TestEngine) {
    let (store, tenant, _db) = store_with_tenant(engine).await;
    let mut conn = store.read().await.unwrap();
    let event = events::Event {
        seq: 0,
        tenant_id: Some(tenant.clone()),
        at: OffsetDateTime::now_utc(),
        actor: "test".into(),
        action: "thing.done".into(),
        subject_type: "thing".into(),
        subject_id: "1".into(),
        data: serde_json::json!({ "n": 1 }),
    };
    events::append(&mut conn, &event).await.unwrap();
    let stored = events::for_subject(&mut conn, &tenant, "thing", "1")
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].data, serde_json::json!({ "n": 1 }));
    assert!(
        sqlx::query("UPDATE events SET actor = 'x'")
            .execute(&mut *conn)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM events")
            .execute(&mut *conn)
            .await
            .is_err()
    );
}

async fn idempotency_reserve_replay_and_lapse(engine: TestEngine) {
    let (store, tenant, _db) = store_with_tenant(engine).await;
    let mut conn = store.read().await.unwrap();
    let now = OffsetDateTime::now_utc();
    let lease = Duration::minutes(5);
    let reserve = |hash: &'static str, at| {
        let store = store.clone();
        let tenant = tenant.clone();
        async move {
            let mut conn = store.read().await.unwrap();
            idempotency::reserve(&mut conn, &tenant, "k", hash, at, lease)
                .await
                .unwrap()
        }
    };
    assert_eq!(reserve("h1", now).await, Reservation::Reserved);
    assert_eq!(reserve("h1", now).await, Reservation::InProgress);
    assert_eq!(reserve("h2", now).await, Reservation::Mismatch);
    // A reservation abandoned by a crash lapses.
    assert_eq!(
        reserve("h1", now + Duration::minutes(6)).await,
        Reservation::Reserved
    );
    let response = StoredResponse {
        status: 201,
        content_type: "application/json".into(),
        body: "{}".into(),
    };
    idempotency::complete(&mut conn, &tenant, "k", &response)
        .await
        .unwrap();
    assert_eq!(reserve("h1", now).await, Reservation::Replay(response));
    idempotency::release(&mut conn, &tenant, "k").await.unwrap();
    assert!(
        matches!(reserve("h1", now).await, Reservation::Replay(_)),
        "a completed key is never released"
    );
}

async fn jobs_are_claimed_once_and_leases_lapse(engine: TestEngine) {
    let (store, tenant, _db) = store_with_tenant(engine).await;
    let now = OffsetDateTime::now_utc();
    let mut conn = store.read().await.unwrap();
    for n in 0..20 {
        let job = NewJob {
            tenant_id: Some(tenant.clone()),
            kind: "email".into(),
            payload: serde_json::json!({ "n": n }),
            dedupe_key: Some(format!("mail-{n}")),
            run_at: now,
        };
        assert!(jobs::enqueue(&mut conn, &job, now).await.unwrap());
        assert!(
            !jobs::enqueue(&mut conn, &job, now).await.unwrap(),
            "dedupe key"
        );
    }
    drop(conn);
    // Four workers claim at once: every job goes to exactly one.
    let mut handles = Vec::new();
    for worker in 0..4 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut claimed = Vec::new();
            loop {
                let mut tx = store.write().await.unwrap();
                let jobs = jobs::claim(
                    &mut tx,
                    "email",
                    &format!("w{worker}"),
                    now,
                    Duration::seconds(30),
                    3,
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                if jobs.is_empty() {
                    return claimed;
                }
                claimed.extend(jobs.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.await.unwrap());
    }
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!((before, all.len()), (20, 20));
    let mut conn = store.read().await.unwrap();
    // A lapsed lease is claimed again by another worker; the first can no longer complete.
    let later = now + Duration::minutes(1);
    let retaken = jobs::claim(&mut conn, "email", "w9", later, Duration::seconds(30), 100)
        .await
        .unwrap();
    assert_eq!(retaken.len(), 20);
    assert!(retaken.iter().all(|j| j.attempts == 2));
    assert!(
        !jobs::complete(&mut conn, &retaken[0].id, "w0", later)
            .await
            .unwrap()
    );
    assert!(
        jobs::complete(&mut conn, &retaken[0].id, "w9", later)
            .await
            .unwrap()
    );
    assert!(
        jobs::fail(
            &mut conn,
            &retaken[1].id,
            "w9",
            "smtp down",
            Some(later + Duration::minutes(5)),
            later
        )
        .await
        .unwrap()
    );
    assert!(
        jobs::fail(&mut conn, &retaken[2].id, "w9", "bad address", None, later)
            .await
            .unwrap()
    );
    assert_eq!(
        jobs::count(&mut conn, "email", JobState::Done)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        jobs::count(&mut conn, "email", JobState::Failed)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        jobs::count(&mut conn, "email", JobState::Pending)
            .await
            .unwrap(),
        1
    );
}

async fn a_rolled_back_transaction_leaves_nothing(engine: TestEngine) {
    let (store, tenant, _db) = store_with_tenant(engine).await;
    let p = partner(&tenant, 101_010_001, None);
    {
        let mut tx = store.write().await.unwrap();
        partners::insert(&mut tx, &p).await.unwrap();
        // dropped without commit
    }
    let mut conn = store.read().await.unwrap();
    assert_eq!(partners::count(&mut conn, &tenant).await.unwrap(), 0);
}

both_engines!(
    partners_round_trip_and_duplicates_are_reported,
    bulk_insert_skips_duplicates_and_pages_in_order,
    compare_and_set_update_has_one_winner,
    events_are_append_only,
    idempotency_reserve_replay_and_lapse,
    jobs_are_claimed_once_and_leases_lapse,
    a_rolled_back_transaction_leaves_nothing,
);
