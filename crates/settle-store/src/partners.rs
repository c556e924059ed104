//! The `partners` table.

pub use settle_core::partner::PartnerFilter;

use std::collections::HashSet;

use settle_core::brn::Brn;
use settle_core::ids::{PartnerId, TenantId};
use settle_core::language::Language;
use settle_core::partner::{Contact, NtsLink, Partner, PartnerData};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use crate::codec::{instant, int, text};
use crate::columns::{Instant, Int, Json, Null, Text, for_engine};
use crate::filters::Filtered;
use crate::{StoreError, StoreResult, bulk};

crate::table_row! {
    /// A row of `partners`.
    pub(crate) struct PartnerRow in "partners" {
        id: Text,
        tenant_id: Text,
        brn: Null<Text>,
        sub_business_id: Text,
        name: Text,
        ceo_name: Text,
        address: Text,
        biz_type: Text,
        biz_item: Text,
        partner_type: Text,
        external_id: Null<Text>,
        contact_name: Text,
        contact_email: Text,
        contact_phone: Null<Text>,
        tags: Json<Vec<String>>,
        nts_linked_at: Null<Instant>,
        version: Int,
        created_at: Instant,
        updated_at: Instant,
        language: Text,
    }
}
/// Rows per multi-row INSERT: well under both engines' bound-parameter limits.
const CHUNK_ROWS: usize = 400;

/// Which uniqueness rule a partner would break.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clash {
    /// Another partner of the tenant has the same BRN and sub-business id.
    Brn(PartnerId),
    /// Another partner of the tenant has the same platform id.
    ExternalId(PartnerId),
}

/// Stores one new partner; `Some(clash)` instead when it would duplicate another one.
pub async fn insert(conn: &mut AnyConnection, partner: &Partner) -> StoreResult<Option<Clash>> {
    let inserted = insert_many(conn, std::slice::from_ref(partner)).await?;
    if inserted.contains(&partner.id) {
        return Ok(None);
    }
    match find_clash(conn, &partner.tenant_id, &partner.data, Some(&partner.id)).await? {
        Some(clash) => Ok(Some(clash)),
        None => Err(StoreError::Corrupt(format!(
            "partner {} was neither stored nor a duplicate",
            partner.id
        ))),
    }
}

/// Stores many new partners with multi-row inserts, skipping any that would duplicate a
/// stored one; returns the ids that were stored.
pub async fn insert_many(
    conn: &mut AnyConnection,
    partners: &[Partner],
) -> StoreResult<HashSet<PartnerId>> {
    let mut stored = HashSet::with_capacity(partners.len());
    let sqlite = bulk::sqlite(conn);
    let table = PartnerRow::TABLE;
    for chunk in partners.chunks(CHUNK_ROWS) {
        let sql = bulk::insert_sql(
            &table.target(),
            &table.kinds(),
            chunk.len(),
            sqlite,
            "ON CONFLICT DO NOTHING RETURNING id",
        );
        let mut query = sqlx::query(&sql);
        for partner in chunk {
            query = bind_partner(query, partner);
        }
        for row in query.fetch_all(&mut *conn).await? {
            stored.insert(PartnerId::from_trusted(text(&row, "id")?));
        }
    }
    Ok(stored)
}

fn bind_partner<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    p: &'q Partner,
) -> Query<'q, Any, AnyArguments<'q>> {
    // Text is bound by reference: a bulk insert copies each value once, into SQL.
    let d = &p.data;
    query
        .bind(p.id.as_str())
        .bind(p.tenant_id.as_str())
        .bind(d.brn.as_ref().map(Brn::digits))
        .bind(d.sub_business_id.as_deref().unwrap_or_default())
        .bind(d.name.as_str())
        .bind(d.ceo_name.as_str())
        .bind(d.address.as_str())
        .bind(d.biz_type.as_str())
        .bind(d.biz_item.as_str())
        .bind(d.partner_type.as_str())
        .bind(d.external_id.as_deref())
        .bind(d.contact.name.as_str())
        .bind(d.contact.email.as_str())
        .bind(d.contact.phone.as_deref())
        .bind(tags_json(&d.tags))
        .bind(linked_at(&p.nts_link))
        .bind(p.version)
        .bind(instant(p.created_at))
        .bind(instant(p.updated_at))
        .bind(d.language.as_str())
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

fn linked_at(link: &NtsLink) -> Option<String> {
    match link {
        NtsLink::Unlinked => None,
        NtsLink::Linked { linked_at } => Some(instant(*linked_at)),
    }
}

/// Finds the stored partner (other than `except`) that `data` would duplicate.
pub async fn find_clash(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    data: &PartnerData,
    except: Option<&PartnerId>,
) -> StoreResult<Option<Clash>> {
    let except = except.map(PartnerId::as_str).unwrap_or("");
    if let Some(brn) = &data.brn {
        let row = sqlx::query(
            "SELECT id FROM partners WHERE tenant_id = $1 AND brn = $2 AND sub_business_id = $3 \
             AND id <> $4",
        )
        .bind(tenant.as_str())
        .bind(brn.to_string())
        .bind(data.sub_business_id.clone().unwrap_or_default())
        .bind(except)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            return Ok(Some(Clash::Brn(PartnerId::from_trusted(text(&row, "id")?))));
        }
    }
    if let Some(external_id) = &data.external_id {
        let row = sqlx::query(
            "SELECT id FROM partners WHERE tenant_id = $1 AND external_id = $2 AND id <> $3",
        )
        .bind(tenant.as_str())
        .bind(external_id)
        .bind(except)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            return Ok(Some(Clash::ExternalId(PartnerId::from_trusted(text(
                &row, "id",
            )?))));
        }
    }
    Ok(None)
}

/// The tenant's partner with this id.
pub async fn get(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    id: &PartnerId,
) -> StoreResult<Option<Partner>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM partners WHERE id = $1 AND tenant_id = $2",
        PartnerRow::columns()
    ))
    .bind(id.as_str())
    .bind(tenant.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// The tenant's partners whose `id` (or, with `by_brn`, BRN) is one of `values`.
pub async fn find_many(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    by_brn: bool,
    values: &[String],
) -> StoreResult<Vec<Partner>> {
    let column = if by_brn { "brn" } else { "id" };
    let mut found = Vec::new();
    for chunk in values.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT {} FROM partners WHERE tenant_id = $1 AND {column} IN ({}) ORDER BY id",
            PartnerRow::columns(),
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant.as_str());
        for value in chunk {
            query = query.bind(value.as_str());
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(decode(&row)?);
        }
    }
    Ok(found)
}

/// Replaces a partner's data and link if its version is still `partner.version - 1`
/// (compare-and-set); false when someone else changed it first.
pub async fn update(conn: &mut AnyConnection, partner: &Partner) -> StoreResult<bool> {
    let d = &partner.data;
    let sql = for_engine(
        conn,
        "UPDATE partners SET brn = $1, sub_business_id = $2, name = $3, ceo_name = $4, \
         address = $5, biz_type = $6, biz_item = $7, partner_type = $8, external_id = $9, \
         contact_name = $10, contact_email = $11, contact_phone = $12, tags = $13::jsonb, \
         nts_linked_at = $14::timestamptz, version = $15, updated_at = $16::timestamptz, \
         language = $17 WHERE id = $18 AND tenant_id = $19 AND version = $20",
    );
    let done = sqlx::query(&sql)
        .bind(d.brn.as_ref().map(Brn::to_string))
        .bind(d.sub_business_id.clone().unwrap_or_default())
        .bind(&d.name)
        .bind(&d.ceo_name)
        .bind(&d.address)
        .bind(&d.biz_type)
        .bind(&d.biz_item)
        .bind(d.partner_type.as_str())
        .bind(d.external_id.as_deref())
        .bind(&d.contact.name)
        .bind(&d.contact.email)
        .bind(d.contact.phone.as_deref())
        .bind(tags_json(&d.tags))
        .bind(linked_at(&partner.nts_link))
        .bind(partner.version)
        .bind(instant(partner.updated_at))
        .bind(d.language.as_str())
        .bind(partner.id.as_str())
        .bind(partner.tenant_id.as_str())
        .bind(partner.version - 1)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One page of a tenant's partners in id (creation) order, starting after `after`.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    filter: &PartnerFilter,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Partner>> {
    let mut query = Filtered::new(
        format!(
            "SELECT {} FROM partners WHERE tenant_id = $1",
            PartnerRow::columns()
        ),
        tenant.as_str(),
    );
    if let Some(after) = after {
        query.and(" AND id > ?", after);
    }
    if let Some(brn) = &filter.brn {
        query.and(" AND brn = ?", brn.as_str());
    }
    if let Some(external_id) = &filter.external_id {
        query.and(" AND external_id = ?", external_id.as_str());
    }
    if let Some(tag) = &filter.tag {
        query.and(
            " AND CAST(tags AS TEXT) LIKE ? ESCAPE '\\'",
            format!(
                "%{}%",
                like_escape(tags_json(std::slice::from_ref(tag)).trim_matches(['[', ']']))
            ),
        );
    }
    if let Some(name) = &filter.name_contains {
        query.and(
            " AND name LIKE ? ESCAPE '\\'",
            format!("%{}%", like_escape(name)),
        );
    }
    if let Some(among) = &filter.among {
        query.and_in("id", among);
    }
    match filter.linked {
        Some(true) => query.and_sql(" AND nts_linked_at IS NOT NULL"),
        Some(false) => query.and_sql(" AND nts_linked_at IS NULL"),
        None => {}
    }
    let rows = query.fetch_page(conn, limit).await?;
    rows.iter().map(decode).collect()
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// How many partners a tenant has.
pub async fn count(conn: &mut AnyConnection, tenant: &TenantId) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM partners WHERE tenant_id = $1")
        .bind(tenant.as_str())
        .fetch_one(conn)
        .await?;
    int(&row, "n")
}

fn decode(row: &AnyRow) -> StoreResult<Partner> {
    let row = PartnerRow::read(row)?;
    let corrupt =
        |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("partner {what}: {e}"));
    let brn = row
        .brn
        .map(|b| Brn::parse(&b).map_err(|e| corrupt("brn", &e)))
        .transpose()?;
    let sub_business_id = row.sub_business_id;
    Ok(Partner {
        id: PartnerId::from_trusted(row.id),
        tenant_id: TenantId::from_trusted(row.tenant_id),
        data: PartnerData {
            brn,
            sub_business_id: (!sub_business_id.is_empty()).then_some(sub_business_id),
            name: row.name,
            ceo_name: row.ceo_name,
            address: row.address,
            biz_type: row.biz_type,
            biz_item: row.biz_item,
            partner_type: row
                .partner_type
                .parse()
                .map_err(|()| corrupt("type", &row.partner_type))?,
            external_id: row.external_id,
            contact: Contact {
                name: row.contact_name,
                email: row.contact_email,
                phone: row.contact_phone,
            },
            tags: row.tags,
            language: Language::parse(&row.language)
                .ok_or_else(|| corrupt("language", &row.language))?,
        },
        nts_link: match row.nts_linked_at {
            Some(linked_at) => NtsLink::Linked { linked_at },
            None => NtsLink::Unlinked,
        },
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
