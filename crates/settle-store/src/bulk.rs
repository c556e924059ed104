//! Multi-row `INSERT` statements and `VALUES` lists, the fast path for imports and batches.

/// Rows per multi-row INSERT of `columns` columns: under both engines' limits on bound
/// parameters (SQLite 32,766, PostgreSQL 65,535); fewer, larger statements insert faster.
pub fn chunk_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).max(1)
}

/// `INSERT INTO {into} VALUES (…), (…) {suffix}` for `rows` rows of `columns` placeholders.
/// `into` is `table (col, …)`. On SQLite the placeholders are anonymous `?`: it looks a
/// named parameter (`$7`) up by walking all of them, which makes binding thousands of them
/// quadratic, while `?` binds by position in constant time.
pub fn insert_sql(
    into: &str,
    columns: usize,
    rows: usize,
    anonymous: bool,
    suffix: &str,
) -> String {
    let mut sql = format!("INSERT INTO {into} ");
    sql.push_str(&values_sql(columns, rows, anonymous));
    if !suffix.is_empty() {
        sql.push(' ');
        sql.push_str(suffix);
    }
    sql
}

/// `VALUES (…), (…)` for `rows` rows of `columns` placeholders, anonymous on SQLite (see
/// [`insert_sql`]). As a table in `FROM`, its columns are `column1`, `column2`, … on both
/// engines.
pub fn values_sql(columns: usize, rows: usize, anonymous: bool) -> String {
    let mut sql = String::from("VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            if anonymous {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(&(row * columns + column + 1).to_string());
            }
        }
        sql.push(')');
    }
    sql
}

/// Whether `conn` wants anonymous placeholders (SQLite).
pub fn anonymous(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name() == "SQLite"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_row_by_row() {
        assert_eq!(
            insert_sql("t (a, b)", 2, 2, false, "RETURNING a"),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING a"
        );
        assert_eq!(
            insert_sql("t (a)", 1, 2, true, ""),
            "INSERT INTO t (a) VALUES (?), (?)"
        );
        assert_eq!(values_sql(2, 2, false), "VALUES ($1, $2), ($3, $4)");
    }
}
