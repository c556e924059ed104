//! The supplier's way in: links and sessions expire, BRNs are checked and throttled.

mod common;

use std::sync::Arc;

use common::World;
use settle_app::Clock;
use settle_testkit::{TestEngine, both_engines};
use time::{Duration, OffsetDateTime};

struct FixedClock(OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The token of the newest request email queued.
async fn newest_token(world: &World) -> String {
    let mut conn = world.app.store.read().await.unwrap();
    let claimed = settle_store::jobs::claim(
        &mut conn,
        settle_app::mail::JOB_KIND,
        "test",
        world.app.now() + Duration::days(1),
        Duration::minutes(1),
        100,
    )
    .await
    .unwrap();
    let link = claimed
        .iter()
        .filter_map(|job| job.payload["issue_request"]["link"].as_str())
        .next_back()
        .expect("a request email")
        .to_owned();
    link.rsplit('/').next().unwrap().to_owned()
}

async fn links_and_sessions_expire(engine: TestEngine) {
    let world = World::new(engine).await;
    world.requested("EXP-1").await;
    let token = newest_token(&world).await;
    let brn = world.supplier.brn.to_string();

    let later = |days: i64, hours: i64| {
        world.app.clone().with_clock(Arc::new(FixedClock(
            OffsetDateTime::now_utc() + Duration::days(days) + Duration::hours(hours),
        )))
    };
    let error = settle_app::supplier::open_session(&later(31, 0), &token, &brn)
        .await
        .unwrap_err();
    assert_eq!(error.code, "supplier.link_expired");

    let opened = settle_app::supplier::open_session(&world.app, &token, &brn)
        .await
        .unwrap();
    assert!(
        settle_app::supplier::authenticate(&world.app, &opened.session)
            .await
            .is_ok()
    );
    let error = settle_app::supplier::authenticate(&later(0, 3), &opened.session)
        .await
        .unwrap_err();
    assert_eq!(error.code, "supplier.invalid_session");
    let error = settle_app::supplier::authenticate(&world.app, "forged")
        .await
        .unwrap_err();
    assert_eq!(error.code, "supplier.invalid_session");
}

both_engines!(links_and_sessions_expire);
