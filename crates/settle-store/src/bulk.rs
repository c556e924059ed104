//! Multi-row `INSERT` statements and `VALUES` lists, the fast path for imports and batches.

use crate::columns::Kind;

/// Rows per multi-row INSERT of `columns` columns: under both engines' limits on bound
/// parameters (SQLite 32,766, PostgreSQL 65,535); fewer, larger statements insert faster.
pub fn chunk_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).max(1)
}

/// `INSERT INTO {into} VALUES (…), (…) {suffix}` for `rows` rows of placeholders for
/// columns of `kinds`. `into` is `table (col, …)`. On SQLite the placeholders are
/// anonymous `?`: it looks a named parameter (`$7`) up by walking all of them, which makes
/// binding thousands of them quadratic, while `?` binds by position in constant time. On
/// PostgreSQL each placeholder carries its column's cast (`$5::numeric`).
pub fn insert_sql(into: &str, kinds: &[Kind], rows: usize, sqlite: bool, suffix: &str) -> String {
    let mut sql = format!("INSERT INTO {into} ");
    sql.push_str(&values_sql(kinds, rows, sqlite));
    if !suffix.is_empty() {
        sql.push(' ');
        sql.push_str(suffix);
    }
    sql
}

/// `VALUES (…), (…)` for `rows` rows of placeholders for columns of `kinds`, anonymous on
/// SQLite and cast on PostgreSQL (see [`insert_sql`]). As a table in `FROM`, its columns
/// are `column1`, `column2`, … on both engines.
pub fn values_sql(kinds: &[Kind], rows: usize, sqlite: bool) -> String {
    let columns = kinds.len();
    let mut sql = String::from("VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for (column, kind) in kinds.iter().enumerate() {
            if column > 0 {
                sql.push_str(", ");
            }
            if sqlite {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(&(row * columns + column + 1).to_string());
                sql.push_str(kind.cast());
            }
        }
        sql.push(')');
    }
    sql
}

/// Whether `conn` is SQLite (anonymous placeholders, no casts).
pub fn sqlite(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name() == "SQLite"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_row_by_row() {
        let kinds = [Kind::Text, Kind::Decimal];
        assert_eq!(
            insert_sql("t (a, b)", &kinds, 2, false, "RETURNING a"),
            "INSERT INTO t (a, b) VALUES ($1, $2::numeric), ($3, $4::numeric) RETURNING a"
        );
        assert_eq!(
            insert_sql("t (a)", &[Kind::Instant], 2, true, ""),
            "INSERT INTO t (a) VALUES (?), (?)"
        );
        assert_eq!(
            values_sql(&kinds, 2, false),
            "VALUES ($1, $2::numeric), ($3, $4::numeric)"
        );
    }
}
