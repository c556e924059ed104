//! A `SELECT … WHERE` assembled from optional filters, every value bound.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;

/// A query whose conditions are added one by one.
pub struct Filtered {
    sql: String,
    args: Vec<String>,
}

impl Filtered {
    /// `sql` up to and including `WHERE tenant_id = $1`, and the tenant bound to it.
    pub fn new(sql: String, tenant: &str) -> Self {
        Self {
            sql,
            args: vec![tenant.to_owned()],
        }
    }

    /// Adds ` AND …` where the one `?` in `template` is `value`.
    pub fn and(&mut self, template: &str, value: impl Into<String>) {
        self.args.push(value.into());
        self.sql
            .push_str(&template.replace('?', &format!("${}", self.args.len())));
    }

    /// Adds `AND column IN (…)` of `values`; an empty set matches nothing.
    pub fn and_in<V: AsRef<str>>(&mut self, column: &str, values: &[V]) {
        if values.is_empty() {
            self.sql.push_str(" AND 1 = 0");
            return;
        }
        let mut marks = Vec::with_capacity(values.len());
        for value in values {
            self.args.push(value.as_ref().to_owned());
            marks.push(format!("${}", self.args.len()));
        }
        self.sql
            .push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
    }

    /// Adds SQL with no value.
    pub fn and_sql(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Ends with `ORDER BY id LIMIT limit` and runs it.
    pub async fn fetch_page(
        mut self,
        conn: &mut AnyConnection,
        limit: u32,
    ) -> StoreResult<Vec<AnyRow>> {
        self.sql.push_str(&format!(" ORDER BY id LIMIT {limit}"));
        let sql = crate::columns::for_engine(conn, &self.sql);
        let mut query = sqlx::query(&sql);
        for arg in &self.args {
            query = query.bind(arg.as_str());
        }
        Ok(query.fetch_all(conn).await?)
    }
}

/// Runs `select` (a query ending in `{column} IN`) for `values`, 500 at a time, and decodes
/// every row with `decode`.
pub async fn fetch_in<T>(
    conn: &mut AnyConnection,
    select: &str,
    values: &[&str],
    decode: impl Fn(&AnyRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut found = Vec::with_capacity(values.len());
    for chunk in values.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{select} ({})", placeholders.join(", "));
        let sql = crate::columns::for_engine(conn, &sql);
        let mut query = sqlx::query(&sql);
        for value in chunk {
            query = query.bind(*value);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(decode(&row)?);
        }
    }
    Ok(found)
}
