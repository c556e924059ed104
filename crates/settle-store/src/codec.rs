//! How values are written as bound text (instants as fixed RFC 3339 UTC text, which sorts
//! as text on SQLite; documents as JSON) and parsed back; plus readers for ad-hoc columns.
//! Record rows are read through [`crate::columns`].

use sqlx::Row;
use sqlx::any::AnyRow;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::{StoreError, StoreResult};

/// Formats an instant as `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC.
pub fn instant(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    at.to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Parses an instant written by [`instant`] (SQLite) or a `timestamptz` cast to text
/// (PostgreSQL: `2026-01-01 18:04:05.000007+00`).
pub fn parse_instant(text: &str) -> StoreResult<OffsetDateTime> {
    let postgres = format_description!(
        version = 2,
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]\
         [offset_hour sign:mandatory][optional [:[offset_minute]]]"
    );
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &postgres))
        .map_err(|e| StoreError::Corrupt(format!("instant {text:?}: {e}")))
}

/// Reads a text column.
pub fn text(row: &AnyRow, column: &str) -> StoreResult<String> {
    Ok(row.try_get::<String, _>(column)?)
}

/// Reads a nullable text column.
pub fn opt_text(row: &AnyRow, column: &str) -> StoreResult<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}

/// Reads an integer column.
pub fn int(row: &AnyRow, column: &str) -> StoreResult<i64> {
    Ok(row.try_get::<i64, _>(column)?)
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> StoreResult<time::Date> {
    let format = format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).map_err(|e| StoreError::Corrupt(format!("date {text:?}: {e}")))
}

/// Writes a value as JSON text.
pub fn to_json<T: serde::Serialize>(value: &T, what: &str) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_round_trip_and_sort_as_text() {
        let early = datetime!(2026-01-02 03:04:05.000_007 +09:00);
        let late = datetime!(2026-01-02 03:04:05.5 UTC);
        assert_eq!(instant(early), "2026-01-01T18:04:05.000007Z");
        assert_eq!(parse_instant(&instant(early)).unwrap(), early);
        assert!(instant(early) < instant(late));
    }

    #[test]
    fn instants_read_back_from_postgres_text() {
        let at = datetime!(2026-01-02 03:04:05.000_007 UTC);
        assert_eq!(parse_instant("2026-01-02 03:04:05.000007+00").unwrap(), at);
        assert_eq!(
            parse_instant("2026-01-02 12:34:05+09:30").unwrap(),
            datetime!(2026-01-02 03:04:05 UTC)
        );
    }
}
