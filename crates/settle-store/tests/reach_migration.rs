//! Migration 0019 numbers existing transfers in recording order and gives each existing
//! settlement the reach that holds exactly the transfers it had marked, on both engines.

use futures::TryStreamExt;
use settle_core::ids::{PartnerId, SettlementId, TenantId};
use settle_store::Store;
use settle_store::settlement::closing;
use settle_testkit::{TestEngine, fresh_database};
use sqlx::Row;
use time::macros::date;

const AT: &str = "2026-11-01T00:00:00.000000Z";

/// A partner with October and November closed (one late October transfer settled in
/// November) and a December transfer recorded before the late one, still open.
fn rows() -> Vec<String> {
    let mut rows = vec![
        format!(
            "INSERT INTO tenants (id, name, brn, created_at) VALUES ('ten_1', 'T', '1248101231', '{AT}')"
        ),
        format!(
            "INSERT INTO partners (id, tenant_id, brn, name, ceo_name, address, biz_type, biz_item, partner_type, contact_name, contact_email, version, created_at, updated_at) \
             VALUES ('par_1', 'ten_1', '2208162517', 'P', 'C', 'A', 'B', 'I', 'business', 'N', 'e@x.example', 1, '{AT}', '{AT}')"
        ),
    ];
    for (id, start, end) in [
        ("stl_oct", "2026-10-01", "2026-10-31"),
        ("stl_nov", "2026-11-01", "2026-11-30"),
    ] {
        rows.push(format!(
            "INSERT INTO settlements (id, tenant_id, partner_id, period_start, period_end, payout_date, currency, taxation, sales, fees, \
             partner_discounts, platform_discounts, adjustments, owed, income_tax, local_income_tax, payout, transfer_count, state, closed_at, updated_at) \
             VALUES ('{id}', 'ten_1', 'par_1', '{start}', '{end}', '{end}', 'KRW', '{{\"kind\":\"reverse_tax_invoice\"}}', '0', '0', '0', '0', '0', '0', '0', '0', '0', 1, 'closed', '{AT}', '{AT}')"
        ));
    }
    // (id, date, recorded at, held by), stored out of recording order
    for (id, on, minute, held) in [
        ("c", "2026-10-20", 4, Some("stl_nov")),
        ("a", "2026-10-05", 1, Some("stl_oct")),
        ("d", "2026-12-01", 3, None),
        ("b", "2026-11-03", 2, Some("stl_nov")),
    ] {
        let held = held.map_or("NULL".to_owned(), |s| format!("'{s}'"));
        rows.push(format!(
            "INSERT INTO transfers (id, tenant_id, partner_id, external_id, kind, occurred_on, amount, discount, created_at, settlement_id) \
             VALUES ('trf_{id}', 'ten_1', 'par_1', '{id}', 'order', '{on}', '1000', '0', '2026-11-01T00:0{minute}:00.000000Z', {held})"
        ));
    }
    rows
}

async fn check_migrated(url: &str) {
    let store = Store::open(url).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let tenant = TenantId::from_trusted("ten_1".to_owned());
    let mut held = Vec::new();
    for id in ["stl_oct", "stl_nov"] {
        let id = SettlementId::from_trusted(id.to_owned());
        let record = closing::get(&mut conn, &tenant, &id)
            .await
            .unwrap()
            .unwrap();
        let ids: Vec<String> = closing::transfers_in(&mut conn, &record)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.transfer.external_id)
            .collect();
        held.push(ids);
    }
    assert_eq!(held, [vec!["a"], vec!["c", "b"]]);
    let query = closing::UnsettledQuery::new(&conn, &tenant, None, date!(2026 - 12 - 31));
    let open: Vec<(PartnerId, Vec<String>)> = query
        .fetch(&mut conn)
        .map_ok(|(p, t)| (p, t.into_iter().map(|t| t.external_id).collect()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].1, ["d"]);
    let seqs: Vec<(String, i64)> =
        sqlx::query("SELECT external_id, seq FROM transfers ORDER BY seq")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("external_id"), r.get("seq")))
            .collect();
    let order: Vec<&str> = seqs.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, ["a", "b", "d", "c"], "numbered in recording order");
    drop(conn);
    // A transfer recorded now is numbered after them all.
    let mut tx = store.write().await.unwrap();
    sqlx::query(&format!(
        "INSERT INTO transfers (id, tenant_id, partner_id, external_id, kind, occurred_on, amount, discount, created_at) \
         VALUES ('trf_e', 'ten_1', 'par_1', 'e', 'order', '2026-12-02', '1', '0', '{AT}')"
    ))
    .execute(&mut *tx)
    .await
    .unwrap();
    let last: i64 = sqlx::query("SELECT seq FROM transfers WHERE id = 'trf_e'")
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get("seq");
    assert!(last > seqs.last().unwrap().1);
}

/// A test that migrates a fresh database of `$engine` (through a `$pool` opened at the URL
/// with `$suffix`) up to 0018 with the migrations in `$dir`, stores [`rows`] and checks
/// what the rest of the migrations make of them.
macro_rules! settlements_keep_their_transfers {
    ($name:ident, $engine:expr, $pool:ty, $dir:literal, $suffix:literal) => {
        #[tokio::test]
        async fn $name() {
            let db = fresh_database($engine).await;
            let pool = <$pool>::connect(&format!("{}{}", db.url, $suffix))
                .await
                .unwrap();
            let mut before = sqlx::migrate!($dir);
            before.migrations = before
                .migrations
                .iter()
                .filter(|m| m.version < 19)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            before.run(&pool).await.unwrap();
            for sql in rows() {
                sqlx::query(&sql).execute(&pool).await.unwrap();
            }
            pool.close().await;
            check_migrated(&db.url).await;
        }
    };
}

settlements_keep_their_transfers!(
    sqlite_settlements_keep_their_transfers,
    TestEngine::Sqlite,
    sqlx::SqlitePool,
    "./migrations/sqlite",
    "?mode=rwc"
);
settlements_keep_their_transfers!(
    postgres_settlements_keep_their_transfers,
    TestEngine::Postgres,
    sqlx::PgPool,
    "./migrations/postgres",
    ""
);
